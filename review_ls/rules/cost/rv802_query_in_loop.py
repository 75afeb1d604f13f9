"""RV802 query-in-loop: RV802: a database, cache, API or storage call for every item of a loop (the N+1 shape)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Finding, Severity
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.patterns.await_independence import concurrent_fan_out
from review_ls.patterns.names import loop_bound_names, names_read
from review_ls.patterns.remote_calls import RemoteCallChain, remote_call_chain, remote_kind
from review_ls.patterns.scripts import is_test_path
from review_ls.rules.cost._shared import _COMPREHENSIONS, _outer_iterable


_ADVICE = {
    "query": "fetch them all with one query (`IN (...)`, `select ... where id in`), or prefetch/join",
    "write": "write them in one batch (bulk insert/update, `executemany`)",
    "remote call": "use a batch endpoint, or run the calls concurrently (`asyncio.gather`, a thread pool)",
    "cache call": "use a pipeline or MGET/MSET",
    "transfer": "transfer concurrently (`asyncio.gather`, a thread pool) or sync the whole set at once",
}


_PLURALS = {"query": "queries", "write": "writes", "remote call": "remote calls", "cache call": "cache calls", "transfer": "transfers"}


_STATEMENT_METHODS = frozenset({"execute", "exec", "fetch", "fetchrow", "fetchval", "fetch_one", "fetch_all", "fetch_val", "scalar", "scalars"})


_QUERY_WORDS = re.compile(r"\b(from|into|update|delete)\b", re.IGNORECASE)


_DDL_BUILDER = re.compile(r"^(Create|Drop|Alter|Add|Set|Rename|Truncate|DDL|Comment)")


def _statement_is_fixed(chain: RemoteCallChain, per_item: set[str]) -> bool:
    """For `execute(sql, params)`-style calls: True when one data statement runs with per-item
    parameters (`SELECT ... FROM ... WHERE id = ?`, a `select(...)` builder); False when the
    statement itself changes per item (a list of DDL/PRAGMA statements) or touches no table."""
    if chain.methods[0] not in _STATEMENT_METHODS or not chain.first_arguments:
        return True
    statement = chain.first_arguments[0]
    if isinstance(statement, ast.Call) and (dotted_name(statement.func) or "").rsplit(".", 1)[-1] == "text" and statement.args:
        statement = statement.args[0]
    if isinstance(statement, ast.Constant):
        return isinstance(statement.value, str) and bool(_QUERY_WORDS.search(statement.value))
    if names_read(statement) & per_item and not _is_query_builder(statement):
        return False  # the statement text itself is made from the item
    if _is_query_builder(statement) and isinstance(statement, ast.Call) and statement.args and names_read(statement.args[0]) & per_item:
        return False  # `insert(table)` per table: a different statement per item (a bulk insert each)
    return not (isinstance(statement, ast.Call) and _DDL_BUILDER.match((dotted_name(statement.func) or "").rsplit(".", 1)[-1]))


def _is_query_builder(statement: ast.expr) -> bool:
    """True for `select(...).where(...)`-style builders (not `"...".format(...)` string building)."""
    if not isinstance(statement, ast.Call):
        return False
    func = statement.func
    if isinstance(func, ast.Attribute) and func.attr == "format":
        return False
    return not _DDL_BUILDER.match((dotted_name(func) or "").rsplit(".", 1)[-1])


def _is_item_loop(loop: ast.AST) -> bool:
    """A loop over items: a `for` or comprehension, not `while` and not `range(n)` counting."""
    iterable = _outer_iterable(loop)
    if iterable is None:
        return False
    if isinstance(iterable, ast.Call) and dotted_name(iterable.func) == "range":
        last = iterable.args[-1] if iterable.args else None
        return isinstance(last, ast.Call) and dotted_name(last.func) == "len"
    return True


def _per_item_names(loop: ast.AST) -> set[str]:
    if isinstance(loop, _COMPREHENSIONS):
        return loop_bound_names(loop)
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        return loop_bound_names(loop)
    return set()


_LAZY_QUERYSET_METHODS = frozenset(
    {"filter", "exclude", "annotate", "order_by", "select_related", "prefetch_related", "values", "values_list", "only", "defer", "distinct", "all", "none", "using"}
)
_CONCURRENT_CALLS = frozenset({"gather", "wait", "as_completed", "map", "submit"})


def _is_lazy_queryset(call: ast.Call, chain: RemoteCallChain, ctx: Context) -> bool:
    """True for a Django queryset that is only built here and handed on (`querysets.append(
    Model.objects.filter(...))`, `qs | Model.objects.filter(...)`): building one runs no query. A
    queryset kept in a name is not: it is usually evaluated later in the same iteration."""
    if chain.receiver.rsplit(".", 1)[-1] != "objects" or any(method not in _LAZY_QUERYSET_METHODS for method in chain.methods):
        return False
    consumer = ctx.parent
    if isinstance(consumer, ast.BinOp) and isinstance(consumer.op, (ast.BitOr, ast.BitAnd)):
        return True
    if not isinstance(consumer, ast.Call) or not any(argument is call for argument in consumer.args):
        return False
    return (dotted_name(consumer.func) or "").rsplit(".", 1)[-1] in ("append", "extend", "add", "union", "intersection", "difference", "Subquery", "Exists", "Prefetch")


def _fans_out_concurrently(loop: ast.AST, ctx: Context) -> bool:
    """True when the loop is a comprehension handed to `asyncio.gather(*(...))`, `asyncio.wait` or an
    executor's `map`: the calls already run concurrently, which is what the advice asks for."""
    if not isinstance(loop, _COMPREHENSIONS) or loop not in ctx.parents:
        return False
    index = ctx.parents.index(loop)
    outer = ctx.parents[index - 1] if index > 0 else None
    if isinstance(outer, ast.Starred) and index > 1:
        outer = ctx.parents[index - 2]
    return isinstance(outer, ast.Call) and (dotted_name(outer.func) or "").rsplit(".", 1)[-1] in _CONCURRENT_CALLS


class QueryInLoop(Rule):
    """RV802: a database, cache, API or storage call for every item of a loop (the N+1 shape)."""

    code = "RV802"
    name = "query-in-loop"
    applies_to = SERVICE_CODE
    severity = Severity.HINT
    precision_note = """
        Hint: 0.15 on the judged corpus sample (docs/precision.md). Most findings are small fan-outs
        over a handful of form fields, filter rules or configuration items, or one-time backfills, where
        batching is possible but rarely asked; migrations, scripts, lazy querysets and `asyncio.gather`
        fan-outs are no longer reported.
        """
    message = "{call}() runs once per item of the loop (N+1 {kinds}): {advice}"
    docs = RuleDocs(
        what="""
            Finds calls to a database or ORM (SQLAlchemy sessions and connections, Django
            `Model.objects`, Flask-SQLAlchemy `Model.query`, DB-API cursors, asyncpg, pymongo
            `*_one`), a cache (Redis), an HTTP API client or object storage (`upload_file`,
            `put_object`, ...) inside a loop over items, whose arguments depend on the item — one
            round trip per item, awaited or not. Batched calls (`executemany`, `bulk_create`, an `IN`
            query before the loop, a Redis pipeline) are not reported, nor are `while` loops
            (pagination), tests, loops that run a different statement per item (DDL, PRAGMAs,
            migrations) and loops that use a different connection per item.
            """,
        why="""
            Every iteration pays a full network round trip (and a query plan, a transaction, a TLS
            record). 1,000 items at 2 ms each is two seconds where one batched call takes a few
            milliseconds; under load the loop also holds a connection for the whole time and
            hammers the server with tiny requests.
            """,
        fix="""
            Fetch or write the whole set at once: one `WHERE id IN (...)` query (or
            `select(...).where(Model.id.in_(ids))`, `prefetch_related`/`selectinload`), a bulk insert
            or `executemany`, a Redis pipeline/`MGET`, a batch API endpoint — or, for independent
            remote calls, run them concurrently with `asyncio.gather` or a bounded thread pool.
            """,
    )
    valid = (
        # Calls handed to asyncio.gather already run concurrently.
        """
        import asyncio

        async def fetch_all(client, urls):
            return await asyncio.gather(*(client.get(url) for url in urls))
        """,
        # A Django queryset built in a loop runs no query until it is evaluated.
        """
        def matching(rules):
            querysets = []
            for rule in rules:
                querysets.append(Document.objects.filter(title__icontains=rule.text))
            return querysets
        """,
        # `execute(insert(table), rows)` is already a bulk insert, one per table.
        """
        from sqlalchemy import insert

        def copy_tables(connection, rows_by_table):
            for table, rows in rows_by_table.items():
                connection.execute(insert(table), rows)
        """,
        """
        from sqlalchemy import select

        def load_users(session, ids):
            return session.scalars(select(User).where(User.id.in_(ids))).all()
        """,
        """
        def save_rows(cursor, rows):
            cursor.executemany("INSERT INTO t VALUES (?, ?)", rows)
        """,
        """
        def configure(conn, pragmas, statements):
            for name, value in pragmas.items():
                conn.execute(f"PRAGMA {name} = {value}")
            for statement in statements:
                conn.execute(statement)
        """,
        """
        def flush(groups):
            for connection, rows in groups:
                connection.execute(UPDATE_STATEMENT, rows)
        """,
        """
        from sqlalchemy.schema import DropConstraint

        def drop_foreign_keys(conn, constraints):
            for constraint in constraints:
                conn.execute(DropConstraint(constraint))
        """,
        """
        def count_pages(client):
            page = 1
            while True:
                response = client.get("/items", params={"page": page})
                if not response.json():
                    return page
                page += 1
        """,
        """
        def warm(session, ids):
            user_count = session.query(User).count()
            for user_id in ids:
                print(user_id, user_count)
        """,
        Valid(
            """
            def test_users(session, ids):
                for user_id in ids:
                    assert session.get(User, user_id) is not None
            """,
            path="tests/test_users.py",
        ),
    )
    invalid = (
        Invalid(
            """
            def owners(session, orders):
                result = []
                for order in orders:
                    result.append(session.query(User).filter(User.id == order.user_id).first())
                return result
            """,
            line=4,
        ),
        Invalid(
            """
            async def enrich(conn, events):
                return [await conn.fetchrow("SELECT * FROM users WHERE id = $1", event.user_id) for event in events]
            """,
            line=2,
        ),
        Invalid(
            """
            def sync_assets(s3, bucket, assets):
                for asset in assets:
                    s3.upload_file(asset.path, bucket, asset.key)
            """,
            line=3,
        ),
        Invalid(
            """
            from myapp.models import Book

            def titles(ids):
                return [Book.objects.get(pk=book_id).title for book_id in ids]
            """,
            line=4,
        ),
        Invalid(
            """
            async def push_all(api_client, items):
                for item in items:
                    payload = item.to_dict()
                    await api_client.post("/items", json=payload)
            """,
            line=4,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report a remote call in a loop over items whose arguments depend on the item."""
        loop = ctx.loop
        if loop is None or not _is_item_loop(loop) or is_test_path(ctx.path):
            return
        parent = ctx.parent
        if isinstance(parent, ast.Attribute) and len(ctx.parents) > 1 and isinstance(ctx.parents[-2], ast.Call):
            return  # not the outermost call of a chain: the chain is judged once, at its end
        chain = remote_call_chain(node)
        kind = remote_kind(chain) if chain is not None else None
        if chain is None or kind is None or _is_lazy_queryset(node, chain, ctx) or _fans_out_concurrently(loop, ctx):
            return
        per_item = _per_item_names(loop)
        if chain.receiver.split(".", 1)[0] in per_item or not _statement_is_fixed(chain, per_item):
            return  # a different connection, or a different statement, per item: not the N+1 shape
        if not any(names_read(argument) & per_item for argument in chain.arguments):
            return
        if isinstance(loop, ast.For) and (fan_out := concurrent_fan_out(loop, ctx)) is not None and fan_out[0] is node:
            return  # RV303 reports this loop and offers asyncio.gather: one finding per loop
        category, call = kind
        anchor = self._chain_start(node)
        yield self.report(anchor, ctx, call=call, kinds=_PLURALS[category], advice=_ADVICE[category])

    @staticmethod
    def _chain_start(call: ast.Call) -> ast.Call:
        """The first call of a chain (`session.query(User)` in `session.query(User).filter(...).first()`)."""
        node: ast.expr = call
        start = call
        while True:
            if isinstance(node, ast.Call):
                start = node
                node = node.func
            elif isinstance(node, ast.Attribute):
                node = node.value
            else:
                return start
