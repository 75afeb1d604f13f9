"""Request data kept on `self` by one method and used by another (`self.name = request.GET["name"]` in a
Django view's `setup`, read in `get`): the attributes of a class that its methods set from request
data become sources of its other methods (RV601/RV602)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import replace

from review_ls.engine.walker import Context
from review_ls.patterns.frameworks import is_route_handler
from review_ls.patterns.node_walk import walk_nodes
from review_ls.patterns.taint_flow import TaintPass, Tainted
from review_ls.patterns.taint_sinks import Qualifier
from review_ls.rules.security._shared import Function

# A method's sources: (parameter sources, request names, WebSocket names), as `_taint.py` finds them.
SourcesOf = Callable[[Function], "tuple[dict[str, Tainted], frozenset[str], frozenset[str]]"]
_KEY = "RV6.instance-sources"


def instance_sources(function: Function, ctx: Context, sources_of: SourcesOf) -> dict[str, Tainted]:
    """`self.<attr>` -> the request data another method of the class stores there (empty outside methods)."""
    cls = ctx.class_
    if cls is None or not function.args.args or not ctx.is_class_member(function):
        return {}
    me = function.args.args[0].arg
    if not is_route_handler(function, ctx) or not _reads_attributes(function, me):  # (the cheap test first: it looks at no body)
        return {}  # the class body is read (which makes the method depend on all of the class) only for handlers that use `self.x`
    # Kept in the module's facts, not `ctx.memo` (reading the memo marks a statement as reading the whole module).
    known: dict[int, dict[str, Tainted]] = ctx.facts.derived.setdefault(_KEY, {})
    attributes = known.get(id(cls))
    if attributes is None:
        attributes = known[id(cls)] = _tainted_attributes(cls, sources_of, ctx.qualified_name)
    return {f"{me}.{attribute}": replace(value, shown=f"{me}.{attribute}", base=None, join=None, via=frozenset()) for attribute, value in attributes.items()}


def _reads_attributes(function: Function, me: str) -> bool:
    """True when the method reads an attribute of `self` (`self.name`)."""
    return any(isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load) and isinstance(n.value, ast.Name) and n.value.id == me for n in walk_nodes(function))


def _tainted_attributes(cls: ast.ClassDef, sources_of: SourcesOf, qualify: Qualifier) -> dict[str, Tainted]:
    """The attributes of `self` that a method of `cls` sets from its request data."""
    found: dict[str, Tainted] = {}
    for method in cls.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or not method.args.args:
            continue
        me = method.args.args[0].arg
        if not any(isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name) and n.value.id == me for n in walk_nodes(method)):
            continue  # sets nothing on self
        sources, requests, websockets = sources_of(method)
        if not sources and not requests and not websockets:
            continue
        env = TaintPass(method, sources, qualify, requests, websockets).run().env
        prefix = f"{me}."
        for key, value in env.items():
            if key.startswith(prefix) and "." not in key[len(prefix):]:
                found.setdefault(key[len(prefix):], value)
    return found
