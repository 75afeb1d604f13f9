"""RV305 unsynchronized-global-counter: RV305: a `global` counter incremented by a coroutine or request handler."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Finding
from review_ls.engine.project_model import Needs
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.frameworks import is_route_handler
from review_ls.patterns.names import SCOPE_NODES


class UnsynchronizedGlobalCounter(Rule):
    """RV305: a `global` counter incremented by a coroutine or request handler."""

    code = "RV305"
    name = "unsynchronized-global-counter"
    applies_to = SERVICE_CODE
    needs = frozenset({Needs.PROJECT_INDEX})
    message = "global {name} is updated per request in {function}(): the count is per process and racy under threads"
    docs = RuleDocs(
        what="""
            Finds `global X` followed by `X += ...` or `X -= ...` inside an `async def` or a request
            handler, outside any `with <lock>:` block. Module set-up code and plain functions are
            not reported.
            """,
        why="""
            The number lives in one process: with several workers or replicas each one counts its
            own share, and a restart resets it. In threaded servers `X += 1` is a read-modify-write
            that loses updates when two requests interleave.
            """,
        fix="""
            Keep the count where every process sees it (Redis `INCR`, a database row, a metrics
            library's counter), or guard it with a lock if a per-process count is really what is
            wanted. A semaphore is the tool when the counter limits concurrency.
            """,
    )
    valid = (
        """
        import threading

        _lock = threading.Lock()
        REQUESTS = 0

        def count():
            global REQUESTS
            with _lock:
                REQUESTS += 1
        """,
        """
        LOADED = 0

        def load_plugins(plugins):
            global LOADED
            for plugin in plugins:
                LOADED += 1
        """,
    )
    invalid = (
        Invalid(
            """
            from fastapi import FastAPI

            app = FastAPI()
            active_jobs = 0

            @app.post("/jobs")
            async def start_job():
                global active_jobs
                active_jobs += 1
                return {"active": active_jobs}
            """,
            line=9,
        ),
        Invalid(
            """
            served = 0

            async def handle(reader, writer):
                global served
                served += 1
            """,
            line=5,
        ),
    )

    def visit_AugAssign(self, node: ast.AugAssign, ctx: Context) -> Iterator[Finding]:
        """Report `X += ...` on a global in a coroutine or request handler, outside a lock."""
        function = ctx.function
        if not isinstance(node.target, ast.Name) or not isinstance(node.op, (ast.Add, ast.Sub)):
            return
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        name = node.target.id
        if name not in ctx.facts.for_last_node("RV305.last-global-names", function, lambda: _global_names(function)):
            return
        if not (isinstance(function, ast.AsyncFunctionDef) or is_route_handler(function, ctx)) or _under_lock(ctx.parents):
            return
        yield self.report(node, ctx, name=name, function=function.name)


def _global_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    """The names the function's own `global` statements declare (kept per function by the visitor: each `+=` in it asks)."""
    found: set[str] = set()
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Global):
            found.update(node.names)
        if not isinstance(node, SCOPE_NODES) and isinstance(node, ast.stmt):
            stack.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt | ast.excepthandler))
        elif isinstance(node, ast.ExceptHandler):
            stack.extend(node.body)
    return frozenset(found)


def _under_lock(ancestors: Sequence[ast.AST]) -> bool:
    for ancestor in reversed(ancestors):
        if isinstance(ancestor, SCOPE_NODES):
            return False
        if isinstance(ancestor, (ast.With, ast.AsyncWith)):
            for item in ancestor.items:
                expression = item.context_expr.func if isinstance(item.context_expr, ast.Call) else item.context_expr
                if "lock" in (dotted_name(expression) or "").lower() or "semaphore" in (dotted_name(expression) or "").lower():
                    return True
    return False
