"""Taint summaries of project functions combined along the call graph.

`TaintSummaries.sink_chain(target, slot)` says whether an argument passed at `slot` to the project
function `target` reaches a file or URL sink, in its own body (its `FunctionTaint`, see
`taint_facts.py`) or through the project functions it passes it to, with the chain of functions.
"""

from __future__ import annotations

from collections.abc import Mapping

from review_ls.deferred_dataclass import dataclass
from review_ls.project.call_graph import CallGraph, ChainStep
from review_ls.project.taint_facts import FunctionTaint
from review_ls.project.carried_memo import CarriedMemo, adopted

_MAX_DEPTH = 6


@dataclass(frozen=True)
class SinkChain:
    """How an argument reaches a sink: the project functions called in turn (`steps`, callee first), then the sink."""

    steps: tuple[ChainStep, ...]
    kind: str
    sink: str
    line: int
    joined: bool
    url_part: str

    def describe(self) -> str:
        """`save_script -> _write -> open` (short names)."""
        return " -> ".join([*(s.qualname.rsplit(".", 1)[-1] for s in self.steps), self.sink])


class TaintSummaries:
    """The taint summaries of the project combined along its call graph (memoised per graph)."""

    def __init__(self, graph: CallGraph) -> None:
        self.graph = graph
        self._chains: CarriedMemo[tuple[str, str, str], SinkChain | None] = CarriedMemo(tuple_keys=True)  # (function, parameter, kind) -> its chain

    def memo(self) -> CarriedMemo[tuple[str, str, str], SinkChain | None]:
        """The chains computed so far, by (function, parameter, kind) (to carry into the next snapshot's summaries)."""
        return self._chains

    def keep(self, memo: Mapping[tuple[str, str, str], SinkChain | None] | CarriedMemo[tuple[str, str, str], SinkChain | None]) -> None:
        """Start with the chains of an earlier snapshot that this snapshot's changes cannot affect."""
        self._chains = adopted(self._chains, memo)

    def sink_chain(self, target: str, slot: int | str, kind: str | None = None) -> SinkChain | None:
        """How an argument passed at `slot` to the project function `target` reaches a sink (of `kind`, or any), or None."""
        found = self.graph.function(target)
        if found is None:
            return None
        taint = getattr(found[1], "taint", None)
        if taint is None:
            return None
        param = taint.param_at(slot)
        if param is None:
            return None
        return self._chain(found[1].qualname, param, kind or "", set(), 0)

    def returns(self, target: str, slot: int | str) -> bool:
        """True when an argument passed at `slot` to `target` flows to its return value (through the project calls whose result it returns)."""
        return self._returns(target, slot, set(), 0)

    def _returns(self, target: str, slot: int | str, visiting: set[tuple[str, str]], depth: int) -> bool:
        found = self.graph.function(target)
        taint: FunctionTaint | None = getattr(found[1], "taint", None) if found is not None else None
        param = taint.param_at(slot) if taint is not None else None
        if found is None or taint is None or param is None or depth > _MAX_DEPTH or (found[1].qualname, param) in visiting:
            return False
        if param in taint.returns:
            return True
        visiting.add((found[1].qualname, param))
        return any(call.param == param and self._returns(call.target, call.slot, visiting, depth + 1) for call in taint.returned_calls)

    def _chain(self, qualname: str, param: str, kind: str, visiting: set[tuple[str, str]], depth: int) -> SinkChain | None:
        key = (qualname, param, kind)
        if key in self._chains:
            return self._chains[key]
        found = self.graph.function(qualname)
        if found is None or depth > _MAX_DEPTH or (qualname, param) in visiting:
            return None
        path, facts = found
        taint: FunctionTaint | None = getattr(facts, "taint", None)
        if taint is None:
            return None
        step = ChainStep(facts.qualname, path, facts.line)
        chain: SinkChain | None = None
        direct = next((s for s in taint.sinks if s.param == param and (not kind or s.kind == kind)), None)
        if direct is not None:
            chain = SinkChain((step,), direct.kind, direct.sink, direct.line, direct.joined, direct.url_part)
        else:
            visiting.add((qualname, param))
            for call in taint.calls:
                if call.param != param:
                    continue
                callee = self.graph.function(call.target)
                if callee is None:
                    continue
                callee_taint: FunctionTaint | None = getattr(callee[1], "taint", None)
                callee_param = callee_taint.param_at(call.slot) if callee_taint is not None else None
                if callee_param is None:
                    continue
                inner = self._chain(callee[1].qualname, callee_param, kind, visiting, depth + 1)
                if inner is not None:
                    chain = SinkChain((step, *inner.steps), inner.kind, inner.sink, inner.line, inner.joined, inner.url_part)
                    break
            visiting.discard((qualname, param))
        if not visiting:
            self._chains[key] = chain
        return chain
