"""RV802 query-in-loop: RV802: a database, cache, API or storage call for every item of a loop (the N+1 shape)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Finding, RelatedLocation, Severity, Span
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.patterns.await_independence import concurrent_fan_out
from review_ls.engine.project_model import Needs
from review_ls.patterns.blocking import own_nodes
from review_ls.patterns.names import loop_bound_names, names_assigned_in, names_read, snake_case
from review_ls.project import project_for
from review_ls.project.call_facts import CallResolver, absolute_imports
from review_ls.project.call_resolution import function_lessons
from review_ls.project.modules import is_package_file
from review_ls.project.query_facts import LAZY_QUERYSET_METHODS
from review_ls.project.query_summary import QueryChain
from review_ls.patterns.remote_calls import RemoteCallChain, remote_call_chain, remote_kind
from review_ls.patterns.scripts import is_test_path
from review_ls.rules.cost._shared import _COMPREHENSIONS, _outer_iterable, _outer_targets


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


def _statement_is_fixed(chain: RemoteCallChain, per_item: frozenset[str]) -> bool:
    """For `execute(sql, params)`-style calls: True when one data statement runs with per-item
    parameters (`SELECT ... FROM ... WHERE id = ?`, a `select(...)` builder); False when the
    statement itself changes per item (a list of DDL/PRAGMA statements) or touches no table."""
    raw_sql = bool(chain.first_arguments) and isinstance(chain.first_arguments[0], (ast.Constant, ast.JoinedStr))
    if (chain.methods[0] not in _STATEMENT_METHODS and not (chain.methods[0] == "query" and raw_sql)) or not chain.first_arguments:
        return True
    statement = chain.first_arguments[0]
    if isinstance(statement, ast.Call) and (dotted_name(statement.func) or "").rsplit(".", 1)[-1] == "text" and statement.args:
        statement = statement.args[0]
    if isinstance(statement, ast.Constant):
        return isinstance(statement.value, str) and bool(_QUERY_WORDS.search(statement.value))
    if names_read(statement) & per_item and not _is_query_builder(statement):
        return False  # the statement text itself is made from the item
    if isinstance(statement, ast.Call) and isinstance(statement.func, ast.Attribute) and names_read(statement.func.value) & per_item:
        return False  # `table.select()`/`table.delete()` per table: a different statement per item
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


def _per_item_names(loop: ast.AST) -> frozenset[str]:
    if isinstance(loop, _COMPREHENSIONS):
        return loop_bound_names(loop)
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        return loop_bound_names(loop)
    return frozenset()


_CONCURRENT_CALLS = frozenset({"gather", "wait", "as_completed", "map", "submit"})


def _is_lazy_queryset(call: ast.Call, chain: RemoteCallChain, ctx: Context) -> bool:
    """True for a Django queryset that is only built here and handed on (`querysets.append(
    Model.objects.filter(...))`, `qs | Model.objects.filter(...)`): building one runs no query. A
    queryset kept in a name is not: it is usually evaluated later in the same iteration."""
    if chain.receiver.rsplit(".", 1)[-1] != "objects" or any(method not in LAZY_QUERYSET_METHODS for method in chain.methods):
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


# Wrapper methods that look something up (a read per item is the N+1 shape; a unit of work per item is not).
_LOOKUP_NAME = re.compile(r"^_?(get|find|fetch|load|read|lookup|retrieve|select|query|search|count|exists)(_|$)")
_WRAPPER_ADVICE = "give the wrapper a method that fetches the whole set with one query (`IN (...)`), or prefetch/join"


def wrapper_query(node: ast.Call, ctx: Context) -> QueryChain | None:
    """How a call to a project function or method runs a query (through its query summary), resolved through
    imports, locals built by a constructor, annotated parameters, module-level instances, or the receiver's
    name (`product_repository` -> class ProductRepository)."""
    index = project_for(ctx)
    summary = index.queries
    resolver = _resolver(ctx)
    target = resolver.target(node.func)
    found = summary.query_chain(target) if target is not None else None
    if found is not None:
        return found
    func = node.func
    if not isinstance(func, ast.Attribute):
        return None
    receiver = (dotted_name(func.value) or "").rsplit(".", 1)[-1]
    if not receiver:
        return None
    names = [snake_case(receiver).lstrip("_")]
    if names[0].endswith("_repo"):
        names.append(names[0] + "sitory")
    for name in names:
        for cls in summary.classes_named(name):
            found = summary.query_chain(f"{cls}.{func.attr}")
            if found is not None:
                return found
    return None


def _resolver(ctx: Context) -> CallResolver:
    """The call resolver of the enclosing function (imports, module names, constructor-built and annotated locals)."""
    function = ctx.function
    key = ("RV802.resolver", id(function))
    resolver: CallResolver | None = ctx.memo.get(key)
    if resolver is None:
        index = project_for(ctx)
        path = ctx.path or "<unknown>.py"
        module_name = index.module_name(path)
        module = ctx.parents[0] if ctx.parents and isinstance(ctx.parents[0], ast.Module) else ast.Module(body=[], type_ignores=[])
        imports = absolute_imports(module, module_name, is_package_file(path))
        defs = frozenset(s.name for s in module.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))
        cls = ctx.class_
        resolver = ctx.memo[key] = CallResolver(module_name, imports, defs, cls.name if cls is not None else None)
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            resolver.learn(function_lessons(function, ctx))
            for argument in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs):
                annotation = dotted_name(argument.annotation) if argument.annotation is not None else None
                if annotation is not None and annotation.rsplit(".", 1)[-1][:1].isupper():
                    annotated = resolver.target(argument.annotation) if argument.annotation is not None else None
                    if annotated is not None:
                        resolver.locals[argument.arg] = annotated
    return resolver


# Iterables named like a set of keys (`doc_ids`, `user_pks`): as many items as the data has.
_KEYS_NAME = re.compile(r"(^|_)(ids|pks|keys_list|id_list)$")
# Wrappers around an iterable that keep its size.
_PASS_THROUGH = frozenset({"enumerate", "sorted", "list", "set", "tuple", "reversed", "zip", "iter"})
_ITEM_VIEWS = frozenset({"items", "values", "keys", "all", "iterator", "scalars", "fetchall", "unique"})


# What a loop runs over when it runs a handful of times: the configuration and tenants of the
# application, the parts of one form or one definition. A query per such item is a distinct query
# per configuration item, not N+1 over the data.
_SMALL_COLLECTION_WORDS = frozenset(
    {"project", "organization", "organisation", "org", "tenant", "workspace", "plugin", "provider", "setting", "config",
     "configuration", "field", "rule", "action", "trigger", "filter", "column", "table", "schema", "option", "type",
     "role", "permission", "group", "detector", "engine", "backend", "language", "locale", "currency", "country",
     "model", "integration", "source", "preference", "step", "stage", "status", "kind", "category", "service", "queue", "class"}
)


def _batched(call: ast.Call) -> bool:
    """True when the query already fetches a set per item (`.in_(...)`, `id__in=...`): one batched query per
    item (per model class, per document's extracted terms), not a lookup of the item itself."""
    for node in ast.walk(call):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("in_", "any_"):
            return True
        if isinstance(node, ast.keyword) and node.arg is not None and node.arg.endswith("__in"):
            return True
    return False


_ONE_OFF_NAME = re.compile(r"(^|_)(backfill|backfills|migrate|migration|fixup|repair|reindex|rebuild)(_|$)")


def _one_off(ctx: Context) -> bool:
    """True inside a one-off data job (`backfill_*`, `migrate_*`, `repair_*`, ...): a per-row loop is expected there."""
    return any(isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef)) and _ONE_OFF_NAME.search(p.name.lstrip("_")) for p in ctx.parents)


def _over_small_collection(loop: ast.AST) -> bool:
    """True when the loop's items are named as configuration or tenants (`for project in projects`,
    `for field in custom_fields`, `for org_id in org_ids`): a handful of items."""
    iterable = _outer_iterable(loop)
    names = [*_outer_targets(loop)]
    written = dotted_name(iterable) if iterable is not None else None
    if written is not None:
        names.append(written.rsplit(".", 1)[-1])
    for name in names:
        words = snake_case(name).split("_")
        words = [w for w in words if w not in ("id", "ids", "pk", "pks", "name", "names", "slug", "slugs", "key", "keys", "data", "list", "items", "in")]
        if words and (_singular(words[-1]) in _SMALL_COLLECTION_WORDS or words[0] in _SMALL_COLLECTION_WORDS):
            return True  # `for project in projects`, `for plugin_event in plugin_events`
    return False


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


_SESSION_ARGUMENT = re.compile(r"(^|_)(session|db|conn|connection|cursor|tx|transaction)$")


def _session_per_item(call: ast.Call, loop: ast.AST) -> bool:
    """True when the call is given a session or connection bound inside the loop (one per tenant schema, say):
    a different connection per item, not the N+1 shape."""
    bound_in_loop = names_assigned_in(loop.body) if isinstance(loop, (ast.For, ast.AsyncFor)) else set()
    arguments = [*call.args, *(k.value for k in call.keywords)]
    return any(isinstance(a, ast.Name) and a.id in bound_in_loop and _SESSION_ARGUMENT.search(a.id) for a in arguments)


# Generic names of data rows (`rows`, `records`, `query_results["rows"]`, `events`): as many as the data has.
_DATA_WORDS = frozenset({"row", "record", "result", "entry", "message", "event", "hit", "standing", "submission", "line", "object", "item"})
_REDIS_COLLECTIONS = frozenset({"keys", "hkeys", "smembers", "scan_iter", "hscan_iter", "sscan_iter", "zrange", "lrange", "hgetall"})


def _names_data(name: str) -> bool:
    words = [w for w in snake_case(name).split("_") if w]
    return bool(words) and _singular(words[-1]) in _DATA_WORDS


def _over_parameter(loop: ast.AST, ctx: Context) -> bool:
    """True when the loop runs over a collection the function was given (`def owners(session, orders): for order in orders`)."""
    iterable = _outer_iterable(loop)
    while isinstance(iterable, ast.Call) and (dotted_name(iterable.func) or "") in _PASS_THROUGH and iterable.args:
        iterable = iterable.args[0]
    function = ctx.function
    if not isinstance(iterable, ast.Name) or not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    arguments = function.args
    return iterable.id in {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)} and _assigned_value(iterable.id, ctx) is None


def _data_scaled(loop: ast.AST, ctx: Context) -> bool:
    """True when the loop runs over as many items as the data has: rows a query returned (directly, or
    through a name bound to the query or to a wrapper that queries) or a collection of keys (`doc_ids`).
    Small fixed fan-outs (the fields of one form, the rules of one saved view, configured providers)
    are not: batching them is possible but rarely worth a review comment."""
    iterable = _outer_iterable(loop)
    return iterable is not None and _scaled_expression(iterable, ctx, 0)


def _scaled_expression(node: ast.expr, ctx: Context, depth: int) -> bool:
    if depth > 4:
        return False
    if isinstance(node, ast.Await):
        return _scaled_expression(node.value, ctx, depth + 1)
    if isinstance(node, ast.Call):
        func = node.func
        name = dotted_name(func) or ""
        if name in _PASS_THROUGH and node.args:
            return any(_scaled_expression(argument, ctx, depth + 1) for argument in node.args)
        if isinstance(func, ast.Attribute) and func.attr in _ITEM_VIEWS and not node.args:
            if _scaled_expression(func.value, ctx, depth + 1):
                return True
        chain = remote_call_chain(node)
        kind = remote_kind(chain) if chain is not None else None
        if kind is not None and kind[0] == "query":
            return True
        if chain is not None and "redis" in chain.receiver.lower() and chain.methods[0] in _REDIS_COLLECTIONS:
            return True  # the keys/members of a Redis key space
        if chain is not None and chain.receiver.rsplit(".", 1)[-1] == "objects":
            return True  # a queryset iterated: its rows
        found = wrapper_query(node, ctx)
        return found is not None and found.kind == "query"
    if isinstance(node, ast.Subscript):  # `query_results["rows"]`
        key = node.slice.value if isinstance(node.slice, ast.Constant) else None
        return isinstance(key, str) and _names_data(key)
    written = dotted_name(node)
    if written is None:
        return False
    last = snake_case(written.rsplit(".", 1)[-1])
    if _KEYS_NAME.search(last) or _names_data(last):
        return True
    if isinstance(node, ast.Name):
        value = _assigned_value(node.id, ctx)
        return value is not None and _scaled_expression(value, ctx, depth + 1)
    return False


def _assigned_value(name: str, ctx: Context) -> ast.expr | None:
    """The value last bound to the local `name` by a plain assignment in the enclosing function (None when there is none)."""
    function = ctx.function
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    key = ("RV802.assignments", id(function))
    assignments: dict[str, ast.expr] | None = ctx.memo.get(key)
    if assignments is None:
        assignments = {}
        for node in own_nodes(function.body):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        assignments[target.id] = node.value
        ctx.memo[key] = assignments
    return assignments.get(name)


class QueryInLoop(Rule):
    """RV802: a database, cache, API or storage call for every item of a loop (the N+1 shape)."""

    code = "RV802"
    name = "query-in-loop"
    applies_to = SERVICE_CODE
    needs = frozenset({Needs.PROJECT_INDEX})
    severity = Severity.HINT
    default_enabled = False
    precision_note = """
        Off by default, hint severity: 0.84 on the judged corpus sample (16 of 19, docs/precision.md),
        below the 0.9 a default rule needs. The
        remaining misses are small fan-outs the names do not reveal (the messages of one queue batch, the
        repositories of one user's configuration), where batching is possible but rarely asked for.
        """
    message = "{call}() runs once per item of the loop (N+1 {kinds}): {advice}"
    docs = RuleDocs(
        what="""
            Finds calls to a database or ORM (SQLAlchemy sessions and connections, Django
            `Model.objects`, Flask-SQLAlchemy `Model.query`, DB-API cursors, asyncpg, pymongo
            collections), a cache (Redis), an HTTP API client or object storage (`upload_file`,
            `put_object`, ...) inside a loop over items, whose arguments depend on the item — one
            round trip per item, awaited or not. It also finds lookups through the project's own
            repository and service wrappers (`for pid in ids: await product_repository.get_by_id(pid)`)
            whose summary reaches a query within three calls, in any file, and shows the chain (also as
            related locations); wrappers are resolved through imports, module-level instances,
            constructor-built locals, annotated parameters and the receiver's name.

            Reported where the loop runs over data: rows a query returned, a collection of keys
            (`doc_ids`), generic rows (`rows`, `records`, `events`) or a collection the function was
            given. Not reported: batched calls (`executemany`, `bulk_create`, an `IN` query before the
            loop, a Redis pipeline), a query that already fetches a set per item (`.in_(...)`,
            `id__in=`), loops over configuration or tenants (projects, organisations, plugins,
            providers, the fields or rules of one form), one-off data jobs (`backfill_*`,
            `migrate_*`), lazy Django querysets built in the loop, calls fanned out with
            `asyncio.gather`, loops that run a different statement per item (DDL, PRAGMAs, raw SQL
            built per item, `table.select()` per table, `insert(table)` bulk inserts), loops that use
            a different connection or session per item, `while` loops (pagination), tests, scripts and
            migrations. A loop RV303 reports (independent awaits) is not reported again here.
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
        # A lookup per tag of one request's payload: a small fixed fan-out, not N+1 over the data.
        Valid(
            """
            from tagging.tags import service as tag_service

            def tag_incident(db_session, incident, incident_in):
                for tag in incident_in.tags:
                    incident.tags.append(tag_service.get_or_create(db_session=db_session, tag_in=tag))
            """,
            path="tagging/incidents.py",
            files=(("tagging/__init__.py", ""), ("tagging/tags/__init__.py", ""), ("tagging/tags/service.py", "def get_or_create(*, db_session, tag_in):\n    return db_session.query(Tag).filter(Tag.name == tag_in.name).one_or_none()\n")),
        ),
        # One batched query per item (the item's own set of ids): not a lookup of the item itself.
        """
        from sqlalchemy import func

        def tag_documents(db_session, documents, matcher):
            for document in documents:
                terms = matcher.terms(document.text)
                document.tags = db_session.query(Tag).filter(func.upper(Tag.name).in_(terms)).all()
        """,
        # A distinct query per configuration item (the fields of one form, the configured providers).
        """
        def validate_fields(custom_fields):
            for field in custom_fields:
                CustomField.objects.get(pk=field["field"])
        """,
        # A one-off backfill job: a per-row loop is expected there.
        """
        async def backfill_member_ids(session, grants):
            for grant in grants:
                grant.member = await session.get(Member, grant.member_id)
        """,
        # A raw statement built per item runs a different statement each time.
        """
        def remove_config_keys(side_db, config_ids):
            for config_id in config_ids:
                side_db.query(f"DELETE FROM config WHERE id={config_id}")
        """,
        # A unit of work per item through a service (not a lookup): the loop is the point.
        Valid(
            """
            from billing.organizations import service as organization_service

            async def activate_all(session, organizations):
                for organization in organizations:
                    await organization_service.activate(session, organization)
            """,
            path="billing/tasks.py",
            files=(("billing/__init__.py", ""), ("billing/organizations/__init__.py", ""), ("billing/organizations/service.py", "async def activate(session, organization):\n    organization.active = True\n    await session.execute(UPDATE, {'id': organization.id})\n")),
        ),
        # A helper that only builds a lazy queryset runs no query per item.
        Valid(
            """
            from archive.search import documents_tagged

            def tag_querysets(tags):
                return [documents_tagged(tag) for tag in tags]
            """,
            path="archive/views.py",
            files=(("archive/__init__.py", ""), ("archive/search.py", "from archive.models import Document\n\n\ndef documents_tagged(tag):\n    return Document.objects.filter(tags=tag)\n")),
        ),
        # A different statement per table (reflection, a dump per table): not N+1.
        """
        def dump(connection, meta):
            return {table.name: [dict(row) for row in connection.execute(table.select()).mappings()] for table in meta.sorted_tables}
        """,
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
        # N+1 behind a repository wrapper in another module: the summary of get_by_id reaches a query.
        Invalid(
            """
            from shop.repositories import product_repository

            async def cart_total(product_ids):
                total = 0
                for product_id in product_ids:
                    product = await product_repository.get_by_id(product_id)
                    total += product.price
                return total
            """,
            path="shop/cart.py",
            line=6,
            files=(
                ("shop/__init__.py", ""),
                (
                    "shop/repositories.py",
                    """
                    from sqlalchemy import select
                    from shop.db import Product, session


                    class ProductRepository:
                        def __init__(self, session):
                            self.session = session

                        async def get_by_id(self, product_id):
                            return await self.session.scalar(select(Product).where(Product.id == product_id))


                    product_repository = ProductRepository(session)
                    """,
                ),
            ),
            message="product_repository.get_by_id() runs once per item of the loop (N+1 queries, through ProductRepository.get_by_id -> self.session.scalar): give the wrapper a method that fetches the whole set with one query (`IN (...)`), or prefetch/join",
        ),
        # A service module's function one call away from the query.
        Invalid(
            """
            from oncall.models import Incident
            from oncall.users import service as user_service

            def owners(db_session, project_id):
                incidents = db_session.query(Incident).filter(Incident.project_id == project_id).all()
                return [user_service.get(db_session=db_session, user_id=incident.owner_id) for incident in incidents]
            """,
            path="oncall/incidents.py",
            line=6,
            files=(
                ("oncall/__init__.py", ""),
                ("oncall/users/__init__.py", ""),
                (
                    "oncall/users/service.py",
                    """
                    from oncall.users.models import User


                    def get(*, db_session, user_id):
                        return _one(db_session, user_id)


                    def _one(db_session, user_id):
                        return db_session.query(User).filter(User.id == user_id).one_or_none()
                    """,
                ),
            ),
        ),
        # A write statement kept in a name is advised a batch write, not an `IN (...)` query.
        Invalid(
            """
            def store_rows(connection, insert_template, rows):
                for row in rows:
                    connection.execute(insert_template, [row[c] for c in sorted(row)])
            """,
            line=3,
            message="connection.execute() runs once per item of the loop (N+1 writes): write them in one batch (bulk insert/update, `executemany`)",
        ),
        # A Redis call is told to use a pipeline, not an `IN (...)` query.
        Invalid(
            """
            def job_states(redis_connection, job_ids):
                return [redis_connection.get(f"job:{job_id}") for job_id in job_ids]
            """,
            line=2,
            message="redis_connection.get() runs once per item of the loop (N+1 cache calls): use a pipeline or MGET/MSET",
        ),
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

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding] | None:
        """Report a remote call in a loop over items whose arguments depend on the item (a plain function: calls outside
        loops leave without making a generator)."""
        return self._call_findings(node, ctx) if ctx.loops else None

    def _call_findings(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        loop = ctx.loop
        if loop is None or not _is_item_loop(loop) or is_test_path(ctx.path) or _one_off(ctx):
            return
        parent = ctx.parent
        if isinstance(parent, ast.Attribute) and len(ctx.parents) > 1 and isinstance(ctx.parents[-2], ast.Call):
            return  # not the outermost call of a chain: the chain is judged once, at its end
        chain = remote_call_chain(node)
        kind = remote_kind(chain) if chain is not None else None
        if kind is None:
            yield from self._through_wrapper(node, loop, ctx)
            return
        if chain is None or _is_lazy_queryset(node, chain, ctx) or _fans_out_concurrently(loop, ctx):
            return
        per_item = _per_item_names(loop)
        if chain.receiver.split(".", 1)[0] in per_item or not _statement_is_fixed(chain, per_item):
            return  # a different connection, or a different statement, per item: not the N+1 shape
        if not any(names_read(argument) & per_item for argument in chain.arguments) or _over_small_collection(loop) or _batched(node):
            return
        if not _data_scaled(loop, ctx) and not _over_parameter(loop, ctx):
            return
        if isinstance(loop, ast.For) and (fan_out := concurrent_fan_out(loop, ctx)) is not None and fan_out[0] is node:
            return  # RV303 reports this loop and offers asyncio.gather: one finding per loop
        category, call = kind
        anchor = self._chain_start(node)
        yield self.report(anchor, ctx, call=call, kinds=_PLURALS[category], advice=_ADVICE[category])

    def _through_wrapper(self, node: ast.Call, loop: ast.AST, ctx: Context) -> Iterator[Finding]:
        """Report a lookup through a project repository/service wrapper whose summary reaches a query."""
        called = dotted_name(node.func)
        if called is None or not _LOOKUP_NAME.match(called.rsplit(".", 1)[-1]):
            return  # (the cheap test first: most calls in loops are no lookups)
        per_item = _per_item_names(loop)
        arguments = [*node.args, *(k.value for k in node.keywords)]
        if not any(names_read(argument) & per_item for argument in arguments) or called.split(".", 1)[0] in per_item:
            return
        if _fans_out_concurrently(loop, ctx) or isinstance(ctx.parent, ast.Lambda):
            return
        found = wrapper_query(node, ctx)
        if found is None or found.kind != "query" or _over_small_collection(loop) or not _data_scaled(loop, ctx) or _session_per_item(node, loop):
            return
        if isinstance(loop, ast.For) and (fan_out := concurrent_fan_out(loop, ctx)) is not None and fan_out[0] is node:
            return  # RV303 reports this loop and offers asyncio.gather: one finding per loop
        related = tuple(
            RelatedLocation(step.path, Span(step.line, 0, step.line, 0), f"calls {step.qualname.rsplit('.', 1)[-1]}() (defined here)") for step in found.steps
        ) + (RelatedLocation(found.steps[-1].path, Span(found.line, 0, found.line, 0), f"{found.call}() queries here"),)
        yield self.report(node, ctx, call=called, kinds=f"queries, through {found.describe()}", advice=_WRAPPER_ADVICE, related=related)

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
