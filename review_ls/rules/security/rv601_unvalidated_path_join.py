"""RV601 unvalidated-path-join: RV601: caller-chosen text joined onto a base directory and used as a path without a containment check."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from review_ls.engine.cst_edit import cst, replace_nodes, statement_line_of
from review_ls.engine.facts import ModuleFacts, dotted_name, short_source
from review_ls.engine.model import Applicability, Finding, Fix, Severity
from review_ls.engine.project_model import Needs
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.patterns.frameworks import is_route_handler
from review_ls.patterns.imports import first_import_of
from review_ls.patterns.paths import PathEscape, path_escapes
from review_ls.patterns.web_inputs import (
    REQUEST_GLOBALS,
    request_parameters,
    text_parameters,
)
from review_ls.patterns.taint_flow import checked_names, contains_file_guard
from review_ls.patterns.taint_sinks import FILE
from review_ls.patterns.taint_sources import parameter_sources
from review_ls.rules.security._shared import Function, _enclosing_function, _rejection, function_uploads
from review_ls.rules.security._taint import chain_of, chain_related, request_flows, shown_name

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


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
    names |= function_uploads(function, ctx.facts) | request_parameters(function)
    request = _request_global(ctx.facts)
    if request is not None and request in ctx.lines.text_of_lines(function.lineno, function.end_lineno or function.lineno):  # (a name spans no line break)
        names.add(request)
    return names


def _names_in(function: Function) -> set[str]:
    names = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
    return names | {a.arg for a in ast.walk(function) if isinstance(a, ast.arg)}


_INLINE_FIXABLE = (ast.Expr, ast.Return, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor)


_PATHLIB_JOINS = frozenset({"Path", "PurePath", "pathlib.Path", "pathlib.PurePath"})


class UnvalidatedPathJoin(Rule):
    """RV601: caller-chosen text joined onto a base directory and used as a path without a containment check."""

    code = "RV601"
    name = "unvalidated-path-join"
    severity = Severity.HINT
    precision_note = """
        Hint: on the judged corpus sample (docs/precision.md) values checked against a list of existing
        folders before the join, and FastAPI `str` path parameters (which cannot hold `/`), made most
        findings debatable or wrong. Both are now recognised (membership in a collection is an
        allow-list; a one-segment parameter joined onto a folder is not reported), and the message
        names the joined expression.
        """
    applies_to = SERVICE_CODE  # request data reaches sinks in code that serves requests, not in tests
    needs = frozenset({Needs.PROJECT_INDEX})
    message = "{source} {flow} unchecked: '../' or an absolute path escapes the directory"
    fix_title = "Reject paths that resolve outside {base}"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Follows request data to calls that open, serve, list, move or delete a file (`open`, `Path`
            I/O methods, `send_file`, `FileResponse`, the folder of `send_from_directory`, `shutil.*`,
            `os.remove`/`unlink`, archive opening). Sources are every request input of
            FastAPI/Starlette, Flask, Django/DRF, aiohttp, Litestar and Sanic — route and query
            parameters, `request.args`/`form`/`headers`/`cookies`/`GET`/`POST`/`data`/`json`, fields of
            the project's pydantic request models, uploaded file names, WebSocket and socket.io
            messages. The value is followed through assignments, attributes, containers, f-strings,
            `%`, `+`, `.format`, `os.path.join`, `Path /`, and into the project's own functions in any
            file, through their summaries (which parameters reach a sink, which reach the return
            value, also through the project calls whose result a function returns, any number of
            calls deep), and through attributes of `self` that one method of a class sets from
            request data and another uses (`self.name` set in a view's `setup`); a cross-file finding shows the chain as related locations. It reports a join onto
            a trusted base directory, and a request value used as the whole path. A containment check
            silences it (`resolve()` + `is_relative_to()`, `os.path.commonpath`, `normpath`/`realpath`
            then `startswith(BASE)`, comparing the joined path with its base, `secure_filename`,
            `safe_join`, `basename`, a `".." in name` test), as do `int`/`UUID`/Enum/`Literal` values
            and `<int:...>` converters, a full-match allow-list regex, and membership in a collection.
            A one-segment path parameter (`{name}`, `<name>`: the router never lets it hold `/`) is
            reported only when it is the whole path: joined onto a folder, `..` reaches only the
            folder's parent.
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
        """
        import os
        from flask import Flask, abort, request

        app = Flask(__name__)
        BASE = "/srv/exports"

        @app.get("/export")
        def export():
            target = os.path.normpath(os.path.join(BASE, request.args["name"]))
            if not target.startswith(BASE + os.sep):
                abort(403)
            return open(target).read()
        """,
        """
        import re
        import shutil
        from flask import Flask, abort, request

        app = Flask(__name__)

        @app.post("/workspaces/delete")
        def delete_workspace():
            name = request.form["name"]
            if not re.fullmatch(r"[a-z0-9_-]+", name):
                abort(400)
            shutil.rmtree(f"/srv/workspaces/{name}")
        """,
        """
        import uuid
        from fastapi import FastAPI
        from fastapi.responses import FileResponse

        app = FastAPI()
        REPORTS = {"daily": "/srv/reports/daily.pdf", "weekly": "/srv/reports/weekly.pdf"}

        @app.get("/reports")
        async def report(kind: str, run: str):
            if kind not in REPORTS:
                return None
            return FileResponse(f"/srv/runs/{uuid.UUID(run)}/{kind}.pdf")
        """,
        Valid(
            """
            from fastapi import APIRouter
            from pydantic import BaseModel

            from app.storage import read_document

            router = APIRouter()

            class DocumentRequest(BaseModel):
                name: str

            @router.post("/documents/read")
            async def read(body: DocumentRequest):
                return read_document(body.name)
            """,
            path="app/routes.py",
            files=(
                ("app/__init__.py", ""),
                (
                    "app/storage.py",
                    """
                    from pathlib import Path

                    ROOT = Path("/srv/documents")

                    def read_document(name):
                        path = (ROOT / name).resolve()
                        if not path.is_relative_to(ROOT):
                            raise PermissionError(name)
                        return path.read_bytes()
                    """,
                ),
            ),
        ),
        # A class-based view keeps a cleaned file name on `self` in `setup` and opens it in `get`.
        """
        import os

        from django.http import FileResponse
        from django.views import View
        from werkzeug.utils import secure_filename

        BASE = "/srv/exports"

        class ExportView(View):
            def setup(self, request, *args, **kwargs):
                super().setup(request, *args, **kwargs)
                self.name = secure_filename(request.GET["name"])

            def get(self, request):
                return FileResponse(open(os.path.join(BASE, self.name), "rb"))
        """,
        # The helper returns a constant (the request text goes into a call whose result it drops).
        Valid(
            """
            from fastapi import FastAPI

            from app.names import log_name

            app = FastAPI()

            @app.get("/log")
            async def log(name: str):
                return open(log_name(name)).read()
            """,
            path="app/routes.py",
            files=(
                ("app/__init__.py", ""),
                (
                    "app/names.py",
                    """
                    def clean(name: str) -> str:
                        return name.strip()


                    def requested(name: str) -> str:
                        return clean(name)


                    def log_name(name: str) -> str:
                        clean(name)
                        return "access.log"
                    """,
                ),
            ),
        ),
        """
        from fastapi import FastAPI
        from fastapi.responses import FileResponse

        app = FastAPI()
        AVATARS = "/srv/avatars"

        @app.get("/avatars/{name}")
        async def avatar(name: str):
            return FileResponse(f"{AVATARS}/{name}.png")
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

            @app.get("/files/{name:path}")
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

            @app.get("/files/{name:path}")
            async def download(name: str):
                path = BASE_DIR / name
                if not path.resolve().is_relative_to(BASE_DIR.resolve()):
                    raise HTTPException(
                        status_code=403, detail="Path is outside the allowed directory"
                    )
                return FileResponse(path)
            """,
        ),
        Invalid(
            """
            import os
            from flask import Flask

            app = Flask(__name__)
            REPORTS = "/var/reports"

            @app.delete("/reports/<path:report_name>")
            def delete_report(report_name):
                os.remove(os.path.join(REPORTS, report_name + ".pdf"))
            """,
            line=9,
            fixed="""
            import os
            from flask import Flask

            app = Flask(__name__)
            REPORTS = "/var/reports"

            @app.delete("/reports/<path:report_name>")
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
            import os

            from flask import Flask, request, send_file

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
            message="file.filename (from files) is joined onto MEDIA and reaches write_bytes() unchecked: '../' or an absolute path escapes the directory",
        ),
        Invalid(
            """
            import shutil
            import tempfile
            from pathlib import Path
            from fastapi import APIRouter, File, UploadFile

            router = APIRouter()

            @router.post("/users/{id}/image")
            def update_user_image(id: str, profile: UploadFile = File(...)):
                temp_path = Path(tempfile.mkdtemp())
                temp_img = temp_path.joinpath(profile.filename)
                with temp_img.open("wb") as buffer:
                    shutil.copyfileobj(profile.file, buffer)
            """,
            line=11,
            message="profile.filename is joined onto temp_path and reaches open() unchecked: '../' or an absolute path escapes the directory",
        ),
        Invalid(
            """
            from flask import Flask, request

            app = Flask(__name__)

            @app.get("/view")
            def view():
                return open(request.args["p"]).read()
            """,
            line=7,
            message="request.args['p'] comes from the request and is the whole path given to open() unchecked: the caller chooses any file the process can reach",
        ),
        Invalid(
            """
            from flask import Flask, send_file

            app = Flask(__name__)

            @app.route("/files/<path:filename>")
            def download(filename):
                return send_file(filename)
            """,
            line=7,
        ),
        Invalid(
            """
            import shutil
            from flask import Flask, request, send_from_directory

            app = Flask(__name__)

            @app.post("/cleanup")
            def cleanup():
                shutil.rmtree(request.args["dir"])

            @app.get("/shared/<path:name>")
            def shared(name):
                user_dir = request.headers["X-Home"]
                return send_from_directory(user_dir, name)
            """,
            line=8,
            also=(13,),
        ),
        Invalid(
            """
            from flask import Flask, request

            app = Flask(__name__)

            @app.get("/reports")
            def report():
                name = request.args.get("name")
                return open("/srv/reports/%s.pdf" % name, "rb").read()
            """,
            line=8,
            message="name is joined onto '/srv/reports' and reaches open() unchecked: '../' or an absolute path escapes the directory",
        ),
        Invalid(
            """
            from pathlib import Path

            from fastapi import APIRouter
            from pydantic import BaseModel

            from app.services.scripts import run_script

            router = APIRouter()
            ROOT = Path("/srv/scripts")

            class ScriptRequest(BaseModel):
                script_path: str

            @router.post("/scripts/run")
            async def run(request: ScriptRequest):
                return run_script(ROOT / request.script_path)
            """,
            path="app/api/routes.py",
            line=16,
            message="request.script_path is joined onto ROOT and passed to run_script(), which reaches open() in services/scripts.py (through run_script -> open) unchecked: '../' or an absolute path escapes the directory",
            files=(
                ("app/__init__.py", ""),
                ("app/api/__init__.py", ""),
                ("app/services/__init__.py", ""),
                (
                    "app/services/scripts.py",
                    """
                    def run_script(path):
                        with open(path) as script:
                            return script.read()
                    """,
                ),
            ),
        ),
        # Request data kept on `self` by `setup` and joined onto the folder in `get`.
        Invalid(
            """
            import os

            from django.http import FileResponse
            from django.views import View

            BASE = "/srv/exports"

            class ExportView(View):
                def setup(self, request, *args, **kwargs):
                    super().setup(request, *args, **kwargs)
                    self.name = request.GET["name"]

                def get(self, request):
                    return FileResponse(open(os.path.join(BASE, self.name), "rb"))
            """,
            line=14,
            message="self.name is joined onto BASE and reaches open() unchecked: '../' or an absolute path escapes the directory",
        ),
        # The whole path comes back from a helper two calls deep (`requested` returns `clean(name)`).
        Invalid(
            """
            from fastapi import FastAPI

            from app.names import requested

            app = FastAPI()

            @app.get("/files")
            async def download(name: str):
                return open(requested(name)).read()
            """,
            path="app/routes.py",
            line=9,
            files=(
                ("app/__init__.py", ""),
                (
                    "app/names.py",
                    """
                    def clean(name: str) -> str:
                        return name.strip()


                    def requested(name: str) -> str:
                        return clean(name)


                    def log_name(name: str) -> str:
                        clean(name)
                        return "access.log"
                    """,
                ),
            ),
        ),
    )

    def visit_FunctionDef(self, node: Function, ctx: Context) -> Iterator[Finding]:
        """Follow the function's untrusted text to filesystem calls, in its body and through project calls."""
        sources = _request_sources(node, ctx)
        reported: set[int] = set()
        escapes = path_escapes(node, sources, ctx.qualified_name) if sources else []
        if escapes and contains_file_guard(node):
            escapes = []  # (the guard and the segments are looked for only where a join escapes: most handlers join nothing)
        segments = {name for name, segment in parameter_sources(node, is_route_handler(node, ctx), False).items() if segment} if escapes else set()
        checked = checked_names(node) if escapes else frozenset()
        for escape in escapes:
            reported.add(id(escape.sink))
            if escape.source in segments:
                continue  # one path segment (no '/'): joined onto a folder, it only reaches the folder's parent
            if checked and any(isinstance(n, ast.Name) and n.id in checked for n in ast.walk(escape.join)):
                continue
            if escape.variable is not None and _compared_with_base(node, escape.variable, escape.base):
                continue
            finding = self.report(
                escape.join,
                ctx,
                data={"sources": tuple(sorted(sources))},
                source=escape.source,
                flow=f"is joined onto {short_source(escape.base)} and reaches {escape.sink_name}()",
                base=short_source(escape.base),
                fixable=self._plan(escape) is not None,
            )
            yield replace(finding, statement_line=escape.statement.lineno)
        yield from self._request_flows(node, ctx, reported)

    visit_AsyncFunctionDef = visit_FunctionDef

    def _request_flows(self, node: Function, ctx: Context, reported: set[int]) -> Iterator[Finding]:
        """Findings of the taint engine (`_taint.py`) the join analysis above did not make."""
        flows = request_flows(node, ctx)
        guarded = bool(flows) and contains_file_guard(node)
        for flow in flows:
            chain = chain_of(flow)
            if id(flow.call) in reported or (chain is None and (flow.sink.kind != FILE or guarded)) or (chain is not None and chain.kind != FILE):
                continue
            value = flow.value
            if value.segment and (chain is not None or value.base is not None or value.through is not None):
                continue  # one path segment (no '/'): joined onto a folder, it only reaches the folder's parent
            reported.add(id(flow.call))
            base = short_source(value.base) if value.base is not None else None
            if chain is not None:
                where = f"{chain.sink}() in {_file_name(chain.steps[-1].path)}"
                joined = f"is joined onto {base} and passed to" if base is not None else "is passed to"
                text = f"{joined} {shown_name(flow.call.func)}(), which reaches {where} (through {chain.describe()})"
                finding = self.report(flow.call, ctx, source=value.shown, flow=text, base=base or "its directory", fixable=False, related=chain_related(chain, "uses the path"))
            elif value.base is not None and value.join is not None:
                finding = self.report(value.join, ctx, source=value.shown, flow=f"is joined onto {base} and reaches {flow.sink.name}()", base=base, fixable=False)
            elif flow.sink.name == "extractall":
                finding = self.report(flow.call, ctx, source=value.shown, flow="is extracted by extractall()", base="the target folder", fixable=False)
                archive = ast.unparse(flow.sink.argument)
                finding = replace(finding, message=f"{archive} is an archive from the request and extractall() writes its members unchecked: a member named '../...' or '/...' lands outside the folder (pass filter='data')")
            elif value.through is not None:
                finding = self.report(flow.sink.argument, ctx, source=value.shown, flow=f"is made a path by {value.through}() and reaches {flow.sink.name}()", base="its directory", fixable=False)
            else:
                finding = self.report(flow.sink.argument, ctx, source=value.shown, flow=f"is the whole path given to {flow.sink.name}()", base="a safe directory", fixable=False)
                finding = replace(finding, message=f"{value.shown} comes from the request and is the whole path given to {flow.sink.name}() unchecked: the caller chooses any file the process can reach")
            yield replace(finding, statement_line=flow.statement.lineno)

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
        escapes = path_escapes(function, sources, fctx.qualified_name)
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

            def prepend(updated: cst.BaseStatement) -> cst.FlattenSentinel[cst.BaseStatement]:
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
            qualified = fctx.qualified_name(join.func) or callee
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


def _compared_with_base(function: Function, variable: str, base: ast.expr) -> bool:
    """True when the function compares the joined `variable` with its base (`dest.parent != BASE`): a containment check."""
    base_names = {n.id for n in ast.walk(base) if isinstance(n, ast.Name)}
    if not base_names:
        return False
    for node in ast.walk(function):
        if isinstance(node, ast.Compare):
            sides = [{n.id for n in ast.walk(side) if isinstance(n, ast.Name)} for side in (node.left, *node.comparators)]
            if any(variable in side for side in sides) and any(base_names & side for side in sides if variable not in side):
                return True
    return False


def _file_name(path: str) -> str:
    """The last two components of a path (`services/files.py`), for messages."""
    return "/".join(path.replace("\\", "/").rsplit("/", 2)[-2:])


def _contains(root: ast.AST, node: ast.AST) -> bool:
    return any(n is node for n in ast.walk(root))
