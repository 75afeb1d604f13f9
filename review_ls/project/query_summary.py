"""The query summary: whether calling a project function runs a database query or write, directly
or through the project functions it calls (a repository or service wrapper), with the chain.

Built from every module's query facts (`query_facts.py`) and the call graph. The search follows
sync and awaited calls, at most `_MAX_HOPS` calls deep (a wrapper, a helper it calls, and one
more): deeper than that, a call per item is a unit of work, not a lookup. Cached functions stop it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from review_ls.deferred_dataclass import dataclass
from review_ls.patterns.names import snake_case
from review_ls.project.call_facts import ModuleCallFacts
from review_ls.project.call_graph import CallGraph, ChainStep
from review_ls.project.carried_memo import CarriedMemo, adopted
from review_ls.project.layered import LayeredDict, defined_twice, patched_by_file
from review_ls.project.query_facts import QuerySite
from review_ls.project.state_facts import INSTANCE
from review_ls.project.state_summary import short_name

_MAX_HOPS = 3


@dataclass(frozen=True)
class QueryChain:
    """How a function reaches a query: the functions called in turn (`steps`, callee first), then the query call on `line` of the last step."""

    steps: tuple[ChainStep, ...]
    kind: str
    call: str
    line: int

    def describe(self) -> str:
        """`get_by_id -> session.execute` (short names)."""
        return " -> ".join([*(short_name(s.qualname) for s in self.steps), self.call])


class QuerySummary:
    """Which project functions reach a query, derived once per snapshot."""

    def __init__(
        self, modules: Mapping[str, ModuleCallFacts], graph: CallGraph, base: QuerySummary | None = None, before: Mapping[str, ModuleCallFacts] | None = None
    ) -> None:
        """Index the query sites and module-level instances of `modules`; with `base` (the summary of a snapshot whose files
        differ only in those of `before`, their facts then), patch its indexes instead of reading every module."""
        self._graph = graph
        self._modules = modules
        self._sites: dict[str, QuerySite] | LayeredDict[str, QuerySite]
        self._instances: dict[str, str] | LayeredDict[str, str]
        self._twice: tuple[frozenset[str], frozenset[str]]  # the site and instance names more than one file defines
        patched = None if base is None or before is None else base._patched(modules, before)
        if patched is not None:
            self._sites, self._instances = patched
            self._twice = base._twice if base is not None else (frozenset(), frozenset())
        else:
            sites = [_sites_of(facts) for facts in modules.values()]
            instances = [_instances_of(facts) for facts in modules.values()]
            self._sites = {key: value for found in sites for key, value in found.items()}
            self._instances = {key: value for found in instances for key, value in found.items()}
            self._twice = (defined_twice(sites), defined_twice(instances))  # which file wins those depends on file order
        self._memo: CarriedMemo[tuple[str, int], QueryChain | None] = CarriedMemo(tuple_keys=True)  # (function, hops) -> the chain to a query

    def _patched(
        self, modules: Mapping[str, ModuleCallFacts], before: Mapping[str, ModuleCallFacts]
    ) -> tuple[LayeredDict[str, QuerySite], LayeredDict[str, str]] | None:
        """This summary's sites and instances with the files of `before` changed to what `modules` holds; None when only
        reading every module can tell."""
        sites = patched_by_file(self._sites, self._twice[0], ((_sites_of(old), _sites_of(modules.get(path))) for path, old in before.items()))
        if sites is None:
            return None
        instances = patched_by_file(self._instances, self._twice[1], ((_instances_of(old), _instances_of(modules.get(path))) for path, old in before.items()))
        return None if instances is None else (sites, instances)

    def memo(self) -> CarriedMemo[tuple[str, int], QueryChain | None]:
        """The chains computed so far, by (function, hops) (to carry into the next snapshot's summary)."""
        return self._memo

    def keep(self, memo: Mapping[tuple[str, int], QueryChain | None] | CarriedMemo[tuple[str, int], QueryChain | None]) -> None:
        """Start with the chains of an earlier snapshot that this snapshot's changes cannot affect."""
        self._memo = adopted(self._memo, memo)

    def query_chain(self, target: str) -> QueryChain | None:
        """How calling the project function named `target` (absolute dotted name) runs a query, or None.
        A method of a module-level instance (`product_repository.get_by_id`) is looked up on its class."""
        found = self._graph.function(target)
        if found is None and "." in target:
            instance, method = target.rsplit(".", 1)
            cls = self._instances.get(instance)
            found = self._graph.function(f"{cls}.{method}") if cls is not None else None
        return None if found is None else self._chain(found[1].qualname, _MAX_HOPS, frozenset())

    def classes_named(self, snake_name: str) -> tuple[str, ...]:
        """Absolute names of the project classes whose name in snake case is `snake_name` (`product_repository`)."""
        return tuple(self._classes.get(snake_name, ()))

    @cached_property
    def _classes(self) -> dict[str, list[str]]:
        """The project's classes by their name in snake case (derived on first use: most snapshots never ask)."""
        classes: dict[str, list[str]] = {}
        for facts in self._modules.values():
            if facts.state is not None:
                for cls in facts.state.classes:
                    classes.setdefault(snake_case(cls.qualname.rsplit(".", 1)[-1]), []).append(cls.qualname)
        return classes

    def _chain(self, qualname: str, hops: int, visiting: frozenset[str]) -> QueryChain | None:
        key = (qualname, hops)
        if key in self._memo:
            return self._memo[key]
        path, facts = self._graph.function(qualname) or (None, None)
        if path is None or facts is None or facts.cached or qualname in visiting:
            return None
        step = ChainStep(qualname, path, facts.line)
        site = self._sites.get(qualname)
        chain: QueryChain | None = None
        if site is not None:
            chain = QueryChain((step,), site.kind, site.call, site.line)
        elif hops > 1:
            for call in (*facts.calls, *facts.awaited):
                callee = self._graph.function(call.target)
                if callee is None:
                    continue
                inner = self._chain(callee[1].qualname, hops - 1, visiting | {qualname})
                if inner is not None:
                    chain = QueryChain((step, *inner.steps), inner.kind, inner.call, inner.line)
                    break
        self._memo[key] = chain
        return chain


def _sites_of(facts: ModuleCallFacts | None) -> dict[str, QuerySite]:
    """One module's query sites by function (the last of a function wins)."""
    return {site.function: site for site in facts.queries} if facts is not None and facts.queries else {}


def _instances_of(facts: ModuleCallFacts | None) -> dict[str, str]:
    """One module's module-level instances -> the class each is an instance of, as written."""
    if facts is None or facts.state is None or not facts.state.objects:
        return {}
    return {obj.qualname: obj.detail for obj in facts.state.objects if obj.kind == INSTANCE}
