"""RV303 sequential-await-fan-out: RV303: independent awaits run one after another in a loop."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from review_ls.engine.cst_edit import cst, replace_nodes, statement_line_of
from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Applicability, Finding, Fix, Severity
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.patterns.await_independence import concurrent_fan_out, fan_out_shape, has_comment, plain_arguments

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


class SequentialAwaitFanOut(Rule):
    """RV303: independent awaits run one after another in a loop."""

    code = "RV303"
    name = "sequential-await-fan-out"
    applies_to = SERVICE_CODE
    severity = Severity.HINT
    default_enabled = False
    precision_note = """
        Off by default, hint severity: on the judged corpus sample (docs/precision.md) even the provably independent awaits were
        mostly calls that share one connection or socket, or whose order is the point (ordered emits,
        key presses), which the rule cannot see.
        """
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
