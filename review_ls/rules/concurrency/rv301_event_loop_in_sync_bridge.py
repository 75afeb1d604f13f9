"""RV301 event-loop-in-sync-bridge: RV301: a sync function that runs a fresh event loop to get a coroutine's result."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Finding, Severity
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.frameworks import is_cli_entry_point
from review_ls.rules.concurrency._shared import _in_tests_or_scripts


_RUNNERS = frozenset({"asyncio.run"})


_NEW_LOOPS = frozenset({"asyncio.new_event_loop"})


_SHARED_LOOPS = frozenset({"asyncio.get_event_loop"})


class EventLoopInSyncBridge(Rule):
    """RV301: a sync function that runs a fresh event loop to get a coroutine's result."""

    code = "RV301"
    call_names = frozenset({"apply", "run", "run_until_complete"})  # (nest_asyncio.apply, asyncio.run, loop.run_until_complete: visit_Call returns at once for any other callee)
    name = "event-loop-in-sync-bridge"
    applies_to = SERVICE_CODE
    severity = Severity.HINT
    default_enabled = False
    precision_note = """
        Off by default, hint severity: 0.12 on the judged corpus sample (docs/precision.md). A single `asyncio.run` in a sync
        Django view or Celery task is debatable rather than wrong, and offline evaluation code looks the
        same as service code.
        """
    message = "{call} in {function}() {problem}"
    docs = RuleDocs(
        what="""
            Finds sync bridges: functions that run a coroutine to get its result on a new event loop
            per call — `return asyncio.run(coro)`, `x = loop.run_until_complete(coro)` on a loop
            made by `asyncio.new_event_loop()` in the same function, either of them inside a loop —
            or on the thread's loop from `asyncio.get_event_loop()` without checking
            `is_running()` first; and `nest_asyncio.apply()` inside a function. Program entry points
            (`if __name__ == "__main__":`, `main()`, click/typer commands, `__main__.py`, scripts),
            runners that only run a program to completion (`asyncio.run(main())` as a statement),
            long-lived loops kept on an object, tests and pytest plugins are not reported.
            """,
        why="""
            Each call builds and tears down an event loop, so nothing bound to a loop survives
            between calls: async clients and connection pools are recreated (or fail with "attached
            to a different loop"), and the bridge raises "cannot be called from a running event
            loop" as soon as an async caller uses it. `nest_asyncio` hides that error by re-entering
            the running loop, which starves the other tasks.
            """,
        fix="""
            Make the caller async and `await` the coroutine. Where sync code must call async code
            (a worker thread, a sync framework), run one long-lived loop in a background thread and
            submit coroutines to it with `asyncio.run_coroutine_threadsafe(coro, loop).result()`.
            """,
    )
    valid = (
        """
        import asyncio

        async def main():
            await asyncio.sleep(1)

        if __name__ == "__main__":
            asyncio.run(main())
        """,
        """
        import asyncio

        def run_server(app):
            asyncio.run(app.serve())
        """,
        """
        import asyncio
        import click

        @click.command()
        def sync_users():
            return asyncio.run(do_sync())
        """,
        """
        import asyncio

        class Runner:
            def __init__(self):
                self._loop = asyncio.new_event_loop()

            def run(self, coro):
                return self._loop.run_until_complete(coro)
        """,
        """
        import asyncio

        def run_app(app):
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(app.serve_forever())
            finally:
                loop.close()
        """,
    )
    invalid = (
        Invalid(
            """
            import asyncio

            def get_user(user_id):
                return asyncio.run(fetch_user(user_id))
            """,
            line=4,
        ),
        Invalid(
            """
            import asyncio

            def render(scene):
                loop = asyncio.new_event_loop()
                try:
                    return loop.run_until_complete(render_async(scene))
                finally:
                    loop.close()
            """,
            line=6,
        ),
        Invalid(
            """
            import asyncio

            def sync_all(accounts):
                for account in accounts:
                    asyncio.run(sync_account(account))
            """,
            line=5,
        ),
        Invalid(
            """
            import asyncio

            class Session:
                def profiles(self):
                    return asyncio.get_event_loop().run_until_complete(self.load_profiles())
            """,
            line=5,
        ),
        Invalid(
            """
            import nest_asyncio

            def patch():
                nest_asyncio.apply()
            """,
            line=4,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report per-call event loops in functions that are not program entry points."""
        function = ctx.function
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        problem = self._problem(node, function, ctx)
        if problem is None or self._is_entry_point(ctx):
            return
        call, text = problem
        yield self.report(node, ctx, call=call, function=function.name, problem=text)

    @staticmethod
    def _problem(node: ast.Call, function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> tuple[str, str] | None:
        qualified = ctx.qualified_name(node.func)
        if qualified == "nest_asyncio.apply":
            return "nest_asyncio.apply()", "re-enters running event loops: a blocked coroutine now starves every other task"
        result_used = not isinstance(ctx.parent, ast.Expr) or bool(ctx.loops)
        if not result_used:
            return None
        per_call = "runs a new event loop on every call; keep one long-lived loop (run_coroutine_threadsafe) or make the caller async"
        if qualified in _RUNNERS:
            return f"{qualified}()", per_call
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "run_until_complete"):
            return None
        factory = _loop_factory(func.value, function, ctx)
        if factory in _NEW_LOOPS:
            return "run_until_complete()", per_call
        if factory in _SHARED_LOOPS and not _checks_running_loop(function):
            return "run_until_complete()", "blocks on the thread's event loop from sync code: it fails when a coroutine calls it (or needs nest_asyncio); make the caller async"
        return None

    @staticmethod
    def _is_entry_point(ctx: Context) -> bool:
        if ctx.in_main_guard() or _in_tests_or_scripts(ctx):
            return True
        if any(target.split(".", 1)[0] == "pytest" for target in ctx.facts.imports.values()):
            return True
        return any(is_cli_entry_point(function) or _is_fixture(function) for function in ctx.functions)


def _loop_factory(receiver: ast.expr, function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> str | None:
    """Where the loop comes from: `asyncio.new_event_loop()`/`get_event_loop()` called here, or a local assigned from one."""
    if isinstance(receiver, ast.Call):
        return ctx.qualified_name(receiver.func)
    if not isinstance(receiver, ast.Name):
        return None
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and any(isinstance(t, ast.Name) and t.id == receiver.id for t in node.targets):
            factory = ctx.qualified_name(node.value.func)
            if factory in _NEW_LOOPS or factory in _SHARED_LOOPS:
                return factory
    return None


def _checks_running_loop(function: ast.AST) -> bool:
    """True when the function asks `loop.is_running()` first (a guarded bridge)."""
    return any(isinstance(n, ast.Attribute) and n.attr == "is_running" for n in ast.walk(function))


def _is_fixture(function: ast.AST) -> bool:
    for decorator in getattr(function, "decorator_list", ()):
        name = dotted_name(decorator.func if isinstance(decorator, ast.Call) else decorator) or ""
        if name.rsplit(".", 1)[-1] == "fixture":
            return True
    return False
