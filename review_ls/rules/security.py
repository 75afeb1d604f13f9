"""RV6 — security: user-chosen paths reaching the filesystem or an upstream, unauthenticated sockets."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace


from review_ls.engine.cst_edit import cst, replace_nodes, statement_line_of
from review_ls.engine.facts import ModuleFacts, dotted_name
from review_ls.engine.fixes import FixContext
from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.frameworks import is_route_handler
from review_ls.patterns.imports import first_import_of, imports_starting_with
from review_ls.patterns.paths import NON_PROPAGATING_CALLS, PathEscape, callee_name, function_nodes, path_escapes, qualifier_for
from review_ls.patterns.web_inputs import (
    REQUEST_GLOBALS,
    request_parameters,
    route_path_parameters,
    text_parameters,
    upload_parameters,
)

Function = ast.FunctionDef | ast.AsyncFunctionDef

_HTTP_EXCEPTIONS = ("fastapi.HTTPException", "fastapi.exceptions.HTTPException", "starlette.exceptions.HTTPException")


def _source_text(fctx: FixContext, node: ast.AST) -> str:
    """The exact source text of an `ast` node."""
    span = fctx.lines.node_span(node)
    if span.line == span.end_line:
        return fctx.lines.line_text(span.line)[span.col : span.end_col]
    lines = [fctx.lines.line_text(line) for line in range(span.line, span.end_line + 1)]
    lines[0] = lines[0][span.col :]
    lines[-1] = lines[-1][: span.end_col]
    return "\n".join(lines)


def _request_global(facts: ModuleFacts) -> str | None:
    return first_import_of(facts, REQUEST_GLOBALS)


def _request_sources(function: Function, ctx: Context) -> set[str]:
    """What in a function comes from an HTTP request: a route handler's text parameters, uploaded
    files, a `request`/`req` parameter, and the framework's request global when the function reads it."""
    names = set(text_parameters(function)) if is_route_handler(function, ctx) else set()
    names |= upload_parameters(function) | request_parameters(function)
    request = _request_global(ctx.facts)
    if request is not None and any(request in ctx.lines.line_text(line) for line in range(function.lineno, (function.end_lineno or function.lineno) + 1)):
        names.add(request)
    return names


def _rejection(facts: ModuleFacts, status: int, detail: str, fallback: str) -> str:
    """The statement that rejects a request: FastAPI's HTTPException, Flask's abort, else `fallback`."""
    for qualified in _HTTP_EXCEPTIONS:
        local = facts.local_name_for(qualified)
        if local is not None:
            return f'raise {local}(status_code={status}, detail="{detail}")'
    abort = facts.local_name_for("flask.abort")
    if abort is not None:
        return f"{abort}({status})"
    return fallback


def _enclosing_function(ancestors: list[ast.AST]) -> Function | None:
    return next((a for a in reversed(ancestors) if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))), None)


def _names_in(function: Function) -> set[str]:
    names = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
    return names | {a.arg for a in ast.walk(function) if isinstance(a, ast.arg)}


# -- RV601 ---------------------------------------------------------------------------------------

_INLINE_FIXABLE = (ast.Expr, ast.Return, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor)
_PATHLIB_JOINS = frozenset({"Path", "PurePath", "pathlib.Path", "pathlib.PurePath"})


class UnvalidatedPathJoin(Rule):
    """RV601: caller-chosen text joined onto a base directory and used as a path without a containment check."""

    code = "RV601"
    name = "unvalidated-path-join"
    message = "{source} is joined onto {base} and reaches {sink}() unchecked: '../' or an absolute path escapes the directory"
    fix_title = "Reject paths that resolve outside {base}"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Follows what comes from an HTTP request — the text parameters of a route handler, an
            uploaded file's `filename`, a `request` parameter, Flask's `request` global — through
            assignments, `/` joins, `os.path.join`, `Path(...)` and f-strings, and reports the join
            onto a trusted base directory (a constant, a setting, `self.root`) when the joined path
            reaches a call that opens, serves, deletes or lists it (`open`, `read_text`,
            `send_file`, `FileResponse`, `unlink`, `rmtree`, `listdir`, ...). A containment check
            anywhere in the function (`resolve()` + `is_relative_to()`, `os.path.commonpath`,
            `secure_filename`, `safe_join`, `basename`, a `".." in name` test) silences it, as do
            paths built only from constants or settings, parameters typed as numbers or literals,
            and library functions whose caller chooses the path.
            """,
        why="""
            `Path("/srv/files") / "../../etc/passwd"` is `/etc/passwd`, and joining an absolute path
            discards the base altogether (`os.path.join("/srv/files", "/etc/passwd")`). Whoever
            controls the parameter can read, overwrite or delete any file the process can reach:
            configuration with secrets, other users' uploads, the application's code.
            """,
        fix="""
            Resolve the joined path and check that it is still inside the base directory before
            using it. The quick fix inserts that check after the join (`resolve().is_relative_to()`
            for pathlib, `os.path.commonpath` + `realpath` for strings) and rejects escapes with
            FastAPI's `HTTPException(403)` or Flask's `abort(403)` when the module uses them, else
            with `PermissionError`.
            """,
    )
    valid = (
        """
        from pathlib import Path
        from fastapi import FastAPI, HTTPException
        from fastapi.responses import FileResponse

        app = FastAPI()
        BASE_DIR = Path("/srv/files")

        @app.get("/files/{name}")
        async def download(name: str):
            path = BASE_DIR / name
            if not path.resolve().is_relative_to(BASE_DIR.resolve()):
                raise HTTPException(status_code=403)
            return FileResponse(path)
        """,
        """
        import os
        from werkzeug.utils import secure_filename

        UPLOADS = "/srv/uploads"

        def store(upload):
            target = os.path.join(UPLOADS, secure_filename(upload.filename))
            upload.save(target)
            with open(target, "rb") as fh:
                return fh.read()
        """,
        """
        from pathlib import Path
        from flask import Flask

        app = Flask(__name__)
        TEMPLATES = Path(__file__).parent / "templates"

        @app.get("/pages/<int:kind>")
        def page(kind: int):
            return (TEMPLATES / f"{kind}.html").read_text()
        """,
        """
        import os
        from fastapi import Depends, FastAPI
        from fastapi.responses import FileResponse

        app = FastAPI()

        @app.get("/client-config")
        async def client_config(settings: Settings = Depends(get_settings)):
            return FileResponse(os.path.join(settings.static_dir, "config.json"))
        """,
        """
        import os

        def read_in(root, name):
            return open(os.path.join(root, name)).read()
        """,
        """
        from pathlib import Path
        from fastapi import APIRouter, HTTPException
        from fastapi.responses import FileResponse

        router = APIRouter()
        PUBLIC = Path("public")

        @router.get("/public/{filename:path}")
        async def serve_public(filename: str):
            path = (PUBLIC / filename).resolve()
            if not is_below(path, PUBLIC):
                raise HTTPException(status_code=400)
            return FileResponse(path)
        """,
        """
        from pathlib import Path

        class Storage:
            def __init__(self, root: Path):
                self.root = root

            def read(self, relative: str) -> bytes:
                return (self.root / relative).read_bytes()
        """,
    )
    invalid = (
        Invalid(
            """
            from pathlib import Path
            from fastapi import FastAPI, HTTPException
            from fastapi.responses import FileResponse

            app = FastAPI()
            BASE_DIR = Path("/srv/files")

            @app.get("/files/{name}")
            async def download(name: str):
                path = BASE_DIR / name
                return FileResponse(path)
            """,
            line=10,
            fixed="""
            from pathlib import Path
            from fastapi import FastAPI, HTTPException
            from fastapi.responses import FileResponse

            app = FastAPI()
            BASE_DIR = Path("/srv/files")

            @app.get("/files/{name}")
            async def download(name: str):
                path = BASE_DIR / name
                if not path.resolve().is_relative_to(BASE_DIR.resolve()):
                    raise HTTPException(status_code=403, detail="Path is outside the allowed directory")
                return FileResponse(path)
            """,
        ),
        Invalid(
            """
            import os
            from flask import Flask

            app = Flask(__name__)
            REPORTS = "/var/reports"

            @app.delete("/reports/<report_name>")
            def delete_report(report_name):
                os.remove(os.path.join(REPORTS, report_name + ".pdf"))
            """,
            line=9,
            fixed="""
            import os
            from flask import Flask

            app = Flask(__name__)
            REPORTS = "/var/reports"

            @app.delete("/reports/<report_name>")
            def delete_report(report_name):
                path = os.path.join(REPORTS, report_name + ".pdf")
                if os.path.commonpath([os.path.realpath(REPORTS), os.path.realpath(path)]) != os.path.realpath(REPORTS):
                    raise PermissionError("Path is outside the allowed directory")
                os.remove(path)
            """,
        ),
        Invalid(
            """
            from flask import Flask, request, send_file

            app = Flask(__name__)

            @app.route("/download")
            def download():
                name = request.args["file"]
                full = f"/srv/shared/{name}"
                return send_file(full)
            """,
            line=8,
            fixed="""
            from flask import Flask, request, send_file
            import os

            app = Flask(__name__)

            @app.route("/download")
            def download():
                name = request.args["file"]
                full = f"/srv/shared/{name}"
                if os.path.commonpath([os.path.realpath("/srv/shared"), os.path.realpath(full)]) != os.path.realpath("/srv/shared"):
                    raise PermissionError("Path is outside the allowed directory")
                return send_file(full)
            """,
        ),
        Invalid(
            """
            from pathlib import Path
            from fastapi import APIRouter, UploadFile

            router = APIRouter()
            MEDIA = Path("/srv/media")

            @router.post("/media")
            async def upload(files: list[UploadFile]):
                for file in files:
                    (MEDIA / file.filename).write_bytes(await file.read())
            """,
            line=10,
        ),
    )

    def visit_FunctionDef(self, node: Function, ctx: Context) -> Iterator[Finding]:
        """Follow the function's untrusted text to filesystem calls."""
        sources = _request_sources(node, ctx)
        if not sources:
            return
        for escape in path_escapes(node, sources, ctx.qualified_name):
            finding = self.report(
                escape.join,
                ctx,
                data={"sources": tuple(sorted(sources))},
                source=escape.source,
                base=_short(ast.unparse(escape.base)),
                sink=escape.sink_name,
                fixable=self._plan(escape) is not None,
            )
            yield replace(finding, statement_line=escape.statement.lineno)

    visit_AsyncFunctionDef = visit_FunctionDef

    @staticmethod
    def _plan(escape: PathEscape) -> str | None:
        """'after-assignment', 'inline' or None (not fixable here)."""
        if escape.variable is not None and isinstance(escape.assignment, (ast.Assign, ast.AnnAssign)):
            return "after-assignment"
        if escape.variable is None and isinstance(escape.statement, _INLINE_FIXABLE):
            if any(isinstance(n, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)) for n in ast.walk(escape.statement)):
                return None
            if isinstance(escape.statement, (ast.For, ast.AsyncFor)) and not _contains(escape.statement.iter, escape.join):
                return None
            return "inline"
        return None

    def fix(self, fctx: FixContext) -> Fix | None:
        """Insert a containment check after the join (hoisting an inline join into a variable)."""
        function = _enclosing_function(fctx.ancestors)
        if function is None:
            return None
        sources = set(fctx.finding.data_dict.get("sources", ()))
        escapes = path_escapes(function, sources, qualifier_for(fctx.facts.imports))
        escape = next((e for e in escapes if e.join is fctx.node), None)
        plan = self._plan(escape) if escape is not None else None
        if escape is None or plan is None:
            return None
        variable = escape.variable or self._fresh_name(function)
        check = self._check(fctx, escape, variable)
        module = fctx.cst_module
        if plan == "after-assignment":
            assign_cst = fctx.cst_node(escape.assignment)  # type: ignore[arg-type]
            line = statement_line_of(module, assign_cst) if assign_cst is not None else None
            if line is None:
                return None
            replacements: dict[int, object] = {id(line): cst.FlattenSentinel([line, check])}
        else:
            join_cst = fctx.cst_node(escape.join)
            statement_cst = fctx.cst_node(escape.statement)
            if join_cst is None or statement_cst is None:
                return None
            compound = isinstance(escape.statement, (ast.With, ast.AsyncWith, ast.For, ast.AsyncFor))
            holder = statement_cst if compound else statement_line_of(module, statement_cst)
            if holder is None:
                return None
            unparenthesized = join_cst.with_changes(lpar=[], rpar=[]) if hasattr(join_cst, "lpar") else join_cst
            assignment = cst.parse_statement(f"{variable} = {module.code_for_node(unparenthesized)}\n")
            assignment = assignment.with_changes(leading_lines=holder.leading_lines)

            def prepend(updated: cst.CSTNode) -> cst.FlattenSentinel:
                return cst.FlattenSentinel([assignment, check, updated.with_changes(leading_lines=[])])

            replacements = {id(join_cst): cst.Name(variable), id(holder): prepend}
        fctx.replace_scope(replace_nodes(module, replacements).code)
        return fctx.build(fctx.finding.fix_title or "Reject paths outside the base directory", self.fix_applicability)

    @staticmethod
    def _fresh_name(function: Function) -> str:
        used = _names_in(function)
        for candidate in ("path", "target_path", "safe_path"):
            if candidate not in used:
                return candidate
        counter = 2
        while f"path_{counter}" in used:
            counter += 1
        return f"path_{counter}"

    @staticmethod
    def _check(fctx: FixContext, escape: PathEscape, variable: str) -> cst.BaseStatement:
        """`if <variable> is outside <base>: <reject>` in the join's style (pathlib or os.path)."""
        base = _base_text(fctx, escape.base)
        raise_text = _rejection(fctx.facts, 403, "Path is outside the allowed directory", 'raise PermissionError("Path is outside the allowed directory")')
        join = escape.join
        pathlib_callee = None
        if isinstance(join, ast.Call):
            callee = dotted_name(join.func) or ""
            qualified = qualifier_for(fctx.facts.imports)(join.func) or callee
            if qualified in _PATHLIB_JOINS:
                pathlib_callee = callee
        if isinstance(join, ast.BinOp) and isinstance(join.op, ast.Div) and not isinstance(escape.base, ast.Constant):
            test = f"not {variable}.resolve().is_relative_to({base}.resolve())"
        elif pathlib_callee is not None:
            test = f"not {variable}.resolve().is_relative_to({pathlib_callee}({base}).resolve())"
        elif isinstance(join, ast.Call) and isinstance(join.func, ast.Attribute) and join.func.attr == "joinpath":
            test = f"not {variable}.resolve().is_relative_to({base}.resolve())"
        else:
            os_name = fctx.ensure_import("os")
            root = f"{os_name}.path.realpath({base})"
            test = f"{os_name}.path.commonpath([{root}, {os_name}.path.realpath({variable})]) != {root}"
        return cst.parse_statement(f"if {test}:\n    {raise_text}\n")


def _base_text(fctx: FixContext, base: ast.expr) -> str:
    """The base directory as code: its source, or for a string piece of an f-string, that string as a literal."""
    if isinstance(base, ast.Constant) and isinstance(base.value, str):
        directory = base.value.rstrip("/") or "/"
        return f'"{directory}"' if '"' not in directory and "\\" not in directory else repr(directory)
    return _source_text(fctx, base)


def _contains(root: ast.AST, node: ast.AST) -> bool:
    return any(n is node for n in ast.walk(root))


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- RV602 ---------------------------------------------------------------------------------------

_OUTBOUND_FUNCTIONS = frozenset(
    {
        *(f"{module}.{verb}" for module in ("requests", "httpx") for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")),
        "urllib.request.urlopen",
        "urllib.request.Request",
        "aiohttp.request",
    }
)
_CLIENT_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "build_request", "fetch", "ws_connect", "websocket_connect"})
_METHOD_FIRST = frozenset({"request", "stream", "build_request"})
_CLIENT_WORDS = ("client", "session", "http", "upstream", "proxy", "api")
_URL_JOINS = frozenset({"urljoin", "urllib.parse.urljoin"})
_CATCH_ALL_NAMES = frozenset({"path", "subpath", "sub_path", "rest", "full_path", "url_path", "file_path", "filepath", "resource"})
_REQUEST_PATH_ATTRIBUTES = frozenset({"match_info", "path_params", "view_args"})
_VALIDATION_WORDS = ("match", "validate", "sanitize", "sanitise", "allow", "check", "clean", "safe", "isalnum", "isidentifier", "startswith")


class PathForwardedToUpstream(Rule):
    """RV602: a request path parameter interpolated into an outbound URL without validation."""

    code = "RV602"
    name = "path-forwarded-to-upstream"
    message = "path parameter {source} is forwarded into an upstream URL unvalidated: '..' segments or an absolute URL reach other endpoints"
    fix_title = "Reject {source} values with '..' segments or an absolute path"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            In web route handlers, finds path parameters of the route (`{path:path}`, `<path:name>`,
            `request.match_info[...]`, `request.path_params[...]`, and catch-all parameters such as
            `path`) interpolated into the URL of an outbound request (`httpx`/`requests`/`aiohttp`
            clients, `urljoin`, `urlopen`) — directly, through an f-string, `+` or a URL variable.
            Parameters that are compared, matched against a pattern, allow-listed, typed as numbers
            or literals, or declared with a `pattern=` constraint are not reported.
            """,
        why="""
            A proxy that forwards `/{path:path}` to `f"{UPSTREAM}/{path}"` lets the caller choose
            `../admin/...` and reach upstream endpoints the proxy never meant to expose, with the
            proxy's credentials; with `urljoin` or a client `base_url`, an absolute URL sends the
            request (and its auth headers) to any host.
            """,
        fix="""
            Validate before forwarding: reject `..` segments, leading slashes and schemes, or match
            the parameter against an allow-list or a strict pattern. The quick fix inserts such a
            check at the top of the handler, raising the framework's 400 error where it can.
            """,
    )
    valid = (
        """
        import httpx
        from fastapi import FastAPI, HTTPException

        app = FastAPI()
        UPSTREAM = "https://internal.example.com"

        @app.get("/proxy/{path:path}")
        async def proxy(path: str):
            if ".." in path.split("/") or path.startswith("/"):
                raise HTTPException(status_code=400)
            async with httpx.AsyncClient() as client:
                return (await client.get(f"{UPSTREAM}/{path}")).json()
        """,
        """
        import httpx
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/weather/{city}")
        async def weather(city: str):
            async with httpx.AsyncClient() as client:
                return (await client.get("https://api.example.com/weather", params={"q": city})).json()
        """,
        """
        from typing import Literal
        import httpx
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/stats/{kind}")
        async def stats(kind: Literal["daily", "weekly"]):
            async with httpx.AsyncClient() as client:
                return (await client.get(f"https://api.example.com/stats/{kind}")).json()
        """,
        """
        import requests
        from flask import Flask

        app = Flask(__name__)

        @app.route("/users/<int:user_id>")
        def user(user_id):
            return requests.get(f"https://api.example.com/users/{user_id}").json()
        """,
    )
    invalid = (
        Invalid(
            """
            import httpx
            from fastapi import FastAPI, HTTPException

            app = FastAPI()
            UPSTREAM = "https://internal.example.com"

            @app.get("/proxy/{path:path}")
            async def proxy(path: str):
                \"\"\"Forward to the internal service.\"\"\"
                async with httpx.AsyncClient() as client:
                    response = await client.get(f"{UPSTREAM}/{path}")
                return response.json()
            """,
            line=11,
            fixed="""
            import httpx
            from fastapi import FastAPI, HTTPException

            app = FastAPI()
            UPSTREAM = "https://internal.example.com"

            @app.get("/proxy/{path:path}")
            async def proxy(path: str):
                \"\"\"Forward to the internal service.\"\"\"
                if ".." in path.split("/") or path.startswith("/") or "://" in path:
                    raise HTTPException(status_code=400, detail="Invalid path")
                async with httpx.AsyncClient() as client:
                    response = await client.get(f"{UPSTREAM}/{path}")
                return response.json()
            """,
        ),
        Invalid(
            """
            import requests
            from flask import Flask

            app = Flask(__name__)
            API = "https://assets.internal"

            @app.route("/assets/<path:asset>")
            def asset(asset):
                url = API + "/files/" + asset
                return requests.get(url, timeout=5).content
            """,
            line=10,
            fixed="""
            import requests
            from flask import Flask

            app = Flask(__name__)
            API = "https://assets.internal"

            @app.route("/assets/<path:asset>")
            def asset(asset):
                if ".." in asset.split("/") or asset.startswith("/") or "://" in asset:
                    raise ValueError("Invalid path")
                url = API + "/files/" + asset
                return requests.get(url, timeout=5).content
            """,
        ),
        Invalid(
            """
            from urllib.parse import urljoin
            from aiohttp import web

            async def forward(request):
                tail = request.match_info["tail"]
                async with request.app["session"].get(urljoin("https://backend/", tail)) as upstream:
                    return web.Response(body=await upstream.read())

            app = web.Application()
            app.router.add_get("/{tail:.*}", forward)
            """,
            line=6,
        ),
    )

    def visit_FunctionDef(self, node: Function, ctx: Context) -> Iterator[Finding]:
        """Follow the handler's path parameters into outbound request URLs."""
        sources = self._sources(node, ctx)
        request_names = {a.arg for a in node.args.args if a.arg in ("request", "req")}
        if not sources and not request_names:
            return
        if not sources and not any(self._reads_request_path(n, request_names) for n, _ in function_nodes(node)):
            return
        validated = self._validated(node, sources)
        tainted = {name: name for name in sources - validated}
        urls: dict[str, str] = {}
        for inner, statement in function_nodes(node):
            if isinstance(inner, ast.Assign) and len(inner.targets) == 1 and isinstance(inner.targets[0], ast.Name):
                target = inner.targets[0].id
                tainted.pop(target, None)
                urls.pop(target, None)
                if self._reads_request_path(inner.value, request_names):
                    tainted[target] = target
                    continue
                url_source = self._url_source(inner.value, tainted, ctx)
                if url_source is not None:
                    urls[target] = url_source
                elif (source := _reads(inner.value, tainted)) is not None:
                    tainted[target] = source
            elif isinstance(inner, ast.Call):
                url = self._outbound_url(inner, ctx)
                if url is None:
                    continue
                source = urls.get(url.id) if isinstance(url, ast.Name) else None
                if source is None:
                    source = self._url_source(url, tainted, ctx)
                if source is None and isinstance(url, ast.Name) and url.id in tainted and url.id in sources:
                    source = url.id
                if source is not None:
                    finding = self.report(url, ctx, data={"source": source}, source=source, fixable=source in sources)
                    yield replace(finding, statement_line=statement.lineno)

    visit_AsyncFunctionDef = visit_FunctionDef

    @staticmethod
    def _sources(node: Function, ctx: Context) -> set[str]:
        if not is_route_handler(node, ctx):
            return set()
        text = text_parameters(node)
        in_template = set(route_path_parameters(node))
        return {name for name in text if name in in_template or name in _CATCH_ALL_NAMES}

    @staticmethod
    def _reads_request_path(expr: ast.AST, request_names: set[str]) -> bool:
        """True for `request.match_info[...]`, `request.path_params.get(...)`, `request.view_args[...]`."""
        for node in ast.walk(expr):
            if isinstance(node, ast.Attribute) and node.attr in _REQUEST_PATH_ATTRIBUTES:
                return isinstance(node.value, ast.Name) and node.value.id in request_names
        return False

    @staticmethod
    def _validated(function: Function, sources: set[str]) -> set[str]:
        """Sources the handler compares, pattern-matches, allow-lists or passes to a validator."""
        validated = set()
        for node, _ in function_nodes(function):
            if isinstance(node, ast.Compare):
                validated |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in sources}
            elif isinstance(node, ast.Call):
                name = (dotted_name(node.func) or "").lower()
                if any(word in name for word in _VALIDATION_WORDS) or (name.endswith("quote") and any(k.arg == "safe" for k in node.keywords)):
                    validated |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in sources}
        return validated

    @staticmethod
    def _outbound_url(call: ast.Call, ctx: Context) -> ast.expr | None:
        """The URL argument of an outbound HTTP call, or None when `call` is not one."""
        keyword = next((k.value for k in call.keywords if k.arg == "url"), None)
        qualified = ctx.qualified_name(call.func)
        if qualified in _OUTBOUND_FUNCTIONS:
            index = 1 if qualified.rsplit(".", 1)[-1] in _METHOD_FIRST else 0
            return call.args[index] if len(call.args) > index else keyword
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in _CLIENT_METHODS or qualified is not None:
            return None
        receiver = ast.unparse(func.value).lower()
        if not any(word in receiver for word in _CLIENT_WORDS):
            return None
        index = 1 if func.attr in _METHOD_FIRST else 0
        return call.args[index] if len(call.args) > index else keyword

    @staticmethod
    def _url_source(expr: ast.expr, tainted: dict[str, str], ctx: Context) -> str | None:
        """The tainted name interpolated into the path part of a URL expression, if any."""
        if isinstance(expr, ast.JoinedStr):
            for value in expr.values:
                if isinstance(value, ast.Constant) and "?" in str(value.value):
                    return None
                if isinstance(value, ast.FormattedValue) and (source := _reads(value.value, tainted)) is not None:
                    return source
            return None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            parts: list[ast.expr] = []
            node: ast.expr = expr
            while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                parts.append(node.right)
                node = node.left
            parts.append(node)
            for part in reversed(parts):
                if isinstance(part, ast.Constant) and "?" in str(part.value):
                    return None
                if (source := _reads(part, tainted)) is not None:
                    return source
            return None
        if isinstance(expr, ast.Call):
            qualified = ctx.qualified_name(expr.func) or dotted_name(expr.func)
            if qualified in _URL_JOINS and len(expr.args) >= 2:
                return _reads(expr.args[1], tainted)
            if isinstance(expr.func, ast.Attribute) and expr.func.attr == "format" and isinstance(expr.func.value, ast.Constant):
                template = str(expr.func.value.value)
                if "?" in template.split("{", 1)[0]:
                    return None
                return next((s for a in expr.args if (s := _reads(a, tainted)) is not None), None)
        return None

    def fix(self, fctx: FixContext) -> Fix | None:
        """Insert the `..`/absolute-path check at the top of the handler."""
        function = _enclosing_function(fctx.ancestors)
        source = fctx.finding.data_dict.get("source")
        if function is None or source is None or source not in text_parameters(function):
            return None
        function_cst = fctx.cst_node(function)
        if function_cst is None or not isinstance(function_cst.body, cst.IndentedBlock):
            return None
        rejection = _rejection(fctx.facts, 400, "Invalid path", 'raise ValueError("Invalid path")')
        web = fctx.facts.local_name_for("aiohttp.web")
        if rejection.startswith("raise ValueError") and web is not None:
            rejection = f"raise {web}.HTTPBadRequest()"
        check = cst.parse_statement(f'if ".." in {source}.split("/") or {source}.startswith("/") or "://" in {source}:\n    {rejection}\n')
        body = list(function_cst.body.body)
        position = 1 if body and _is_docstring(body[0]) else 0
        body.insert(position, check.with_changes(leading_lines=[]) if position else check)
        new_function = function_cst.with_changes(body=function_cst.body.with_changes(body=body))
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(function_cst): new_function}).code)
        return fctx.build(fctx.finding.fix_title or "Validate the path parameter", self.fix_applicability)


def _reads(expr: ast.AST, tainted: dict[str, str]) -> str | None:
    """The tainted source an expression reads (not through int(), len(), ...), if any."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and node.id in tainted:
            return tainted[node.id]
        if isinstance(node, ast.Call) and callee_name(node) in NON_PROPAGATING_CALLS:
            continue
        stack.extend(ast.iter_child_nodes(node))
    return None


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


# -- RV603 ---------------------------------------------------------------------------------------

_WEBSOCKET_DECORATORS = frozenset({"websocket", "websocket_route", "ws"})
_SOCKETIO_CONNECT = frozenset({"connect"})
_WEBSOCKET_CLASS_BASES = (("WebSocketEndpoint", "on_connect"), ("WebsocketConsumer", "connect"), ("WebSocketConsumer", "connect"), ("JsonWebsocketConsumer", "connect"))
_AUTH_WORD = re.compile(
    r"auth|token|jwt|credential|api_?key|apikey|password|secret|session|cookie|signature|permission|login|user|principal|identity|bearer|verify|ticket",
    re.IGNORECASE,
)
_AUTH_PARAMETER = re.compile(r"auth|token|jwt|credential|api_?key|password|user|principal|identity|bearer|ticket", re.IGNORECASE)


class UnauthenticatedWebSocket(Rule):
    """RV603: a WebSocket / Socket.IO endpoint that accepts connections without authenticating them."""

    code = "RV603"
    name = "unauthenticated-websocket"
    message = "WebSocket endpoint {endpoint} accepts connections without an authentication check"
    docs = RuleDocs(
        what="""
            Finds WebSocket endpoints — FastAPI/Starlette `@app.websocket(...)`, `WebSocketEndpoint`
            classes, Django Channels consumers, aiohttp handlers that prepare a `WebSocketResponse`,
            Socket.IO `connect` handlers — with no authentication before the connection is accepted:
            no auth dependency (`Depends(get_current_user)`), no token, cookie, session or header
            check, no auth decorator, no rejection (`close()`/`raise`) before `accept()`.
            """,
        why="""
            Browsers do not apply CORS to WebSockets: any page the user visits can open a socket to
            the endpoint with the user's cookies, and any script can connect directly. An endpoint
            that accepts first and never checks streams data (or accepts commands) from anyone.
            """,
        fix="""
            Authenticate before `accept()`: take the token from a query parameter, header or cookie
            (or an auth dependency), verify it, and `close(code=1008)` when it is missing or invalid.
            For Socket.IO, check the `auth` argument of `connect` and raise `ConnectionRefusedError`.
            """,
    )
    valid = (
        """
        from fastapi import Depends, FastAPI, WebSocket

        app = FastAPI()

        @app.websocket("/ws")
        async def updates(websocket: WebSocket, user=Depends(get_current_user)):
            await websocket.accept()
            await websocket.send_json({"hello": user.name})
        """,
        """
        from fastapi import FastAPI, WebSocket, status

        app = FastAPI()

        @app.websocket("/ws")
        async def updates(websocket: WebSocket):
            token = websocket.query_params.get("token")
            if not verify(token):
                await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
                return
            await websocket.accept()
        """,
        """
        import socketio

        sio = socketio.AsyncServer()

        @sio.event
        async def connect(sid, environ, auth):
            if not auth or not check(auth.get("token")):
                raise ConnectionRefusedError("authentication failed")
        """,
    )
    invalid = (
        Invalid(
            """
            from fastapi import FastAPI, WebSocket

            app = FastAPI()

            @app.websocket("/ws/{room}")
            async def room_updates(websocket: WebSocket, room: str):
                await websocket.accept()
                while True:
                    await websocket.send_text(await next_message(room))
            """,
            line=5,
        ),
        Invalid(
            """
            import socketio

            sio = socketio.AsyncServer()

            @sio.on("connect")
            async def on_connect(sid, environ):
                await sio.enter_room(sid, "lobby")
            """,
            line=5,
        ),
        Invalid(
            """
            from channels.generic.websocket import AsyncWebsocketConsumer

            class ChatConsumer(AsyncWebsocketConsumer):
                async def connect(self):
                    await self.accept()
            """,
            line=5,
        ),
    )

    def visit_FunctionDef(self, node: Function, ctx: Context) -> Iterator[Finding]:
        """Report WebSocket endpoints without an authentication step before accepting."""
        anchor = self._endpoint_anchor(node, ctx)
        if anchor is None or self._authenticates(node):
            return
        finding = self.report(anchor, ctx, endpoint=f"{node.name}()")
        yield replace(finding, statement_line=node.lineno if not node.decorator_list else node.decorator_list[0].lineno)

    visit_AsyncFunctionDef = visit_FunctionDef

    @staticmethod
    def _endpoint_anchor(node: Function, ctx: Context) -> ast.AST | None:
        """Where to report: the endpoint's decorator, or its accept()/prepare call; None if not an endpoint."""
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = (dotted_name(target) or "").rsplit(".", 1)
            attribute = name[-1]
            if isinstance(decorator, ast.Call) and attribute in _WEBSOCKET_DECORATORS and len(name) == 2:
                return decorator
            if attribute == "on" and isinstance(decorator, ast.Call) and decorator.args:
                event = decorator.args[0]
                if isinstance(event, ast.Constant) and event.value in _SOCKETIO_CONNECT:
                    return decorator
            if attribute == "event" and node.name in _SOCKETIO_CONNECT:
                return decorator
        cls = ctx.class_
        if cls is not None and any(node is member for member in cls.body):
            bases = [(dotted_name(b) or "").rsplit(".", 1)[-1] for b in cls.bases]
            for base_suffix, method in _WEBSOCKET_CLASS_BASES:
                if node.name == method and any(base.endswith(base_suffix) for base in bases):
                    return _accept_call(node)
        if imports_starting_with(ctx.facts, "aiohttp"):
            for inner, _ in function_nodes(node):
                if isinstance(inner, ast.Call) and (dotted_name(inner.func) or "").endswith("WebSocketResponse"):
                    return inner
        return None

    @staticmethod
    def _authenticates(node: Function) -> bool:
        """True when anything auth-like happens before the connection is accepted."""
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if _AUTH_WORD.search(dotted_name(target) or ""):
                return True
        arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        if any(a.arg != "auth" and _AUTH_PARAMETER.search(a.arg) for a in arguments):
            return True
        defaults = [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
        if any(isinstance(d, ast.Call) and _AUTH_WORD.search(ast.unparse(d)) for d in defaults):
            return True
        accept = _accept_call(node)
        limit = accept.lineno if accept is not None else (node.end_lineno or node.lineno) + 1
        for inner, _ in function_nodes(node):
            if getattr(inner, "lineno", limit) >= limit:
                continue
            if isinstance(inner, ast.Raise):
                return True
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "close":
                return True
            text = inner.id if isinstance(inner, ast.Name) else inner.attr if isinstance(inner, ast.Attribute) else None
            if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                text = inner.value
            if text and _AUTH_WORD.search(text):
                return True
        return False


def _accept_call(node: Function) -> ast.Call | None:
    """The first `<socket>.accept()` / `<ws>.prepare(request)` call in the function."""
    for inner, _ in function_nodes(node):
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr in ("accept", "prepare"):
            return inner
    return None
