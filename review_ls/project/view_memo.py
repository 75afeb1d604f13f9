"""What the project views derive file by file, kept from one snapshot of the index to the next.

`ProjectViews` is rebuilt from a snapshot after every change. Most of what it derives belongs to
one file and depends only on that file's facts and the project's module names: the file's module
name, its relative imports made absolute, its import edges, the names it imports. `ViewMemo` keeps
those per file and re-derives them only for files whose facts object changed (the index stores a
new `FileFacts` for a changed file and keeps the old object otherwise), so an update of one file
costs work for that file plus a pass over the snapshot's keys, not a re-derivation of every file.
Module names (and all that uses them) are re-derived only when the roots or the set of packages
change. One memo belongs to one index; the views of its snapshots share it under a lock.

Class kinds are kept too (`carried_kinds`): a class's kind reads its own facts and, through its
bases, the classes its bases name (in its file, in the module a dotted base names, or the only
project class of that name). So after a change, the kinds to derive again are those of the changed
files' classes and of every class with a base whose last name is one of theirs, transitively.

Each derivation remembers the snapshot it last synced with. Given a `SnapshotDelta` (the previous
snapshot and the paths whose facts may differ from it, over the same set of paths), a derivation
synced with that previous snapshot visits only those paths and shares or copies (in C) the rest;
otherwise it compares every file's facts object as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from review_ls.deferred_dataclass import dataclass
from review_ls.project.file_facts import ClassFact, FileFacts
from review_ls.project.flat_pairs import flat, pairs_of
from review_ls.project.layered import LayeredDict, layered_copy
from review_ls.project.modules import ModuleNamer, is_package_file
from review_ls.project.types import absolute_import

if TYPE_CHECKING:
    from review_ls.project.views import ProjectClass

_INIT_SUFFIXES = ("__init__.py", "__init__.pyi")


@dataclass(frozen=True)
class SnapshotDelta:
    """How a snapshot differs from the `before` snapshot: only the files of `changed` may have other facts (same paths)."""

    before: Mapping[str, FileFacts]
    changed: frozenset[str]

    def since(self, synced: Mapping[str, FileFacts] | None) -> frozenset[str] | None:
        """The paths to visit for a derivation last synced with `synced`; None when it must compare every file."""
        return self.changed if synced is not None and synced is self.before else None


class ViewMemo:
    """Per-file derivations of the project views, re-derived only for files whose facts changed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._naming: tuple[tuple[str, ...], frozenset[str]] | None = None  # (roots, package files) the names were made with
        self._namer: ModuleNamer | None = None
        self._modules: dict[str, str] = {}
        self._absolute: dict[tuple[str, str], str] = {}
        self._module_set: frozenset[str] = frozenset()
        self._classes_by_name: dict[str, tuple[FileFacts, dict[str, ClassFact]]] = {}
        self._paths_defining: dict[str, set[str]] = {}  # class name -> the files defining it
        self._classes_named: dict[str, tuple[tuple[str, ClassFact], ...]] = {}
        self._names_by_suffixes: dict[tuple[str, ...], set[str]] = {}  # suffixes -> the class names in `_classes_named` ending so
        self._edges: dict[str, tuple[object, frozenset[str], frozenset[str]]] = {}  # path -> (imports, module set, edges)
        self._imported_names: dict[str, tuple[FileFacts, tuple[str, ...]]] = {}  # path -> facts, their names counted (`flat_pairs.flat`)
        self._importer_counts: dict[tuple[str, str], int] = {}
        # The running counts the last snapshot's copy was made from, and that copy (the next copies only the changed counts).
        self._counts_copy: tuple[dict[tuple[str, str], int], dict[tuple[str, str], int] | LayeredDict[tuple[str, str], int]] | None = None
        self._base_users: dict[str, set[tuple[str, str]]] = {}  # last name of a base -> (path, class) of the classes naming it
        self._kinds: tuple[Mapping[str, FileFacts], dict[tuple[str, str], str | None]] | None = None  # (snapshot, complete kinds)
        self._sorted_paths: tuple[frozenset[str], tuple[str, ...]] = (frozenset(), ())
        # path -> (facts, module name, kinds), the file's known classes, the snapshot they were last made or kept in
        self._project_classes: dict[str, tuple[tuple[FileFacts, str, tuple[str | None, ...]], tuple[ProjectClass, ...], Mapping[str, FileFacts]]] = {}
        # The snapshot each derivation last synced with, and what it gave for it (the fast paths start from these).
        self._names_synced: tuple[Mapping[str, FileFacts], ModuleNamer, dict[str, str]] | None = None
        self._by_name_synced: tuple[Mapping[str, FileFacts], dict[str, dict[str, ClassFact]]] | None = None
        self._edges_synced: tuple[Mapping[str, FileFacts], Mapping[str, str], dict[str, frozenset[str]]] | None = None
        self._counts_synced: Mapping[str, FileFacts] | None = None
        self._sorted_synced: Mapping[str, FileFacts] | None = None
        self._classes_synced: tuple[Mapping[str, FileFacts], dict[str, tuple[ProjectClass, ...]]] | None = None

    def module_names(self, files: Mapping[str, FileFacts], roots: tuple[str, ...], delta: SnapshotDelta | None = None) -> tuple[ModuleNamer, dict[str, str]]:
        """The namer of this snapshot and every file's module name (names kept while roots and packages stay)."""
        with self._lock:
            synced = self._names_synced
            if delta is not None and synced is not None and delta.since(synced[0]) is not None and self._naming is not None and self._naming[0] == roots:
                self._names_synced = (files, synced[1], synced[2])  # same paths: same packages, same names
                return synced[1], synced[2]
        packages = frozenset(p for p in files if p.endswith(_INIT_SUFFIXES) and is_package_file(p))
        with self._lock:
            if self._naming != (roots, packages) or self._namer is None:
                self._naming = (roots, packages)
                self._namer = ModuleNamer(roots, packages)
                self._modules = {}
                self._absolute = {}
                self._edges = {}
                self._imported_names = {}
                self._importer_counts = {}
                self._kinds = None
            namer = self._namer
            known = self._modules
            for path in files:
                if path not in known:
                    known[path] = namer.module_name(path)
            modules = {path: known[path] for path in files}
            self._names_synced = (files, namer, modules)
            return namer, modules

    def absolute(self, qualified: str, path: str, modules: Mapping[str, str]) -> str:
        """`absolute_import` of `qualified` as written in the file at `path` (a relative one memoised while the module
        names stay; an absolute one is itself, and is not kept: 21,939 of the application corpus's 24,079 keys)."""
        if not qualified.startswith("."):
            return qualified
        key = (qualified, path)
        found = self._absolute.get(key)
        if found is None:
            found = self._absolute[key] = absolute_import(qualified, modules.get(path, ""), is_package_file(path))
        return found

    def classes_by_name(
        self, files: Mapping[str, FileFacts], delta: SnapshotDelta | None = None
    ) -> tuple[dict[str, dict[str, ClassFact]], dict[str, tuple[tuple[str, ClassFact], ...]]]:
        """Each file's classes by name (the first definition of a name wins, as `reversed` makes it), and every
        project class by name in path order (re-derived only for the names the changed files define or defined)."""
        memo = self._classes_by_name
        found: dict[str, dict[str, ClassFact]] = {}
        touched: set[str] = set()
        with self._lock:
            synced = self._by_name_synced
            visit: Iterable[str] | None = None if delta is None or synced is None else delta.since(synced[0])
            if visit is not None and synced is not None:
                found = dict(synced[1])
            else:
                visit = files
                for path in [p for p in memo if p not in files]:
                    old_facts, old_names = memo.pop(path)
                    gone = set(old_names)
                    touched |= gone
                    self._forget_names(path, gone)
                    self._count_base_users(path, old_facts, -1)
            for path in visit:
                facts = files[path]
                entry = memo.get(path)
                if entry is None or entry[0] is not facts:
                    if entry is not None:
                        touched.update(entry[1])
                        self._forget_names(path, set(entry[1]))
                        self._count_base_users(path, entry[0], -1)
                    entry = memo[path] = (facts, {c.name: c for c in reversed(facts.classes)})
                    for name in entry[1]:
                        self._paths_defining.setdefault(name, set()).add(path)
                    self._count_base_users(path, facts, 1)
                    touched.update(entry[1])
                found[path] = entry[1]
            named = self._classes_named
            for name in touched:
                paths = self._paths_defining.get(name)
                if paths:
                    named[name] = tuple((path, fact) for path in sorted(paths) for fact in files[path].classes if fact.name == name)
                else:
                    named.pop(name, None)
                for suffixes, ending in self._names_by_suffixes.items():
                    if name in named and name.endswith(suffixes):
                        ending.add(name)
                    else:
                        ending.discard(name)
            self._by_name_synced = (files, found)
            return found, dict(named)

    def names_ending(self, suffixes: tuple[str, ...], files: Mapping[str, FileFacts], named: Mapping[str, object]) -> frozenset[str]:
        """The names of `named` (the project classes by name of the snapshot `files`) that end with one of `suffixes`."""
        with self._lock:
            synced = self._by_name_synced
            if synced is None or synced[0] is not files:
                return frozenset(name for name in named if name.endswith(suffixes))
            ending = self._names_by_suffixes.get(suffixes)
            if ending is None:
                ending = self._names_by_suffixes[suffixes] = {name for name in self._classes_named if name.endswith(suffixes)}
            return frozenset(ending)

    def _count_base_users(self, path: str, facts: FileFacts, step: int) -> None:
        for fact in facts.classes:
            for base in fact.bases:
                users = self._base_users.setdefault(base.rsplit(".", 1)[-1], set())
                if step > 0:
                    users.add((path, fact.name))
                else:
                    users.discard((path, fact.name))

    def carried_kinds(
        self, files: Mapping[str, FileFacts], delta: SnapshotDelta | None = None
    ) -> tuple[dict[tuple[str, str], str | None], tuple[Mapping[str, FileFacts], frozenset[str]] | None]:
        """The class kinds of the last complete snapshot that stay valid in `files` (call after `classes_by_name(files)`), and
        that snapshot with the paths whose classes' kinds may differ (None: no snapshot to carry from)."""
        with self._lock:
            visit = None if delta is None or self._kinds is None else delta.since(self._kinds[0])
            if visit is None and (self._kinds is None or self._kinds[0].keys() != files.keys()):
                return {}, None
            assert self._kinds is not None
            old_files, kinds = self._kinds
            changed = [path for path in (files if visit is None else visit) if old_files[path] is not files[path]]
            stale = {(path, c.name) for path in changed for facts in (old_files[path], files[path]) for c in facts.classes}
            pending = list({name for _, name in stale})
            seen = set(pending)
            while pending:
                for user in self._base_users.get(pending.pop(), ()):
                    stale.add(user)
                    if user[1] not in seen:
                        seen.add(user[1])
                        pending.append(user[1])
            carried = dict(kinds)
        for key in stale:
            carried.pop(key, None)
        return carried, (old_files, frozenset(changed).union(path for path, _ in stale))

    def sorted_paths(self, files: Mapping[str, FileFacts], delta: SnapshotDelta | None = None) -> tuple[str, ...]:
        """The paths of `files` in order (sorted again only when the set of paths changed)."""
        with self._lock:
            known, ordered = self._sorted_paths
            if (delta is None or delta.since(self._sorted_synced) is None) and (len(known) != len(files) or any(path not in known for path in files)):
                self._sorted_paths = known, ordered = frozenset(files), tuple(sorted(files))
            self._sorted_synced = files
            return ordered

    def project_classes(
        self, path: str, key: tuple[FileFacts, str, tuple[str | None, ...]], make: Callable[[], tuple[ProjectClass, ...]], snapshot: Mapping[str, FileFacts]
    ) -> tuple[ProjectClass, ...]:
        """The known classes of one file in `snapshot`, from `make()` when its `key` (facts, module name, kinds of its classes)
        changed, else as made before."""
        with self._lock:
            entry = self._project_classes.get(path)
            if entry is None or entry[0][0] is not key[0] or entry[0][1:] != key[1:]:
                entry = (key, make(), snapshot)
            self._project_classes[path] = (entry[0], entry[1], snapshot)
            return entry[1]

    def unchanged_classes(self, path: str, facts: FileFacts, module: str, made_in: Mapping[str, FileFacts], snapshot: Mapping[str, FileFacts]) -> tuple[ProjectClass, ...] | None:
        """The known classes of one file as made in the snapshot `made_in`, when they were made there from the same `facts`
        and `module` (the caller knows their kinds did not change since), now counted as made in `snapshot`; else None."""
        with self._lock:
            entry = self._project_classes.get(path)
            if entry is None or entry[2] is not made_in or entry[0][0] is not facts or entry[0][1] != module:
                return None
            self._project_classes[path] = (entry[0], entry[1], snapshot)
            return entry[1]

    def classes_since(self, made_in: Mapping[str, FileFacts]) -> dict[str, tuple[ProjectClass, ...]] | None:
        """A copy of each file's known classes as the last `classes` view made them, when that view was made for the snapshot
        `made_in`; else None."""
        with self._lock:
            synced = self._classes_synced
            return dict(synced[1]) if synced is not None and synced[0] is made_in else None

    def remember_classes(self, files: Mapping[str, FileFacts], by_path: dict[str, tuple[ProjectClass, ...]]) -> None:
        """Keep each file's known classes of the snapshot `files` (files without any left out) for the next snapshot."""
        with self._lock:
            self._classes_synced = (files, by_path)

    def remember_kinds(self, files: Mapping[str, FileFacts], kinds: dict[tuple[str, str], str | None]) -> None:
        """Keep the kinds of every class of `files` (all derived) for the next snapshot."""
        with self._lock:
            self._kinds = (files, kinds)

    def _forget_names(self, path: str, names: set[str]) -> None:
        for name in names:
            paths = self._paths_defining.get(name)
            if paths is not None:
                paths.discard(path)

    def import_edges(
        self,
        paths_by_module: Mapping[str, str],
        files: Mapping[str, FileFacts],
        edges_of: Callable[[str, frozenset[str]], frozenset[str]],
        delta: SnapshotDelta | None = None,
        modules_of: Mapping[str, str] | None = None,
    ) -> dict[str, frozenset[str]]:
        """Each project module's import edges, from `edges_of(module, modules)`; re-derived for a file whose imports or
        whose project's set of modules changed (with `delta` and every file's module name `modules_of`: only the changed files)."""
        with self._lock:
            synced = self._edges_synced
            visit = None if delta is None or synced is None or synced[1] is not paths_by_module or modules_of is None else delta.since(synced[0])
            if visit is not None and synced is not None and modules_of is not None:
                edges = dict(synced[2])
                for path in visit:
                    module = modules_of[path]
                    if paths_by_module.get(module) != path:
                        continue
                    imports = files[path].imports
                    entry = self._edges.get(path)
                    if entry is None or entry[0] is not imports or entry[1] is not self._module_set:
                        entry = self._edges[path] = (imports, self._module_set, edges_of(module, self._module_set))
                    edges[module] = entry[2]
                self._edges_synced = (files, paths_by_module, edges)
                return edges
        modules = frozenset(paths_by_module)
        edges = {}
        with self._lock:
            if modules != self._module_set:
                self._module_set = modules
            modules = self._module_set
            for module, path in paths_by_module.items():
                imports = files[path].imports
                entry = self._edges.get(path)
                if entry is None or entry[0] is not imports or entry[1] is not modules:
                    entry = self._edges[path] = (imports, modules, edges_of(module, modules))
                edges[module] = entry[2]
            self._edges_synced = (files, paths_by_module, edges)
        return edges

    def importer_counts(
        self, files: Mapping[str, FileFacts], imported_names: Callable[[str, FileFacts], tuple[tuple[str, str], ...]], delta: SnapshotDelta | None = None
    ) -> Mapping[tuple[str, str], int]:
        """How many files import each (module, name) by name, kept as a running count that changes by the changed files' imports
        (each snapshot gets its own copy; after a change, a layer over the previous copy with the counts that changed).
        Each file's counted names are kept flat (`flat_pairs.flat`): a pair each held 73,000 tuples on the application corpus."""
        memo = self._imported_names
        counts = self._importer_counts
        touched: set[tuple[str, str]] = set()
        with self._lock:
            visit = None if delta is None else delta.since(self._counts_synced)
            if visit is None:
                for path in [p for p in memo if p not in files]:
                    _, gone = memo.pop(path)
                    _count(counts, pairs_of(gone), -1)
            for path in files if visit is None else visit:
                facts = files[path]
                entry = memo.get(path)
                if entry is not None and entry[0] is facts:
                    continue
                if entry is not None:
                    gone_pairs = pairs_of(entry[1])
                    _count(counts, gone_pairs, -1)
                    touched.update(gone_pairs)
                names = imported_names(path, facts)
                memo[path] = (facts, flat(names))
                _count(counts, names, 1)
                touched.update(names)
            self._counts_synced = files
            previous = self._counts_copy
            copy: dict[tuple[str, str], int] | LayeredDict[tuple[str, str], int]
            if visit is None or previous is None or previous[0] is not counts:
                copy = dict(counts)
            else:
                copy = layered_copy(previous[1])
                for key in touched:
                    total = counts.get(key)
                    if total:
                        copy[key] = total
                    else:
                        copy.pop(key)
            self._counts_copy = (counts, copy)
            return copy


def _count(counts: dict[tuple[str, str], int], names: tuple[tuple[str, str], ...], step: int) -> None:
    for key in names:
        total = counts.get(key, 0) + step
        if total:
            counts[key] = total
        else:
            del counts[key]
