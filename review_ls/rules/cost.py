"""RV8 — algorithmic cost: pairwise scans, queries per item, expensive checks on every step."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass


from review_ls.engine.cst_edit import cst, replace_nodes
from review_ls.engine.facts import BindingKind, dotted_name
from review_ls.engine.fixes import FixContext
from review_ls.engine.model import Finding, Fix
from review_ls.engine.rule import Invalid, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.patterns.await_independence import concurrent_fan_out
from review_ls.patterns.names import loop_bound_names, name_words, names_bound, names_read, nodes_within, snake_case
from review_ls.patterns.scripts import is_test_path

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


# -- RV801 ---------------------------------------------------------------------------------------

_PAIRWISE_WORDS = frozenset(
    {
        "intersect", "intersects", "intersection", "intersecting", "overlap", "overlaps", "overlapping", "collide",
        "collides", "colliding", "collision", "collisions", "distance", "distances", "dist", "iou", "touches",
        "touching", "within", "near", "nearby", "adjacent", "clash", "clashes", "proximity", "separation",
        "hausdorff", "haversine", "euclidean", "norm", "hypot",
    }
)
_ORDER_PRESERVING = frozenset({"enumerate", "sorted", "list", "tuple", "reversed", "iter"})
_VIEW_METHODS = frozenset({"values", "items", "keys"})
_PAIR_GENERATORS = frozenset({"itertools.combinations", "itertools.permutations", "itertools.product"})


@dataclass(frozen=True)
class _Iteration:
    """What a loop iterates: the collection (as a comparable key), or all its pairs at once."""

    key: str
    label: str
    pairs: bool


def _collection(expr: ast.expr, ctx: Context) -> _Iteration | None:
    """The collection behind `xs`, `enumerate(xs)`, `xs[1:]`, `range(len(xs))`, `combinations(xs, 2)`."""
    if isinstance(expr, ast.Call):
        qualified = ctx.qualified_name(expr.func) or dotted_name(expr.func) or ""
        if qualified in _PAIR_GENERATORS or qualified in ("combinations", "permutations", "product"):
            return _pair_generator(expr, qualified)
        if qualified in _ORDER_PRESERVING and expr.args:
            return _collection(expr.args[0], ctx)
        if qualified == "range" and expr.args:
            length = expr.args[-1] if len(expr.args) <= 2 else None
            if isinstance(length, ast.Call) and dotted_name(length.func) == "len" and length.args:
                return _collection(length.args[0], ctx)
            return None
        if isinstance(expr.func, ast.Attribute) and expr.func.attr in _VIEW_METHODS and not expr.args:
            return _collection(expr.func.value, ctx)
        return None
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Slice):
        return _collection(expr.value, ctx)
    if isinstance(expr, (ast.Name, ast.Attribute)) and not _is_tiny(expr, ctx):
        name = dotted_name(expr)
        return _Iteration(ast.dump(expr), name or ast.unparse(expr), pairs=False) if name else None
    return None


def _pair_generator(call: ast.Call, qualified: str) -> _Iteration | None:
    """`combinations(xs, 2)`, `permutations(xs, 2)`, `product(xs, repeat=2)`, `product(xs, xs)`."""
    short = qualified.rsplit(".", 1)[-1]
    if not call.args or isinstance(call.args[0], (ast.List, ast.Tuple, ast.Set, ast.Constant)):
        return None
    collection = call.args[0]
    if short == "product":
        repeat = next((k.value for k in call.keywords if k.arg == "repeat"), None)
        same = len(call.args) == 2 and ast.dump(call.args[0]) == ast.dump(call.args[1])
        if not (same or (isinstance(repeat, ast.Constant) and repeat.value == 2)):
            return None
    else:
        size = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "r"), None)
        if not (isinstance(size, ast.Constant) and size.value == 2):
            return None
    return _Iteration(ast.dump(collection), ast.unparse(collection), pairs=True)


def _is_tiny(expr: ast.expr, ctx: Context) -> bool:
    """True for names bound at module level to a constant tuple (`CORNERS = (...)`)."""
    if isinstance(expr, ast.Name):
        binding = ctx.facts.bindings.get(expr.id)
        return binding is not None and binding.kind is BindingKind.CONSTANT
    return False


def _loop_iterable(loop: ast.AST) -> ast.expr | None:
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        return loop.iter
    if isinstance(loop, ast.comprehension):
        return loop.iter
    return None


def _loop_targets(loop: ast.AST) -> set[str]:
    target = getattr(loop, "target", None)
    return names_bound(target) if target is not None else set()


def _pairwise_call(nodes: Sequence[ast.AST], first: set[str], second: set[str]) -> ast.Call | None:
    """The first call named like a pairwise predicate that reads a name from each of the two loops."""
    for node in nodes_within(nodes):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if not (name_words(name) & _PAIRWISE_WORDS):
            continue
        read = names_read(node)
        if read & first and read & second:
            return node
    return None


class PairwiseQuadraticScan(Rule):
    """RV801: every pair of a collection checked for intersection/distance/collision — O(n²)."""

    code = "RV801"
    name = "pairwise-quadratic-scan"
    message = "every pair of {collection} is checked with {predicate}(): O(n²) in the number of items"
    docs = RuleDocs(
        what="""
            Finds nested loops over the same collection — by item, by `enumerate`, by slice or by
            index (`for i in range(len(xs)): for j in range(i + 1, len(xs))`) — and
            `itertools.combinations(xs, 2)` (or `product(xs, repeat=2)`), whose body calls a pairwise
            geometric predicate on the two items: `intersects`, `overlap`, `collide`, `distance`,
            `iou`, `norm`, ... Literal and constant collections are not reported.
            """,
        why="""
            The work grows with the square of the number of items: 1,000 objects are 500,000
            checks, 10,000 are 50 million. It is fast in the demo and the bottleneck in production
            (collision checks per simulation step, deduplicating detections, matching nearby
            points), usually in the hottest loop of the program.
            """,
        fix="""
            Only compare items that can interact: a spatial index (an R-tree such as `rtree` or
            `shapely.STRtree`, a k-d tree such as `scipy.spatial.cKDTree`, a BVH or a uniform grid)
            or sort-and-sweep along one axis, then run the exact predicate on the candidate pairs.
            """,
    )
    valid = (
        """
        from shapely import STRtree

        def collisions(shapes):
            tree = STRtree(shapes)
            return [(i, j) for i, shape in enumerate(shapes) for j in tree.query(shape) if i < j]
        """,
        """
        def nearest(points, targets):
            return [min(targets, key=lambda t: distance(p, t)) for p in points]
        """,
        """
        CORNERS = ((0, 0), (0, 1), (1, 0), (1, 1))

        def diagonals():
            return [(a, b) for a in CORNERS for b in CORNERS if distance(a, b) > 1]
        """,
        """
        import itertools

        def pairs():
            return [overlap(a, b) for a, b in itertools.combinations([box1, box2, box3], 2)]
        """,
        """
        def matrix(rows):
            for a in rows:
                for b in rows:
                    print(a, b)
        """,
    )
    invalid = (
        Invalid(
            """
            def find_collisions(bodies):
                hits = []
                for a in bodies:
                    for b in bodies:
                        if a is not b and a.collides_with(b):
                            hits.append((a, b))
                return hits
            """,
            line=4,
        ),
        Invalid(
            """
            import itertools

            def suppress(boxes, threshold):
                keep = set(range(len(boxes)))
                for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
                    if iou(a, b) > threshold:
                        keep.discard(j)
                return keep
            """,
            line=5,
        ),
        Invalid(
            """
            import math

            def close_pairs(points, radius):
                found = []
                for i in range(len(points)):
                    for j in range(i + 1, len(points)):
                        if math.dist(points[i], points[j]) < radius:
                            found.append((i, j))
                return found
            """,
            line=6,
        ),
        Invalid(
            """
            def overlapping(rects):
                return [(r, s) for r in rects for s in rects[1:] if r.intersects(s)]
            """,
            line=2,
        ),
    )

    def visit_For(self, node: ast.For | ast.AsyncFor, ctx: Context) -> Iterator[Finding]:
        """Report a loop that, with an enclosing loop over the same items, checks every pair."""
        inner = _collection(node.iter, ctx)
        if inner is None:
            return
        targets = _loop_targets(node)
        if inner.pairs:
            call = _pairwise_call(node.body, targets, targets)
            if call is not None:
                yield self._report(node.iter, inner, call, ctx)
            return
        for outer_loop in reversed(ctx.loops):
            outer = _collection(_outer_iterable(outer_loop), ctx) if _outer_iterable(outer_loop) is not None else None
            if outer is None or outer.key != inner.key or outer.pairs:
                continue
            call = _pairwise_call(node.body, _outer_targets(outer_loop), targets)
            if call is not None:
                yield self._report(node.iter, inner, call, ctx)
                return

    visit_AsyncFor = visit_For

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp, ctx: Context) -> Iterator[Finding]:
        """Report pairs formed by the comprehension's own generators (or with an enclosing loop)."""
        body: list[ast.AST] = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]  # type: ignore[list-item]
        earlier: list[tuple[_Iteration, set[str]]] = []
        for outer_loop in ctx.loops:
            iterable = _outer_iterable(outer_loop)
            outer = _collection(iterable, ctx) if iterable is not None else None
            if outer is not None and not outer.pairs:
                earlier.append((outer, _outer_targets(outer_loop)))
        for index, generator in enumerate(node.generators):
            current = _collection(generator.iter, ctx)
            if current is None:
                continue
            targets = names_bound(generator.target)
            scope = [*body, *(i for g in node.generators[index:] for i in g.ifs)]
            if current.pairs:
                call = _pairwise_call(scope, targets, targets)
                if call is not None:
                    yield self._report(generator.iter, current, call, ctx)
                    return
                continue
            for outer, outer_targets in earlier:
                if outer.key == current.key:
                    call = _pairwise_call(scope, outer_targets, targets)
                    if call is not None:
                        yield self._report(generator.iter, current, call, ctx)
                        return
            earlier.append((current, targets))

    visit_SetComp = visit_ListComp
    visit_DictComp = visit_ListComp
    visit_GeneratorExp = visit_ListComp

    def _report(self, at: ast.expr, iteration: _Iteration, call: ast.Call, ctx: Context) -> Finding:
        func = call.func
        predicate = func.attr if isinstance(func, ast.Attribute) else dotted_name(func) or "a pairwise check"
        label = iteration.label if len(iteration.label) <= 30 else "the collection"
        return self.report(at, ctx, collection=label, predicate=predicate)


def _outer_iterable(loop: ast.AST) -> ast.expr | None:
    """The iterable of an enclosing loop (a `for` statement, or a comprehension's first generator)."""
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        return loop.iter
    if isinstance(loop, _COMPREHENSIONS):
        return loop.generators[0].iter
    return None


def _outer_targets(loop: ast.AST) -> set[str]:
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        return names_bound(loop.target)
    if isinstance(loop, _COMPREHENSIONS):
        return names_bound(loop.generators[0].target)
    return set()


# -- RV802 ---------------------------------------------------------------------------------------

_SESSION_NAMES = frozenset(
    {"session", "db", "db_session", "dbsession", "async_session", "sess", "conn", "connection", "cursor", "cur", "tx",
     "transaction", "database", "pool", "engine"}
)
_SESSION_METHODS = frozenset(
    {"query", "get", "execute", "scalar", "scalars", "exec", "fetch", "fetchrow", "fetchval", "fetch_one", "fetch_all",
     "fetch_val", "merge", "refresh", "filter", "filter_by"}
)
_DJANGO_METHODS = frozenset(
    {"get", "filter", "exclude", "create", "get_or_create", "update_or_create", "update", "delete", "count", "exists",
     "first", "last", "values", "values_list", "aggregate", "aget", "acreate", "afirst"}
)
_MONGO_METHODS = frozenset(
    {"find_one", "insert_one", "update_one", "delete_one", "replace_one", "find_one_and_update", "find_one_and_delete",
     "find_one_and_replace"}
)
_REDIS_METHODS = frozenset(
    {"get", "set", "hget", "hset", "hgetall", "delete", "exists", "incr", "expire", "lpush", "rpush", "sadd", "zadd", "setex"}
)
_HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "request", "send"})
_STORAGE_METHODS = frozenset(
    {"upload_file", "upload_fileobj", "put_object", "download_file", "download_fileobj", "get_object", "delete_object",
     "copy_object", "head_object", "upload_blob", "download_blob", "upload_from_filename", "upload_from_string",
     "download_to_filename", "fput_object", "fget_object"}
)
_HTTP_RECEIVER_WORDS = frozenset({"client", "http", "api", "httpx"})
_STORAGE_RECEIVER_WORDS = frozenset({"s3", "client", "bucket", "blob", "storage", "minio", "gcs", "container", "resource", "store"})
_SESSION_WORDS = frozenset({"session", "cursor", "conn", "connection", "db", "cur", "tx", "transaction", "database", "pool", "sess"})
_FLASK_QUERY_METHODS = frozenset({"get", "filter", "filter_by", "get_or_404", "first_or_404"})
_ADVICE = {
    "query": "fetch them all with one query (`IN (...)`, `select ... where id in`), or prefetch/join",
    "write": "write them in one batch (bulk insert/update, `executemany`)",
    "remote call": "use a batch endpoint, or run the calls concurrently (`asyncio.gather`, a thread pool)",
    "cache call": "use a pipeline or MGET/MSET",
    "transfer": "transfer concurrently (`asyncio.gather`, a thread pool) or sync the whole set at once",
}
_PLURALS = {"query": "queries", "write": "writes", "remote call": "remote calls", "cache call": "cache calls", "transfer": "transfers"}
_WRITE_METHODS = frozenset({"create", "get_or_create", "update_or_create", "update", "delete", "insert_one", "update_one", "delete_one", "replace_one", "execute"})


@dataclass(frozen=True)
class _Chain:
    """A call chain such as `self.session.query(User).filter(...).first()`.

    `receiver` is the object the first call is made on ('self.session'), `methods` the names
    called in order (['query', 'filter', 'first']), `arguments` every argument of every call.
    """

    receiver: str
    methods: list[str]
    arguments: list[ast.expr]
    first_arguments: list[ast.expr]

    @property
    def receiver_word(self) -> str:
        """The last word of the receiver's last name: 'db_session' -> 'session', 'api_client' -> 'client'."""
        last = self.receiver.rsplit(".", 1)[-1]
        return snake_case(last).rsplit("_", 1)[-1]


def _chain(call: ast.Call) -> _Chain | None:
    """Decompose a call chain; None when it is not made on a named object (`f()`, `x[0].get()`)."""
    links: list[tuple[str, bool]] = []
    arguments: list[ast.expr] = []
    first_arguments: list[ast.expr] = []
    node: ast.expr = call
    called = False
    while True:
        if isinstance(node, ast.Call):
            arguments.extend([*node.args, *(k.value for k in node.keywords)])
            first_arguments = list(node.args)
            node, called = node.func, True
        elif isinstance(node, ast.Attribute):
            links.append((node.attr, called))
            node, called = node.value, False
        else:
            break
    if not isinstance(node, ast.Name) or called:
        return None
    links.reverse()
    first_call = next((index for index, (_, was_called) in enumerate(links) if was_called), None)
    if first_call is None:
        return None
    receiver = ".".join([node.id, *(name for name, _ in links[:first_call])])
    return _Chain(receiver, [name for name, was_called in links[first_call:] if was_called], arguments, first_arguments)


def _remote_kind(chain: _Chain) -> tuple[str, str] | None:
    """(kind, what is called) when the chain is a database, cache, HTTP or storage call, else None."""
    receiver, methods = chain.receiver, chain.methods
    first = methods[0]
    parts = receiver.split(".")
    if parts[-1] == "objects" and len(parts) > 1 and first in _DJANGO_METHODS:
        return ("write" if first in _WRITE_METHODS else "query"), f"{receiver}.{first}"
    if parts[-1] == "query" and len(parts) > 1 and parts[-2][:1].isupper() and first in _FLASK_QUERY_METHODS:
        return "query", f"{receiver}.{first}"
    mongo = next((m for m in methods if m in _MONGO_METHODS), None)
    if mongo is not None:
        return ("write" if mongo in _WRITE_METHODS else "query"), f"{receiver}.{mongo}"
    word = chain.receiver_word
    if first in _STORAGE_METHODS and word in _STORAGE_RECEIVER_WORDS:
        return "transfer", f"{receiver}.{first}"
    if (word in _SESSION_WORDS or parts[-1].lower() in _SESSION_NAMES) and first in _SESSION_METHODS:
        if first == "get" and _is_http_get(chain):
            return "remote call", f"{receiver}.get"
        return ("write" if first in _WRITE_METHODS and _looks_like_write(chain) else "query"), f"{receiver}.{first}"
    if word == "redis" and first in _REDIS_METHODS:
        return "cache call", f"{receiver}.{first}"
    if word in _HTTP_RECEIVER_WORDS and first in _HTTP_METHODS:
        return "remote call", f"{receiver}.{first}"
    return None


def _is_http_get(chain: _Chain) -> bool:
    """True for `session.get(url)` (requests/aiohttp) rather than `session.get(Model, id)` (SQLAlchemy)."""
    url = chain.first_arguments[0] if chain.first_arguments else None
    if isinstance(url, (ast.JoinedStr, ast.BinOp)):
        return True
    if isinstance(url, ast.Constant) and isinstance(url.value, str):
        return True
    return isinstance(url, ast.Name) and "url" in url.id.lower()


def _looks_like_write(chain: _Chain) -> bool:
    """True when an `execute(...)` runs INSERT/UPDATE/DELETE SQL (a literal statement)."""
    sql = next((a for a in reversed(chain.arguments) if isinstance(a, ast.Constant) and isinstance(a.value, str)), None)
    if sql is not None:
        return str(sql.value).lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "REPLACE")
    return chain.methods[0] != "execute"


_STATEMENT_METHODS = frozenset({"execute", "exec", "fetch", "fetchrow", "fetchval", "fetch_one", "fetch_all", "fetch_val", "scalar", "scalars"})
_QUERY_WORDS = re.compile(r"\b(from|into|update|delete)\b", re.IGNORECASE)
_DDL_BUILDER = re.compile(r"^(Create|Drop|Alter|Add|Set|Rename|Truncate|DDL|Comment)")


def _statement_is_fixed(chain: _Chain, per_item: set[str]) -> bool:
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


class QueryInLoop(Rule):
    """RV802: a database, cache, API or storage call for every item of a loop (the N+1 shape)."""

    code = "RV802"
    name = "query-in-loop"
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
        chain = _chain(node)
        kind = _remote_kind(chain) if chain is not None else None
        if chain is None or kind is None:
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


# -- RV803 ---------------------------------------------------------------------------------------

_INTERVAL_WORDS = frozenset({"interval", "every", "freq", "frequency", "period", "cadence", "stride", "rate", "check"})


@dataclass(frozen=True)
class _Interval:
    """The right operand of `step % N`: how it is named and where its value 1 comes from."""

    label: str
    origin: str  # "literal", "module" or "class" or "local"


class PerStepCheckIntervalOne(Rule):
    """RV803: `if step % CHECK_INTERVAL == 0` with an interval of 1 — the check runs on every step."""

    code = "RV803"
    name = "per-step-check-interval-one"
    message = "{interval} is 1, so the check under `% {interval}` runs on every iteration of the step loop"
    fix_title = "Make {interval} a parameter of {function}()"
    docs = RuleDocs(
        what="""
            Finds `step % N == 0` (or `not step % N`) inside a loop, where `step` comes from the loop
            and `N` is the literal 1 or a constant named like an interval (`CHECK_INTERVAL`,
            `EVAL_EVERY`, `self.log_freq`, a local `check_every = 1`) whose value is 1. Intervals
            that come from parameters, settings or configuration are not reported.
            """,
        why="""
            The modulo says "only every N steps" but with N = 1 the guarded work — a collision
            check, a validation pass, a checkpoint, a metrics flush — runs on every single step,
            typically dominating the loop's cost while looking throttled to a reader.
        """,
        fix="""
            Make the interval a parameter (with the constant as its default) so callers and
            configuration can raise it, and pick a default that matches the check's cost. The quick
            fix adds the parameter to the enclosing function and uses it in the modulo.
            """,
    )
    valid = (
        """
        CHECK_INTERVAL = 10

        def run(sim, steps):
            for step in range(steps):
                sim.advance()
                if step % CHECK_INTERVAL == 0:
                    sim.check_collisions()
        """,
        """
        def run(sim, steps, check_interval=1):
            for step in range(steps):
                sim.advance()
                if step % check_interval == 0:
                    sim.check_collisions()
        """,
        """
        def run(sim, settings):
            for step in range(settings.steps):
                if step % settings.check_interval == 0:
                    sim.check_collisions()
        """,
        """
        BATCH = 1

        def chunks(items):
            for index, item in enumerate(items):
                if index % 2 == 0:
                    yield item
        """,
    )
    invalid = (
        Invalid(
            """
            CHECK_INTERVAL = 1


            def run(sim, steps):
                for step in range(steps):
                    sim.advance()
                    if step % CHECK_INTERVAL == 0:
                        sim.check_collisions()
            """,
            line=7,
            fixed="""
            CHECK_INTERVAL = 1


            def run(sim, steps, check_interval=CHECK_INTERVAL):
                for step in range(steps):
                    sim.advance()
                    if step % check_interval == 0:
                        sim.check_collisions()
            """,
        ),
        Invalid(
            """
            class Trainer:
                EVAL_EVERY = 1

                def fit(self, batches, *, epochs):
                    for step, batch in enumerate(batches):
                        self.update(batch)
                        if not step % self.EVAL_EVERY:
                            self.evaluate()
            """,
            line=7,
        ),
        Invalid(
            """
            def simulate(world, ticks, *, seed=0):
                for tick in range(ticks):
                    world.step()
                    if tick % 1 == 0:
                        world.validate()
            """,
            line=4,
            fixed="""
            def simulate(world, ticks, *, seed=0, check_interval=1):
                for tick in range(ticks):
                    world.step()
                    if tick % check_interval == 0:
                        world.validate()
            """,
        ),
    )

    def visit_BinOp(self, node: ast.BinOp, ctx: Context) -> Iterator[Finding]:
        """Report `loop_variable % N` tested against zero, where N is 1."""
        if not isinstance(node.op, ast.Mod) or not ctx.loops or not self._tested_for_zero(node, ctx.parent):
            return
        loop_names: set[str] = set()
        for loop in ctx.loops:
            loop_names |= _outer_targets(loop)
        if not (names_read(node.left) & loop_names):
            return
        interval = self._interval_of_one(node.right, ctx)
        if interval is None:
            return
        function = ctx.function
        fixable = isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and interval.origin in ("literal", "module")
        name = function.name if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) else "the function"
        yield self.report(node, ctx, interval=interval.label, function=name, fixable=fixable)

    @staticmethod
    def _tested_for_zero(node: ast.BinOp, parent: ast.AST | None) -> bool:
        if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
            return True
        if isinstance(parent, ast.Compare) and len(parent.ops) == 1 and isinstance(parent.ops[0], (ast.Eq, ast.NotEq)):
            other = parent.comparators[0] if parent.left is node else parent.left
            return isinstance(other, ast.Constant) and other.value == 0
        return False

    @staticmethod
    def _interval_of_one(expr: ast.expr, ctx: Context) -> _Interval | None:
        if isinstance(expr, ast.Constant):
            return _Interval("1", "literal") if expr.value == 1 and type(expr.value) is int else None
        name = expr.attr if isinstance(expr, ast.Attribute) else expr.id if isinstance(expr, ast.Name) else None
        if name is None or not (name_words(name) & _INTERVAL_WORDS):
            return None
        if isinstance(expr, ast.Name):
            function = ctx.function
            local = _local_constant(function, name) if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
            if local is not None:
                return _Interval(name, "local") if local == 1 else None
            if function is not None and name in {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}:
                return None
            binding = ctx.facts.bindings.get(name)
            if binding is not None and binding.kind is BindingKind.CONSTANT and binding.detail == "1":
                return _Interval(name, "module")
            return None
        if isinstance(expr.value, ast.Name) and expr.value.id in ("self", "cls") and ctx.class_ is not None:
            value = _class_constant(ctx.class_, name)
            if value == 1:
                return _Interval(f"{expr.value.id}.{name}", "class")
        return None

    def fix(self, fctx: FixContext) -> Fix | None:
        """Add the interval as a parameter (defaulting to the constant) and use it in the modulo."""
        node = fctx.node
        function = next((a for a in reversed(fctx.ancestors) if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
        if not isinstance(node, ast.BinOp) or function is None:
            return None
        right = node.right
        if isinstance(right, ast.Name):
            parameter, default = (right.id.lower() if right.id.isupper() else snake_case(right.id)), right.id
        elif isinstance(right, ast.Constant):
            parameter, default = "check_interval", "1"
        else:
            return None
        used = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)} | {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
        base, counter = parameter, 2
        while parameter in used:
            parameter, counter = f"{base}_{counter}", counter + 1
        function_cst, right_cst = fctx.cst_node(function), fctx.cst_node(right) if isinstance(right, ast.Name) else None
        binop_cst = fctx.cst_node(node)
        if function_cst is None or binop_cst is None:
            return None
        new_param = cst.Param(name=cst.Name(parameter), default=cst.parse_expression(default), equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))
        params = function_cst.params
        if params.star_arg is not cst.MaybeSentinel.DEFAULT or params.kwonly_params:
            params = params.with_changes(kwonly_params=[*params.kwonly_params, new_param])
        else:
            params = params.with_changes(params=[*params.params, new_param])
        replacements: dict[int, object] = {
            id(binop_cst.right if right_cst is None else right_cst): cst.Name(parameter),
            id(function_cst.params): params,
        }
        fctx.replace_scope(replace_nodes(fctx.cst_module, replacements).code)
        return fctx.build(f"Make {default if isinstance(right, ast.Name) else 'the interval'} a parameter of {function.name}()")


def _local_constant(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> object | None:
    """The constant a function assigns to a local `name` (None if it is not a plain constant)."""
    values = []
    for node in nodes_within(function.body):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            values.append(node.value.value if isinstance(node.value, ast.Constant) else object())
    return values[0] if len(values) == 1 else None


def _class_constant(cls: ast.ClassDef, name: str) -> object | None:
    for statement in cls.body:
        if isinstance(statement, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in statement.targets):
            return statement.value.value if isinstance(statement.value, ast.Constant) else None
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.target.id == name:
            return statement.value.value if isinstance(statement.value, ast.Constant) else None
    return None
