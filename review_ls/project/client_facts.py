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

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.facts import dotted_name
from review_ls.patterns.blocking import own_nodes
from review_ls.patterns.clients import CLIENT_CONSTRUCTORS
from review_ls.patterns.names import names_read
from review_ls.patterns.node_walk import walk_nodes

LOCAL, ESCAPES, MEMOISED = "local", "escapes", "memoised"


@dataclass(frozen=True, slots=True)
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
    nodes: Sequence[ast.AST],
    qualify: Callable[[ast.AST], str | None],
    resolve: Callable[[ast.AST], str | None],
    constructor_names: frozenset[str],
) -> tuple[ClientSite, ...]:
    """Library client constructions of `function`, and project calls whose result it returns or keeps.

    `nodes` are the function's own nodes in source order (see `patterns.blocking.own_nodes`; its statements and
    calls suffice); `constructor_names`
    the last names under which the module can call a client constructor (`client_constructor_names`).
    """
    fates: dict[int, str] | None = None
    bound: set[str] | None = None
    sites: list[ClientSite] = []
    call_type = ast.Call
    for node in nodes:
        if type(node) is not call_type:
            continue
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        qualified = qualify(func) if last in constructor_names else None
        library = qualified in CLIENT_CONSTRUCTORS
        target = qualified if library else resolve(func)
        if target is None:
            continue  # (no site, whatever its fate: the fates are sorted out only once a call may be one)
        if fates is None:
            fates = call_fates(function, nodes)
        fate = fates.get(id(node), LOCAL)
        if not library and fate == LOCAL:
            continue
        if library and any(k.arg in _PER_CALL_KEYWORDS for k in node.keywords):
            bound = names_bound_in(function) if bound is None else bound
            if not is_shareable_construction(node, bound):
                continue
        parameters = _parameters(function)
        sites.append(ClientSite(target, node.lineno, library, fate, library and bool(names_read(node) & parameters)))
    return tuple(sites)


def client_constructor_names(imports: dict[str, str]) -> frozenset[str]:
    """The last names of the known client constructors, plus the local names the module imports them under."""
    return _CONSTRUCTOR_TAILS | frozenset(local for local, target in imports.items() if target in CLIENT_CONSTRUCTORS)


_CONSTRUCTOR_TAILS = frozenset(name.rsplit(".", 1)[-1] for name in CLIENT_CONSTRUCTORS)
_PER_CALL_KEYWORDS = frozenset({"poolclass", "transport", "connector"})


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
    assigned = {n.id for n in own_nodes(function.body) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return _parameters(function) | assigned


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    return {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)} - {"self", "cls"}


def call_fates(function: ast.FunctionDef | ast.AsyncFunctionDef, nodes: Sequence[ast.AST] | None = None) -> dict[int, str]:
    """`id(call)` -> `escapes`/`memoised` for the calls of `function` whose result is handed out or kept (the others are `local`).

    `nodes` are the function's own nodes when the caller has them already (`patterns.blocking.own_nodes`).
    """
    # One pass sorts the statements out: `global`/`nonlocal` names, `if`/`while` tests, values handed out, assignments.
    declared: set[str] = set()
    handed_out: set[str] = set()
    conditionals: list[ast.If | ast.While] = []
    read: list[tuple[ast.stmt, ast.expr | None]] = []  # the statements that may decide a call's fate, with the value they hand out
    declaring, conditional, reading = _DECLARING, _CONDITIONAL, _FATE_STATEMENTS
    for node in own_nodes(function.body) if nodes is None else nodes:
        kind = type(node)
        if kind in declaring:
            declared.update(node.names)  # type: ignore[attr-defined]
        elif kind in conditional:
            conditionals.append(node)  # type: ignore[arg-type]
        elif kind in reading:
            value = _handed_out(node)  # type: ignore[arg-type]
            read.append((node, value))  # type: ignore[arg-type]
            if type(value) is ast.Name:
                handed_out.add(value.id)
    fates: dict[int, str] = {}
    for statement, value in read:
        if value is not None:
            _mark(value, ESCAPES, fates)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)) and isinstance(statement.value, _CARRIERS):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if len(targets) == 1:
                line = statement.lineno
                guards = [c.test for c in conditionals if c.lineno < line <= (c.end_lineno or c.lineno)]
                fate = _fate_of_target(targets[0], statement.value, guards, declared, handed_out)
                if fate != LOCAL:
                    _mark(statement.value, fate, fates)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id in handed_out:
                    _mark(item.context_expr, ESCAPES, fates)
    return fates


def _handed_out(statement: ast.stmt) -> ast.expr | None:
    """The value a `return x` or `yield x` statement hands to the caller."""
    if isinstance(statement, ast.Return):
        return statement.value
    if isinstance(statement, ast.Expr) and isinstance(statement.value, (ast.Yield, ast.YieldFrom)):
        return statement.value.value
    return None


# How `call_fates` sorts statements: those that declare outer names, guard others, or may decide a call's fate (no other node counts).
_DECLARING = frozenset({ast.Global, ast.Nonlocal})
_CONDITIONAL = frozenset({ast.If, ast.While})
_FATE_STATEMENTS = frozenset({ast.Return, ast.Expr, ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith})

# Values that may carry a call's result to the statement (see `_carried`).
_CARRIERS = (ast.Call, ast.Await, ast.BoolOp, ast.IfExp, ast.NamedExpr)


def _mark(value: ast.expr, fate: str, fates: dict[int, str]) -> None:
    for call in _carried(value):
        fates[id(call)] = fate


def _carried(value: ast.expr) -> Iterator[ast.Call]:
    """The calls whose result `value` carries on: itself, and calls wrapped in it as arguments (`OpenAI(http_client=httpx.AsyncClient())`)."""
    stack: list[ast.expr] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call):
            yield node
            stack.extend(node.args)
            stack.extend(k.value for k in node.keywords)
        elif isinstance(node, (ast.Await, ast.Starred, ast.NamedExpr)):
            stack.append(node.value)
        elif isinstance(node, ast.BoolOp):
            stack.extend(node.values)
        elif isinstance(node, ast.IfExp):
            stack.extend((node.body, node.orelse))


def _fate_of_target(target: ast.expr, value: ast.AST, guards: Sequence[ast.expr], declared: set[str], handed_out: set[str]) -> str:
    """The fate of a value assigned to `target` under the `if`/`while` tests `guards`."""
    if isinstance(target, ast.Subscript):
        return MEMOISED  # kept in a container
    if isinstance(target, ast.Name):
        if target.id in declared:
            return MEMOISED  # a `global`
        text = target.id
    elif isinstance(target, ast.Attribute):
        text = _source(target)
    else:
        return LOCAL
    if isinstance(value, ast.BoolOp) and any(_source(v) == text for v in value.values):
        return MEMOISED  # `x = x or Client()`
    if any(_mentions(test, target, text) for test in guards):
        return MEMOISED  # `if self._client is None: self._client = Client()`
    if declared and any(isinstance(n, ast.Name) and n.id in declared for test in guards for n in walk_nodes(test)):
        return MEMOISED  # built under `if not _initialised:` of a `global`: runs once per process
    if isinstance(target, ast.Name):
        return ESCAPES if target.id in handed_out else LOCAL
    owner = target.value if isinstance(target, ast.Attribute) else None
    return ESCAPES if isinstance(owner, ast.Name) and owner.id == "self" else MEMOISED


def _mentions(test: ast.expr, target: ast.expr, text: str) -> bool:
    """True when `target` (whose source is `text`) occurs in `test`."""
    if isinstance(target, ast.Name):
        return any(isinstance(n, ast.Name) and n.id == text for n in walk_nodes(test))
    return any(isinstance(n, ast.Attribute) and _source(n) == text for n in walk_nodes(test))


def _source(node: ast.AST) -> str:
    """`ast.unparse(node)`, read off directly for a Name/Attribute chain."""
    dotted = dotted_name(node)
    return dotted if dotted is not None else ast.unparse(node)
