"""Which facts of other files a file's findings read, so that a change re-analyses only the files it can change.

A file's cross-file findings read two kinds of project facts:

* **shared facts**, which any file may read: each file's position-free `FileFacts` (settings
  classes, models, route registrations, client classes, heavy imports, imports), the project-wide
  name sets of the type facts, which files the project has, and the configured entry points. A
  change to them is a change for every file.
* **reached facts**, read along the code a file uses: the call facts (functions, calls, blocking
  calls, roles, with their lines, which chains show) and the type facts of the modules its
  module *reaches*: the modules its calls point into and the modules it imports, transitively.

`ModuleReach` answers "which modules does this file reach?" from one index snapshot;
`file_digests` and `shared_digest` give digests that are stable across processes (the CLI's result
cache stores them with each entry, `dependency_cache.py`); `files_affected` tells the server which
open documents an edit can change.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from review_ls.project.index import ProjectIndex


class ModuleReach:
    """The modules (by path) that each file's findings may read facts of, from one index snapshot."""

    def __init__(self, index: ProjectIndex) -> None:
        self._index = index
        self._graph = index.call_graph
        self._edges: dict[str, frozenset[str]] = {}

    def edges(self, path: str) -> frozenset[str]:
        """The files `path` reads facts of directly: where its calls point and what it imports."""
        known = self._edges.get(path)
        if known is not None:
            return known
        index = self._index
        found: set[str] = set()
        calls = index.call_facts(path)
        if calls is not None:
            for function in calls.functions:
                for call in function.calls:
                    found.update(self._modules_of_target(call.target))
            for _, target in calls.aliases:
                found.update(self._modules_of_target(target))
            for module in index.imports_of(calls.module):
                imported = index.path_of_module(module)
                if imported is not None:
                    found.add(imported)
        found.discard(path)
        known = self._edges[path] = frozenset(found)
        return known

    def _modules_of_target(self, target: str) -> Iterable[str]:
        """The files that decide what a dotted call target resolves to: those holding each name tried (re-exports followed), and the function's."""
        for name in self._graph.resolution(target):
            parts = name.split(".")
            for cut in range(len(parts) - 1, 0, -1):
                path = self._index.path_of_module(".".join(parts[:cut]))
                if path is not None:
                    yield path
                    break
        resolved = self._graph.function(target)
        if resolved is not None:
            yield resolved[0]

    def reach(self, path: str) -> frozenset[str]:
        """Every file whose reached facts the findings of `path` may read (itself included)."""
        seen = {path}
        pending = [path]
        while pending:
            for target in self.edges(pending.pop()):
                if target not in seen:
                    seen.add(target)
                    pending.append(target)
        return frozenset(seen)


def file_digests(index: ProjectIndex, paths: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Per file: the digest of its reached facts (call and type facts, lines included) and of its shared facts (hex, stable across processes)."""
    digests: dict[str, tuple[str, str]] = {}
    for path in paths:
        reached = stable_digest((path, index.call_facts(path), _type_facts(index, path))).hex()
        facts = index.facts(path)
        types = index.types.for_path(path)
        shared = (
            None if facts is None or facts.is_empty else facts.position_free,
            None if types is None else (types.enum_values, types.field_names, types.optional_fields),
        )
        digests[path] = (reached, stable_digest(shared).hex())
    return digests


def shared_digest(entry_points: Iterable[str], files: Iterable[tuple[str, str]]) -> str:
    """The digest of the tree's shared facts from each file's (path, shared digest), with the configured entry points."""
    digest = hashlib.sha256(stable_digest(tuple(sorted(entry_points))))
    for path, shared in files:
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0" + shared.encode() + b"\0")
    return digest.hexdigest()


def _type_facts(index: ProjectIndex, path: str) -> tuple[object, ...] | None:
    """A file's type facts without their process-specific `fingerprint` (a `hash()`)."""
    facts = index.types.for_path(path)
    if facts is None:
        return None
    return tuple(getattr(facts, f.name) for f in dataclasses.fields(facts) if f.name != "fingerprint")


def files_affected(before: Mapping[str, frozenset[str]], after: ModuleReach, changed: str, shared_changed: bool) -> set[str]:
    """The files (keys of `before`: file -> its reach before the change) whose findings a change of `changed` can change.

    All of them when a shared fact changed; else those that reached `changed` before or reach it now.
    """
    if shared_changed:
        return set(before)
    return {path for path, reach in before.items() if path != changed and (changed in reach or changed in after.reach(path))}


def stable_digest(value: object) -> bytes:
    """A SHA-256 of a value built from dataclasses, containers and scalars, equal in every process (no `hash()`)."""
    digest = hashlib.sha256()
    _feed(digest, value)
    return digest.digest()


def _feed(digest: hashlib._Hash, value: object) -> None:
    """Write an unambiguous, order-stable encoding of `value` into `digest`."""
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        digest.update(f"{type(value).__name__}:{value!r};".encode("utf-8", "surrogateescape"))
    elif isinstance(value, enum.Enum):
        digest.update(f"enum:{type(value).__name__}.{value.name};".encode())
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        digest.update(f"dc:{type(value).__name__}(".encode())
        for field in dataclasses.fields(value):
            _feed(digest, getattr(value, field.name))
        digest.update(b")")
    elif isinstance(value, (tuple, list)):
        digest.update(b"[")
        for item in value:
            _feed(digest, item)
        digest.update(b"]")
    elif isinstance(value, (set, frozenset)):
        digest.update(b"{")
        for item in sorted(stable_digest(item) for item in value):
            digest.update(item)
        digest.update(b"}")
    elif isinstance(value, Mapping):
        digest.update(b"<")
        for item in sorted(stable_digest(pair) for pair in value.items()):
            digest.update(item)
        digest.update(b">")
    else:
        digest.update(f"{type(value).__name__}:{value!r};".encode("utf-8", "surrogateescape"))
