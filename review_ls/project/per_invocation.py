"""What runs once per invocation: every project function reachable from an entry point (a route,
a task, an activity, a tool, a graph node, a consumer ...), with the path of calls that reaches it
first. Computed once per call graph, on first use, by a breadth-first walk from every entry point
in a stable order (by file, then line). Cached functions are not entered: their body runs once.
"""

from __future__ import annotations

from collections.abc import Mapping

from review_ls.project.call_facts import FunctionCallFacts
from review_ls.project.call_graph import CallGraph
from review_ls.project.carried_memo import CarriedMemo, adopted


class PerInvocation:
    """The functions reachable from the entry points of one call graph, each with its first path."""

    def __init__(self, graph: CallGraph) -> None:
        self.graph = graph
        self._via: dict[str, str | None] | None = None
        self._entries: tuple[str, ...] | None = None  # the entry points the walk started from, in order
        self._callees: CarriedMemo[str, tuple[str, ...]] = CarriedMemo()  # each walked function's callees, resolved
        self._previous: tuple[PerInvocation, frozenset[str]] | None = None

    def memo(self) -> CarriedMemo[str, tuple[str, ...]]:
        """The resolved callees of each function walked so far (to carry into the next snapshot's walk)."""
        return self._callees

    def keep(self, memo: Mapping[str, tuple[str, ...]] | CarriedMemo[str, tuple[str, ...]], previous: PerInvocation | None = None, stale: frozenset[str] = frozenset()) -> None:
        """Start with the resolved callees of an earlier snapshot that this snapshot's changes cannot affect; with the
        `previous` walk and the functions whose callees were not kept (`stale`), reuse that walk when nothing it read changed."""
        self._callees = adopted(self._callees, memo)
        if previous is not None and previous._via is not None:
            self._previous = previous, stale

    def path_to(self, qualname: str) -> tuple[str, ...] | None:
        """The calls from an entry point to `qualname` (entry point first, `qualname` last), or None when no entry point reaches it."""
        via = self._reached()
        if qualname not in via:
            return None
        path = [qualname]
        while (caller := via[path[-1]]) is not None:
            path.append(caller)
        return tuple(reversed(path))

    def _reached(self) -> dict[str, str | None]:
        if self._via is None:
            found = self.graph.entry_point_tuple()
            last = self._previous[0] if self._previous is not None else None
            if last is not None and last._entries is not None and last.graph.entry_point_tuple() is found:
                entries = last._entries  # the graph kept the previous graph's entry points
            else:
                entries = tuple(facts.qualname for _, facts in sorted(found, key=lambda item: (item[0], item[1].line)))
            self._entries = entries
            if self._walk_unchanged(entries):
                self._via = self._previous[0]._via  # type: ignore[index]
                self._previous = None
                return self._via  # type: ignore[return-value]
            self._previous = None
            via: dict[str, str | None] = dict.fromkeys(entries)
            queue = list(entries)
            for current in queue:  # grows while walking: breadth first
                for callee in self._resolved_callees(current):
                    if callee not in via:
                        via[callee] = current
                        queue.append(callee)
            self._via = via
        return self._via

    def _walk_unchanged(self, entries: tuple[str, ...]) -> bool:
        """True when the previous walk started from the same `entries` and every function it walked calls what it called then
        (only the functions whose callees were not kept can differ): the walk would find the same paths."""
        if self._previous is None:
            return False
        previous, stale = self._previous
        if previous._entries != entries:
            return False
        walked, before = previous._via, previous._callees
        assert walked is not None
        return all(self._resolved_callees(name) == before.get(name) for name in stale if name in walked)

    def _resolved_callees(self, qualname: str) -> tuple[str, ...]:
        """The project functions `qualname` calls, in call order (none for a cached function: its body runs once)."""
        found = self._callees.get(qualname)
        if found is None:
            function = self.graph.function(qualname)
            resolved: list[str] = []
            if function is not None and not function[1].cached:
                for target in callees(function[1]):
                    callee = self.graph.function(target)
                    if callee is not None:
                        resolved.append(callee[1].qualname)
            found = self._callees[qualname] = tuple(resolved)
        return found


def callees(facts: FunctionCallFacts) -> tuple[str, ...]:
    """Every call target of a function: plain and awaited calls, and project calls whose result it keeps."""
    return (*(c.target for c in facts.calls), *(c.target for c in facts.awaited), *(s.target for s in facts.clients if not s.library))
