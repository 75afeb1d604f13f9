"""The client summary: does calling a project function (or constructing a project class) build a
network client, and through which chain — combined along the call graph, memoised per function.

Two questions, both answered with the chain kept (`make_client -> WorkerClient -> httpx.AsyncClient`):
- `produced_by(target)`: calling it hands a fresh client to the caller — a wrapper class whose
  `__init__` builds one, a subclass of a client class, or a factory that returns one without caching.
- `built_by(target)`: calling it builds a client somewhere below, for itself or for its caller.

`functools.cache`/`lru_cache`d functions stop both: their body runs once. So does a construction
kept in a process-wide place (`global`, a container, a guarded `if self._client is None:`).
"""

from __future__ import annotations

from collections.abc import Mapping

from review_ls.deferred_dataclass import dataclass
from review_ls.patterns.clients import CLIENT_CONSTRUCTORS
from review_ls.project.call_graph import CallGraph, ChainStep
from review_ls.project.client_facts import ESCAPES, MEMOISED
from review_ls.project.carried_memo import CarriedMemo, adopted

_MAX_DEPTH = 12


@dataclass(frozen=True)
class ClientChain:
    """How a call builds a client: the project functions or classes in turn (`steps`, callee first), then the library constructor and its line in the last step."""

    steps: tuple[ChainStep, ...]
    client: str
    line: int
    per_argument: bool = False

    def describe(self) -> str:
        """`get_worker_client -> WorkerClient -> httpx.AsyncClient` (short names; a class by its name)."""
        return " -> ".join([*(step_name(s.qualname) for s in self.steps), self.client])


def step_name(qualname: str) -> str:
    """The short name of a chain step: `svc.WorkerClient.__init__` -> `WorkerClient`, `svc.make` -> `make`."""
    parts = qualname.split(".")
    return parts[-2] if parts[-1] == "__init__" and len(parts) > 1 else parts[-1]


class ClientSummaries:
    """The client summaries of one call graph, computed on first use and memoised."""

    def __init__(self, graph: CallGraph) -> None:
        self.graph = graph
        self._produced: CarriedMemo[str, ClientChain | None] = CarriedMemo()  # function or class -> the client it hands its caller
        self._built: CarriedMemo[str, ClientChain | None] = CarriedMemo()  # function or class -> the client it builds per call
        self._built_in: dict[str, ClientChain | None] = {}
        self._produced_by_target: dict[str, ClientChain | None] = {}  # `produced_by`'s answers (rules ask per call site)

    def memo(self) -> tuple[CarriedMemo[str, ClientChain | None], CarriedMemo[str, ClientChain | None]]:
        """The produced/built chains computed so far, by function (to carry into the next snapshot's summaries)."""
        return self._produced, self._built

    def keep(self, memo: tuple[Mapping[str, ClientChain | None] | CarriedMemo[str, ClientChain | None], Mapping[str, ClientChain | None] | CarriedMemo[str, ClientChain | None]]) -> None:
        """Start with the chains of an earlier snapshot that this snapshot's changes cannot affect."""
        self._produced = adopted(self._produced, memo[0])
        self._built = adopted(self._built, memo[1])
        self._produced_by_target.clear()

    def produced_by(self, target: str) -> ClientChain | None:
        """How calling the project function or class `target` hands the caller a freshly built client, or None."""
        answers = self._produced_by_target
        if target in answers:
            return answers[target]
        chain = answers[target] = self._produced_by(target, set(), 0)
        return chain

    def built_by(self, target: str) -> ClientChain | None:
        """How calling `target` builds a client on every call (for itself or its caller), or None."""
        return self._built_by(target, set(), 0)

    def built_in(self, target: str) -> ClientChain | None:
        """How the function `target` builds a client itself on every call: a construction of its own, or a call to a factory or wrapper class."""
        if target not in self._built_in:
            self._built_in[target] = self._builds_itself(target)
        return self._built_in[target]

    def _builds_itself(self, target: str) -> ClientChain | None:
        found = self.graph.function(target)
        if found is None:
            return self._from_bases(target, set(), 0)
        path, facts = found
        if facts.cached:
            return None
        step = ChainStep(facts.qualname, path, facts.line)
        kept = {(s.target, s.line) for s in facts.clients if s.disposition == MEMOISED}
        for site in facts.clients:
            if site.library and site.disposition != MEMOISED:
                return ClientChain((step,), site.target, site.line, site.per_argument)
        handed_out = [(s.target, s.line) for s in facts.clients if not s.library and s.disposition == ESCAPES]
        for callee, line in [*((c.target, c.line) for c in (*facts.calls, *facts.awaited)), *handed_out]:
            if (callee, line) not in kept:
                inner = self.produced_by(callee)
                if inner is not None:
                    return ClientChain((step, *inner.steps), inner.client, inner.line, inner.per_argument)
        return None

    def _produced_by(self, target: str, visiting: set[str], depth: int) -> ClientChain | None:
        found = self.graph.function(target)
        chain = self._summary(found[1].qualname, visiting, depth, self._produced, produced=True) if found is not None else None
        return chain or self._from_bases(target, visiting, depth)

    def _built_by(self, target: str, visiting: set[str], depth: int) -> ClientChain | None:
        found = self.graph.function(target)
        chain = self._summary(found[1].qualname, visiting, depth, self._built, produced=False) if found is not None else None
        return chain or self._from_bases(target, visiting, depth)

    def _from_bases(self, target: str, visiting: set[str], depth: int) -> ClientChain | None:
        """A project class that is a client by inheritance: `class WorkerClient(httpx.AsyncClient)`."""
        found = self.graph.class_facts(target)
        if found is None or depth > _MAX_DEPTH or found[1].qualname in visiting:
            return None
        path, facts = found
        step = ChainStep(facts.qualname, path, facts.line)
        for base in facts.bases:
            if base in CLIENT_CONSTRUCTORS:
                return ClientChain((step,), base, facts.line)
        visiting.add(facts.qualname)
        try:
            for base in facts.bases:
                inner = self._produced_by(base, visiting, depth + 1)
                if inner is not None:
                    return ClientChain((step, *inner.steps), inner.client, inner.line, inner.per_argument)
        finally:
            visiting.discard(facts.qualname)
        return None

    def _summary(self, qualname: str, visiting: set[str], depth: int, memo: CarriedMemo[str, ClientChain | None], *, produced: bool) -> ClientChain | None:
        if qualname in memo:
            return memo[qualname]
        path, facts = self.graph.function(qualname) or ("", None)
        if facts is None or facts.cached or qualname in visiting or depth > _MAX_DEPTH:
            return None
        step = ChainStep(qualname, path, facts.line)
        chain: ClientChain | None = None
        visiting.add(qualname)
        for site in facts.clients:
            if site.disposition == MEMOISED or (produced and site.disposition != ESCAPES):
                continue
            if site.library:
                chain = ClientChain((step,), site.target, site.line, site.per_argument)
                break
            inner = self._produced_by(site.target, visiting, depth + 1) if produced else self._built_by(site.target, visiting, depth + 1)
            if inner is not None:
                chain = ClientChain((step, *inner.steps), inner.client, inner.line, inner.per_argument)
                break
        if chain is None and not produced:
            kept = {(s.target, s.line) for s in facts.clients if s.disposition == MEMOISED}
            for call in (*facts.calls, *facts.awaited):
                if (call.target, call.line) in kept:
                    continue
                inner = self._built_by(call.target, visiting, depth + 1)
                if inner is not None:
                    chain = ClientChain((step, *inner.steps), inner.client, inner.line, inner.per_argument)
                    break
        visiting.discard(qualname)
        if not visiting:  # results found while a cycle is open may be incomplete: memoise only complete ones
            memo[qualname] = chain
        return chain
