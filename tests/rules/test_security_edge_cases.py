"""RV6 behaviour the VALID/INVALID examples cannot express: taint following, fix shapes, frameworks."""

from __future__ import annotations

import textwrap

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.fixes import fix_source


def _code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _lines(source: str, select: str) -> list[int]:
    result = analyse_source(source, "app.py", Settings(select=(select,)))
    assert result.internal_errors == ()
    return [f.span.line for f in result.findings if f.code == select]


def _fixed(source: str, select: str) -> str:
    return fix_source(source, "app.py", Settings(select=(select,)), unsafe=True).source


def test_path_join_inside_a_resolved_assignment_is_hoisted_and_checked() -> None:
    source = _code(
        """
        from pathlib import Path
        from fastapi import APIRouter, HTTPException
        from fastapi.responses import FileResponse

        router = APIRouter()
        PUBLIC = Path("public")

        @router.get("/public/{filename:path}")
        async def serve(filename: str):
            target = (PUBLIC / filename).resolve()
            return FileResponse(target)
        """
    )
    assert _lines(source, "RV601") == [10]
    assert _fixed(source, "RV601") == _code(
        """
        from pathlib import Path
        from fastapi import APIRouter, HTTPException
        from fastapi.responses import FileResponse

        router = APIRouter()
        PUBLIC = Path("public")

        @router.get("/public/{filename:path}")
        async def serve(filename: str):
            path = PUBLIC / filename
            if not path.resolve().is_relative_to(PUBLIC.resolve()):
                raise HTTPException(
                    status_code=403, detail="Path is outside the allowed directory"
                )
            target = path.resolve()
            return FileResponse(target)
        """
    )


def test_flask_abort_rejects_the_escape() -> None:
    source = _code(
        """
        import os
        from flask import Flask, abort, send_file

        app = Flask(__name__)

        @app.route("/files/<path:name>")
        def files(name):
            full = os.path.join(app.config["FILES"], name)
            return send_file(full)
        """
    )
    fixed = _fixed(source, "RV601")
    assert "        abort(403)\n" in fixed
    assert _lines(fixed, "RV601") == []


def test_taint_follows_loops_and_string_building_but_not_basename_or_numbers() -> None:
    source = _code(
        """
        import os
        from flask import Flask, request

        app = Flask(__name__)
        ROOT = "/srv/data"

        @app.post("/bulk-delete")
        def bulk_delete():
            for name in request.json["names"]:
                os.remove(os.path.join(ROOT, str(name).strip()))

        @app.get("/page/<int:number>")
        def page(number: int):
            return open(os.path.join(ROOT, f"page-{number}.html")).read()

        @app.get("/avatar/<user>")
        def avatar(user: str):
            return open(os.path.join(ROOT, os.path.basename(user))).read()
        """
    )
    assert _lines(source, "RV601") == [10]


def test_a_path_rebuilt_from_constants_is_no_longer_tainted() -> None:
    source = _code(
        """
        from pathlib import Path
        from fastapi import FastAPI

        app = FastAPI()
        BASE = Path("/srv")

        @app.get("/report/{name}")
        async def report(name: str):
            path = BASE / name
            path = BASE / "default.txt"
            return path.read_text()
        """
    )
    assert _lines(source, "RV601") == []


def test_path_forwarded_through_a_url_variable_and_starlette_exception() -> None:
    source = _code(
        """
        import httpx
        from starlette.exceptions import HTTPException
        from fastapi import APIRouter

        router = APIRouter()

        @router.api_route("/gw/{rest:path}", methods=["GET", "POST"])
        async def gateway(rest: str, client: httpx.AsyncClient):
            url = "https://backend/" + rest
            return await client.request("GET", url)
        """
    )
    assert _lines(source, "RV602") == [10]
    fixed = _fixed(source, "RV602")
    assert 'raise HTTPException(status_code=400, detail="Invalid path")' in fixed
    assert _lines(fixed, "RV602") == []


def test_query_parameters_are_not_path_forwarding() -> None:
    source = _code(
        """
        import requests
        from flask import Flask

        app = Flask(__name__)

        @app.route("/search/<term>")
        def search(term):
            return requests.get(f"https://api.example.com/search?q={term}").json()
        """
    )
    assert _lines(source, "RV602") == []


def test_websocket_endpoint_classes_and_aiohttp_handlers() -> None:
    source = _code(
        """
        from aiohttp import web
        from starlette.endpoints import WebSocketEndpoint

        class Feed(WebSocketEndpoint):
            async def on_connect(self, websocket):
                await websocket.accept()

        class SecureFeed(WebSocketEndpoint):
            async def on_connect(self, websocket):
                if websocket.cookies.get("session") is None:
                    await websocket.close(code=1008)
                    return
                await websocket.accept()

        async def stream(request):
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            return ws
        """
    )
    assert _lines(source, "RV603") == [6, 16]
