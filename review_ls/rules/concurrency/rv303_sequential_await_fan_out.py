"""RV303 sequential-await-fan-out: RV303: independent awaits run one after another in a loop."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence

from review_ls.engine.cst_edit import cst, replace_nodes, statement_line_of
from review_ls.engine.facts import dotted_name
from review_ls.engine.fixes import FixContext
from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.names import names_bound, names_read
from review_ls.patterns.scripts import is_test_path


# Calls that must stay in order or share one connection/stream: never rewritten to run concurrently.
_ORDERED_CALL = re.compile(
    r"^(send\w*|write\w*|put\w*|publish\w*|emit\w*|execute\w*|commit|flush|drain|sleep|acquire|release|wait\w*|join|"
    r"recv\w*|receive\w*|read\w*|close|aclose|feed\w*|push\w*|sendall)$"
)


_LIFECYCLE_CALL = re.compile(r"^(start|close|aclose|stop|shutdown|cleanup|terminate|disconnect|cancel|wait_closed|release|kill|join|finalize|teardown|unsubscribe)$")


# Collections of callbacks run in order by design (tracing signals, hooks, middleware, migrations).
_CALLBACK_COLLECTION = re.compile(r"(trace|callback|handler|hook|listener|signal|middleware|plugin|observer|receiver|step|stage|migration|fixture)s?$", re.IGNORECASE)


_SHARED_RECEIVER = re.compile(r"(session|conn|connection|cursor|db|tx|transaction|stream|writer|reader|queue|ws|websocket|socket|sock|channel|lock|pipe|proc|file|fh)$", re.IGNORECASE)


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
            `write`, `put`, `execute`, `commit`, calls on a session/stream/queue/socket) are not
            reported.
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
            Bound the concurrency with a semaphore if the list can be large.
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
    )

    def visit_For(self, node: ast.For, ctx: Context) -> Iterator[Finding]:
        """Report a loop in a coroutine whose whole body is one independent awaited call."""
        if not ctx.in_async_function or node.orelse or len(node.body) != 1 or is_test_path(ctx.path):
            return
        shape = _fan_out_shape(node)
        if shape is None:
            return
        call, _ = shape
        if not _independent_per_item(call, node):
            return
        yield self.report(node, ctx, call=f"{dotted_name(call.func) or 'the call'}()", fixable=_gather_safe(call))

    def fix(self, fctx: FixContext) -> Fix | None:
        """Replace the loop with one `asyncio.gather` over a generator of the calls."""
        loop = fctx.node
        if not isinstance(loop, ast.For):
            return None
        shape = _fan_out_shape(loop)
        loop_cst = fctx.cst_node(loop)
        if shape is None or not isinstance(loop_cst, cst.For):
            return None
        call, results = shape
        call_cst = fctx.cst_node(call)
        if call_cst is None:
            return None
        code = fctx.cst_module.code_for_node
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


def _fan_out_shape(loop: ast.For) -> tuple[ast.Call, str | None] | None:
    """(the awaited call, the list it is appended to or None) when the loop body is one such statement."""
    statement = loop.body[0]
    if not isinstance(statement, ast.Expr):
        return None
    value = statement.value
    if isinstance(value, ast.Await) and isinstance(value.value, ast.Call):
        return value.value, None
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "append"
        and len(value.args) == 1
        and not value.keywords
        and isinstance(value.args[0], ast.Await)
        and isinstance(value.args[0].value, ast.Call)
    ):
        target = dotted_name(value.func.value)
        if target is not None and not (names_read(value.func.value) & names_bound(loop.target)):
            return value.args[0].value, target
    return None


def _independent_per_item(call: ast.Call, loop: ast.For) -> bool:
    """True when each iteration's call is made on or for its own item, not through a shared stream."""
    item_names = names_bound(loop.target)
    func = call.func
    method = func.attr if isinstance(func, ast.Attribute) else (func.id if isinstance(func, ast.Name) else "")
    if not method or _LIFECYCLE_CALL.match(method) or _CALLBACK_COLLECTION.search(_collection_name(loop.iter)):
        return False
    receiver = func.value if isinstance(func, ast.Attribute) else None
    if receiver is not None and names_read(receiver) & item_names:
        return True
    if _ORDERED_CALL.match(method):
        return False
    if receiver is not None:
        receiver_name = (dotted_name(receiver) or "").rsplit(".", 1)[-1]
        if not receiver_name or _SHARED_RECEIVER.search(receiver_name):
            return False
    arguments = [*call.args, *(k.value for k in call.keywords)]
    return any(names_read(argument) & item_names for argument in arguments)


def _collection_name(iterable: ast.expr) -> str:
    """The last name of what a loop iterates: `self._traces` -> '_traces', `list(sites)` -> 'sites', `clients.values()` -> 'clients'."""
    while isinstance(iterable, ast.Call):
        if isinstance(iterable.func, ast.Name) and len(iterable.args) == 1:
            iterable = iterable.args[0]
        elif isinstance(iterable.func, ast.Attribute) and not iterable.args:
            iterable = iterable.func.value
        else:
            return ""
    return (dotted_name(iterable) or "").rsplit(".", 1)[-1]


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
