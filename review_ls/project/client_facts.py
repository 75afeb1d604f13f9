"""Client constructions in one function, extracted with `ast` only: the calls that build a network
client (a known library constructor) or that keep what a project call returns, and what happens to
the result.

A construction's `disposition` says who owns the client it builds:
- `escapes`: the caller does — it is returned or yielded, or kept on `self` (a wrapper class whose
  `__init__` builds one, a factory `get_client()` that returns one);
- `memoised`: the process does — it is stored in a `global`, a container, another object's
  attribute, or assigned under an `if` that tests the same target (`if self._client is None:`);
- `local`: this call does — it is built, used and dropped (`async with httpx.AsyncClient() as c:`).

The call graph combines these facts into the client summary (`client_summary.py`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from review_ls.patterns.clients import CLIENT_CONSTRUCTORS
from review_ls.patterns.names import names_read

LOCAL, ESCAPES, MEMOISED = "local", "escapes", "memoised"

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# Expressions a value passes through unchanged on its way to the statement that keeps it.
_PASS_THROUGH = (ast.Await, ast.BoolOp, ast.IfExp, ast.NamedExpr, ast.keyword, ast.Starred)


@dataclass(frozen=True)
class ClientSite:
    """A call in a function that builds a client (`library`: a known constructor) or keeps what a project call returns.

    `target` is the library constructor (`httpx.AsyncClient`) or the absolute dotted project call
    target; `per_argument` is True when the call reads a parameter of the function (what it builds
    may differ from call to call).
    """

    target: str
    line: int
    library: bool
    disposition: str
    per_argument: bool = False


def client_sites(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    qualify: Callable[[ast.AST], str | None],
    resolve: Callable[[ast.AST], str | None],
) -> tuple[ClientSite, ...]:
    """Library client constructions of `function`, and project calls whose result it returns or keeps."""
    parameters = {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)} - {"self", "cls"}
    nodes = list(_nodes_with_parents(function.body, (function,)))
    bound = parameters | {n.id for n, _ in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    declared = {name for node, _ in nodes if isinstance(node, (ast.Global, ast.Nonlocal)) for name in node.names}
    handed_out = {
        node.value.id for node, _ in nodes if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and isinstance(node.value, ast.Name)
    }
    sites: list[ClientSite] = []
    for node, parents in nodes:
        if not isinstance(node, ast.Call):
            continue
        library = qualify(node.func) in CLIENT_CONSTRUCTORS
        if library and not is_shareable_construction(node, bound):
            continue
        target = qualify(node.func) if library else resolve(node.func)
        if target is None:
            continue
        fate = disposition(node, parents, declared, handed_out)
        if not library and fate == LOCAL:
            continue
        sites.append(ClientSite(target, node.lineno, library, fate, bool(names_read(node) & parameters)))
    return tuple(sites)


def is_shareable_construction(call: ast.Call, bound: set[str]) -> bool:
    """False for a client that is per call by design: a `NullPool` engine (no pool to share), or a
    transport/connector built from this call's values (pinned to one resolved address)."""
    for keyword in call.keywords:
        if keyword.arg == "poolclass" and (ast.unparse(keyword.value).endswith("NullPool")):
            return False
        if keyword.arg in ("transport", "connector") and names_read(keyword.value) & bound:
            return False
    return True


def names_bound_in(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The parameters of `function` and the names its own body assigns."""
    parameters = {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}
    return parameters | {n.id for n, _ in _nodes_with_parents(function.body, ()) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def disposition(call: ast.Call, parents: Sequence[ast.AST], declared: set[str], handed_out: set[str]) -> str:
    """Who owns what `call` returns (`escapes`, `memoised` or `local`); `parents` run from the function down to the call's parent."""
    current: ast.AST = call
    for index in range(len(parents) - 1, -1, -1):
        parent = parents[index]
        if isinstance(parent, ast.Call) and current is not parent.func:
            current = parent  # wrapped in another object (`OpenAI(http_client=httpx.AsyncClient())`): that one's fate decides
            continue
        if isinstance(parent, _PASS_THROUGH):
            current = parent
            continue
        if isinstance(parent, (ast.Return, ast.Yield, ast.YieldFrom)):
            return ESCAPES
        if isinstance(parent, ast.withitem):
            bound = parent.optional_vars
            return ESCAPES if isinstance(bound, ast.Name) and bound.id in handed_out else LOCAL
        if isinstance(parent, (ast.Assign, ast.AnnAssign)) and current is parent.value:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            return _fate_of_target(targets[0], current, parents[:index], declared, handed_out) if len(targets) == 1 else LOCAL
        return LOCAL
    return LOCAL


def _fate_of_target(target: ast.expr, value: ast.AST, parents: Sequence[ast.AST], declared: set[str], handed_out: set[str]) -> str:
    """The fate of a value assigned to `target` (`parents` enclose the assignment)."""
    text = ast.unparse(target)
    if isinstance(value, ast.BoolOp) and any(ast.unparse(v) == text for v in value.values):
        return MEMOISED  # `x = x or Client()`
    if any(isinstance(p, (ast.If, ast.IfExp, ast.While)) and _mentions(p.test, text) for p in parents):
        return MEMOISED  # `if self._client is None: self._client = Client()`
    if isinstance(target, ast.Name):
        if target.id in declared:
            return MEMOISED
        return ESCAPES if target.id in handed_out else LOCAL
    if isinstance(target, ast.Attribute):
        owner = target.value
        if isinstance(owner, ast.Name) and owner.id == "self":
            return ESCAPES
        return MEMOISED
    if isinstance(target, ast.Subscript):
        return MEMOISED
    return LOCAL


def _mentions(test: ast.expr, text: str) -> bool:
    """True when the expression `text` (a name, attribute or subscript as written) occurs in `test`."""
    return any(isinstance(n, (ast.Name, ast.Attribute, ast.Subscript)) and ast.unparse(n) == text for n in ast.walk(test))


def _nodes_with_parents(body: list[ast.stmt], parents: tuple[ast.AST, ...]) -> Iterator[tuple[ast.AST, tuple[ast.AST, ...]]]:
    """Every node of a function body with its ancestors, not entering nested functions, lambdas or classes."""
    stack: list[tuple[ast.AST, tuple[ast.AST, ...]]] = [(statement, parents) for statement in reversed(body)]
    while stack:
        node, above = stack.pop()
        yield node, above
        if isinstance(node, _SCOPES):
            continue
        inner = (*above, node)
        stack.extend((child, inner) for child in reversed(list(ast.iter_child_nodes(node))))
