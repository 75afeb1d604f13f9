"""RV507 check-then-act-on-filesystem: RV507: `if not p.exists(): <create p>` (or `if p.exists(): <delete p>`) — a race between processes."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from review_ls.engine.model import Finding, Severity
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.exceptions import caught_names
from review_ls.patterns.names import SCOPE_NODES, nodes_within
from review_ls.patterns.scripts import in_script_code, runs_concurrently
from review_ls.rules.reliability._shared import _write_target


_EXISTENCE_METHODS = frozenset({"exists", "is_file", "is_dir"})


_EXISTENCE_FUNCTIONS = frozenset({"os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.lexists"})


_CREATING_PATH_METHODS = frozenset({"write_text", "write_bytes", "touch", "mkdir", "symlink_to", "hardlink_to"})


_CREATING_FUNCTIONS = frozenset({"os.makedirs", "os.mkdir", "os.symlink"})


_MOVING_FUNCTIONS = frozenset({"shutil.move", "shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "os.rename"})


_DELETING_PATH_METHODS = frozenset({"unlink", "rmdir"})


_DELETING_FUNCTIONS = frozenset({"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree"})


def _existence_check(test: ast.expr, ctx: Context) -> tuple[ast.expr, bool] | None:
    """(path, negated) for `[not] p.exists()` / `[not] os.path.exists(p)`, else None."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    call = test.operand if negated else test  # type: ignore[attr-defined]
    if not isinstance(call, ast.Call):
        return None
    if isinstance(call.func, ast.Attribute) and call.func.attr in _EXISTENCE_METHODS and not call.args:
        if ctx.qualified_name(call.func) is None:
            return call.func.value, negated
    if ctx.qualified_name(call.func) in _EXISTENCE_FUNCTIONS and len(call.args) == 1:
        return call.args[0], negated
    return None


def _act_on(call: ast.Call, path_key: str, creating: bool, ctx: Context) -> str | None:
    """The name of the filesystem action `call` performs on the checked path, if it does."""

    def same(node: ast.AST | None) -> bool:
        return node is not None and ast.dump(node) == path_key

    qualified = ctx.qualified_name(call.func)
    if creating:
        if isinstance(call.func, ast.Attribute) and call.func.attr in _CREATING_PATH_METHODS and same(call.func.value) and qualified is None:
            return call.func.attr
        if qualified in _CREATING_FUNCTIONS and call.args and same(call.args[0]):
            if any(k.arg == "exist_ok" for k in call.keywords):
                return None
            return qualified
        if qualified in _MOVING_FUNCTIONS and len(call.args) >= 2 and same(call.args[1]):
            return qualified
        if isinstance(call.func, ast.Name) and call.func.id == "open" and call.args and same(call.args[0]):
            return "open" if _write_target(call) is not None else None
        if isinstance(call.func, ast.Attribute) and call.func.attr == "open" and same(call.func.value):
            return "open" if _write_target(call) is not None else None
        return None
    if isinstance(call.func, ast.Attribute) and call.func.attr in _DELETING_PATH_METHODS and same(call.func.value) and qualified is None:
        return call.func.attr
    if qualified in _DELETING_FUNCTIONS and call.args and same(call.args[0]):
        return qualified
    return None


_RACE_ERRORS = frozenset({"FileNotFoundError", "FileExistsError", "OSError", "IOError", "EnvironmentError", "Exception", "BaseException"})


_STARTUP_FUNCTION = re.compile(r"^_*(init|setup|set_up|bootstrap|install|configure|prepare|create_default)(_|$)")


def _handles_the_race(node: ast.AST, ancestors: list[ast.AST]) -> bool:
    """True inside a `try` body whose handlers catch FileNotFoundError/FileExistsError (or OSError, Exception)."""
    child = node
    for ancestor in reversed(ancestors):
        if isinstance(ancestor, SCOPE_NODES):
            return False
        if isinstance(ancestor, ast.Try) and any(child is statement for statement in ancestor.body):
            for handler in ancestor.handlers:
                if handler.type is None or any(name.rsplit(".", 1)[-1] in _RACE_ERRORS for name in caught_names(handler)):
                    return True
        child = ancestor
    return False


def _is_kind_dispatch(node: ast.If) -> bool:
    """`if p.is_dir(): rmtree(p) else: p.unlink()` chooses an operation by kind; it is not a check-then-act."""
    call = node.test.operand if isinstance(node.test, ast.UnaryOp) else node.test
    name = call.func.attr if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) else ""
    return bool(node.orelse) and name in ("isdir", "isfile", "is_dir", "is_file")


class CheckThenActOnFilesystem(Rule):
    """RV507: `if not p.exists(): <create p>` (or `if p.exists(): <delete p>`) — a race between processes."""

    code = "RV507"
    name = "check-then-act-on-filesystem"
    applies_to = SERVICE_CODE
    severity = Severity.HINT
    default_enabled = False
    precision_note = """
        Off by default, hint severity: 0.33 on the judged corpus sample (docs/precision.md): `is_dir()` used as a type filter
        while iterating a folder, and races already handled by `except FileNotFoundError`, read as
        check-then-act.
        """
    message = "{check} then {act}: another process can {change} the path in between"
    docs = RuleDocs(
        what="""
            Finds an existence check followed by an action on the same path that assumes the
            check still holds: `if not p.exists():` then create/write/move onto `p`, or
            `if os.path.exists(p):` then delete `p` — in code that runs concurrently: async
            functions and modules of web apps, task queues and worker pools (they import
            fastapi/flask/django/celery/threading/multiprocessing/asyncio, ...). Single-process code —
            scripts, tests, command-line tools, libraries without such imports — is not reported, nor
            start-up functions (`init_*`, `setup_*`), `if p.is_dir(): ... else: ...` dispatch on the
            kind of path, or code inside a `try` that handles `FileNotFoundError`/`FileExistsError`.
            """,
        why="""
            Between the check and the act, another worker, replica or request can create or delete
            the path. One of them then overwrites the other's file, crashes with
            `FileExistsError`/`FileNotFoundError`, or moves a file onto one that just appeared. The
            bug only shows under concurrency, in production.
            """,
        fix="""
            Make the action itself atomic and handle its failure: `open(p, "x")` (fails if the file
            exists), `os.makedirs(p, exist_ok=True)`, `os.replace()` for moves, `p.unlink(missing_ok=True)`
            or `contextlib.suppress(FileNotFoundError)` for deletes, or take a file lock around both.
            """,
    )
    valid = (
        """
        import os
        import threading

        def ensure_dir(path):
            os.makedirs(path, exist_ok=True)
        """,
        """
        import os

        def ensure_dir(path):
            if not os.path.isdir(path):
                os.makedirs(path)
        """,
        """
        from pathlib import Path

        def claim(path: Path):
            try:
                with open(path, "x") as fh:
                    fh.write("mine")
            except FileExistsError:
                return False
            return True
        """,
        """
        import os
        import shutil

        if __name__ == "__main__":
            if not os.path.exists("out/report.txt"):
                shutil.move("report.txt", "out/report.txt")
        """,
        """
        from pathlib import Path
        from fastapi import FastAPI

        def read_or_default(path: Path):
            if not path.exists():
                return ""
            return path.read_text()
        """,
        """
        import os
        import threading

        def delete(name):
            try:
                if os.path.isdir(name):
                    os.rmdir(name)
                else:
                    os.remove(name)
            except FileNotFoundError:
                pass  # removed concurrently
        """,
    )
    invalid = (
        Invalid(
            """
            import os
            import shutil
            from celery import shared_task

            @shared_task
            def publish(src, dst):
                if not os.path.exists(dst):
                    shutil.move(src, dst)
            """,
            line=7,
        ),
        Invalid(
            """
            from pathlib import Path

            async def save_once(path: Path, data: str):
                if not path.exists():
                    path.write_text(data)
            """,
            line=4,
        ),
        Invalid(
            """
            import os
            from concurrent.futures import ProcessPoolExecutor

            def drop(lock_file):
                if os.path.exists(lock_file):
                    os.remove(lock_file)
            """,
            line=5,
        ),
    )

    def visit_If(self, node: ast.If, ctx: Context) -> Iterator[Finding]:
        """Report an existence check whose body acts on the same path."""
        check = _existence_check(node.test, ctx)
        if check is None or in_script_code(ctx) or not runs_concurrently(ctx) or _handles_the_race(node, ctx.parents):
            return
        if _is_kind_dispatch(node) or (isinstance(ctx.function, ast.FunctionDef) and _STARTUP_FUNCTION.match(ctx.function.name)):
            return
        path, negated = check
        key = ast.dump(path)
        for inner in nodes_within(node.body):
            if isinstance(inner, ast.Call):
                act = _act_on(inner, key, creating=negated, ctx=ctx)
                if act is not None:
                    check_text = ast.unparse(node.test)
                    yield self.report(
                        node.test,
                        ctx,
                        check=check_text if len(check_text) <= 40 else "an existence check",
                        act=f"{act}()",
                        change="create" if negated else "delete",
                    )
                    return
