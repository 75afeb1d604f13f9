"""RV302 blocking-call-in-async: RV302: blocking I/O called directly inside `async def`."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence

from review_ls.engine.cst_edit import cst, replace_nodes
from review_ls.engine.facts import dotted_name
from review_ls.engine.fixes import FixContext
from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


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
    applies_to = SERVICE_CODE
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
        # A local function named `open` is not the builtin.
        """
        async def export(store):
            def open(name):
                return store.cached_handle(name)

            handle = open("report.csv")
            return await handle.read()
        """,
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
            import asyncio
            import time

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
            import asyncio
            from pathlib import Path

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
            shadowed = func.id in ctx.imports or func.id in ctx.facts.bindings or _bound_locally("open", ctx.functions)
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
        is_sleep = fctx.qualified_name(call.func) == "time.sleep"
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


def _bound_locally(name: str, functions: Sequence[ast.AST]) -> bool:
    """True when one of the enclosing `functions` binds `name` itself (a parameter, a nested `def`,
    an assignment): then a call to `name` is not the builtin."""
    for function in functions:
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        arguments = function.args
        if any(arg.arg == name for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)):
            return True
        for node in ast.walk(function):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name and node is not function:
                return True
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
                return True
    return False
