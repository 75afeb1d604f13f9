"""Taint facts of one function, extracted with the module's call facts (`ast` only): which
parameters reach a file or URL sink in its own body (`ParamSink`), which are passed on to a call
of another project function (`ParamCall`), and which flow to its return value.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from review_ls.patterns.taint_flow import TaintPass, Tainted, contains_file_guard, contains_url_guard
from review_ls.patterns.taint_sinks import FILE, URL, Qualifier

Function = ast.FunctionDef | ast.AsyncFunctionDef



@dataclass(frozen=True)
class ParamSink:
    """Parameter `param` reaches the sink `sink` (kind `file`/`url`) on `line`; `joined` when joined onto a base first."""

    param: str
    kind: str
    sink: str
    line: int
    joined: bool
    url_part: str = "whole"


@dataclass(frozen=True)
class ParamCall:
    """Parameter `param` is passed as argument `slot` (a position or a keyword) to the project function `target`."""

    param: str
    target: str
    slot: int | str
    line: int


@dataclass(frozen=True)
class FunctionTaint:
    """The taint summary of one function: its positional parameters (without `self`/`cls`) and where they flow."""

    params: tuple[str, ...]
    sinks: tuple[ParamSink, ...] = ()
    calls: tuple[ParamCall, ...] = ()
    returns: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when no parameter flows anywhere that matters."""
        return not (self.sinks or self.calls or self.returns)

    def param_at(self, slot: int | str) -> str | None:
        """The parameter an argument at `slot` binds to."""
        if isinstance(slot, str):
            return slot
        return self.params[slot] if 0 <= slot < len(self.params) else None


def function_taint(function: Function, qualify: Qualifier, target_of: Callable[[ast.expr], "str | None"]) -> FunctionTaint | None:
    """The taint summary of `function` (None when no parameter flows to a sink, a call or the return)."""
    arguments = [*function.args.posonlyargs, *function.args.args]
    params = [a.arg for a in arguments]
    if params and params[0] in ("self", "cls"):
        params = params[1:]
    names = [*params, *(a.arg for a in function.args.kwonlyargs)]
    if not names:
        return None
    calls: list[ParamCall] = []

    def record(call: ast.Call, tainted: Sequence[tuple[int | str, Tainted]]) -> tuple[bool, object]:
        target = target_of(call.func)
        if target is not None:
            calls.extend(ParamCall(value.origin, target, slot, call.lineno) for slot, value in tainted)
        return False, None

    sources = {name: Tainted(name, name) for name in names}
    taint = TaintPass(function, sources, qualify, project_call=record).run()
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
