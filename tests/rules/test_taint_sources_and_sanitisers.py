"""RV601/RV602 on the taint engine: request sources of each framework, sanitisers, and the shapes that must stay quiet."""

from __future__ import annotations

import textwrap

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source


def _findings(text: str, select: str, path: str = "app.py") -> list[tuple[int, str]]:
    source = textwrap.dedent(text).lstrip("\n")
    result = analyse_source(source, path, Settings(select=(select,)))
    assert result.internal_errors == ()
    return [(f.span.line, f.message) for f in result.findings if f.code == select]


def test_django_and_drf_request_reads_reach_open() -> None:
    found = _findings(
        """
        from django.http import FileResponse

        def download(request):
            filename = request.POST.get("filename")
            return FileResponse(open(filename, "rb"))

        class Export:
            def get(self, request):
                return open(self.request.query_params["path"]).read()
        """,
        "RV601",
    )
    assert [line for line, _ in found] == [5, 9]
    assert found[0][1].startswith("filename comes from the request")


def test_websocket_message_and_socketio_payload_are_sources() -> None:
    found = _findings(
        """
        from fastapi import FastAPI, WebSocket

        app = FastAPI()

        @app.websocket("/ws")
        async def feed(websocket: WebSocket):
            name = await websocket.receive_text()
            await websocket.send_bytes(open(name, "rb").read())

        @sio.on("load")
        async def load(sid, data):
            return open(data["path"]).read()
        """,
        "RV601",
    )
    assert [line for line, _ in found] == [8, 12]


def test_typed_and_converted_values_are_clean() -> None:
    found = _findings(
        """
        import os
        import uuid
        from enum import Enum
        from typing import Literal
        from fastapi import FastAPI

        app = FastAPI()

        class Kind(str, Enum):
            a = "a"

        @app.get("/a/{kind}")
        async def a(kind: Kind, fmt: Literal["pdf", "csv"], run: uuid.UUID):
            return open(f"/srv/{kind}/{run}.{fmt}").read()

        @app.get("/b")
        async def b(page: str):
            return open(os.path.join("/srv/pages", str(int(page)))).read()
        """,
        "RV601",
    )
    assert found == []


def test_a_single_segment_path_parameter_is_not_reported_through_a_helper() -> None:
    found = _findings(
        """
        from fastapi import FastAPI

        app = FastAPI()

        def backup_path(name):
            return "/srv/backups/" + name

        @app.delete("/backups/{name}")
        def delete(name: str):
            target = backup_path(name)
            open(target).close()
        """,
        "RV601",
    )
    assert found == []


def test_string_replace_and_dict_lookups_are_not_file_sinks() -> None:
    found = _findings(
        """
        from flask import Flask, request

        app = Flask(__name__)

        @app.get("/x")
        def x():
            header = request.headers.get("Authorization")
            token = header.replace("Bearer ", "", 1)
            return {"token": token}
        """,
        "RV601",
    )
    assert found == []


def test_session_get_is_not_an_outbound_request_unless_a_url_is_built() -> None:
    found = _findings(
        """
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/items/{item_id}")
        async def item(item_id: str, q: str):
            row = session.get(item_id)
            return await session.get(f"https://api.example.com/{q}")
        """,
        "RV602",
    )
    assert [line for line, _ in found] == [8]


def test_an_ssrf_safe_transport_guards_the_request() -> None:
    found = _findings(
        """
        import httpx
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/fetch")
        async def fetch(url: str):
            async with httpx.AsyncClient(transport=SafeTransport()) as client:
                return (await client.get(url)).text
        """,
        "RV602",
    )
    assert found == []


def test_request_data_in_test_files_is_not_reviewed() -> None:
    source = """
        from flask import Flask, request

        app = Flask(__name__)

        @app.get("/view")
        def view():
            return open(request.args["p"]).read()
        """
    assert _findings(source, "RV601", "tests/test_views.py") == []
    assert [line for line, _ in _findings(source, "RV601", "app/views.py")] == [7]


def test_compare_of_the_joined_path_with_its_base_is_a_containment_check() -> None:
    found = _findings(
        """
        from fastapi import FastAPI, Form, HTTPException

        app = FastAPI()

        @app.post("/assets")
        def asset(extension: str = Form(...)):
            dest = ASSETS / f"file.{extension}"
            if dest.absolute().parent != ASSETS:
                raise HTTPException(400)
            with open(dest, "wb") as fh:
                fh.write(b"")
        """,
        "RV601",
    )
    assert found == []


def test_uploaded_archives_their_member_names_and_file_names() -> None:
    found = _findings(
        """
        import io, os, tarfile, zipfile
        from fastapi import FastAPI, UploadFile

        app = FastAPI()
        DEST = "/srv/imports"

        @app.post("/import-zip")
        async def import_zip(archive: UploadFile):
            with zipfile.ZipFile(io.BytesIO(await archive.read())) as zf:
                for member in zf.namelist():
                    with open(os.path.join(DEST, member), "wb") as out:
                        out.write(zf.read(member))

        @app.post("/import-tar")
        async def import_tar(bundle: UploadFile):
            with tarfile.open(fileobj=bundle.file) as tar:
                tar.extractall(DEST)

        @app.post("/import-tar-safe")
        async def import_tar_safe(bundle: UploadFile):
            with tarfile.open(fileobj=bundle.file) as tar:
                tar.extractall(DEST, filter="data")

        @app.post("/save")
        async def save(file: UploadFile):
            with open(file.filename, "wb") as out:
                out.write(await file.read())
            return zipfile.ZipFile(file.file).namelist()
        """,
        "RV601",
    )
    assert [line for line, _ in found] == [11, 17, 26]
    assert found[0][1].startswith("member is joined onto DEST")
    assert "pass filter='data'" in found[1][1]
