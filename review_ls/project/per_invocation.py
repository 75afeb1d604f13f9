"""What runs once per invocation: every project function reachable from an entry point (a route,
a task, an activity, a tool, a graph node, a consumer ...), with the path of calls that reaches it
first. Computed once per call graph, on first use, by a breadth-first walk from every entry point
in a stable order (by file, then line). Cached functions are not entered: their body runs once.
"""

from __future__ import annotations

from review_ls.project.call_facts import FunctionCallFacts
from review_ls.project.call_graph import CallGraph


class PerInvocation:
    """The functions reachable from the entry points of one call graph, each with its first path."""

    def __init__(self, graph: CallGraph) -> None:
        self.graph = graph
        self._via: dict[str, str | None] | None = None

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
            entries = sorted(self.graph.entry_points(), key=lambda item: (item[0], item[1].line))
            via: dict[str, str | None] = {facts.qualname: None for _, facts in entries}
            queue = [facts.qualname for _, facts in entries]
            for current in queue:  # grows while walking: breadth first
                found = self.graph.function(current)
                if found is None or found[1].cached:
                    continue
                for target in callees(found[1]):
                    callee = self.graph.function(target)
                    if callee is not None and callee[1].qualname not in via:
                        via[callee[1].qualname] = current
                        queue.append(callee[1].qualname)
            self._via = via
        return self._via


def callees(facts: FunctionCallFacts) -> tuple[str, ...]:
    """Every call target of a function: plain and awaited calls, and project calls whose result it keeps."""
    return (*(c.target for c in facts.calls), *(c.target for c in facts.awaited), *(s.target for s in facts.clients if not s.library))
