"""Two shapes that decide whether a client is built per invocation (RV202): a FastAPI dependency in a
route's signature (`client = Depends(get_client)` calls `get_client` on every request), and a client
scoped to one run of a long task and used for the whole run (many requests per client)."""

from __future__ import annotations

import ast

from review_ls.engine.walker import Context
from review_ls.patterns.blocking import own_nodes
from review_ls.project.entry_points import ACTIVITY, TASK, WORKFLOW

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

_DEPENDENCY_MARKERS = frozenset({"fastapi.Depends", "fastapi.Security", "fastapi.params.Depends", "fastapi.params.Security"})
# Entry points whose one run is long and rare next to a request: a client per run, reused for the run, is not a client per request.
LONG_RUN_ROLES = frozenset({TASK, ACTIVITY, WORKFLOW})
_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


_MARKER_NAMES = frozenset(marker.rsplit(".", 1)[1] for marker in _DEPENDENCY_MARKERS)


def may_name_dependency(func: ast.expr) -> bool:
    """False when the callee `func` cannot resolve to a dependency marker (`Depends`): an attribute chain resolves
    through the imports to a name that ends in its own attribute (only its head is replaced), so `x.get(...)` never does."""
    return type(func) is not ast.Attribute or func.attr in _MARKER_NAMES


def signature_dependency(node: ast.Call, ctx: Context, qualified: str | None) -> tuple[FunctionNode, ast.expr] | None:
    """(the function, the dependency it names) when `node` is `Depends(x)` in a function's parameters (a default or `Annotated[...]`);
    `qualified` is the callee's qualified name (`ctx.qualified_name(node.func)`)."""
    if qualified not in _DEPENDENCY_MARKERS:
        return None
    dependency = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "dependency"), None)
    if not isinstance(dependency, (ast.Name, ast.Attribute)):
        return None
    parents = ctx.parents
    for position in range(len(parents) - 1, 0, -1):
        parent = parents[position]
        if isinstance(parent, ast.arguments):
            owner = parents[position - 1]
            return (owner, dependency) if isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
        if isinstance(parent, ast.stmt):
            return None
    return None


def reused_for_the_run(node: ast.Call, function: FunctionNode, ancestors: list[ast.AST]) -> bool:
    """True for a client bound by `with ... as name` whose name is used in a loop or handed to another call
    (an agent or crawler that makes the run's requests): one client serves the whole run."""
    parent = ancestors[-1] if ancestors else None
    if not (isinstance(parent, ast.withitem) and isinstance(parent.optional_vars, ast.Name)):
        return False
    name = parent.optional_vars.id
    for candidate in own_nodes(function.body):
        if isinstance(candidate, _LOOPS) and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(candidate)):
            return True
        if isinstance(candidate, ast.Call) and any(_is_name(value, name) for value in (*candidate.args, *(k.value for k in candidate.keywords))):
            return True
    return False


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name
