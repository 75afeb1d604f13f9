"""Which functions of one module run a database query or write themselves (the first such call of
each), for the project's query summary (`query_summary.py`). Facts are extracted with `ast` only,
per file; the call's shape is judged by `patterns/remote_calls.py`, as RV802 judges it in a loop.
A Django queryset that is only built (`Model.objects.filter(...)` returned unevaluated) runs no query.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TYPE_CHECKING

from review_ls.deferred_dataclass import dataclass
from review_ls.patterns.blocking import own_nodes
from review_ls.patterns.remote_calls import (
    DATABASE_METHODS,
    remote_call_chain,
    remote_kind,
)

if TYPE_CHECKING:
    from review_ls.project.function_memo import FunctionMemo

# Queryset methods that build a query without running it.
LAZY_QUERYSET_METHODS = frozenset(
    {"filter", "exclude", "annotate", "order_by", "select_related", "prefetch_related", "values", "values_list", "only",
     "defer", "distinct", "all", "none", "using"}
)
_DATABASE_KINDS = frozenset({"query", "write"})


@dataclass(frozen=True, slots=True)
class QuerySite:
    """The first query or write a function makes itself: `kind` (`query`/`write`), the call as shown, its line."""

    function: str
    kind: str
    call: str
    line: int


def module_query_facts(
    module: ast.Module,
    module_name: str,
    own: dict[int, list[ast.AST]] | None = None,
    memo: FunctionMemo | None = None,
    own_calls: dict[int, list[ast.Call]] | None = None,
) -> tuple[QuerySite, ...]:
    """The first direct query or write of every function and method of a parsed module (`own`: each
    function's own nodes when the caller has them already, by `id` of the function node, and `own_calls` the
    calls among them; `memo`: the sites of the unchanged functions, from the last extraction of the file)."""
    prefix = f"{module_name}." if module_name else ""
    own = own if own is not None else {}
    calls = own_calls if own_calls is not None and memo is None else {}  # (with a memo, a moved function's nodes are read anew)
    sites: list[QuerySite] = []

    def _add(sites: list[QuerySite], qualname: str, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if memo is None:
            _add_first_site(sites, qualname, calls.get(id(function)) or own.get(id(function)) or list(own_nodes(function.body)))
            return

        def found() -> tuple[QuerySite, ...]:
            first: list[QuerySite] = []
            _add_first_site(first, qualname, memo.own_nodes(function, own))
            return tuple(first)

        sites.extend(memo.reuse("queries", function, qualname, found))
    for statement in module.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _add(sites, f"{prefix}{statement.name}", statement)
        elif isinstance(statement, ast.ClassDef):
            for member in statement.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    _add(sites, f"{prefix}{statement.name}.{member.name}", member)
    return tuple(sites)


def _add_first_site(sites: list[QuerySite], qualname: str, nodes: Sequence[ast.AST]) -> None:
    """The function's first query or write among its own `nodes` (the calls among them suffice), added to `sites`."""
    inner: set[int] = set()
    call_type, attribute_type, database_methods = ast.Call, ast.Attribute, DATABASE_METHODS
    for node in nodes:
        if type(node) is not call_type or id(node) in inner or type(node.func) is not attribute_type:
            continue
        if node.func.attr not in database_methods and _calls_only_once(node.func):
            continue  # `x.y.method(...)`: one method called, which runs no query
        _mark_inner_calls(node, inner)
        chain = remote_call_chain(node)
        kind = remote_kind(chain) if chain is not None else None
        if chain is None or kind is None or kind[0] not in _DATABASE_KINDS:
            continue
        if chain.receiver.rsplit(".", 1)[-1] == "objects" and all(method in LAZY_QUERYSET_METHODS for method in chain.methods):
            continue  # a queryset built, not evaluated here
        sites.append(QuerySite(qualname, kind[0], kind[1], node.lineno))
        return


def _calls_only_once(func: ast.Attribute) -> bool:
    """True when the chain below the method `func` calls nothing (`self.repo.save`, not `db.query(X).first`)."""
    node = func.value
    while type(node) is ast.Attribute:
        node = node.value
    return type(node) is not ast.Call


def _mark_inner_calls(call: ast.Call, inner: set[int]) -> None:
    """Mark the calls of a chain below its outermost one (`session.query(X)` in `session.query(X).first()`)."""
    node: ast.expr = call.func
    while isinstance(node, (ast.Attribute, ast.Call)):
        if isinstance(node, ast.Call):
            inner.add(id(node))
            node = node.func
        else:
            node = node.value
