"""RV504 write-acknowledged-without-fsync: RV504: a function writes a file, then reports success without making the write durable."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from review_ls.engine.cst_edit import cst, block_statements, indented, replace_nodes
from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Finding, Fix
from review_ls.engine.project_model import Needs
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.frameworks import is_route_handler
from review_ls.patterns.names import names_read, nodes_within
from review_ls.patterns.removed_files import is_removed, removed_paths
from review_ls.patterns.scripts import in_script_code
from review_ls.patterns.tempfiles import temp_names
from review_ls.patterns.web_inputs import imports_web_framework
from review_ls.rules.reliability._shared import _function_nodes, _write_target

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


_SCRATCH_WORDS = ("tmp", "temp", "scratch", "cache", "devnull")


_SUCCESS_RESPONSES = ("Response", "jsonify", "json_response", "JsonResponse", "HttpResponse")


_SUCCESS_STATUSES = frozenset({200, 201, 202, 204})


_SUCCESS_KEYS = frozenset({"status", "success", "ok", "saved", "result", "written"})


def _is_scratch(target: ast.expr) -> bool:
    """True when a path expression names a temporary or cache file."""
    for node in ast.walk(target):
        text = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        if text is not None and any(word in text.lower() for word in _SCRATCH_WORDS):
            return True
    return False


def _writes_through(block: ast.With, handle: ast.expr | None) -> bool:
    """True when the block's body writes: a call on (or given) the file handle, e.g. `fh.write(...)`, `json.dump(x, fh)`."""
    if not isinstance(handle, ast.Name):
        return False
    return any(isinstance(n, ast.Call) and handle.id in names_read(n) for n in nodes_within(block.body))


def _reports_success(value: ast.expr | None, in_web_code: bool) -> bool:
    """True for an acknowledgement: `{"status": "ok"}`, `JSONResponse(...)`, `(body, 201)`, `200`; and in
    web code also `True` or a message such as `"saved"`."""
    if isinstance(value, ast.Constant):
        if value.value is True or (isinstance(value.value, str) and value.value):
            return in_web_code
        return type(value.value) is int and value.value in _SUCCESS_STATUSES
    if isinstance(value, ast.Dict):
        return any(isinstance(k, ast.Constant) and k.value in _SUCCESS_KEYS for k in value.keys)
    if isinstance(value, ast.Call):
        return (dotted_name(value.func) or "").rsplit(".", 1)[-1].endswith(_SUCCESS_RESPONSES)
    if isinstance(value, ast.Tuple) and value.elts:
        last = value.elts[-1]
        return isinstance(last, ast.Constant) and type(last.value) is int and last.value in _SUCCESS_STATUSES
    return False


class WriteAcknowledgedWithoutFsync(Rule):
    """RV504: a function writes a file, then reports success without making the write durable."""

    code = "RV504"
    name = "write-acknowledged-without-fsync"
    applies_to = SERVICE_CODE
    needs = frozenset({Needs.PROJECT_INDEX})
    message = "the write to {target} is acknowledged before it is durable: flush() and os.fsync() the file first"
    fix_title = "Flush and fsync {handle} before leaving the with block"
    docs = RuleDocs(
        what="""
            Finds functions that write a file in a `with open(..., "w")` block and afterwards
            acknowledge the write — return a 2xx status, a success dict (`{"status": ...}`), a
            response object, or, in web code (route handlers, modules of a web framework), `True` or
            a message — without calling `os.fsync()`. Temporary, scratch and cache files are not
            reported (names with tmp/temp/cache, `tempfile` files and paths under a `tempfile`
            directory), nor files the same function deletes again (`os.remove`, `os.unlink`,
            `Path.unlink`, `shutil.rmtree` of the file or its directory, also in `finally`), nor
            library functions that return `True` to say they changed something.
            """,
        why="""
            Closing a file hands the data to the operating system's page cache, not to the disk. If
            the machine or container dies in the next seconds, the file is empty or truncated while
            the caller was told it was saved: lost uploads, corrupt state files, a job marked done
            whose output is gone.
            """,
        fix="""
            Call `fh.flush()` (Python's buffer to the OS) and `os.fsync(fh.fileno())` (the OS to the
            disk) before leaving the `with` block; for a crash-proof replace, write to a temporary
            file, fsync it, then `os.replace()` it over the target. The quick fix adds the two calls
            at the end of the `with` block; in an `async def` it runs the fsync off the event loop
            with `await asyncio.to_thread(os.fsync, fh.fileno())`.
            """,
    )
    valid = (
        """
        import os

        def save(path, data):
            with open(path, "w") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            return True
        """,
        """
        def write_cache(tmp_path, data):
            with open(tmp_path, "w") as fh:
                fh.write(data)
            return True
        """,
        """
        def save(path, data):
            with open(path, "w") as fh:
                fh.write(data)
            return path
        """,
        """
        def load(path):
            with open(path) as fh:
                data = fh.read()
            return True
        """,
        """
        def rewrite_shebang(path, line):
            with open(path, "wb") as script:
                script.write(line)
            return True
        """,
        """
        from fastapi import FastAPI

        def is_writable(path):
            with open(path, "a"):
                pass
            return True
        """,
        """
        import os

        def convert(path, data):
            try:
                with open(path, "wb") as fh:
                    fh.write(data)
                run_converter(path)
            finally:
                os.remove(path)
            return {"status": "converted"}
        """,
        """
        import shutil
        from pathlib import Path

        def package(build_dir, manifest):
            with open(Path(build_dir) / "manifest.json", "w") as fh:
                fh.write(manifest)
            upload(build_dir)
            shutil.rmtree(build_dir)
            return {"status": "uploaded"}
        """,
        """
        import os
        import tempfile

        def render(document):
            with tempfile.TemporaryDirectory() as workdir:
                source = os.path.join(workdir, "page.html")
                with open(source, "w") as fh:
                    fh.write(document)
                return {"status": "rendered", "pdf": to_pdf(source)}
        """,
    )
    invalid = (
        Invalid(
            """
            def add_note(text):
                with open("notes.txt", "a") as notes:
                    notes.write(text)
                return "ok"
            """,
            line=2,
            path="app/views.py",
            files=(
                ("app/__init__.py", ""),
                (
                    "app/routes.py",
                    """
                    from flask import Flask

                    from app.views import add_note

                    app = Flask(__name__)
                    app.add_url_rule("/notes", view_func=add_note, methods=["POST"])
                    """,
                ),
            ),
        ),
        Invalid(
            """
            import json

            def save_state(path, state):
                with open(path, "w") as fh:
                    json.dump(state, fh)
                return {"status": "saved", "path": path}
            """,
            line=4,
            fixed="""
            import json
            import os

            def save_state(path, state):
                with open(path, "w") as fh:
                    json.dump(state, fh)
                    fh.flush()
                    os.fsync(fh.fileno())
                return {"status": "saved", "path": path}
            """,
        ),
        Invalid(
            """
            import os
            from fastapi import FastAPI, UploadFile

            app = FastAPI()

            @app.post("/upload")
            async def upload(file: UploadFile):
                destination = os.path.join("uploads", "current.bin")
                with open(destination, "wb") as out: out.write(await file.read())
                return {"status": "saved"}
            """,
            line=9,
            fixed="""
            import asyncio
            import os
            from fastapi import FastAPI, UploadFile

            app = FastAPI()

            @app.post("/upload")
            async def upload(file: UploadFile):
                destination = os.path.join("uploads", "current.bin")
                with open(destination, "wb") as out:
                    out.write(await file.read())
                    out.flush()
                    await asyncio.to_thread(os.fsync, out.fileno())
                return {"status": "saved"}
            """,
        ),
        Invalid(
            """
            from flask import Flask, request

            app = Flask(__name__)

            @app.post("/notes")
            def add_note():
                with open("notes.txt", "a") as notes, open("audit.log", "a") as audit:
                    notes.write(request.form["text"])
                    audit.write("note added")
                return "ok"
            """,
            line=7,
            also=(7,),
        ),
    )

    def visit_With(self, node: ast.With, ctx: Context) -> Iterator[Finding]:
        """Report a file written in this block when the function later acknowledges success and never fsyncs."""
        function = ctx.function
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or in_script_code(ctx):
            return
        def qualify(expr: ast.AST) -> str | None:
            return ctx.qualified_name(expr) or dotted_name(expr)

        candidates = []
        for item in node.items:
            call = item.context_expr
            target = _write_target(call) if isinstance(call, ast.Call) else None
            if target is None or _is_scratch(target) or not _writes_through(node, item.optional_vars):
                continue
            candidates.append((item, call, target))
        if not candidates:
            return  # (most `with` blocks write no file: skip the walk over the whole function)
        function_nodes = list(_function_nodes(function))
        removed = removed_paths(function_nodes, qualify)
        temporary = temp_names(function_nodes, qualify)
        writes = [(item, call, target) for item, call, target in candidates if not (is_removed(target, removed, qualify) or temporary.key(target) is not None)]
        if not writes:
            return
        in_web_code = imports_web_framework(ctx.facts) or is_route_handler(function, ctx)
        end = node.end_lineno or node.lineno
        acknowledged = False
        for inner in function_nodes:
            if isinstance(inner, ast.Call) and any((dotted_name(f) or "").endswith("fsync") for f in (inner.func, *inner.args)):
                return
            if isinstance(inner, ast.Return) and inner.lineno > end and _reports_success(inner.value, in_web_code):
                acknowledged = True
        if not acknowledged:
            return
        for item, call, target in writes:
            handle = item.optional_vars
            text = ast.unparse(target)
            yield self.report(
                call,
                ctx,
                target=text if len(text) <= 40 else "the file",
                handle=handle.id if isinstance(handle, ast.Name) else "the file",
                fixable=isinstance(handle, ast.Name),
            )

    def fix(self, fctx: FixContext) -> Fix | None:
        """Append `fh.flush()` and `os.fsync(fh.fileno())` to the with block."""
        call = fctx.node
        with_node = fctx.ancestors[-2] if len(fctx.ancestors) >= 2 else None
        if not isinstance(with_node, ast.With):
            return None
        handle = next((i.optional_vars for i in with_node.items if i.context_expr is call), None)
        with_cst = fctx.cst_node(with_node)
        if not isinstance(handle, ast.Name) or with_cst is None:
            return None
        os_name = fctx.ensure_import("os")
        fsync = f"{os_name}.fsync({handle.id}.fileno())"
        functions = [a for a in fctx.ancestors if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))]
        if functions and isinstance(functions[-1], ast.AsyncFunctionDef):
            asyncio_name = fctx.ensure_import("asyncio")
            fsync = f"await {asyncio_name}.to_thread({os_name}.fsync, {handle.id}.fileno())"
        added = [cst.parse_statement(f"{handle.id}.flush()\n"), cst.parse_statement(fsync + "\n")]
        if isinstance(with_cst.body, cst.IndentedBlock):
            body = with_cst.body.with_changes(body=[*with_cst.body.body, *added])
        else:
            body = indented([*block_statements(with_cst.body), *added])
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(with_cst): with_cst.with_changes(body=body)}).code)
        return fctx.build(fctx.finding.fix_title or "Flush and fsync the file")
