"""Request data flowing to file and URL sinks in one function, for RV601 and RV602 (computed once per function).

Sources: a route handler's free-text parameters, a Django view's URL arguments, uploaded files,
fields of the project's request models (pydantic classes), socket.io event payloads, reads of
the request object (`request.args`, `await request.json()`, ...) and WebSocket receives. Calls to
project functions are followed through their summaries (`ProjectIndex.taint_sink_chain`), in this
file or across files.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from review_ls.engine.facts import dotted_name
from review_ls.engine.model import RelatedLocation, Span
from review_ls.engine.positions import LineIndex, statement_start_line
from review_ls.engine.walker import Context
from review_ls.patterns.frameworks import is_route_handler
from review_ls.patterns.imports import first_import_of, imported_roots
from review_ls.patterns.node_walk import walk_nodes
from review_ls.patterns.taint_flow import Flow, TaintPass, Tainted
from review_ls.patterns.taint_sources import (
    REQUEST_INPUT_ATTRIBUTES,
    REQUEST_INPUT_METHODS,
    WEBSOCKET_RECEIVES,
    is_django_function_view,
    model_parameters,
    parameter_sources,
    request_names,
    websocket_names,
)
from review_ls.patterns.web_inputs import REQUEST_GLOBALS
from review_ls.project import project_for
from review_ls.project.call_facts import CallResolver, absolute_imports
from review_ls.project.entry_points import WEBSOCKET, function_role
from review_ls.project.modules import is_package_file
from review_ls.project.views import Kind
from review_ls.rules.security._instance_taint import instance_sources
from review_ls.rules.security._shared import Function, function_uploads

if TYPE_CHECKING:
    from review_ls.project.taint import SinkChain

_REQUEST_MODULES = ("flask", "quart", "sanic", "bottle")
_LAST_FLOWS = "RV6.last-request-flows"


def request_flows(function: Function, ctx: Context) -> list[Flow]:
    """Every flow of request data to a sink (or to a project call that leads to one) in `function`."""
    # One slot in the module's facts, not `ctx.memo` (reading the memo marks a statement as reading the
    # whole module): RV601 and RV602 visit the same function one after the other.
    last = ctx.facts.derived.get(_LAST_FLOWS)
    if last is not None and last[0] is function and last[1] is ctx.project:
        flows: list[Flow] = last[2]
        return flows
    flows = _compute(function, ctx)
    ctx.facts.derived[_LAST_FLOWS] = (function, ctx.project, flows)
    return flows


def _compute(function: Function, ctx: Context) -> list[Flow]:
    requests = request_names(function, None) | _request_globals(ctx)
    websockets = websocket_names(function)
    sources = {**instance_sources(function, ctx, lambda method: _method_sources(method, ctx)), **_parameter_sources(function, ctx)}
    if not sources and not _reads_request_data(function, requests, websockets, ctx.lines):
        return []  # (no source and no read of request data: the pass could taint nothing)
    index = project_for(ctx)
    resolvers: list[CallResolver] = []

    def project_call(call: ast.Call, tainted: Sequence[tuple[int | str, Tainted]]) -> tuple[bool, object]:
        if not resolvers:
            resolvers.append(_resolver(function, ctx))  # built on first use: it reads the whole module
        target = resolvers[0].target(call.func)
        if target is None:
            return False, None
        returns = any(index.taint_returns(target, slot) for slot, _ in tainted)
        chain = next((c for slot, _ in tainted if (c := index.taint_sink_chain(target, slot)) is not None), None)
        return returns, chain

    taint = TaintPass(function, sources, ctx.qualified_name, requests, websockets, project_call).run()
    return taint.flows


def _method_sources(method: Function, ctx: Context) -> tuple[dict[str, Tainted], frozenset[str], frozenset[str]]:
    """A method's parameter sources, request names and WebSocket names (the sources of `_compute`)."""
    return _parameter_sources(method, ctx), request_names(method, None) | _request_globals(ctx), websocket_names(method)


def chain_related(chain: SinkChain, verb: str) -> tuple[RelatedLocation, ...]:
    """A cross-file chain as related locations: each function called in turn, then the sink."""
    related = [RelatedLocation(step.path, Span(step.line, 0, step.line, 0), f"calls {step.qualname.rsplit('.', 1)[-1]}() (defined here)") for step in chain.steps]
    last = chain.steps[-1]
    related.append(RelatedLocation(last.path, Span(chain.line, 0, chain.line, 0), f"{chain.sink}() {verb} here"))
    return tuple(related)


def chain_of(flow: Flow) -> SinkChain | None:
    """The cross-file chain of a flow into a project call (None for a direct sink)."""
    from review_ls.project.taint import SinkChain  # (loaded with the taint summaries that made the chain)

    return flow.callee if isinstance(flow.callee, SinkChain) else None


def _parameter_sources(function: Function, ctx: Context) -> dict[str, Tainted]:
    route = is_route_handler(function, ctx)
    roots = imported_roots(ctx.facts)
    django_view = ctx.class_ is None and is_django_function_view(function, "django" in roots or "rest_framework" in roots)
    names = dict(parameter_sources(function, route, django_view))
    uploads = function_uploads(function, ctx.facts)
    if route:
        models = _request_models(ctx)
        names.update((name, False) for name in model_parameters(function, models))
    if function_role(function, None) == WEBSOCKET:
        arguments = [a.arg for a in [*function.args.posonlyargs, *function.args.args] if a.arg not in ("self", "cls")]
        names.update((name, False) for name in arguments[1:])
    sources = {name: Tainted(name, name, segment=segment) for name, segment in names.items()}
    sources.update((name, Tainted(name, name, upload="file")) for name in uploads)
    return sources


_REQUEST_MODELS = "RV6.request-models"


def _request_models(ctx: Context) -> frozenset[str]:
    """Names of the project's pydantic classes (found once per version of the project's classes, for every file).

    Kept in a slot that lives with the project's type facts (not `ctx.memo`: see `request_flows`); the
    classes it was found from are checked by identity."""
    index = project_for(ctx)
    classes = index.classes
    slot: dict[str, tuple[tuple[object, ...], frozenset[str]]] = index.types.summary(_REQUEST_MODELS, _new_slot)
    last = slot.get("last")
    if last is not None and last[0] is classes:
        return last[1]
    found = frozenset(c.ref.name for c in classes if c.kind == Kind.PYDANTIC)
    slot["last"] = (classes, found)
    return found


def _new_slot(_: object) -> dict[str, tuple[tuple[object, ...], frozenset[str]]]:
    return {}


def _request_globals(ctx: Context) -> frozenset[str]:
    """Flask-style request globals as the module spells them: `request`, `flask.request` (once per module)."""
    key = "RV6.request-globals"
    if key not in ctx.facts.derived:
        ctx.facts.derived[key] = _find_request_globals(ctx)
    found: frozenset[str] = ctx.facts.derived[key]
    return found


def _find_request_globals(ctx: Context) -> frozenset[str]:
    found = set()
    local = first_import_of(ctx.facts, REQUEST_GLOBALS)
    if local is not None:
        found.add(local)
    for name, target in ctx.facts.imports.items():
        if target in _REQUEST_MODULES:
            found.add(f"{name}.request")
    return frozenset(found)


def _reads_request_data(function: Function, requests: frozenset[str], websockets: frozenset[str], lines: LineIndex) -> bool:
    """True when the function reads request data from one of the request or WebSocket names (a cheap pre-check).

    Without parameter or instance sources, the taint pass taints only what `request_read` finds: an attribute
    `R.<input attribute or method>` of a request name R, or `W.<receive method>` of a WebSocket name W. A function
    with no such attribute anywhere in its tree (nested functions and decorators included: a superset of what the
    pass reads) has no flow, and is not passed over at all. When the function's (ASCII) text holds none of the
    names' last parts as a whole word, its tree is not walked either."""
    names = requests | websockets
    text = lines.text_of_lines(statement_start_line(function), function.end_lineno or function.lineno)
    if text.isascii() and not _words_in(frozenset(name.rsplit(".", 1)[-1] for name in names), text):
        return False  # (identifiers are NFKC-normalised in the tree: only ASCII text shows every one as written)
    for node in walk_nodes(function):
        if isinstance(node, ast.Attribute):
            attribute = node.attr
            if attribute in _REQUEST_READS and dotted_name(node.value) in requests:
                return True
            if attribute in WEBSOCKET_RECEIVES and dotted_name(node.value) in websockets:
                return True
    return False


# The attributes through which `request_read` finds request data on a request name (read, or called).
_REQUEST_READS = REQUEST_INPUT_ATTRIBUTES | REQUEST_INPUT_METHODS


def _words_in(words: frozenset[str], text: str) -> bool:
    """True when one of the identifiers `words` occurs in the ASCII `text` as a whole word (`request`, not `requests`)."""
    return any(word in text for word in words) and _word_pattern(words).search(text) is not None


@functools.lru_cache(maxsize=64)
def _word_pattern(words: frozenset[str]) -> re.Pattern[str]:
    """A pattern that finds any of the identifiers `words` as a whole word."""
    return re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, words))) + r")\b")


def _resolver(function: Function, ctx: Context) -> CallResolver:
    """Resolves the project calls of `function` to absolute dotted names (as the call graph names them)."""
    key = "RV6.module-names"
    if key not in ctx.memo:
        index = project_for(ctx)
        path = ctx.path or "<unknown>.py"
        module_name = index.module_name(path)
        module = ctx.parents[0] if ctx.parents and isinstance(ctx.parents[0], ast.Module) else ast.Module(body=[], type_ignores=[])
        module_imports = absolute_imports(module, module_name, is_package_file(path))
        defs = frozenset(s.name for s in module.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))
        ctx.memo[key] = (module_name, module_imports, defs)
    module_name, module_imports, defs = ctx.memo[key]
    imports = dict(module_imports)
    imports.update((name, target) for name, target in ctx.imports.items() if name not in imports and not target.startswith("."))
    cls = ctx.class_
    resolver = CallResolver(module_name, imports, defs, cls.name if cls is not None else None)
    resolver.learn(walk_nodes(function))  # (`ast.walk`'s nodes in its order, without contexts and operators)
    return resolver


def shown_name(node: ast.AST) -> str:
    """A short name for a call's callee (`save_script`)."""
    return (dotted_name(node) or "").rsplit(".", 1)[-1]
