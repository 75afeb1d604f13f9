"""Taint facts of one function, extracted with the module's call facts (`ast` only): which
parameters reach a file or URL sink in its own body (`ParamSink`), which are passed on to a call
of another project function (`ParamCall`), and which flow to its return value.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace as dataclass_replace

from review_ls.deferred_dataclass import dataclass
from review_ls.patterns.blocking import own_nodes
from review_ls.patterns.node_walk import children_last_first, walk_nodes
from review_ls.patterns.paths import callee_name
from review_ls.patterns.taint_flow import TaintPass, Tainted, contains_file_guard, contains_url_guard
from review_ls.patterns.taint_sinks import FILE, URL, Qualifier, may_be_sink

Function = ast.FunctionDef | ast.AsyncFunctionDef
_STDLIB = frozenset(sys.stdlib_module_names)
# Calls whose value carries their arguments' text, for the light summary (other calls are opaque there).
_PASSING_NAMES = frozenset({"join", "joinpath", "Path", "PurePath", "str", "format", "normpath", "abspath", "realpath", "fspath", "urljoin", "expanduser"})



@dataclass(frozen=True, slots=True)
class ParamSink:
    """Parameter `param` reaches the sink `sink` (kind `file`/`url`) on `line`; `joined` when joined onto a base first."""

    param: str
    kind: str
    sink: str
    line: int
    joined: bool
    url_part: str = "whole"


@dataclass(frozen=True, slots=True)
class ParamCall:
    """Parameter `param` is passed as argument `slot` (a position or a keyword) to the project function `target`."""

    param: str
    target: str
    slot: int | str
    line: int


@dataclass(frozen=True, slots=True)
class FunctionTaint:
    """The taint summary of one function: its positional parameters (without `self`/`cls`) and where they flow."""

    params: tuple[str, ...]
    sinks: tuple[ParamSink, ...] = ()
    calls: tuple[ParamCall, ...] = ()
    returns: tuple[str, ...] = ()
    # parameters passed to a project call whose result the function returns (`return clean(name)`):
    # they reach the return value when the callee returns that argument, however many calls deep
    returned_calls: tuple[ParamCall, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when no parameter flows anywhere that matters."""
        return not (self.sinks or self.calls or self.returns or self.returned_calls)

    def param_at(self, slot: int | str) -> str | None:
        """The parameter an argument at `slot` binds to."""
        if isinstance(slot, str):
            return slot
        return self.params[slot] if 0 <= slot < len(self.params) else None


def function_taint(
    function: Function,
    qualify: Qualifier,
    target_of: Callable[[ast.expr], "str | None"],
    nodes: Sequence[ast.AST] | None = None,
    calls: Sequence[ast.Call] | None = None,
    every_node: Sequence[ast.AST] | None = None,
) -> FunctionTaint | None:
    """The taint summary of `function` (None when no parameter flows to a sink, a call or the return).

    `nodes` are the function's own nodes in source order (`blocking.own_nodes`; its statements, calls and
    `:=` suffice), when the caller has them, `calls` the `ast.Call` nodes among them, and `every_node` all its own nodes
    (`own_node_list`), which spare the full pass a walk. Only a function that calls something named like a sink gets the full taint pass; the
    others (most of them) get a cheaper flow-insensitive summary of what their parameters are
    passed to and whether they are returned, which is all a chain through them needs.
    """
    arguments = [*function.args.posonlyargs, *function.args.args]
    params = [a.arg for a in arguments]
    if params and params[0] in ("self", "cls"):
        params = params[1:]
    names = [*params, *(a.arg for a in function.args.kwonlyargs)]
    if not names:
        return None
    own = list(own_nodes(function.body)) if nodes is None else nodes
    if any(may_be_sink(call) for call in calls) if calls is not None else any(type(node) is ast.Call and may_be_sink(node) for node in own):
        full = _full_summary(function, params, names, qualify, target_of, every_node)
        light = _light_summary(params, names, own, target_of, returned_only=True)
        if light is None or not light.returned_calls:
            return full
        return dataclass_replace(full or FunctionTaint(tuple(params)), returned_calls=light.returned_calls)
    return _light_summary(params, names, own, target_of)


def _full_summary(
    function: Function,
    params: list[str],
    names: list[str],
    qualify: Qualifier,
    target_of: Callable[[ast.expr], "str | None"],
    every_node: Sequence[ast.AST] | None = None,
) -> FunctionTaint | None:
    calls: list[ParamCall] = []

    def record(call: ast.Call, tainted: Sequence[tuple[int | str, Tainted]]) -> tuple[bool, object]:
        target = target_of(call.func)
        if target is not None and _maybe_project(target):
            calls.extend(ParamCall(value.origin, target, slot, call.lineno) for slot, value in tainted)
        return False, None

    sources = {name: Tainted(name, name) for name in names}
    taint = TaintPass(function, sources, qualify, project_call=record).run(every_node)  # (no flow's statement is read here)
    file_guarded = any(flow.sink.kind == FILE for flow in taint.flows) and contains_file_guard(function)
    url_guarded = any(flow.sink.kind == URL for flow in taint.flows) and contains_url_guard(function)
    sinks = tuple(
        ParamSink(flow.value.origin, flow.sink.kind, flow.sink.name if flow.sink.kind == URL else flow.sink.name.rsplit(".", 1)[-1], flow.call.lineno, flow.value.base is not None, flow.value.url_part)
        for flow in taint.flows
        if flow.callee is None and not (flow.sink.kind == FILE and file_guarded) and not (flow.sink.kind == URL and (url_guarded or flow.value.url_part == "query"))
    )
    returns = tuple(sorted({value.origin for value in taint.returned if value.origin in names}))
    summary = FunctionTaint(tuple(params), sinks, tuple(dict.fromkeys(calls)), returns)
    return None if summary.is_empty else summary


def _light_summary(
    params: list[str], names: list[str], nodes: Sequence[ast.AST], target_of: Callable[[ast.expr], "str | None"], returned_only: bool = False
) -> FunctionTaint | None:
    """Which parameters (or locals computed from them) are passed to project calls or returned, ignoring order
    (`returned_only`: what is passed to calls whose result is returned, but not what is passed to the others)."""
    origin = {name: name for name in names}
    calls: list[ParamCall] = []
    returns: set[str] = set()
    call_results: dict[str, ast.expr] = {}  # locals assigned a call's result (what it passes is read at the `return`)
    returned_calls: list[ParamCall] = []
    interesting, call_type, return_type = _RETURN_FLOW_TYPES if returned_only else _LIGHT_TYPES, ast.Call, ast.Return
    for node in nodes:
        kind = type(node)
        if kind not in interesting:
            continue
        if kind is call_type:
            call: ast.Call = node  # type: ignore[assignment]
            if not (call.args or call.keywords):
                continue
            target = target_of(call.func)  # (first: most calls are no project call, and their arguments need no look)
            if target is None or not _maybe_project(target):
                continue
            passed: list[tuple[int | str, str]] = [(i, source) for i, a in enumerate(call.args) if type(a) is not _STARRED and (source := _origin_in(a, origin)) is not None]
            passed += [(k.arg, source) for k in call.keywords if k.arg is not None and (source := _origin_in(k.value, origin)) is not None]
            calls.extend(ParamCall(source, target, slot, call.lineno) for slot, source in passed)
        elif kind in _BINDINGS:
            value = node.value  # type: ignore[attr-defined]
            if value is None:
                continue
            source = _origin_in(value, origin)
            made = source is None and (type(value) is call_type or type(value) is ast.Await)
            targets = node.targets if kind is ast.Assign else [node.target]  # type: ignore[attr-defined]
            for target_expr in targets:
                for name in _bound_names(target_expr):
                    if source is not None:
                        origin[name] = source
                    elif kind is not ast.AugAssign:
                        origin.pop(name, None)
                    if made:
                        call_results[name] = value
                    elif call_results:
                        call_results.pop(name, None)
        elif kind is return_type:
            value = node.value  # type: ignore[attr-defined]
            if value is not None and (source := _origin_in(value, origin)) is not None:
                returns.add(source)
            elif value is not None:
                held = call_results.get(value.id) if type(value) is ast.Name and call_results else None
                returned_calls.extend(_param_calls(held if held is not None else value, origin, target_of))
        else:
            source = _origin_in(node.iter, origin)  # type: ignore[attr-defined]
            if source is not None:
                origin.update((name, source) for name in _bound_names(node.target))  # type: ignore[attr-defined]
    returned = returns & set(names) if returns else returns
    if not (calls or returned or returned_calls):
        return None  # (nothing flows anywhere that matters: most functions, spared making an empty summary)
    return FunctionTaint(tuple(params), (), tuple(dict.fromkeys(calls)), tuple(sorted(returned)), tuple(dict.fromkeys(returned_calls)))


def _param_calls(value: ast.expr, origin: dict[str, str], target_of: Callable[[ast.expr], "str | None"]) -> tuple[ParamCall, ...]:
    """The parameters `value` passes to a project call when it is one (`clean(name)`, `await fetch(url)`)."""
    call = value.value if type(value) is ast.Await else value
    if type(call) is not ast.Call:
        return ()
    passed: list[tuple[int | str, str]] = [(i, source) for i, a in enumerate(call.args) if type(a) is not _STARRED and (source := _origin_in(a, origin)) is not None]
    passed += [(k.arg, source) for k in call.keywords if k.arg is not None and (source := _origin_in(k.value, origin)) is not None]
    if not passed:
        return ()
    target = target_of(call.func)
    if target is None or not _maybe_project(target):
        return ()
    return tuple(ParamCall(source, target, slot, call.lineno) for slot, source in passed)


_BINDINGS = frozenset({ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr})
_RETURN_FLOW_TYPES = _BINDINGS | {ast.Return, ast.For, ast.AsyncFor}  # (what the returned values derive from)
_LIGHT_TYPES = _RETURN_FLOW_TYPES | {ast.Call}


def _bound_names(target: ast.expr) -> list[str]:
    if type(target) is ast.Name:
        return [target.id]
    return [n.id for n in walk_nodes(target) if type(n) is ast.Name]


# (module-level names: `_origin_in` runs for every argument of every call, and `ast.X` is two lookups)
_NAME, _CONSTANT, _CALL, _BINOP, _SUBSCRIPT, _STARRED = ast.Name, ast.Constant, ast.Call, ast.BinOp, ast.Subscript, ast.Starred
_VALUE_HOLDERS = frozenset({ast.Attribute, ast.Starred, ast.Await, ast.FormattedValue})
_OPAQUE = frozenset({ast.Compare, ast.Lambda})


def _origin_in(expr: ast.AST, origin: dict[str, str]) -> str | None:
    """The parameter a local or parameter read in `expr` derives from (not through comparisons or opaque calls)."""
    kind = type(expr)
    if kind is _NAME:
        return origin.get(expr.id)  # type: ignore[attr-defined]
    if kind is _CONSTANT:
        return None
    if kind in _VALUE_HOLDERS:
        return _origin_in(expr.value, origin)  # type: ignore[attr-defined]
    if kind is _CALL:
        found = _origin_in(expr.func, origin)  # type: ignore[attr-defined]
        if found is None and callee_name(expr) in _PASSING_NAMES:  # type: ignore[arg-type]
            found = next((f for a in expr.args if (f := _origin_in(a, origin)) is not None), None)  # type: ignore[attr-defined]
        return found
    if kind in _OPAQUE:
        return None
    if kind is _BINOP:
        return _origin_in(expr.left, origin) or _origin_in(expr.right, origin)  # type: ignore[attr-defined]
    if kind is _SUBSCRIPT:
        return _origin_in(expr.value, origin)  # type: ignore[attr-defined]
    return next((f for child in reversed(children_last_first(expr)) if (f := _origin_in(child, origin)) is not None), None)


def _maybe_project(target: str) -> bool:
    """False for calls into the standard library (`os.path.join`): they have no summary to follow."""
    return target.split(".", 1)[0] not in _STDLIB
