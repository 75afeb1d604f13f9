"""RV3 — asyncio and concurrency: event loops per call, blocking calls in coroutines, serialised work."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence


from review_ls.engine.cst_edit import cst, replace_nodes, statement_line_of
from review_ls.engine.facts import BindingKind, dotted_name
from review_ls.engine.fixes import FixContext
from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.engine.rule import Invalid, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.patterns.await_independence import concurrent_fan_out, fan_out_shape, has_comment, plain_arguments
from review_ls.patterns.frameworks import is_cli_entry_point, is_route_decorator, is_route_handler
from review_ls.patterns.scripts import is_script_path, is_test_path
from review_ls.project import ProjectIndex
from review_ls.project.views import SettingsTarget

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _in_tests_or_scripts(ctx: Context) -> bool:
    return is_test_path(ctx.path) or is_script_path(ctx.path)


def _resolved(dotted: str, ctx: Context) -> str:
    """A dotted name as written, resolved through the module's imports."""
    head, _, rest = dotted.partition(".")
    target = ctx.imports.get(head)
    if target is None:
        return dotted
    return f"{target}.{rest}" if rest else target


# -- RV301 ------------------------------------------------------------------------------------------

_RUNNERS = frozenset({"asyncio.run"})
_NEW_LOOPS = frozenset({"asyncio.new_event_loop"})
_SHARED_LOOPS = frozenset({"asyncio.get_event_loop"})


class EventLoopInSyncBridge(Rule):
    """RV301: a sync function that runs a fresh event loop to get a coroutine's result."""

    code = "RV301"
    name = "event-loop-in-sync-bridge"
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


# -- RV302 ------------------------------------------------------------------------------------------

_BLOCKING_CALLS = frozenset(
    {
        "time.sleep",
        "requests.get",
        "requests.post",
        "requests.put",
        "requests.patch",
        "requests.delete",
        "requests.head",
        "requests.options",
        "requests.request",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.system",
        "os.walk",
        "shutil.copy",
        "shutil.copy2",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.copyfileobj",
        "shutil.rmtree",
        "shutil.move",
        "shutil.make_archive",
        "shutil.unpack_archive",
        "socket.create_connection",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
        "urllib.request.urlopen",
    }
)
_PATH_IO_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes"})
# Calls whose result is consumed lazily or used as a context manager: wrapping the call alone
# would move only the first step to a thread, so these get advice, not a rewrite.
_NOT_WRAPPABLE = frozenset({"open", "os.walk"})
_PRIMARY_CONTEXTS = (ast.Attribute, ast.Subscript, ast.Call)


class BlockingCallInAsync(Rule):
    """RV302: blocking I/O called directly inside `async def`."""

    code = "RV302"
    name = "blocking-call-in-async"
    message = "{call} blocks the event loop inside async def {function}(); every other task waits until it returns"
    fix_title = "Run {call} without blocking the event loop"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Finds blocking I/O called directly in an `async def`: `open()`, `Path.read_text/
            read_bytes/write_text/write_bytes`, `time.sleep`, `requests.*`, `subprocess.run/call/
            check_output`, `os.system`, `os.walk`, `shutil` file operations, `socket` connects
            and look-ups, `urllib.request.urlopen`. Calls already handed to `asyncio.to_thread` or
            `run_in_executor` (passed, not called) and awaited calls are not reported.
            """,
        why="""
            An event loop runs one thing at a time. While a coroutine sits in a blocking call, no
            other request, timer or heartbeat of the process makes progress: a one-second
            `time.sleep` or slow upstream in one handler stalls every connection.
            """,
        fix="""
            Use the async equivalent (`await asyncio.sleep`, httpx.AsyncClient, aiofiles,
            `asyncio.create_subprocess_exec`) or move the call to a worker thread with
            `await asyncio.to_thread(fn, *args)`. The quick fix does the latter (and turns
            `time.sleep(x)` into `await asyncio.sleep(x)`, which is marked safe); the thread
            rewrite is marked unsafe because the function now runs on another thread.
            `open()` in a `with` block and `os.walk` get advice only: move the whole block into a
            function and run that with `asyncio.to_thread`.
            """,
    )
    valid = (
        """
        import asyncio
        import time

        async def pause():
            await asyncio.sleep(1)

        def sync_pause():
            time.sleep(1)
        """,
        """
        import asyncio
        import requests

        async def fetch(url):
            return await asyncio.to_thread(requests.get, url, timeout=5)
        """,
        """
        import asyncio
        from pathlib import Path

        async def load(path: Path):
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(None, lambda: path.read_text())
        """,
        """
        import anyio

        async def load(path):
            return await anyio.Path(path).read_text()
        """,
    )
    invalid = (
        Invalid(
            """
            import time

            async def poll(job):
                while not job.done:
                    time.sleep(0.5)
            """,
            line=5,
            fixed="""
            import time
            import asyncio

            async def poll(job):
                while not job.done:
                    await asyncio.sleep(0.5)
            """,
        ),
        Invalid(
            """
            import asyncio
            import requests

            async def weather(city):
                data = requests.get("https://api.example.com", params={"q": city}, timeout=5).json()
                return data["temp"]
            """,
            line=5,
            fixed="""
            import asyncio
            import requests

            async def weather(city):
                data = (await asyncio.to_thread(requests.get, "https://api.example.com", params={"q": city}, timeout=5)).json()
                return data["temp"]
            """,
        ),
        Invalid(
            """
            from pathlib import Path

            async def save(report: str, target: Path):
                target.write_text(report, encoding="utf-8")
            """,
            line=4,
            fixed="""
            from pathlib import Path
            import asyncio

            async def save(report: str, target: Path):
                await asyncio.to_thread(target.write_text, report, encoding="utf-8")
            """,
        ),
        Invalid(
            """
            async def read_config(path):
                with open(path) as fh:
                    return fh.read()
            """,
            line=2,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report blocking calls made directly in a coroutine's body."""
        function = ctx.function
        if not isinstance(function, ast.AsyncFunctionDef) or isinstance(ctx.parent, ast.Await):
            return
        call = self._blocking_name(node, ctx)
        if call is None:
            return
        fixable = call not in _NOT_WRAPPABLE and not any(isinstance(p, _COMPREHENSIONS) for p in ctx.parents)
        yield self.report(node, ctx, call=f"{call}()", function=function.name, fixable=fixable)

    @staticmethod
    def _blocking_name(node: ast.Call, ctx: Context) -> str | None:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            shadowed = func.id in ctx.imports or func.id in ctx.facts.bindings
            return None if shadowed else "open"
        qualified = ctx.qualified_name(func)
        if qualified in _BLOCKING_CALLS:
            return qualified
        if isinstance(func, ast.Attribute) and func.attr in _PATH_IO_METHODS and qualified is None and _is_path_like(func.value, ctx):
            return dotted_name(func) or func.attr
        return None

    def fix(self, fctx: FixContext) -> Fix | None:
        """`await asyncio.sleep(x)` for `time.sleep(x)`, else `await asyncio.to_thread(fn, *args, **kwargs)`."""
        call = fctx.node
        if not isinstance(call, ast.Call):
            return None
        call_cst = fctx.cst_node(call)
        if not isinstance(call_cst, cst.Call):
            return None
        asyncio_name = fctx.ensure_import("asyncio")
        is_sleep = _qualified_in_fix(call.func, fctx) == "time.sleep"
        if is_sleep:
            awaited = cst.Call(func=cst.parse_expression(f"{asyncio_name}.sleep"), args=call_cst.args)
        else:
            first = cst.Arg(value=call_cst.func, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if call_cst.args else cst.MaybeSentinel.DEFAULT)
            awaited = cst.Call(func=cst.parse_expression(f"{asyncio_name}.to_thread"), args=[first, *call_cst.args])
        parent = fctx.ancestors[-1] if fctx.ancestors else None
        needs_parens = isinstance(parent, _PRIMARY_CONTEXTS) and not (isinstance(parent, ast.Call) and call is not parent.func)
        replacement = cst.Await(expression=awaited)
        if needs_parens:
            replacement = replacement.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(call_cst): replacement}).code)
        return fctx.build(fctx.finding.fix_title or "Run the call without blocking the event loop", Applicability.SAFE if is_sleep else self.fix_applicability)


_PATH_NAME = re.compile(r"(^|_)(path|file|dir|directory|folder|target|dest|destination|src|source|output|input|out|config|manifest|p)$", re.IGNORECASE)
_PATH_CONSTRUCTORS = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.WindowsPath"})
_PATH_METHODS = frozenset({"joinpath", "with_suffix", "with_name", "with_stem", "resolve", "absolute", "expanduser"})


def _is_path_like(receiver: ast.expr, ctx: Context) -> bool:
    """True when `receiver` reads as a filesystem path: `Path(...)`, `base / "x"`, a path-named variable or a `Path` parameter."""
    if isinstance(receiver, ast.Call):
        func = receiver.func
        return ctx.qualified_name(func) in _PATH_CONSTRUCTORS or (isinstance(func, ast.Attribute) and func.attr in _PATH_METHODS)
    if isinstance(receiver, ast.BinOp):
        return isinstance(receiver.op, ast.Div)
    name = dotted_name(receiver)
    if name is None or name in ("self", "cls"):
        return False
    if _PATH_NAME.search(name.rsplit(".", 1)[-1]):
        return True
    function = ctx.function
    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and isinstance(receiver, ast.Name):
        for argument in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs):
            if argument.arg == receiver.id and argument.annotation is not None:
                return "Path" in (dotted_name(argument.annotation) or "")
    return False


def _qualified_in_fix(node: ast.AST, fctx: FixContext) -> str | None:
    dotted = dotted_name(node)
    if dotted is None:
        return None
    head, _, rest = dotted.partition(".")
    target = fctx.facts.imports.get(head)
    if target is None:
        return None
    return f"{target}.{rest}" if rest else target


# -- RV303 ------------------------------------------------------------------------------------------



class SequentialAwaitFanOut(Rule):
    """RV303: independent awaits run one after another in a loop."""

    code = "RV303"
    name = "sequential-await-fan-out"
    message = "each iteration awaits {call} before the next starts; the calls are independent and could run concurrently"
    fix_title = "Run the calls concurrently with asyncio.gather"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Finds `for x in xs: await f(x)` in a coroutine where the loop body is that one awaited
            call, its result unused or only appended to a list, and the call is made per item (on
            the item, or with the item as an argument) — e.g. broadcasting to every node or
            fetching every URL. Calls that must stay ordered or share one connection (`send`,
            `write`, `put`, `execute`, `commit`, calls on or given a session, connection,
            transaction, browser page, keyboard/mouse or lock) are not reported, nor loops whose
            order carries meaning (`reversed(...)`, `sorted(...)`, paths, points, steps, moves), loops
            with a comment in or just above them that talks about order, iterations that read what
            earlier ones appended, and scripts and CLI commands. Per-item database calls are left to
            RV802, which reports them once.
            """,
        why="""
            The total time is the sum of all the calls instead of the slowest one: broadcasting to
            50 nodes with 100 ms latency takes 5 s instead of 100 ms, and one slow node delays all
            the others.
            """,
        fix="""
            `await asyncio.gather(*(f(x) for x in xs))` (or a `TaskGroup` on 3.11+). For the append
            form, `results = await asyncio.gather(...)` (gather keeps the order). The quick fix is
            marked unsafe: the calls now overlap, and the first failure no longer stops the rest.
            It is offered only when the calls are plainly independent — the arguments are the item,
            constants and names, nothing built per call — and the loop holds no comment that would
            be lost; otherwise the finding is advice only. Bound the concurrency with a semaphore if
            the list can be large.
            """,
    )
    valid = (
        """
        async def send_all(websocket, messages):
            for message in messages:
                await websocket.send_text(message)
        """,
        """
        async def migrate(session, statements):
            for statement in statements:
                await session.execute(statement)
        """,
        """
        async def retry(job):
            for attempt in range(3):
                await job.run()
        """,
        """
        async def chain(steps, value):
            for step in steps:
                value = await step(value)
            return value
        """,
        """
        async def activate_all(service, session, orgs):
            for org in orgs:
                await service.maybe_activate(session, org)
        """,
        """
        async def release_keys(page, keys):
            for key in keys:
                await page.keyboard.up(key)
        """,
        """
        async def release_all(resources):
            # Release in reverse order
            for resource in reversed(resources):
                await resource.release_async()
        """,
        """
        async def follow(robot, path):
            for point in path:
                await robot.move_to(point)
        """,
        """
        async def notify_all(nodes, event):
            for node in nodes:
                await node.notify(event)  # one at a time: the gateway rate-limits us
        """,
        """
        async def accumulate(nodes, merged):
            for node in nodes:
                merged.append(await node.merge(merged))
        """,
        Valid(
            """
            import asyncio

            async def ping_all(client, hosts):
                for host in hosts:
                    await client.ping(host)

            if __name__ == "__main__":
                asyncio.run(ping_all(make_client(), ["a", "b"]))
            """,
            path="scripts/ping.py",
        ),
    )
    invalid = (
        Invalid(
            """
            import asyncio

            async def broadcast(nodes, event):
                for node in nodes:
                    await node.notify(event)
            """,
            line=4,
            fixed="""
            import asyncio

            async def broadcast(nodes, event):
                await asyncio.gather(*(node.notify(event) for node in nodes))
            """,
        ),
        Invalid(
            """
            import asyncio


            async def fetch_all(client, urls):
                pages = []
                for url in urls:
                    pages.append(await client.get(url))
                return pages
            """,
            line=6,
            fixed="""
            import asyncio


            async def fetch_all(client, urls):
                pages = await asyncio.gather(*(client.get(url) for url in urls))
                return pages
            """,
        ),
        Invalid(
            """
            import asyncio

            async def refresh(cache, keys):
                results = await load_defaults()
                for key in keys:
                    results.append(await fetch(key))
                return results
            """,
            line=5,
            fixed="""
            import asyncio

            async def refresh(cache, keys):
                results = await load_defaults()
                results.extend(await asyncio.gather(*(fetch(key) for key in keys)))
                return results
            """,
        ),
        Invalid(
            """
            async def warm(client, urls):
                for url in urls:
                    # the CDN caches the page on first request
                    await client.get(url, headers=make_headers())
            """,
            line=2,
        ),
    )

    def visit_For(self, node: ast.For, ctx: Context) -> Iterator[Finding]:
        """Report a loop in a coroutine whose whole body is one independent awaited call."""
        fan_out = concurrent_fan_out(node, ctx)
        if fan_out is None:
            return
        call, _ = fan_out
        loop_text = "\n".join(ctx.lines.line_text(n) for n in range(node.lineno, (node.end_lineno or node.lineno) + 1))
        fixable = _gather_safe(call) and plain_arguments(call) and not has_comment(loop_text)
        yield self.report(node, ctx, call=f"{dotted_name(call.func) or 'the call'}()", fixable=fixable)

    def fix(self, fctx: FixContext) -> Fix | None:
        """Replace the loop with one `asyncio.gather` over a generator of the calls."""
        loop = fctx.node
        if not isinstance(loop, ast.For):
            return None
        shape = fan_out_shape(loop)
        loop_cst = fctx.cst_node(loop)
        if shape is None or not isinstance(loop_cst, cst.For):
            return None
        call, results = shape
        call_cst = fctx.cst_node(call)
        code = fctx.cst_module.code_for_node
        if call_cst is None or has_comment(code(loop_cst.with_changes(leading_lines=()))):
            return None  # the loop's comments would be lost with it
        asyncio_name = fctx.ensure_import("asyncio")
        iterable = code(loop_cst.iter)
        if isinstance(loop.iter, ast.Tuple) and not loop_cst.iter.lpar:
            iterable = f"({iterable})"
        gather = f"await {asyncio_name}.gather(*({code(call_cst)} for {code(loop_cst.target)} in {iterable}))"
        replacements: dict[int, object] = {}
        if results is None:
            statement = cst.parse_statement(gather + "\n")
        else:
            initialiser = _empty_list_before(loop, results, fctx.ancestors)
            if initialiser is not None and not _has_comments(loop_cst.leading_lines):
                assign_cst = fctx.cst_node(initialiser)
                line = statement_line_of(fctx.cst_module, assign_cst) if assign_cst is not None else None
                if line is not None and len(line.body) == 1:
                    replacements[id(line)] = cst.parse_statement(f"{results} = {gather}\n").with_changes(leading_lines=line.leading_lines)
                    replacements[id(loop_cst)] = cst.RemovalSentinel.REMOVE
            statement = cst.parse_statement(f"{results}.extend({gather})\n")
        replacements.setdefault(id(loop_cst), statement.with_changes(leading_lines=loop_cst.leading_lines))
        fctx.replace_scope(replace_nodes(fctx.cst_module, replacements).code)
        return fctx.build(self.fix_title or "", self.fix_applicability)


def _gather_safe(call: ast.Call) -> bool:
    """The call can move into a generator expression: no nested await, yield or walrus."""
    return not any(isinstance(n, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr, ast.Lambda)) for n in ast.walk(call))


def _empty_list_before(loop: ast.For, name: str, ancestors: Sequence[ast.AST]) -> ast.Assign | None:
    """The `name = []` statement right before the loop in the same block, if there is one."""
    parent = ancestors[-1] if ancestors else None
    for field in ("body", "orelse", "finalbody"):
        block = getattr(parent, field, None)
        if isinstance(block, list) and any(statement is loop for statement in block):
            index = next(i for i, statement in enumerate(block) if statement is loop)
            previous = block[index - 1] if index else None
            if (
                isinstance(previous, ast.Assign)
                and len(previous.targets) == 1
                and dotted_name(previous.targets[0]) == name
                and isinstance(previous.value, ast.List)
                and not previous.value.elts
            ):
                return previous
    return None


def _has_comments(lines: Sequence[cst.EmptyLine]) -> bool:
    return any(line.comment is not None for line in lines)


# -- RV304 ------------------------------------------------------------------------------------------

_LOCKS = frozenset({"asyncio.Lock", "threading.Lock", "threading.RLock", "multiprocessing.Lock"})
_EXECUTORS = frozenset({"concurrent.futures.ThreadPoolExecutor", "concurrent.futures.ProcessPoolExecutor", "concurrent.futures.thread.ThreadPoolExecutor"})
_LOCK_USERS = "RV304.lock-users"


class GlobalSerializingLock(Rule):
    """RV304: one module-level lock or single-worker executor that every request goes through."""

    code = "RV304"
    name = "global-serializing-lock"
    message = "{what} serializes {whom}: requests wait for each other instead of running concurrently"
    fix_title = "Make max_workers of {what} configurable"
    docs = RuleDocs(
        what="""
            Finds a module-level `asyncio.Lock`/`threading.Lock` held (`with`/`async with`) by two
            or more request handlers of the module, and a module-level `ThreadPoolExecutor`/
            `ProcessPoolExecutor` with `max_workers=1`. Locks and executors owned by an object
            (created in `__init__`) are not reported.
            """,
        why="""
            A process-wide lock taken by every endpoint turns a concurrent server into a queue:
            one slow request holds up all the others, latency grows with load, and adding workers
            threads does not help. A one-worker executor does the same to every job submitted to
            it. Often the lock only needs to protect one resource (one file, one key) or a much
            shorter critical section.
            """,
        fix="""
            Lock per resource (a dict of locks keyed by id, or a lock on the object), shorten the
            critical section to the shared write, or move the shared state to a store that handles
            concurrency. For a one-worker executor the quick fix makes `max_workers` a setting: the
            project's settings field when it has one (`max_workers`, `<name>_max_workers`), else a
            module constant read from the environment with the current value as the default.
            """,
    )
    valid = (
        """
        import asyncio

        class Account:
            def __init__(self):
                self.lock = asyncio.Lock()

            async def deposit(self, amount):
                async with self.lock:
                    self.balance += amount
        """,
        """
        import asyncio
        from fastapi import FastAPI

        app = FastAPI()
        _reindex_lock = asyncio.Lock()

        @app.post("/reindex")
        async def reindex():
            async with _reindex_lock:
                await rebuild_index()
        """,
        """
        from concurrent.futures import ThreadPoolExecutor

        executor = ThreadPoolExecutor(max_workers=8)
        """,
    )
    invalid = (
        Invalid(
            """
            import asyncio
            from fastapi import FastAPI

            app = FastAPI()
            state_lock = asyncio.Lock()

            @app.get("/items")
            async def list_items():
                async with state_lock:
                    return await load_items()

            @app.post("/items")
            async def add_item(item: dict):
                async with state_lock:
                    await save_item(item)
            """,
            line=9,
        ),
        Invalid(
            """
            from concurrent.futures import ThreadPoolExecutor

            _executor = ThreadPoolExecutor(max_workers=1)


            def submit(job):
                return _executor.submit(job.run)
            """,
            line=3,
            fixed="""
            from concurrent.futures import ThreadPoolExecutor
            import os

            EXECUTOR_MAX_WORKERS = int(os.environ.get("EXECUTOR_MAX_WORKERS", "1"))


            _executor = ThreadPoolExecutor(max_workers=EXECUTOR_MAX_WORKERS)


            def submit(job):
                return _executor.submit(job.run)
            """,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report a module-level executor with one worker."""
        if ctx.function is not None or ctx.class_ is not None or _in_tests_or_scripts(ctx):
            return
        if ctx.qualified_name(node.func) not in _EXECUTORS or not _single_worker(node):
            return
        owner = _assigned_to(node, ctx.parent)
        what = f"{owner} (max_workers=1)" if owner else "this max_workers=1 executor"
        yield self.report(node, ctx, what=what, whom="every job submitted to it", data={"owner": owner or ""})

    def visit_With(self, node: ast.With | ast.AsyncWith, ctx: Context) -> Iterator[Finding]:
        """Report a module-level lock held by this request handler and at least one other."""
        function = ctx.function
        if function is None or not is_route_handler(function, ctx):
            return
        for item in node.items:
            name = item.context_expr.id if isinstance(item.context_expr, ast.Name) else None
            if name is None or not _is_module_lock(name, ctx):
                continue
            users = _lock_users(ctx).get(name, frozenset()) | {function.name}
            if len(users) >= 2:
                yield self.report(item.context_expr, ctx, what=f"module-level lock {name}", whom=f"{len(users)} request handlers", fixable=False)

    visit_AsyncWith = visit_With

    def fix(self, fctx: FixContext) -> Fix | None:
        """Read max_workers from the project's settings, or from an environment-backed module constant."""
        call = fctx.node
        if not isinstance(call, ast.Call) or not _single_worker(call):
            return None
        owner = str(fctx.finding.data_dict.get("owner", ""))
        base = owner.strip("_").lower() or "executor"
        target = _max_workers_setting(fctx.project, fctx.path, base)
        if target is not None:
            local = fctx.ensure_import(target.module, target.object_name)
            value = target.expression(local)
        else:
            os_name = fctx.ensure_import("os")
            value = fctx.unique_name(f"{base.upper()}_MAX_WORKERS")
            fctx.add_definition(f'{value} = int({os_name}.environ.get("{value}", "1"))\n')
        call_cst = fctx.cst_node(call)
        if not isinstance(call_cst, cst.Call):
            return None
        new_args = [
            arg.with_changes(value=cst.parse_expression(value)) if _is_max_workers_arg(arg, index) else arg
            for index, arg in enumerate(call_cst.args)
        ]
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(call_cst): call_cst.with_changes(args=new_args)}).code)
        return fctx.build(fctx.finding.fix_title or "Make max_workers configurable", self.fix_applicability)


def _single_worker(call: ast.Call) -> bool:
    for keyword in call.keywords:
        if keyword.arg == "max_workers":
            return isinstance(keyword.value, ast.Constant) and keyword.value.value == 1
    return bool(call.args) and isinstance(call.args[0], ast.Constant) and call.args[0].value == 1


def _is_max_workers_arg(arg: cst.Arg, index: int) -> bool:
    if arg.keyword is not None:
        return arg.keyword.value == "max_workers"
    return index == 0


def _assigned_to(call: ast.Call, parent: ast.AST | None) -> str | None:
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        return parent.targets[0].id
    if isinstance(parent, ast.AnnAssign) and isinstance(parent.target, ast.Name):
        return parent.target.id
    return None


def _max_workers_setting(project: object, path: str | None, base: str) -> SettingsTarget | None:
    """The project's settings field for the executor's size (`<name>_max_workers`, `max_workers`), if any."""
    if not isinstance(project, ProjectIndex) or path is None:
        return None
    targets = project.settings_targets_for(path)
    for wanted in (f"{base}_max_workers", "max_workers"):
        for target in targets:
            if target.field == wanted:
                return target
    return None


def _is_module_lock(name: str, ctx: Context) -> bool:
    binding = ctx.facts.bindings.get(name)
    if binding is None or binding.kind is not BindingKind.INSTANCE:
        return False
    return _resolved(binding.detail, ctx) in _LOCKS


def _lock_users(ctx: Context) -> dict[str, frozenset[str]]:
    """Module-level lock name -> names of the module's route handlers that hold it (once per analysis)."""
    users = ctx.memo.get(_LOCK_USERS)
    if users is None:
        found: dict[str, set[str]] = {}
        module = ctx.parents[0] if ctx.parents else None
        handlers = getattr(ctx.project, "route_handler_names", None) or frozenset()
        for statement in getattr(module, "body", ()):
            if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if not (any(is_route_decorator(d) for d in statement.decorator_list) or (ctx.path, statement.name) in handlers):
                continue
            for node in ast.walk(statement):
                if isinstance(node, (ast.With, ast.AsyncWith)):
                    for item in node.items:
                        if isinstance(item.context_expr, ast.Name):
                            found.setdefault(item.context_expr.id, set()).add(statement.name)
        users = ctx.memo[_LOCK_USERS] = {name: frozenset(names) for name, names in found.items()}
    return users


# -- RV305 ------------------------------------------------------------------------------------------


class UnsynchronizedGlobalCounter(Rule):
    """RV305: a `global` counter incremented by a coroutine or request handler."""

    code = "RV305"
    name = "unsynchronized-global-counter"
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
        if not _declares_global(function, name):
            return
        if not (isinstance(function, ast.AsyncFunctionDef) or is_route_handler(function, ctx)) or _under_lock(ctx.parents):
            return
        yield self.report(node, ctx, name=name, function=function.name)


def _declares_global(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> bool:
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Global) and name in node.names:
            return True
        if not isinstance(node, _SCOPES) and isinstance(node, ast.stmt):
            stack.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt | ast.excepthandler))
        elif isinstance(node, ast.excepthandler):
            stack.extend(node.body)
    return False


def _under_lock(ancestors: Sequence[ast.AST]) -> bool:
    for ancestor in reversed(ancestors):
        if isinstance(ancestor, _SCOPES):
            return False
        if isinstance(ancestor, (ast.With, ast.AsyncWith)):
            for item in ancestor.items:
                expression = item.context_expr.func if isinstance(item.context_expr, ast.Call) else item.context_expr
                if "lock" in (dotted_name(expression) or "").lower() or "semaphore" in (dotted_name(expression) or "").lower():
                    return True
    return False


# -- RV306 ------------------------------------------------------------------------------------------

_BLOCKING_QUEUES = frozenset(
    {"queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", "multiprocessing.Queue", "multiprocessing.JoinableQueue"}
)
_BOUNDED_QUEUES = "RV306.bounded-queues"


class BlockingPutOnBoundedQueue(Rule):
    """RV306: a blocking `put` on a bounded thread queue from a coroutine."""

    code = "RV306"
    name = "blocking-put-on-bounded-queue"
    message = "{queue}.put() blocks the event loop when the bounded queue is full"
    docs = RuleDocs(
        what="""
            Finds `put(item)` without `block=False` or a `timeout` on a `queue.Queue` (or
            `LifoQueue`, `PriorityQueue`, `multiprocessing.Queue`) created with a `maxsize`, called
            from an `async def`. The queue may be module-level or an attribute set in the class.
            `asyncio.Queue` (whose `put` is awaited) and producers running in their own threads are
            not reported.
            """,
        why="""
            When the consumer falls behind the queue fills, and a blocking `put` then stops the
            whole event loop — every request and heartbeat of the process — until a slot frees up.
            If the consumer itself needs the loop, that is a deadlock.
            """,
        fix="""
            Use `put_nowait(item)` and decide what overflow means (drop, drop oldest, reply 503),
            or run the blocking put in a thread: `await loop.run_in_executor(None, q.put, item)`.
            For queues between coroutines, use `asyncio.Queue` and `await q.put(item)`.
            """,
    )
    valid = (
        """
        import queue

        jobs = queue.Queue(maxsize=100)

        async def enqueue(job):
            try:
                jobs.put_nowait(job)
            except queue.Full:
                raise RuntimeError("busy")
        """,
        """
        import queue

        jobs = queue.Queue(maxsize=100)

        def producer(items):
            for item in items:
                jobs.put(item)
        """,
        """
        import queue

        events = queue.Queue()

        async def publish(event):
            events.put(event)
        """,
    )
    invalid = (
        Invalid(
            """
            import queue

            jobs = queue.Queue(maxsize=100)

            async def enqueue(job):
                jobs.put(job)
            """,
            line=6,
        ),
        Invalid(
            """
            from queue import Queue

            class Recorder:
                def __init__(self):
                    self.frames = Queue(maxsize=32)

                async def on_frame(self, frame):
                    self.frames.put(frame)
            """,
            line=8,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report a blocking put on a bounded queue inside a coroutine."""
        func = node.func
        if not ctx.in_async_function or not isinstance(func, ast.Attribute) or func.attr != "put":
            return
        if len(node.args) != 1 or any(k.arg in ("block", "timeout") for k in node.keywords):
            return
        queue_name = dotted_name(func.value)
        if queue_name is None or not self._is_bounded_queue(queue_name, ctx):
            return
        yield self.report(node, ctx, queue=queue_name)

    @staticmethod
    def _is_bounded_queue(name: str, ctx: Context) -> bool:
        if name.startswith("self.") and name.count(".") == 1 and ctx.class_ is not None:
            return name in _bounded_queues_of(ctx.class_, ctx, "self.")
        if "." not in name:
            binding = ctx.facts.bindings.get(name)
            if binding is None or binding.kind is not BindingKind.INSTANCE or _resolved(binding.detail, ctx) not in _BLOCKING_QUEUES:
                return False
            module = ctx.parents[0] if ctx.parents else None
            return name in _bounded_queues_of(module, ctx, "")
        return False


def _bounded_queues_of(scope: ast.AST | None, ctx: Context, prefix: str) -> frozenset[str]:
    """Names (`q` at module level, `self.q` in a class) assigned a thread queue with a maxsize in `scope`."""
    key = (_BOUNDED_QUEUES, id(scope))
    found = ctx.memo.get(key)
    if found is None:
        names: set[str] = set()
        if scope is None:
            statements: list[ast.AST] = []
        elif prefix:  # `self.q = Queue(...)` in any method of the class
            statements = list(ast.walk(scope))
        else:  # `q = Queue(...)` at module level
            statements = list(getattr(scope, "body", ()))
        for statement in statements:
            if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or not isinstance(statement.value, ast.Call):
                continue
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            call = statement.value
            if _resolved(dotted_name(call.func) or "", ctx) not in _BLOCKING_QUEUES or not _has_maxsize(call):
                continue
            for target in targets:
                target_name = dotted_name(target)
                if target_name is not None and target_name.startswith(prefix) and (prefix or "." not in target_name):
                    names.add(target_name)
        found = ctx.memo[key] = frozenset(names)
    return found


def _has_maxsize(call: ast.Call) -> bool:
    size = next((k.value for k in call.keywords if k.arg == "maxsize"), call.args[0] if call.args else None)
    if size is None:
        return False
    return not (isinstance(size, ast.Constant) and isinstance(size.value, int) and size.value <= 0)
