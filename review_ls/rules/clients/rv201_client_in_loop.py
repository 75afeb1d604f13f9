"""RV201 client-in-loop: RV201: a network client constructed inside a loop."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.cst_edit import cst, block_statements, indented, replace_nodes, statement_line_of
from review_ls.engine.model import Finding, Fix
from review_ls.engine.project_model import Needs
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.engine.facts import dotted_name
from review_ls.patterns.clients import client_constructor_name
from review_ls.project import project_for
from review_ls.rules.clients._shared import chain_names, chain_related, project_target
from review_ls.patterns.names import SCOPE_NODES, loop_bound_names, names_read
from review_ls.patterns.client_closing import (
    _LOOPS,
    _is_sole_with_item,
    _assigned_name,
    _is_close_call,
    _close_statements,
)

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


@dataclass(frozen=True)
class _LoopPlacement:
    """Where a construction sits: the loop around it and the loop-body statement that holds it."""

    loop: ast.For | ast.AsyncFor | ast.While
    statement: ast.stmt


def _placement_in_loop(node: ast.AST, ancestors: Sequence[ast.AST]) -> _LoopPlacement | None:
    """The innermost statement loop around `node` (within its function) and the body statement holding it."""
    path = [*ancestors, node]
    for index in range(len(path) - 2, -1, -1):
        ancestor = path[index]
        if isinstance(ancestor, SCOPE_NODES):
            return None
        if isinstance(ancestor, _LOOPS):
            child = path[index + 1]
            if any(child is statement for statement in ancestor.body):
                return _LoopPlacement(ancestor, child)  # type: ignore[arg-type]
            return None
    return None


def _closes_anywhere(nodes: Sequence[ast.AST], name: str) -> int:
    """How many `name.close()`/`aclose()` calls there are anywhere inside `nodes`."""
    return sum(1 for root in nodes for node in ast.walk(root) if _is_close_call(node, name))


def _hoistable(call: ast.Call, placement: _LoopPlacement) -> bool:
    """True when the hoist fix can move this construction above its loop without changing behaviour."""
    if _is_sole_with_item(placement.statement, call):
        return True
    name = _assigned_name(placement.statement, call)
    if name is None:
        return False
    moved = _close_statements(placement.loop.body, name)
    return _closes_anywhere(placement.loop.body, name) == len(moved)


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Calls that run the function given as their first argument once per item (or per call, in a loop).
_MAPPERS = frozenset({"map", "imap", "imap_unordered", "starmap"})
_PER_ITEM_RUNNERS = _MAPPERS | {"submit", "start_soon", "apply_async"}


def _last_name(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _fan_out_name(ctx: Context) -> str:
    """`asyncio.gather()` when the comprehension feeds one (or its `TaskGroup`/`map` runner), else `the comprehension`."""
    for parent in reversed(ctx.parents):
        if isinstance(parent, ast.Call) and _last_name(parent.func) in ("gather", "wait", "as_completed", *_PER_ITEM_RUNNERS):
            return f"{dotted_name(parent.func) or _last_name(parent.func)}()"
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            break
    return "the comprehension" if isinstance(ctx.loop, _COMPREHENSIONS) else "the loop"


class ClientInLoop(Rule):
    """RV201: a network client constructed inside a loop."""

    code = "RV201"
    name = "client-in-loop"
    applies_to = SERVICE_CODE
    needs = frozenset({Needs.PROJECT_INDEX})
    message = "{client} is constructed {where}; create it once and reuse it"
    fix_title = "Hoist {client} out of the loop"
    docs = RuleDocs(
        what="""
            Finds HTTP, RPC and database clients (httpx.Client/AsyncClient, requests.Session,
            aiohttp.ClientSession, urllib3.PoolManager, boto3 clients, gRPC channels, Redis and
            Mongo clients, SQLAlchemy engines, the project's own `*Client`/`*Session` classes)
            constructed inside a loop body. Also a project function that builds its own client
            (`async with aiohttp.ClientSession()`, or through a wrapper class or a factory without
            caching), called once per item: in a loop or comprehension, under
            `asyncio.gather(*(fetch(u) for u in urls))`, a `TaskGroup`, or handed to `map`/
            `executor.map`/`submit`; the related locations show where the client is built.
            """,
        why="""
            A client owns a connection pool. Building one per iteration throws the pool away each
            time: every request pays a new TCP (and TLS) handshake, sockets pile up in TIME_WAIT,
            and under load the process runs out of file descriptors. One client reused across the
            loop keeps connections alive and is typically several times faster.
            """,
        fix="""
            Create the client once before the loop and reuse it. The quick fix moves the
            `with`/`async with` block (or the assignment, moving a trailing `close()` after the
            loop) above the loop. Clients whose arguments change per iteration (a different
            region or base URL each time) are not reported. For a project function run per item,
            build the client once in the caller and pass it in (or share a cached one).
            """,
    )
    valid = (
        # The session is built once and passed to the function run per URL.
        """
        import asyncio

        import aiohttp

        async def fetch_with(session, url):
            async with session.get(url) as response:
                return await response.text()

        async def fetch_all_with_one_session(urls):
            async with aiohttp.ClientSession() as session:
                return await asyncio.gather(*(fetch_with(session, url) for url in urls))
        """,
        # One engine per database, by design without a pool, per plugin migration.
        """
        from sqlalchemy import create_engine, pool

        def migrate_database(url):
            engine = create_engine(url, poolclass=pool.NullPool)
            with engine.connect() as connection:
                connection.exec_driver_sql("select 1")

        def migrate_databases(urls):
            for url in urls:
                migrate_database(url)
        """,
        """
        import httpx

        async def fetch_all(urls):
            async with httpx.AsyncClient() as client:
                for url in urls:
                    await client.get(url)
        """,
        """
        import boto3

        def clients_per_region(regions):
            # each region needs its own client: the arguments depend on the loop variable
            return [boto3.client("s3", region_name=region) for region in regions]
        """,
        """
        import requests

        def make_session():
            return requests.Session()
        """,
        """
        import httpx

        def retry(url):
            client = httpx.Client()
            for attempt in range(3):
                response = client.get(url)
                if response.ok:
                    return response
        """,
    )
    invalid = (
        # A function that opens its own session, run once per URL under gather.
        Invalid(
            """
            import asyncio

            import aiohttp

            async def fetch_text(url):
                async with aiohttp.ClientSession() as session:
                    async with session.get(url) as response:
                        return await response.text()

            async def fetch_texts(urls):
                return await asyncio.gather(*(fetch_text(url) for url in urls))
            """,
            line=11,
            message="aiohttp.ClientSession is constructed in fetch_text(), once per item of asyncio.gather(); create it once and reuse it",
        ),
        # The same across files, under a TaskGroup and through a wrapper class.
        Invalid(
            """
            import asyncio

            from crawl.fetching import fetch_page

            async def crawl(urls):
                async with asyncio.TaskGroup() as group:
                    for url in urls:
                        group.create_task(fetch_page(url))
            """,
            line=8,
            path="crawl/run.py",
            files=(
                ("crawl/__init__.py", ""),
                (
                    "crawl/fetching.py",
                    "import httpx\n\n\nclass PageClient:\n    def __init__(self):\n        self.http = httpx.AsyncClient(timeout=10)\n\n\nasync def fetch_page(url):\n    client = PageClient()\n    return (await client.http.get(url)).text\n",
                ),
            ),
        ),
        Invalid(
            """
            import httpx

            async def fetch_all(urls):
                for url in urls:
                    async with httpx.AsyncClient() as client:
                        await client.get(url)
            """,
            line=5,
            fixed="""
            import httpx

            async def fetch_all(urls):
                async with httpx.AsyncClient() as client:
                    for url in urls:
                        await client.get(url)
            """,
        ),
        Invalid(
            """
            import requests

            def download(paths):
                results = []
                for path in paths:
                    session = requests.Session()
                    results.append(session.get(path).text)
                    session.close()
                return results
            """,
            line=6,
            fixed="""
            import requests

            def download(paths):
                results = []
                session = requests.Session()
                for path in paths:
                    results.append(session.get(path).text)
                session.close()
                return results
            """,
        ),
        Invalid(
            """
            from httpx import Client as HttpClient

            def ping(hosts):
                while hosts:
                    host = hosts.pop()
                    with HttpClient(timeout=5) as client:
                        client.get(host)
            """,
            line=6,
            fixed="""
            from httpx import Client as HttpClient

            def ping(hosts):
                with HttpClient(timeout=5) as client:
                    while hosts:
                        host = hosts.pop()
                        client.get(host)
            """,
        ),
        Invalid(
            """
            class ApiClient:
                pass

            def poll(items):
                for item in items:
                    ApiClient().send(item)
            """,
            line=6,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding] | None:
        """Report client constructions inside a loop whose arguments do not change per iteration, directly or in a called project function.

        A plain function: calls outside loops other than `map(...)` leave without making a generator."""
        if ctx.loop is None and _last_name(node.func) not in _MAPPERS:
            return None
        return self._call_findings(node, ctx)

    def _call_findings(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        loop = ctx.loop
        client = client_constructor_name(node, ctx) if loop is not None else None
        if client is None:
            yield from self._through_project_call(node, ctx)
            return
        if any(names_read(node) & loop_bound_names(enclosing) for enclosing in ctx.loops):
            return
        placement = _placement_in_loop(node, ctx.parents)
        fixable = placement is not None and _hoistable(node, placement)
        yield self.report(node, ctx, client=client, where="on every iteration of the loop", fixable=fixable)

    def _through_project_call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """A project function that builds its own client, called (or handed to `map`/`submit`) once per item."""
        loop = ctx.loop
        runner = _last_name(node.func)
        if (loop is None and runner not in _MAPPERS) or client_constructor_name(node, ctx) is not None:
            return
        callee: ast.AST = node.func
        if runner in _PER_ITEM_RUNNERS and node.args:
            callee = node.args[0]  # `executor.map(fetch, urls)`, `tg.start_soon(fetch, url)`
        target = project_target(ast.Call(func=callee, args=[], keywords=[]), ctx) if isinstance(callee, (ast.Name, ast.Attribute)) else None
        chain = project_for(ctx).client_summaries.built_in(target) if target is not None else None
        if chain is None or chain.per_argument:
            return
        if runner in _MAPPERS:
            where = f"once per item of {dotted_name(node.func) or runner}()"
        elif isinstance(loop, _COMPREHENSIONS) or callee is not node.func:
            where = f"once per item of {_fan_out_name(ctx)}"
        else:
            where = "on every iteration of the loop"
        where = f"in {chain_names(chain)}(), {where.replace('on every iteration', 'once per iteration')}"
        yield self.report(node, ctx, client=chain.client, where=where, fixable=False, related=tuple(chain_related(chain)))

    def fix(self, fctx: FixContext) -> Fix | None:
        """Move the `with` block or the assignment (and its close) above the loop."""
        call = fctx.node
        placement = _placement_in_loop(call, fctx.ancestors)
        if not isinstance(call, ast.Call) or placement is None or not _hoistable(call, placement):
            return None
        loop_cst = fctx.cst_node(placement.loop)
        if loop_cst is None:
            return None
        if _is_sole_with_item(placement.statement, call):
            with_cst = fctx.cst_node(placement.statement)
            if with_cst is None:
                return None
            body = [
                inner
                for statement in loop_cst.body.body
                for inner in (block_statements(with_cst.body) if statement is with_cst else [statement])
            ]
            new_loop = loop_cst.with_changes(body=loop_cst.body.with_changes(body=body), leading_lines=[])
            replacement: object = with_cst.with_changes(
                body=indented([new_loop]), leading_lines=loop_cst.leading_lines
            )
        else:
            name = _assigned_name(placement.statement, call)
            assign_cst = fctx.cst_node(placement.statement)
            line = statement_line_of(fctx.cst_module, assign_cst) if assign_cst is not None else None
            if name is None or line is None or len(line.body) != 1:
                return None
            closes = {id(c) for c in (fctx.cst_node(s) for s in _close_statements(placement.loop.body, name)) if c is not None}
            close_lines = [s for s in loop_cst.body.body if isinstance(s, cst.SimpleStatementLine) and any(id(b) in closes for b in s.body)]
            kept = [s for s in loop_cst.body.body if s is not line and all(s is not c for c in close_lines)]
            new_loop = loop_cst.with_changes(body=indented(kept) if not kept else loop_cst.body.with_changes(body=kept), leading_lines=[])
            replacement = cst.FlattenSentinel(
                [line.with_changes(leading_lines=loop_cst.leading_lines), new_loop, *(c.with_changes(leading_lines=[]) for c in close_lines)]
            )
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(loop_cst): replacement}).code)
        return fctx.build(fctx.finding.fix_title or "Hoist the client out of the loop")
