"""Carrying the application model from one snapshot of the index to the next, re-deriving only what a change can affect.

After files change, the next snapshot's call graph is the previous one patched with the changed
modules (`CallGraph.patched`), and the summaries computed so far (blocking, taint, client, query,
process-state effects; all memoised per function) are kept for every function whose file does not
read, directly or through other files, a changed file. "Reads" is `FileDependencies`: the files
that decide what a file's call targets, re-exports, written names and class bases resolve to, and
the files it imports. A function outside that reverse closure calls (transitively) only functions
whose facts and resolution are unchanged, so its memoised summaries equal a fresh computation.

A full rebuild is the fallback whenever the patch cannot tell what a fresh build would decide: a
file was added or removed (module names, resolution and file order change) or the configured entry
points changed. A changed name that other files define too goes to the last of them in file order,
as a fresh build decides; the files it moved between count as changed.
The views that walk every entry point (what runs per invocation, which entry points write state)
are recomputed per snapshot from the kept memos.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import fields, is_dataclass
from itertools import islice
from typing import Any, TypeVar

from review_ls.deferred_dataclass import dataclass
from review_ls.project.call_facts import ModuleCallFacts
from review_ls.project.call_graph import CallGraph, ChainStep
from review_ls.project.carried_memo import CarriedMemo

K = TypeVar("K")
V = TypeVar("V")


class FileDependencies:
    """For each file, the files whose facts its summaries read (`edges`), and the reverse (`readers`)."""

    def __init__(
        self, edges: dict[str, frozenset[str]], readers: dict[str, frozenset[str]], named: dict[str, tuple[ModuleCallFacts, tuple[str, ...]]] | None = None
    ) -> None:
        self.edges = edges
        self.readers = readers
        self._named = {} if named is None else named  # path -> (facts, `_names_used` sorted); shared by updates

    def names_used(self, path: str, facts: ModuleCallFacts) -> tuple[str, ...]:
        """Every absolute name the module at `path` (its `facts`) resolves through the project, sorted (kept per facts object)."""
        known = self._named.get(path)
        if known is None or known[0] is not facts:
            known = self._named[path] = (facts, tuple(sorted(set(_names_used(facts)))))
        return known[1]

    def names_inside(self, path: str, facts: ModuleCallFacts, names: Iterable[str]) -> bool:
        """True when the module at `path` (its `facts`) resolves one of `names`, or a name inside one (`name.attribute`)."""
        used = self.names_used(path, facts)
        for name in names:
            at = bisect_left(used, name)  # a name, then the names inside it ("." sorts before the characters of identifiers)
            if at < len(used) and (used[at] == name or used[at].startswith(name + ".")):
                return True
            inside = bisect_left(used, name + ".")
            if inside < len(used) and used[inside].startswith(name + "."):
                return True
        return False

    @classmethod
    def of(cls, calls: Mapping[str, ModuleCallFacts], graph: CallGraph, paths_by_module: Mapping[str, str], imports_of: Callable[[str], Iterable[str]]) -> FileDependencies:
        """The dependencies of every file of one snapshot."""
        named: dict[str, tuple[ModuleCallFacts, tuple[str, ...]]] = {}
        edges = {path: file_edges(path, facts, graph, paths_by_module, imports_of, named) for path, facts in calls.items()}
        readers: dict[str, set[str]] = {}
        for path, targets in edges.items():
            for target in targets:
                readers.setdefault(target, set()).add(path)
        return cls(edges, {path: frozenset(found) for path, found in readers.items()}, named)

    def stale(self, changed: Iterable[str]) -> set[str]:
        """The changed files and every file that reads one of them, directly or through other files."""
        found = set(changed)
        pending = list(found)
        while pending:
            for reader in self.readers.get(pending.pop(), ()):
                if reader not in found:
                    found.add(reader)
                    pending.append(reader)
        return found

    def updated(
        self,
        changed: Iterable[str],
        calls: Mapping[str, ModuleCallFacts],
        graph: CallGraph,
        paths_by_module: Mapping[str, str],
        imports_of: Callable[[str], Iterable[str]],
        alone: Iterable[str] = (),
    ) -> FileDependencies:
        """The dependencies after `changed` files changed: only the changed files and their direct readers can read
        other files than before (a resolution that changes goes through a name of a changed module). Files of
        `alone` changed in a way no reader sees (`carry_model`): only their own edges are derived again."""
        changed = set(changed)
        again = changed | set(alone)
        for path in changed:
            again |= self.readers.get(path, frozenset())
        edges = dict(self.edges)
        readers = dict(self.readers)
        touched: dict[str, set[str]] = {}
        for path in again:
            old = edges.get(path, frozenset())
            facts = calls.get(path)
            new = file_edges(path, facts, graph, paths_by_module, imports_of, self._named) if facts is not None else frozenset()
            if facts is None:
                edges.pop(path, None)
            else:
                edges[path] = new
            for target in old ^ new:
                entry = touched.get(target)
                if entry is None:
                    entry = touched[target] = set(readers.get(target, ()))
                if target in new:
                    entry.add(path)
                else:
                    entry.discard(path)
        for target, found in touched.items():
            if found:
                readers[target] = frozenset(found)
            else:
                readers.pop(target, None)
        return FileDependencies(edges, readers, self._named)


def file_edges(
    path: str,
    facts: ModuleCallFacts,
    graph: CallGraph,
    paths_by_module: Mapping[str, str],
    imports_of: Callable[[str], Iterable[str]],
    named: dict[str, tuple[ModuleCallFacts, tuple[str, ...]]] | None = None,
) -> frozenset[str]:
    """The other files whose facts the summaries of the file at `path` read (the names it resolves kept in `named`, sorted)."""
    found: set[str] = set()
    used = tuple(sorted(set(_names_used(facts))))
    if named is not None:
        named[path] = (facts, used)
    for target in used:
        for name in graph.resolution(target):
            found.update(_module_paths(name, paths_by_module))
        resolved = graph.function(target)
        if resolved is not None:
            found.add(resolved[0])
        cls = graph.class_facts(target)
        if cls is not None:
            found.add(cls[0])
    for module in imports_of(facts.module):
        imported = paths_by_module.get(module)
        if imported is not None:
            found.add(imported)
    found.discard(path)
    return frozenset(found)


def _names_used(facts: ModuleCallFacts) -> Iterator[str]:
    """Every absolute name the module's facts resolve through the project: call targets, re-exports, bases, written names."""
    for function in facts.functions:
        yield from (c.target for c in function.calls)
        yield from (c.target for c in function.awaited)
        yield from (c.target for c in function.clients)
        if function.taint is not None:
            yield from (c.target for c in function.taint.calls)
    yield from (target for _, target in facts.aliases)
    yield from (r.target for r in facts.registered)
    for cls in facts.classes:
        yield from cls.bases
    state = facts.state
    if state is not None:
        yield from (o.detail for o in state.objects)
        for cls_state in state.classes:
            yield from cls_state.bases
        for function_state in state.functions:
            yield from (w.target for w in function_state.writes)
            yield from (c.receiver for c in function_state.method_calls)


def _module_paths(name: str, paths_by_module: Mapping[str, str]) -> Iterator[str]:
    """The files of the project modules that are prefixes of the dotted `name` (they decide what it names)."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        path = paths_by_module.get(".".join(parts[:cut]))
        if path is not None:
            yield path


def state_facts_changed(before: Mapping[str, ModuleCallFacts], after: Mapping[str, ModuleCallFacts]) -> bool:
    """True when a changed module's state objects or state classes changed: every function's effects may read those.

    A changed re-export alone does not count: the names it canonicalises start with its module, so
    the functions that write through it read that module (`FileDependencies`) and are stale anyway;
    what it changes for everybody (the class of a module-level instance) is compared by the
    summary itself (`ProcessStateSummary.instance_classes`)."""
    def shared(facts: ModuleCallFacts | None) -> object:
        if facts is None:
            return None
        state = facts.state.position_free if facts.state is not None else None
        return None if state is None else (state[0], state[2])

    return any(shared(facts) != shared(after.get(path)) for path, facts in before.items())


@dataclass
class CarriedModel:
    """The next snapshot's call graph and file dependencies, and the summaries it may keep from the previous one."""

    call_graph: CallGraph
    dependencies: FileDependencies
    stale: frozenset[str]  # the functions (absolute names) whose summaries must be derived again
    keep_state: bool  # False when the process-state effects must all be derived again
    moved: frozenset[str] = frozenset()  # changed files whose facts changed only in line numbers
    moved_readers: frozenset[str] = frozenset()  # functions (not stale) that read a moved file: kept unless a summary points into it
    callers_stale: frozenset[str] | None = None  # the functions whose resolved callees may differ (None: those of `stale`)

    def kept(self, memo: Mapping[K, V] | CarriedMemo[K, V], holds_lines: bool = True, stale: frozenset[str] | None = None) -> dict[K, V] | CarriedMemo[K, V]:
        """The entries of a per-function memo (keyed by the function's name, or by a tuple that starts with it) that stay valid
        (`holds_lines=False`: its values hold no line, so moved lines leave every entry of a function that is not stale valid;
        `stale`: the functions whose entries may differ, when fewer than `self.stale`)."""
        stale, readers, moved = self.stale if stale is None else stale, self.moved_readers if holds_lines else frozenset(), self.moved
        if isinstance(memo, CarriedMemo):
            return memo.carried(stale, readers, moved)
        if all(isinstance(key, str) for key in islice(memo, 1)):
            found: dict[Any, V] = dict(memo)
            for name in stale:
                found.pop(name, None)
            for name in readers:
                if name in found and points_into(found[name], moved):
                    del found[name]
            return found
        return {
            key: value
            for key, value in memo.items()
            if key[0] not in stale and (key[0] not in readers or not points_into(value, moved))  # type: ignore[index]
        }


def points_into(value: object, paths: frozenset[str]) -> bool:
    """True when a summary (a chain, or containers and dataclasses of chains) has a step in one of the files `paths`.

    Every line a chain holds belongs to one of its steps' files, so a summary that has no step in a
    file whose facts only moved holds no line of it: it equals what a fresh derivation finds."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:
        return False
    if kind is dict:  # (checked before the abstract Mapping below: much faster)
        return any(points_into(item, paths) for item in value.values())  # type: ignore[attr-defined]
    steps = getattr(value, "steps", None)
    if isinstance(steps, tuple) and is_dataclass(value):  # a chain: its other fields are names, flags and a line of a step's file
        return any(step.path in paths for step in steps)
    if isinstance(value, ChainStep):
        return value.path in paths
    if isinstance(value, (tuple, list, frozenset, set)):
        return any(points_into(item, paths) for item in value)
    if is_dataclass(value):
        return any(points_into(getattr(value, f.name), paths) for f in fields(value))
    if isinstance(value, Mapping):
        return any(points_into(item, paths) for item in value.values())
    return True  # unknown: assume it holds positions


def carry_model(
    graph: CallGraph,
    dependencies: FileDependencies,
    before: Mapping[str, ModuleCallFacts],
    calls: Mapping[str, ModuleCallFacts],
    paths_by_module: Mapping[str, str],
    imports_of: Callable[[str], Iterable[str]],
) -> CarriedModel | None:
    """The model after the modules of `before` (their previous facts) changed to what `calls` holds now; None when
    only a full rebuild can tell (see the module's docstring)."""
    patched = graph.patched(before, calls)
    if patched is None:
        return None
    moved: set[str] = set()
    for path, old in before.items():
        new = calls.get(path)
        if new is None:
            continue
        old_free, new_free = old.position_free, new.position_free
        if old_free == new_free:
            moved.add(path)
        elif old_free[:2] + old_free[3:] == new_free[:2] + new_free[3:] and not _reads_changed_aliases(path, old, new, dependencies, calls):
            moved.add(path)  # only re-exports changed (an import edit), and no reader names one of them
    changed = (set(before) - moved) | patched.contested_paths  # a name that changed hands changes what its readers call
    for path in list(changed):  # a name may come or go in any file of a module that several files are: their readers see it
        for facts in (before.get(path), calls.get(path)):
            changed.update(patched.files_of_module(facts.module) if facts is not None else ())
    for path, old in before.items():  # a registration gives a function in another file a role: that file changes too
        new = calls.get(path)
        if old.registered != (new.registered if new is not None else ()):
            for registration in (*old.registered, *(new.registered if new is not None else ())):
                for found in (graph.function(registration.target), patched.function(registration.target)):
                    if found is not None:
                        changed.add(found[0])
    moved -= changed  # (a registration made it a seed)
    stale_files = dependencies.stale(changed) | moved
    stale = _functions_of(stale_files, before, calls)
    readers = _functions_of(dependencies.stale(moved) - stale_files, before, calls)
    aliased = {path for path in moved if before[path].flat_alias_pairs != calls[path].flat_alias_pairs}
    updated = dependencies.updated(changed, calls, patched, paths_by_module, imports_of, aliased) if changed or aliased else dependencies
    # Which project function a call target names changes only when a name is defined, dropped or re-exported elsewhere: when
    # the changed files define the same names and re-exports, only their own functions can call other functions than before.
    same_names = not patched.contested_paths and all(_defined_names(old) == _defined_names(calls.get(path)) for path, old in before.items())
    callers = frozenset(_functions_of(before, before, calls)) if same_names else None
    return CarriedModel(patched, updated, frozenset(stale), not state_facts_changed(before, calls), frozenset(moved), frozenset(readers), callers)


def _defined_names(facts: ModuleCallFacts | None) -> tuple[frozenset[str], frozenset[tuple[str, str]]] | None:
    """The functions and re-exports (with their targets) a module defines."""
    return None if facts is None else (frozenset(f.qualname for f in facts.functions), frozenset(facts.aliases))


def _reads_changed_aliases(path: str, old: ModuleCallFacts, new: ModuleCallFacts, dependencies: FileDependencies, calls: Mapping[str, ModuleCallFacts]) -> bool:
    """True when the file at `path` or one of its readers names (or names inside) a re-export that the change added, removed or
    redirected. A name resolves through a re-export only when the re-export is a prefix of it, and a file that names something
    in a module reads that module's file, so the other files cannot see the change."""
    changed = {name for name, _ in set(old.aliases) ^ set(new.aliases)}
    for reader in (path, *dependencies.readers.get(path, ())):
        facts = calls.get(reader)
        if facts is not None and dependencies.names_inside(reader, facts, changed):
            return True
    return False


def _functions_of(paths: Iterable[str], before: Mapping[str, ModuleCallFacts], calls: Mapping[str, ModuleCallFacts]) -> set[str]:
    """The names of the functions the files `paths` define, before or after the change."""
    found: set[str] = set()
    for path in paths:
        for facts in (before.get(path), calls.get(path)):
            if facts is not None:
                found.update(f.qualname for f in facts.functions)
    return found
