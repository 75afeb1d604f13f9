"""What the client rules ask the application model: the project call a node makes, the function it
sits in by absolute name, and a client chain as a message fragment and as related locations."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TYPE_CHECKING

from review_ls.engine.facts import dotted_name
from review_ls.engine.model import RelatedLocation, Span
from review_ls.engine.walker import Context
from review_ls.project import ProjectIndex, project_for
from review_ls.project.call_facts import CallResolver, absolute_imports
from review_ls.project.call_resolution import function_lessons
from review_ls.project.client_facts import LOCAL, call_fates, names_bound_in
from review_ls.project.modules import is_package_file

if TYPE_CHECKING:
    from review_ls.project.client_summary import ClientChain

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

# What one run of an entry point of each role is called in messages.
INVOCATION_OF_ROLE: dict[str, str] = {
    "route": "request",
    "websocket": "WebSocket message",
    "task": "task run",
    "activity": "activity run",
    "workflow": "workflow run",
    "tool": "tool call",
    "rpc": "RPC",
    "node": "graph step",
    "consumer": "consumed message",
}


def project_target(node: ast.Call, ctx: Context) -> str | None:
    """The absolute dotted name the callee of `node` refers to (through imports, `self`, local constructors), or None."""
    function = ctx.function
    key = ("clients.resolver", id(function))
    resolver = ctx.memo.get(key)
    if resolver is None:
        module_name, imports, defs = _module_names(ctx)
        cls = ctx.class_
        resolver = ctx.memo[key] = CallResolver(module_name, imports, defs, cls.name if cls is not None else None)
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            resolver.learn(function_lessons(function, ctx))
    return resolver.target(node.func)


def _module_names(ctx: Context) -> tuple[str, dict[str, str], frozenset[str]]:
    """The module's dotted name, its imports as absolute names and its top-level definitions (once per analysis)."""
    found = ctx.memo.get("clients.module-names")
    if found is None:
        index = project_for(ctx)
        path = ctx.path or "<unknown>.py"
        module = _module(ctx)
        module_name = index.module_name(path)
        imports = absolute_imports(module, module_name, is_package_file(path))
        imports.update((name, target) for name, target in ctx.facts.imports.items() if name not in imports and not target.startswith("."))
        defs = frozenset(s.name for s in module.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))
        found = ctx.memo["clients.module-names"] = (module_name, imports, defs)
    return found


def function_qualname(function: FunctionNode, ctx: Context) -> str | None:
    """The absolute dotted name of the (module-level or method) function being visited, None for nested functions."""
    if len(ctx.functions) != 1:
        return None
    module_name = project_for(ctx).module_name(ctx.path or "<unknown>.py")
    prefix = f"{module_name}." if module_name else ""
    cls = ctx.class_
    if cls is not None:
        return f"{prefix}{cls.name}.{function.name}" if function in cls.body else None
    return f"{prefix}{function.name}"


def call_disposition(node: ast.Call, function: FunctionNode, ctx: Context) -> str:
    """Who owns what `node` returns inside `function`: `escapes`, `memoised` or `local` (see project/client_facts.py)."""
    key = ("clients.fates", id(function))
    fates = ctx.memo.get(key)
    if fates is None:
        fates = ctx.memo[key] = call_fates(function)
    return fates.get(id(node), LOCAL)


def bound_names(function: FunctionNode, ctx: Context) -> set[str]:
    """The parameters and local names of `function` (memoised per analysis)."""
    key = ("clients.bound", id(function))
    names = ctx.memo.get(key)
    if names is None:
        names = ctx.memo[key] = names_bound_in(function)
    return names


def chain_names(chain: ClientChain) -> str:
    """The project steps of a chain as short names: `get_worker_client -> WorkerClient`."""
    from review_ls.project.client_summary import step_name  # (loaded with the client summaries that made the chain)

    return " -> ".join(step_name(s.qualname) for s in chain.steps)


def chain_related(chain: ClientChain) -> list[RelatedLocation]:
    """Each project function or class of the chain, then the library construction, as related locations."""
    from review_ls.project.client_summary import step_name

    related = [RelatedLocation(s.path, Span(s.line, 0, s.line, 0), f"calls {step_name(s.qualname)}() (defined here)") for s in chain.steps]
    last = chain.steps[-1]
    related.append(RelatedLocation(last.path, Span(chain.line, 0, chain.line, 0), f"{chain.client} is constructed here"))
    return related


def path_related(index: ProjectIndex, path: Sequence[str]) -> list[RelatedLocation]:
    """The entry point and the functions called in turn down to (not including) the last one of `path`, as related locations."""
    from review_ls.project.client_summary import step_name

    related: list[RelatedLocation] = []
    for position, qualname in enumerate(path[:-1]):
        found = index.call_graph.function(qualname)
        if found is None:
            continue
        file, facts = found
        text = f"{facts.role} {facts.label or step_name(qualname)} runs once per {INVOCATION_OF_ROLE.get(facts.role, 'invocation')}" if position == 0 else f"calls {step_name(qualname)}() (defined here)"
        related.append(RelatedLocation(file, Span(facts.line, 0, facts.line, 0), text))
    return related


def _module(ctx: Context) -> ast.Module:
    return ctx.parents[0] if ctx.parents and isinstance(ctx.parents[0], ast.Module) else ast.Module(body=[], type_ignores=[])


def is_cached(function: FunctionNode) -> bool:
    """True for a `functools.cache`/`lru_cache`d function (its body runs once per argument set)."""
    return any((dotted_name(d.func if isinstance(d, ast.Call) else d) or "").rsplit(".", 1)[-1] in _CACHING for d in function.decorator_list)


_CACHING = frozenset({"cache", "lru_cache", "cached", "cached_property", "memoize", "memoized"})
