"""Calls to a database, cache, HTTP API or object storage, recognised from the call chain's shape.

`remote_call_chain` splits `self.session.query(User).filter(...).first()` into its receiver, the
methods called and their arguments; `remote_kind` says what kind of round trip such a chain is
(`query`, `write`, `remote call`, `cache call`, `transfer`) from the receiver's name and the method.
Shared by RV802 (a call per loop item) and the project's query summary (`project/query_summary.py`).
"""

from __future__ import annotations

import ast
import re

from review_ls.deferred_dataclass import dataclass
from review_ls.patterns.names import snake_case


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
     "first", "last", "values", "values_list", "aggregate", "aget", "acreate", "afirst", "aget_or_create",
     "aupdate_or_create", "aupdate", "adelete", "acount", "aexists"}
)


_MONGO_METHODS = frozenset(
    {"find_one", "insert_one", "update_one", "delete_one", "replace_one", "find_one_and_update", "find_one_and_delete",
     "find_one_and_replace"}
)


_REDIS_METHODS = frozenset(
    {"get", "set", "hget", "hset", "hgetall", "delete", "exists", "incr", "expire", "lpush", "rpush", "sadd", "zadd", "setex"}
)


# A pymongo collection or database (`db.users.find_one`, `users_collection.insert_one`); a project wrapper's
# `self.service.update_one(...)` is judged through its summary instead.
_MONGO_RECEIVER_WORDS = frozenset({"collection", "coll", "col", "db", "database", "mongo", "users", "items", "documents"})


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


_WRITE_METHODS = frozenset(
    {"create", "get_or_create", "update_or_create", "update", "delete", "insert_one", "update_one", "delete_one", "replace_one",
     "execute", "acreate", "aget_or_create", "aupdate_or_create", "aupdate", "adelete"}
)


# The methods a chain must call for `remote_kind` to call it a query or a write (as its first method, or any for Mongo).
DATABASE_METHODS = _DJANGO_METHODS | _FLASK_QUERY_METHODS | _MONGO_METHODS | _SESSION_METHODS


@dataclass(frozen=True)
class RemoteCallChain:
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


def remote_call_chain(call: ast.Call) -> RemoteCallChain | None:
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
    return RemoteCallChain(receiver, [name for name, was_called in links[first_call:] if was_called], arguments, first_arguments)


def remote_kind(chain: RemoteCallChain) -> tuple[str, str] | None:
    """(kind, what is called) when the chain is a database, cache, HTTP or storage call, else None."""
    receiver, methods = chain.receiver, chain.methods
    first = methods[0]
    parts = receiver.split(".")
    if parts[-1] == "objects" and len(parts) > 1 and first in _DJANGO_METHODS:
        return ("write" if first in _WRITE_METHODS else "query"), f"{receiver}.{first}"
    if parts[-1] == "query" and len(parts) > 1 and parts[-2][:1].isupper() and first in _FLASK_QUERY_METHODS:
        return "query", f"{receiver}.{first}"
    word = chain.receiver_word
    mongo = next((m for m in methods if m in _MONGO_METHODS), None)
    if mongo is not None and word in _MONGO_RECEIVER_WORDS:
        return ("write" if mongo in _WRITE_METHODS else "query"), f"{receiver}.{mongo}"
    if "redis" in receiver.lower() and first in _REDIS_METHODS:
        return "cache call", f"{receiver}.{first}"
    if first in _STORAGE_METHODS and word in _STORAGE_RECEIVER_WORDS:
        return "transfer", f"{receiver}.{first}"
    if (word in _SESSION_WORDS or parts[-1].lower() in _SESSION_NAMES) and first in _SESSION_METHODS:
        if first == "get" and _is_http_get(chain):
            return "remote call", f"{receiver}.get"
        return ("write" if first in _WRITE_METHODS and _looks_like_write(chain) else "query"), f"{receiver}.{first}"
    if word in _HTTP_RECEIVER_WORDS and first in _HTTP_METHODS:
        return "remote call", f"{receiver}.{first}"
    return None


def _is_http_get(chain: RemoteCallChain) -> bool:
    """True for `session.get(url)` (requests/aiohttp) rather than `session.get(Model, id)` (SQLAlchemy)."""
    url = chain.first_arguments[0] if chain.first_arguments else None
    if isinstance(url, (ast.JoinedStr, ast.BinOp)):
        return True
    if isinstance(url, ast.Constant) and isinstance(url.value, str):
        return True
    return isinstance(url, ast.Name) and "url" in url.id.lower()


def _looks_like_write(chain: RemoteCallChain) -> bool:
    """True when an `execute(...)` runs INSERT/UPDATE/DELETE SQL (a literal statement)."""
    sql = next((a for a in reversed(chain.arguments) if isinstance(a, ast.Constant) and isinstance(a.value, str)), None)
    if sql is not None:
        return str(sql.value).lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "REPLACE")
    statement = chain.first_arguments[0] if chain.first_arguments else None
    named = statement.id if isinstance(statement, ast.Name) else statement.attr if isinstance(statement, ast.Attribute) else ""
    if re.search(r"insert|update|delete|upsert|replace", named, re.IGNORECASE):
        return True  # `execute(insert_template, values)`: a write statement kept in a name
    return chain.methods[0] != "execute"
