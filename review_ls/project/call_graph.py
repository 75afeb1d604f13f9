"""The project's call graph and the "blocks" summary, derived from every module's call facts.

`CallGraph` resolves a call target (an absolute dotted name) to a project function, following
re-exports (`from .tts import synthesize` in a package `__init__`) and constructors (`Repo(...)`
-> `Repo.__init__`). `blocking_chain` says whether a sync function blocks, directly or through
the sync project functions it calls, and keeps the chain (computed once per function, memoised).
Async callees stop the chain: they are awaited, and their own body is judged where it stands.
Cached functions (`functools.cache`/`lru_cache`) stop it too: their body runs once, not per call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from review_ls.deferred_dataclass import dataclass
from review_ls.project.call_facts import ClassFacts, FunctionCallFacts, ModuleCallFacts
from review_ls.project.carried_memo import CarriedMemo, adopted
from review_ls.project.configured_entry_points import ConfiguredEntryPoints
from review_ls.project.entry_points import CONFIGURED, EntryRegistration
from review_ls.project.layered import LayeredDict, layered_copy

_MAX_ALIAS_HOPS = 8
_MAX_DEPTH = 12
_KINDS = ("function", "alias", "class")


def _last_definitions(facts: ModuleCallFacts) -> dict[str, dict[str, Any]]:
    """Each kind's definition of each name in one module: its last one (by kind, as `_names_by_kind` names them)."""
    return {
        "function": {function.qualname: function for function in facts.functions},
        "alias": dict(facts.aliases),
        "class": {cls.qualname: cls for cls in facts.classes},
    }


def _names_by_kind(facts: ModuleCallFacts | None) -> Iterator[tuple[str, list[str]]]:
    """The names one module defines, by kind (in definition order)."""
    if facts is not None:
        yield "function", [f.qualname for f in facts.functions]
        yield "alias", [name for name, _ in facts.aliases]
        yield "class", [c.qualname for c in facts.classes]


@dataclass(frozen=True)
class ChainStep:
    """One project function of a blocking chain and where it is defined."""

    qualname: str
    path: str
    line: int


@dataclass(frozen=True)
class BlockingChain:
    """How a function blocks: the functions called in turn (`steps`, callee first), then the blocking call and its line in the last step."""

    steps: tuple[ChainStep, ...]
    call: str
    call_line: int

    def describe(self) -> str:
        """`synthesize -> _post -> requests.post` (short names)."""
        return " -> ".join([*(s.qualname.rsplit(".", 1)[-1] for s in self.steps), self.call])


@dataclass(frozen=True)
class _EntriesBefore:
    """What a patched graph needs to find its entry points from the previous graph's."""

    entries: tuple[tuple[str, FunctionCallFacts], ...]
    paths: frozenset[str]  # the files of `entries`
    registered: frozenset[str]  # the functions registrations gave a role in the previous graph
    changed: Mapping[str, ModuleCallFacts | None]  # the changed files' facts now (None: removed)
    registered_entries: Mapping[str, tuple[str, FunctionCallFacts] | None]  # those functions as the previous graph held them


class CallGraph:
    """Functions of the project by absolute dotted name, with their calls and summaries."""

    def __init__(self, modules: Iterable[tuple[str, ModuleCallFacts]], configured: ConfiguredEntryPoints = ConfiguredEntryPoints()) -> None:
        self._configured = configured
        # Plain dicts, never changed once built; a graph patched after an edit layers its changes on them (see layered.py).
        self._functions: dict[str, tuple[str, FunctionCallFacts]] | LayeredDict[str, tuple[str, FunctionCallFacts]] = {}
        self._unregistered: dict[str, tuple[str, FunctionCallFacts]] = {}  # functions a registration gave a role, as they were before
        self._aliases: dict[str, str] | LayeredDict[str, str] = {}
        self._alias_paths: dict[str, str] | LayeredDict[str, str] = {}
        self._classes: dict[str, tuple[str, ClassFacts]] | LayeredDict[str, tuple[str, ClassFacts]] = {}
        self._shared: set[str] = set()  # names that more than one file defines: which one wins depends on file order
        self._owners: dict[str, dict[str, tuple[str, ...]]] = {kind: {} for kind in _KINDS}  # kind -> shared name -> the files defining it
        self._order: dict[str, int] = {}  # path -> its place in file order (the last file defining a shared name wins)
        self.contested_paths: frozenset[str] = frozenset()  # (patched graphs) files whose shared names changed hands
        self._registrations: dict[str, tuple[EntryRegistration, ...]] = {}
        files_of: dict[str, list[str]] = {}
        for path, facts in modules:
            self._order[path] = len(self._order)
            files_of.setdefault(facts.module, []).append(path)
            self._add(path, facts)
            if facts.registered:
                self._registrations[path] = facts.registered
        self._twin_files = {module: tuple(paths) for module, paths in files_of.items() if len(paths) > 1}  # modules of several files
        self._apply_registrations()

    def _add(self, path: str, facts: ModuleCallFacts) -> bool:
        """Take one module's functions, re-exports and classes; False when one of its names is also another file's."""
        alone = True
        for function in facts.functions:
            function = self._with_configured_role(function, facts.module)
            alone = self._first_definition("function", function.qualname, path) and alone
            self._functions[function.qualname] = (path, function)
            self._unregistered.pop(function.qualname, None)
        for name, target in facts.aliases:
            alone = self._first_definition("alias", name, path) and alone
            self._aliases[name] = target
            self._alias_paths[name] = path
        for cls in facts.classes:
            alone = self._first_definition("class", cls.qualname, path) and alone
            self._classes[cls.qualname] = (path, cls)
        return alone

    def _with_configured_role(self, function: FunctionCallFacts, module: str) -> FunctionCallFacts:
        """The function as an entry point of role `configured` when the configuration names it and it has no role of its own."""
        if self._configured and not function.role and self._configured.matches(function.qualname, module):
            return replace(function, role=CONFIGURED)
        return function

    def _first_definition(self, kind: str, name: str, path: str) -> bool:
        """While building, before `path` takes `name` (a `kind`): False, and both files noted as its owners, when
        another file defines it already."""
        first = self._definer(kind, name)
        if first is None or first == path:
            return True
        self._shared.add(name)
        owners = self._owners[kind].get(name, (first,))
        self._owners[kind][name] = owners if path in owners else (*owners, path)
        return False

    # -- patching ------------------------------------------------------------------------------
    def _definer(self, kind: str, name: str) -> str | None:
        """The file whose definition of `name` (a `kind`) this graph holds."""
        if kind == "function":
            found = self._functions.get(name)
            return None if found is None else found[0]
        if kind == "alias":
            return self._alias_paths.get(name)
        known = self._classes.get(name)
        return None if known is None else known[0]

    def _take(self, kind: str, name: str, path: str, facts: ModuleCallFacts, definitions: dict[str, dict[str, Any]]) -> None:
        """Hold the definition of `name` (a `kind`) that the module at `path` (its `facts`, and their `_last_definitions`) makes."""
        found = definitions[kind][name]
        if kind == "function":
            self._functions[name] = (path, self._with_configured_role(found, facts.module))
            self._unregistered.pop(name, None)
        elif kind == "alias":
            self._aliases[name] = found
            self._alias_paths[name] = path
        else:
            self._classes[name] = (path, found)

    def _drop(self, kind: str, name: str) -> None:
        if kind == "function":
            self._functions.pop(name, None)
            self._unregistered.pop(name, None)
        elif kind == "alias":
            self._aliases.pop(name, None)
            self._alias_paths.pop(name, None)
        else:
            self._classes.pop(name, None)

    def _replace_module(self, path: str, old: ModuleCallFacts | None, new: ModuleCallFacts | None, contested: dict[tuple[str, str], str | None]) -> None:
        """Swap one module's definitions; a name that another file defines too joins `contested`, with the file that held it first."""
        for kind, names in _names_by_kind(old):
            owners_of = self._owners[kind]
            for name in dict.fromkeys(names):
                owners = owners_of.get(name)
                if owners is None:
                    self._drop(kind, name)
                else:
                    contested.setdefault((kind, name), self._definer(kind, name))
                    owners_of[name] = tuple(p for p in owners if p != path)
        if new is None:
            return
        definitions = _last_definitions(new)
        for kind, names in _names_by_kind(new):
            owners_of = self._owners[kind]
            for name in dict.fromkeys(names):
                owners = owners_of.get(name)
                held = self._definer(kind, name)
                if owners is None and (held is None or held == path):
                    self._take(kind, name, path, new, definitions)
                    continue
                contested.setdefault((kind, name), held)
                known = owners if owners is not None else ((held,) if held is not None else ())
                owners_of[name] = known if path in known else (*known, path)

    def _settle(self, contested: Mapping[tuple[str, str], str | None], after: Mapping[str, ModuleCallFacts]) -> set[str]:
        """Give each contested name to the last file in file order that defines it; the files whose names changed hands."""
        moved: set[str] = set()
        definitions: dict[str, dict[str, dict[str, Any]]] = {}
        for (kind, name), first in contested.items():
            owners_of = self._owners[kind]
            owners = sorted(owners_of.get(name, ()), key=self._order.__getitem__)
            if not owners:
                owners_of.pop(name, None)
                self._drop(kind, name)
                winner = None
            else:
                winner = owners[-1]
                if winner not in definitions:
                    definitions[winner] = _last_definitions(after[winner])
                self._take(kind, name, winner, after[winner], definitions[winner])
                if len(owners) == 1:
                    del owners_of[name]
                else:
                    owners_of[name] = tuple(owners)
            if winner != first:
                moved.update(p for p in (first, winner) if p is not None)
        self._shared = {name for owners_of in self._owners.values() for name in owners_of}
        return moved

    def _apply_registrations(self) -> None:
        """`graph.add_node("x", fn)`: fn becomes an entry point (a decorator's role wins); summaries start empty."""
        self._functions.update(self._unregistered)  # (patched graphs) roles of the previous registrations undone
        self._unregistered = {}
        self._resolved: dict[str, tuple[str, FunctionCallFacts] | None] = {}
        for registrations in self._registrations.values():
            for registration in registrations:
                found = self.function(registration.target)
                if found is not None and not found[1].role and not found[1].qualname.endswith(".__init__"):
                    self._unregistered.setdefault(found[1].qualname, found)
                    self._functions[found[1].qualname] = (found[0], replace(found[1], role=registration.role, label=registration.label))
        self._resolved = {}
        self._resolved_classes: dict[str, tuple[str, ClassFacts] | None] = {}
        self._chains: CarriedMemo[str, BlockingChain | None] = CarriedMemo()  # function -> its blocking chain (None: does not block)
        self._entry_points: tuple[tuple[str, FunctionCallFacts], ...] | None = None
        self._entry_paths: frozenset[str] | None = None  # the files of `_entry_points`
        self._entries_before: _EntriesBefore | None = None  # (patched graphs) the previous graph's entry points and what changed

    def patched(self, before: Mapping[str, ModuleCallFacts], after: Mapping[str, ModuleCallFacts]) -> CallGraph | None:
        """The graph of the project after the modules of `before` (old facts) became those of `after` (absent: removed),
        made from this one without re-reading the other modules. A name that several files define goes to the last of them
        in file order, as in a fresh build; `contested_paths` lists the files whose names changed hands. None when a
        changed file is new to the graph (only a full build knows its place). `after` lists every module of the project in file order."""
        if any(path not in self._order for path in before):
            return None
        graph = CallGraph.__new__(CallGraph)
        graph._configured = self._configured
        graph._functions = layered_copy(self._functions)
        graph._unregistered = dict(self._unregistered)
        graph._aliases = layered_copy(self._aliases)
        graph._alias_paths = layered_copy(self._alias_paths)
        graph._classes = layered_copy(self._classes)
        graph._owners = {kind: dict(owners) for kind, owners in self._owners.items()}
        graph._order = self._order
        graph._twin_files = self._twin_files
        contested: dict[tuple[str, str], str | None] = {}
        for path, facts in before.items():
            graph._replace_module(path, facts, None, contested)
        for path in before:
            graph._replace_module(path, None, after.get(path), contested)
        graph.contested_paths = frozenset(graph._settle(contested, after))
        registrations = dict(self._registrations)  # in file order, as a fresh graph takes them (the first role wins)
        for path in before:
            changed = after.get(path)
            if changed is not None and changed.registered:
                if path not in registrations:
                    registrations = {p: facts.registered for p, facts in after.items() if facts.registered}
                    break
                registrations[path] = changed.registered
            else:
                registrations.pop(path, None)
        graph._registrations = registrations
        previous_registered = frozenset(self._unregistered)
        graph._apply_registrations()
        if self._entry_points is not None and self._entry_paths is not None:
            graph._entries_before = _EntriesBefore(
                self._entry_points,
                self._entry_paths,
                previous_registered,
                {path: after.get(path) for path in (*before, *graph.contested_paths)},
                {name: self._functions.get(name) for name in previous_registered},
            )
        return graph

    def files_of_module(self, module: str) -> tuple[str, ...]:
        """Every file named `module` when several are (a reader of a name in it may read any of them); else ()."""
        return self._twin_files.get(module, ())

    def functions_of(self, path: str, facts: ModuleCallFacts) -> Iterator[tuple[str, FunctionCallFacts]]:
        """(path, facts) of the module's functions as this graph holds them (entry-point roles given), where the module defines them."""
        for function in facts.functions:
            found = self._functions.get(function.qualname)
            if found is not None and found[0] == path:
                yield found

    @property
    def aliases(self) -> Mapping[str, str]:
        """Re-exported names -> what they name (absolute dotted names), merged in file order; do not modify."""
        return self._aliases

    def path_of(self, qualname: str) -> str | None:
        """The file that defines the project function named exactly `qualname` (no re-exports followed)."""
        found = self._functions.get(qualname)
        return None if found is None else found[0]

    def blocking_memo(self) -> CarriedMemo[str, BlockingChain | None]:
        """The blocking chains computed so far, by function (to carry into the graph of the next snapshot)."""
        return self._chains

    def keep_blocking(self, memo: Mapping[str, BlockingChain | None] | CarriedMemo[str, BlockingChain | None]) -> None:
        """Start with the blocking chains of an earlier graph that this graph's changes cannot affect."""
        self._chains = adopted(self._chains, memo)

    def function(self, qualname: str) -> tuple[str, FunctionCallFacts] | None:
        """The (path, facts) of the project function a target names, following re-exports and constructors."""
        try:
            return self._resolved[qualname]
        except KeyError:
            found = self._resolved[qualname] = self._resolve(qualname)
            return found

    def _resolve(self, qualname: str) -> tuple[str, FunctionCallFacts] | None:
        for _ in range(_MAX_ALIAS_HOPS):
            found = self._functions.get(qualname) or self._functions.get(f"{qualname}.__init__")
            if found is not None:
                return found
            resolved = self._unalias(qualname)
            if resolved is None or resolved == qualname:
                return None
            qualname = resolved
        return None

    def resolution(self, qualname: str) -> Iterator[str]:
        """The names `function` tries in turn for a target, re-exports followed (the modules holding them decide it)."""
        for _ in range(_MAX_ALIAS_HOPS):
            yield qualname
            if qualname in self._functions or f"{qualname}.__init__" in self._functions:
                return
            resolved = self._unalias(qualname)
            if resolved is None or resolved == qualname:
                return
            qualname = resolved

    def class_facts(self, qualname: str) -> tuple[str, ClassFacts] | None:
        """The (path, facts) of the project class a target names, following re-exports (memoised: summaries ask for every callee)."""
        try:
            return self._resolved_classes[qualname]
        except KeyError:
            found = self._resolved_classes[qualname] = self._resolve_class(qualname)
            return found

    def _resolve_class(self, qualname: str) -> tuple[str, ClassFacts] | None:
        for _ in range(_MAX_ALIAS_HOPS):
            found = self._classes.get(qualname)
            if found is not None:
                return found
            resolved = self._unalias(qualname)
            if resolved is None or resolved == qualname:
                return None
            qualname = resolved
        return None

    def _unalias(self, qualname: str) -> str | None:
        """Replace the longest prefix of `qualname` that is a re-exported name by what it names."""
        parts = qualname.split(".")
        for cut in range(len(parts), 0, -1):
            target = self._aliases.get(".".join(parts[:cut]))
            if target is not None:
                return ".".join([target, *parts[cut:]])
        return None

    def blocking_chain(self, target: str) -> BlockingChain | None:
        """How calling `target` (a sync project function) blocks, or None when it does not (or is unknown/async)."""
        found = self.function(target)
        if found is None:
            return None
        return self._chain_of(found[1].qualname, set(), 0)

    def _chain_of(self, qualname: str, visiting: set[str], depth: int) -> BlockingChain | None:
        if qualname in self._chains:
            return self._chains[qualname]
        path, facts = self._functions[qualname]
        if facts.is_async or facts.cached or qualname in visiting or depth > _MAX_DEPTH:
            return None
        step = ChainStep(qualname, path, facts.line)
        chain: BlockingChain | None = None
        if facts.blocking:
            chain = BlockingChain((step,), facts.blocking[0].name, facts.blocking[0].line)
        else:
            visiting.add(qualname)
            for call in facts.calls:
                callee = self.function(call.target)
                if callee is None:
                    continue
                inner = self._chain_of(callee[1].qualname, visiting, depth + 1)
                if inner is not None:
                    chain = BlockingChain((step, *inner.steps), inner.call, inner.call_line)
                    break
            visiting.discard(qualname)
        if not visiting:  # results found while a cycle is open may be incomplete: memoise only complete ones
            self._chains[qualname] = chain
        return chain

    def entry_points(self) -> Iterator[tuple[str, FunctionCallFacts]]:
        """(path, facts) of every function with an entry-point role (found once per graph)."""
        return iter(self.entry_point_tuple())

    def entry_point_tuple(self) -> tuple[tuple[str, FunctionCallFacts], ...]:
        """`entry_points` as one tuple: the same object as the previous graph's when the change left them all as they were."""
        if self._entry_points is None:
            before, self._entries_before = self._entries_before, None
            if before is None:
                self._entry_points = tuple((path, facts) for path, facts in self._functions.values() if facts.role)
                self._entry_paths = frozenset(path for path, _ in self._entry_points)
            elif self._entries_unchanged(before):
                self._entry_points, self._entry_paths = before.entries, before.paths
            else:
                self._entry_points = self._patched_entry_points(before)
                self._entry_paths = frozenset(path for path, _ in self._entry_points)
        return self._entry_points

    def _entries_unchanged(self, before: _EntriesBefore) -> bool:
        """True when registrations give the same functions the same roles as before and the changed files have no entry
        point, before or now."""
        if before.registered != self._unregistered.keys() or not before.paths.isdisjoint(before.changed):
            return False
        if any(self._functions.get(name) != entry for name, entry in before.registered_entries.items()):
            return False
        return not any(
            entry is not None and entry[0] == path and entry[1].role
            for path, facts in before.changed.items()
            if facts is not None
            for f in facts.functions
            for entry in (self._functions.get(f.qualname),)
        )

    def _patched_entry_points(self, before: _EntriesBefore) -> tuple[tuple[str, FunctionCallFacts], ...]:
        """The previous graph's entry points with those of the changed files and of registrations (old and new) found again."""
        dropped = before.registered | self._unregistered.keys()
        found = {facts.qualname: (path, facts) for path, facts in before.entries if path not in before.changed and facts.qualname not in dropped}
        candidates = [f.qualname for facts in before.changed.values() if facts is not None for f in facts.functions]
        for name in (*candidates, *self._unregistered):
            entry = self._functions.get(name)
            if entry is not None and entry[1].role and name not in found and (name in self._unregistered or entry[0] in before.changed):
                found[name] = entry
        return tuple(found.values())

    def reachable_from(self, qualname: str) -> dict[str, tuple[str, ...]]:
        """Every project function reachable from `qualname`, with the path of calls that reaches it first."""
        start = self.function(qualname)
        if start is None:
            return {}
        paths: dict[str, tuple[str, ...]] = {start[1].qualname: (start[1].qualname,)}
        queue = [start[1].qualname]
        while queue:
            current = queue.pop(0)
            for call in self._functions[current][1].calls:
                callee = self.function(call.target)
                if callee is not None and callee[1].qualname not in paths:
                    paths[callee[1].qualname] = (*paths[current], callee[1].qualname)
                    queue.append(callee[1].qualname)
        return paths
