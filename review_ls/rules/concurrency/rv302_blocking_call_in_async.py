"""RV302 blocking-call-in-async: RV302: blocking I/O called directly inside `async def`."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from review_ls.engine.cst_edit import cst, replace_nodes
from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Applicability, Finding, Fix, RelatedLocation, Span
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Option, Rule, RuleDocs, Valid
from review_ls.engine.project_model import Needs
from review_ls.engine.walker import Context
from review_ls.patterns.blocking import BLOCKING_FUNCTIONS, BlockingCalls, instance_attribute_kinds, module_object_kinds
from review_ls.project import project_for
from review_ls.project.call_facts import CallResolver, absolute_imports
from review_ls.project.call_resolution import function_lessons, function_own_nodes
from review_ls.project.modules import is_package_file

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext
    from review_ls.project.call_graph import BlockingChain


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


_PATH_IO_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes"})


# Calls whose result is consumed lazily or used as a context manager: wrapping the call alone
# would move only the first step to a thread, so these get advice, not a rewrite.
_NOT_WRAPPABLE = frozenset({"open", "io.open", "io.open_code", "os.fdopen", "os.walk", "subprocess.Popen"})


_PRIMARY_CONTEXTS = (ast.Attribute, ast.Subscript, ast.Call)


class BlockingCallInAsync(Rule):
    """RV302: blocking I/O called directly inside `async def`."""

    code = "RV302"
    name = "blocking-call-in-async"
    applies_to = SERVICE_CODE
    message = "{call} blocks the event loop inside async def {function}(){through}; every other task waits until it returns"
    needs = frozenset({Needs.PROJECT_INDEX})
    options = (
        Option(
            "report-metadata-checks",
            False,
            "Also report file-system metadata checks (`os.path.exists/isfile/realpath/...`, `Path.exists/is_file/"
            "resolve/stat`) made in an async def, as flake8-async's ASYNC240 does: one stat-like system call each, "
            "judged debatable rather than wrong on real applications. Path string work (`os.path.abspath/relpath/"
            "normpath`, at most a `getcwd()`) is not reported: it waits for no I/O.",
        ),
    )
    fix_title = "Run {call} without blocking the event loop"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Finds blocking I/O in an `async def` (at least flake8-async's list): sync HTTP
            (`requests.*`, `httpx.*`, `urllib3.request`, `urllib.request.urlopen`), methods of sync
            client objects (`httpx.Client`, `requests.Session`, urllib3 pools, boto3 clients, sync
            SQLAlchemy sessions and engines) known by constructor, annotation or `with` target;
            `subprocess.*`, `os.system`, `os.spawn*`, `os.wait*`; `open`, `io.open_code`,
            `os.fdopen`, `Path.open` and methods of the files they return; `Path` I/O (metadata
            checks such as `os.path.exists/isfile/getsize/...`, `Path.exists/is_file/resolve` only
            with the option `report-metadata-checks`: one stat-like system call each, judged
            debatable on real applications; `os.path.abspath/relpath/normpath` never: string work
            that waits for no I/O); `time.sleep`; `input()`; `shutil` file operations,
            `socket` connects and look-ups. `urlopen` (or `request.urlopen`) that neither the module
            nor the function binds is urllib's, brought in by a star import. It also finds a call to a sync project function that
            blocks one or more calls away, in any file of the project, and shows the chain (also as
            related locations). A chain needs network, subprocess, sleep or database I/O: local
            file-system work in a helper (reading a small config, prompt or id file, `exists`,
            `mkdir`, `rmtree`) is reported where an `async def` does it itself, not in every async
            caller of the helper (on real applications such chains were mostly a small file read
            per request, where a thread per call is not the advice). Local functions shadowing a
            builtin are not the builtin, and names are scoped as Python scopes them (a parameter or
            local of the same name hides a module-level file or client; a nested function sees its
            enclosing function's). Calls handed to `asyncio.to_thread`/`run_in_executor` (passed,
            not called) are not reported, nor awaited methods, builtins and project functions
            (awaiting a module's sync function such as `os.path.isfile` or `time.sleep` still blocks).
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
        # A CLI script: its `async def run()` is the only task on a loop that `asyncio.run` starts.
        Valid(
            """
            import asyncio

            import click
            import requests


            async def run(url):
                users = requests.get(url, timeout=10).json()
                print(len(users))


            @click.command()
            @click.argument("url")
            def main(url):
                asyncio.run(run(url))
            """,
            path="scripts/sync_users.py",
        ),
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
        # An opener the caller passes in is not urllib's `urlopen`, whatever its name.
        """
        async def latest_release(url, urlopen):
            return urlopen(url).read()
        """,
        # Metadata checks (one stat-like system call each) without `report-metadata-checks`.
        """
        import os
        from pathlib import Path

        async def download(file_path: Path, name: str):
            path = file_path.resolve()
            if not path.is_file() or not os.path.exists(name):
                return None
            return path
        """,
        # Helpers doing local file work (a folder check, a small id file read): reported where an
        # async def does that itself, not through every caller.
        Valid(
            """
            from storage import recipe_dir, server_id

            async def recipe_image(recipe_id, name):
                return recipe_dir(recipe_id) / name, server_id()
            """,
            files=(
                (
                    "storage.py",
                    "import os\nfrom pathlib import Path\n\nROOT = Path('/data')\n\n\n"
                    "def recipe_dir(recipe_id: str) -> Path:\n    folder = Path(ROOT, recipe_id)\n"
                    "    folder.mkdir(parents=True, exist_ok=True)\n    return folder\n\n\n"
                    "def server_id():\n    path = os.path.abspath('server.id')\n"
                    "    if os.path.exists(path):\n        with open(path) as handle:\n            return handle.read()\n"
                    "    return None\n",
                ),
            ),
        ),
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
            from tts import synthesize

            async def speak(text):
                return synthesize(text)
            """,
            line=4,
            files=(("tts.py", "import requests\n\n\ndef synthesize(text):\n    return _post(text)\n\n\ndef _post(text):\n    return requests.post('https://tts.example.com', json={'text': text}, timeout=5).content\n"),),
        ),
        # A name only a star import can bring is the module's blocking function.
        Invalid(
            """
            from urllib.request import *

            async def latest_release(url):
                return urlopen(url, timeout=5).read()
            """,
            line=4,
            message="urllib.request.urlopen() blocks the event loop inside async def latest_release(); every other task waits until it returns",
        ),
        Invalid(
            """
            async def read_config(path):
                with open(path) as fh:
                    return fh.read()
            """,
            line=2,
            also=(3,),
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding] | None:
        """Report blocking calls made in a coroutine's body, directly or through sync project functions (a plain
        function: calls outside a coroutine leave without making a generator)."""
        return self._call_findings(node, ctx) if isinstance(ctx.function, ast.AsyncFunctionDef) else None

    def _call_findings(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        function = ctx.function
        if not isinstance(function, ast.AsyncFunctionDef) or _wrapped_for_async(node, ctx):
            return
        if isinstance(ctx.parent, ast.Await) and not _awaited_sync_function(node, function, ctx):
            return  # an awaited method or project call is taken to be a coroutine
        call = self._blocking_name(node, function, ctx)
        if call is not None and not self.config["report-metadata-checks"] and _detector(function, ctx).is_metadata_check(node):
            return  # a stat-like check: reported only with the option (flake8-async's ASYNC240 parity)
        if call is None:
            chain = _blocking_chain(node, ctx)
            if chain is None:
                return
            yield self.report(node, ctx, call=f"{dotted_name(node.func)}()", function=function.name, through=f" (through {chain.describe()})", fixable=False, related=_related(chain))
            return
        fixable = call not in _NOT_WRAPPABLE and not call.endswith(".open") and not any(isinstance(p, _COMPREHENSIONS) for p in ctx.parents)
        yield self.report(node, ctx, call=f"{call}()", function=function.name, through="", fixable=fixable)

    @staticmethod
    def _blocking_name(node: ast.Call, function: ast.AsyncFunctionDef, ctx: Context) -> str | None:
        detector = _detector(function, ctx)
        name = detector.blocking_name(node)
        if name is not None:
            return name
        func = node.func
        qualified = ctx.qualified_name(func)
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
        replacement: cst.BaseExpression = awaited if isinstance(parent, ast.Await) else cst.Await(expression=awaited)  # `await time.sleep(1)` has its await
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




def _detector(function: ast.AsyncFunctionDef, ctx: Context) -> BlockingCalls:
    """The blocking-call judge of one coroutine (built once per analysis and function)."""
    return _scope_detector(function, ctx)


def _scope_detector(function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> BlockingCalls:
    """The judge of `function`, seeing the module's names, or for a nested function its enclosing function's at the `def`."""
    key = ("RV302.detector", id(function))
    detector = ctx.memo.get(key)
    if detector is None:
        def qualify(node: ast.AST) -> str | None:
            return ctx.qualified_name(node)

        module_kinds = ctx.memo.get("RV302.module-kinds")
        if module_kinds is None:
            module = ctx.parents[0] if ctx.parents and isinstance(ctx.parents[0], ast.Module) else ast.Module(body=[], type_ignores=[])
            module_kinds = ctx.memo["RV302.module-kinds"] = module_object_kinds(module, lambda node: resolve_name(node, ctx.facts.imports))
        shadowed = ctx.memo.get("RV302.module-shadowed")
        if shadowed is None:
            shadowed = ctx.memo["RV302.module-shadowed"] = frozenset(name for name in ctx.facts.bindings if name not in ctx.facts.imports)
        outer_kinds: Mapping[str, str | None] = module_kinds
        enclosing = _enclosing_function(function, ctx)
        if enclosing is not None:
            outer = _scope_detector(enclosing, ctx)
            outer_kinds, shadowed = outer.kinds_at(function.lineno), outer.shadowed | outer.local_names
        elif (me := _instance_parameter(function, ctx)) is not None and ctx.class_ is not None and _calls_attribute_methods(function_own_nodes(function, ctx), me):
            attributes = _class_attribute_kinds(ctx.class_, ctx, module_kinds)  # reads the class body: only for methods that need it
            if attributes:
                outer_kinds = {**module_kinds, **{f"{me}.{attribute}": kind for attribute, kind in attributes.items()}}
        detector = ctx.memo[key] = BlockingCalls(function, qualify, shadowed, outer_kinds, function_own_nodes(function, ctx))
    return detector


def _instance_parameter(function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> str | None:
    """The `self` of a method defined in the body of the class being walked (None for functions and static methods)."""
    if not function.args.args or not ctx.is_class_member(function):
        return None
    if any(dotted_name(d) in ("staticmethod", "classmethod") for d in function.decorator_list):
        return None
    return function.args.args[0].arg


def _calls_attribute_methods(own: list[ast.AST], me: str) -> bool:
    """True when the method (its own nodes) calls a method of one of its attributes (`self.session.get(...)`)."""
    for node in own:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name) and owner.value.id == me:
                return True
    return False


def _class_attribute_kinds(cls: ast.ClassDef, ctx: Context, module_kinds: Mapping[str, str | None]) -> dict[str, str]:
    """The class's instance attributes that hold sync objects (computed once per analysis and class)."""
    key = ("RV302.attributes", id(cls))
    kinds = ctx.memo.get(key)
    if kinds is None:
        kinds = ctx.memo[key] = instance_attribute_kinds(cls, ctx.qualified_name, module_kinds)
    return kinds


def _enclosing_function(function: ast.AST, ctx: Context) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The function whose body `function` is defined in (None at module or class level of the module)."""
    functions = ctx.functions
    position = next((i for i in range(len(functions) - 1, -1, -1) if functions[i] is function), None)
    if not position:
        return None
    enclosing = functions[position - 1]
    return enclosing if isinstance(enclosing, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def resolve_name(node: ast.AST, imports: dict[str, str]) -> str | None:
    """A Name/Attribute chain resolved through `imports` (None when its head is not imported)."""
    dotted = dotted_name(node)
    if dotted is None:
        return None
    head, _, rest = dotted.partition(".")
    target = imports.get(head)
    return None if target is None else (f"{target}.{rest}" if rest else target)


def _blocking_chain(node: ast.Call, ctx: Context) -> BlockingChain | None:
    """How a call to a sync project function blocks, through the project's call graph (None when it does not)."""
    if dotted_name(node.func) is None or ctx.qualified_name(node.func) in BLOCKING_FUNCTIONS:
        return None
    index = project_for(ctx)
    function = ctx.function
    key = ("RV302.resolver", id(function))
    resolver = ctx.memo.get(key)
    if resolver is None:
        module_name, module_imports, defs = _module_names(ctx)
        imports = dict(module_imports)
        imports.update((name, target) for name, target in ctx.imports.items() if name not in imports and not target.startswith("."))
        cls = ctx.class_
        resolver = ctx.memo[key] = CallResolver(module_name, imports, defs, cls.name if cls is not None else None)
        if isinstance(function, ast.AsyncFunctionDef):
            resolver.learn(function_lessons(function, ctx))
    target = resolver.target(node.func)
    return index.blocking_chain(target) if target is not None else None


def _related(chain: BlockingChain) -> tuple[RelatedLocation, ...]:
    """The chain as related locations: each function called in turn, then the blocking call."""
    related = [RelatedLocation(step.path, Span(step.line, 0, step.line, 0), f"calls {step.qualname.rsplit('.', 1)[-1]}() (defined here)") for step in chain.steps]
    last = chain.steps[-1]
    related.append(RelatedLocation(last.path, Span(chain.call_line, 0, chain.call_line, 0), f"{chain.call}() blocks here"))
    return tuple(related)


def _module_names(ctx: Context) -> tuple[str, dict[str, str], frozenset[str]]:
    """The module's dotted name, its module-level imports as absolute names and its top-level definitions (once per analysis)."""
    found: tuple[str, dict[str, str], frozenset[str]] | None = ctx.memo.get("RV302.module-names")
    if found is None:
        path = ctx.path or "<unknown>.py"
        module_name = project_for(ctx).module_name(path)
        module = ctx.parents[0] if ctx.parents and isinstance(ctx.parents[0], ast.Module) else ast.Module(body=[], type_ignores=[])
        defs = frozenset(s.name for s in module.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))
        found = ctx.memo["RV302.module-names"] = (module_name, absolute_imports(module, module_name, is_package_file(path)), defs)
    return found


def _awaited_sync_function(node: ast.Call, function: ast.AsyncFunctionDef, ctx: Context) -> bool:
    """True for `await os.path.isfile(p)`, `await time.sleep(1)`: a sync function of a module blocks before the await fails.

    An awaited bare builtin name (`await open(p)`) is taken to be an async replacement brought in
    under that name (a star import), as flake8-async takes it.
    """
    name = _detector(function, ctx).blocking_name(node)
    return name is not None and name in BLOCKING_FUNCTIONS and "." in name


_ASYNC_FILE_WRAPPERS = frozenset({"trio.wrap_file", "anyio.wrap_file"})


def _wrapped_for_async(node: ast.Call, ctx: Context) -> bool:
    """True for `trio.wrap_file(open(...))`/`anyio.wrap_file(...)`: the file object is used asynchronously."""
    parent = ctx.parent
    return isinstance(parent, ast.Call) and node in parent.args and ctx.qualified_name(parent.func) in _ASYNC_FILE_WRAPPERS
