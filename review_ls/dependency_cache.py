"""The result cache of `review-ls check` with cross-file rules: each entry is kept while the facts it read are unchanged.

A file's cross-file findings read the project's shared facts and the facts of the modules it reaches
(`project/dependencies.py`). When a file is analysed, its entry stores those as (path, digest) pairs:
`("", <shared digest>)` and one pair per module reached. A later run reuses the entry while every
pair still holds, so editing one file re-analyses it and the files whose findings read its facts,
not the tree.

Two blobs, signed like the entries, sit next to them (one pair per set of project roots):

- `dependencies-<roots>.table` (JSON): per file its content hash, its `stat` signature
  (`stat_signature.py`: a file whose signature is unchanged is not read again), the digest of its
  reached facts and of its share of the shared facts; and the entry of every file the last run
  reported (its key, findings, fixes, and the files it read, as positions in the table). It is the
  one file a run reads when nothing changed. Those entries all held against the table written with
  them, so one still holds while its key matches, the shared digest is the same and no file it read
  has other reached facts now; any other file is looked up in its own entry file as before.
- `project-index-<roots>.pickle`: the project index, with the content hashes it was built from
  (`compact_pickle.py`: its many small facts load faster than from a default pickle). Only
  a run that must analyse a file reads it; it then re-indexes only the files that changed. The
  pickle is unpickled only after its signature (this user's key, `cache.user_secret`) checks out,
  so a blob that arrives with a checkout, or is altered, is never loaded.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import time
from collections.abc import Iterator, Sequence
from dataclasses import field, replace
from pathlib import Path
from typing import Any

from review_ls import compact_pickle
from review_ls.cache import (
    CachedResult,
    ResultCache,
    decode_finding,
    decode_fix,
    encode_finding,
    encode_fix,
)
from review_ls.deferred_dataclass import dataclass
from review_ls.engine.gc_pause import garbage_collector_paused, kept_out_of_collections
from review_ls.files import SourceReadError, read_source
from review_ls.project.dependencies import ModuleReach, file_digests, shared_digest
from review_ls.project.index import ProjectIndex
from review_ls.runner import FileReport, FileTask, check_files
from review_ls.stat_signature import (
    Signature,
    as_signature,
    signature_of,
    worth_recording,
)

SHARED = ""  # the dependency pair that names the shared facts
_FORMAT = 2  # of the stored index (2: its facts are slotted dataclasses, whose default pickles differ)
_TABLE_FORMAT = 2
_MAX_TABLE_BYTES = 256 * 1024 * 1024
_MAX_INDEX_BYTES = 4 * 1024 * 1024 * 1024
_MAX_INDEX_DRIFT = 20  # files re-indexed from the stored index before it is written again (at least; 2% of the tree)


@dataclass
class _FileRow:
    """What the table keeps per file: content hash, reached-facts digest, shared-facts digest (hex), `stat` signature."""

    content: str
    reached: str
    shared: str
    signature: Signature | None = None  # vouches for `content` while the file's signature is the same


@dataclass
class _StoredEntries:
    """The entries the table was written with, and what they held against then (see the module docstring)."""

    entries: dict[str, list[Any]]  # path -> [key, findings, fixes or None, internal errors, positions of the files read]
    order: list[str]  # the table's files in the order the positions count
    reached: list[str]  # their reached digests then
    shared: str  # the shared digest then
    _stale: set[int] | None = None  # `stale()`, computed once the rows are current

    def stale(self, state: DependencyState) -> set[int] | None:
        """The positions of files whose reached facts differ now; None when no entry can hold (other shared facts or files)."""
        if self._stale is None:
            if self.shared != state.shared() or self.order != list(state.rows):
                self._stale = set(range(-1, len(self.order)))  # -1: the marker that nothing holds
            else:
                self._stale = {i for i, (row, reached) in enumerate(zip(state.rows.values(), self.reached)) if row.reached != reached}
        return None if -1 in self._stale else self._stale


@dataclass
class DependencyState:
    """The per-file digests of the tree, and the project index when this run needed it."""

    roots: tuple[str, ...]
    entry_points: tuple[str, ...]
    rows: dict[str, _FileRow] = field(default_factory=dict)
    index: ProjectIndex | None = None
    index_contents: dict[str, str] = field(default_factory=dict)  # the content hashes the index was built from
    jobs: int | None = None  # processes for building the index
    changed: bool = False  # the table differs from the stored one
    _shared: str | None = None  # `shared()`, computed once the rows are current
    index_built: bool = False  # this run built the index from the files
    index_drift: int = 0  # files re-indexed since the stored index was written
    signatures: dict[str, Signature | None] = field(default_factory=dict)  # of the files hashed this run (None: not to be recorded)
    sizes: dict[str, int] = field(default_factory=dict)  # bytes, of the files that could be read or `stat`ed
    start_signatures: dict[str, Signature] = field(default_factory=dict)  # taken before hashing, of the files they vouch for
    positions: dict[str, int] | None = None  # each file's position in the table as it is written
    stored: _StoredEntries | None = None  # the entries written with the table
    entries: dict[str, list[Any]] = field(default_factory=dict)  # this run's entries, to write with the table
    entries_changed: bool = False  # some entry differs from the stored ones

    def shared(self) -> str:
        """The digest of every shared fact of the tree (and of which files it has, and the configured entry points)."""
        if self._shared is None:
            self._shared = shared_digest(self.entry_points, ((path, row.shared) for path, row in sorted(self.rows.items())))
        return self._shared

    def holds(self, dependencies: tuple[tuple[str, str], ...]) -> bool:
        """True when every (path, digest) pair of an entry still holds."""
        shared = self.shared()
        for path, digest in dependencies:
            row = self.rows.get(path)
            if (shared if path == SHARED else (None if row is None else row.reached)) != digest:
                return False
        return True


def check_with_dependencies(
    tasks: Sequence[FileTask], indexed: Sequence[Path], entry_points: Sequence[str], *, roots: Sequence[Path], jobs: int | None = None
) -> Iterator[FileReport]:
    """Report on every check-mode task (each with a cache) in order: from an entry whose dependencies hold, else analysed.

    `indexed` are the files of the project index (the checked files, and the rest of the tree when
    a shard is checked). The index is read from the cache, or built, only when some file must be analysed.
    """
    cache = next((t.cache for t in tasks if t.cache is not None), None)
    root_names = tuple(sorted(str(Path(r).absolute()) for r in roots))
    state = _load_table(cache, root_names, tuple(entry_points)) if cache is not None else DependencyState(root_names, tuple(entry_points))
    state.jobs = jobs
    paths = [str(path) for path in indexed]
    contents = _current_contents(state, paths)
    _refresh_table(state, cache, contents, paths)
    keys = [_key(task, contents, state.sizes) for task in tasks]
    with garbage_collector_paused():  # thousands of decoded findings, no cycles among them
        reports: list[FileReport | None] = [_cached(task, key, state, cache) for task, key in zip(tasks, keys)]
    misses = [task for task, report in zip(tasks, reports) if report is None]
    fresh: Iterator[FileReport] = iter(())
    if misses:
        project = _index(state, cache, contents, paths)
        reach = ModuleReach(project)
        shared = state.shared()
        misses = [_with_dependencies(task, reach, state, shared) for task in misses]
        fresh = check_files(misses, jobs=jobs, project=project)
    analysed = iter(misses)
    for key, report in zip(keys, reports):
        if report is None:
            report = next(fresh)
            task = next(analysed)
            if task.cache is cache and key is not None and not report.error:
                _keep_fresh_entry(state, task, key, report)
        yield report
    if cache is not None:
        _store(state, cache)


def _current_contents(state: DependencyState, paths: list[str]) -> dict[str, str]:
    """Each file's content hash ("" when it cannot be read): the table's while its `stat` signature vouches for it, else hashed now.

    The rows get the signatures worth recording (`stat_signature.worth_recording`).
    """
    taken_at = time.time_ns()
    contents: dict[str, str] = {}
    for path in paths:
        signature = signature_of(path)
        if signature is not None:
            state.sizes[path] = signature[0]
        row = state.rows.get(path)
        if row is not None and signature is not None and row.signature == signature:
            contents[path] = row.content
            state.start_signatures[path] = signature
            continue
        data = _read(Path(path))
        contents[path] = "" if data is None else hashlib.sha256(data).hexdigest()
        if data is not None:
            state.sizes[path] = len(data)
        recorded = signature if worth_recording(signature, taken_at) else None
        if recorded is not None:
            state.start_signatures[path] = recorded
        if row is not None and row.content == contents[path] and row.signature != recorded:
            row.signature = recorded
            state.changed = True
        state.signatures[path] = recorded
    return contents


def _read(path: Path) -> bytes | None:
    """A file's bytes (None when it cannot be read)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def _key(task: FileTask, contents: dict[str, str], sizes: dict[str, int]) -> str | None:
    """The entry key of the task's file as it is now (None when it cannot be read, or is over its size limit)."""
    if task.cache is None:
        return None
    content = contents.get(task.path)
    if content is None:  # not indexed (e.g. over the size limit): read it
        data = _read(Path(task.path))
        if data is None or (task.max_bytes is not None and len(data) > task.max_bytes):
            return None  # check_file reports why
        content = hashlib.sha256(data).hexdigest()
    elif not content or (task.max_bytes is not None and sizes.get(task.path, 0) > task.max_bytes):
        return None  # check_file reports why
    return task.cache.key_for_content(task.path, content, task.settings)


def _cached(task: FileTask, key: str | None, state: DependencyState, table_cache: ResultCache | None) -> FileReport | None:
    """The task's cached report when its entry's dependencies still hold: from the table's entries, else from its entry file."""
    if task.cache is None or key is None:
        return None
    if task.cache is table_cache:
        stored = _stored_entry(task, key, state)
        if stored is not None:
            state.entries[task.path] = stored
            try:
                return FileReport(
                    task.path,
                    [decode_finding(item) for item in stored[1]],
                    {} if stored[2] is None else {int(i): decode_fix(f) for i, f in stored[2].items()},
                    internal_errors=tuple(str(e) for e in stored[3]),
                )
            except (ValueError, KeyError, TypeError, IndexError, AttributeError):
                del state.entries[task.path]
    cached = task.cache.load(key, need_fixes=task.with_fixes)
    if cached is None or cached.dependencies is None or not state.holds(cached.dependencies):
        return None
    if task.cache is table_cache:
        _keep_entry(state, task.path, key, cached)
    return FileReport(task.path, cached.findings, cached.fixes or {}, internal_errors=cached.internal_errors)


def _stored_entry(task: FileTask, key: str, state: DependencyState) -> list[Any] | None:
    """The table's entry of the task's file when it holds now: same key, same shared facts, no file it read changed."""
    stored = state.stored
    if stored is None:
        return None
    entry = stored.entries.get(task.path)
    if not isinstance(entry, list) or len(entry) != 5 or entry[0] != key or (task.with_fixes and entry[2] is None):
        return None
    stale = stored.stale(state)
    if stale is None:
        return None
    if stale:
        try:
            if not stale.isdisjoint(map(int, entry[4].split())):
                return None
        except (AttributeError, ValueError):
            return None
    return entry


def _keep_entry(state: DependencyState, path: str, key: str, cached: CachedResult) -> None:
    """Write `cached` (an entry that holds now) with the table, its dependencies as positions in the table."""
    position = {p: i for i, p in enumerate(state.rows)} if state.positions is None else state.positions
    state.positions = position
    try:
        state.entries[path] = [
            key,
            [encode_finding(f) for f in cached.findings],
            None if cached.fixes is None else {str(i): encode_fix(f) for i, f in cached.fixes.items()},
            list(cached.internal_errors),
            " ".join(str(position[p]) for p, _ in cached.dependencies or () if p != SHARED),
        ]
    except (TypeError, ValueError, KeyError):
        return
    state.entries_changed = True


def _keep_fresh_entry(state: DependencyState, task: FileTask, key: str, report: FileReport) -> None:
    """Write the entry of a file just analysed with the table, under the key of the bytes hashed at the start of the run.

    The report is of the bytes the analysis read: they are those while the file's `stat` signature is
    the one taken before hashing and vouches for it (`stat_signature.py`). Else (the file changed
    during the run, or too recently to tell) the entry the analysis stored under `key`, if any, is read back.
    """
    signature = state.start_signatures.get(task.path)
    if signature is not None and signature_of(task.path) == signature:
        _keep_entry(state, task.path, key, CachedResult(report.findings, report.fixes if task.with_fixes else None, report.internal_errors, task.dependencies))
        return
    cached = task.cache.load(key, need_fixes=False) if task.cache is not None else None
    if cached is not None and cached.dependencies is not None and state.holds(cached.dependencies):
        _keep_entry(state, task.path, key, cached)
    else:
        state.entries_changed = True  # the table's entry of this file (if any) is left out


def _with_dependencies(task: FileTask, reach: ModuleReach, state: DependencyState, shared: str) -> FileTask:
    """The task with the (path, digest) pairs of what its findings read, to store with its entry."""
    reached = sorted(p for p in reach.reach(task.path) if p in state.rows)
    return replace(task, dependencies=((SHARED, shared), *((p, state.rows[p].reached) for p in reached)))


def _refresh_table(state: DependencyState, cache: ResultCache | None, contents: dict[str, str], paths: list[str]) -> None:
    """Bring the table to the files' current contents: files changed, added or removed get their digests from the index."""
    stale = [p for p in paths if (row := state.rows.get(p)) is None or row.content != contents[p]]
    removed = set(state.rows) - set(contents)
    if not stale and not removed:
        return
    for path in removed:
        del state.rows[path]
    project = _index(state, cache, contents, paths)
    renamed = bool(removed) or any(p not in state.rows for p in stale)  # module names may have changed: digest every file
    for path, (reached, shared) in file_digests(project, paths if renamed else stale).items():
        previous = state.rows.get(path)
        signature = state.signatures.get(path, previous.signature if previous is not None else None)
        state.rows[path] = _FileRow(contents[path], reached, shared, signature)
    state.changed = True
    state._shared = None


def _index(state: DependencyState, cache: ResultCache | None, contents: dict[str, str], paths: list[str]) -> ProjectIndex:
    """The project index of the current contents: the stored one brought up to date, else built."""
    if state.index is not None:
        return state.index
    stored = _load_index(cache, state.roots) if cache is not None else None
    if stored is None:
        index = ProjectIndex.build(paths, state.roots, state.jobs)
        state.index_built = True
    else:
        built_from, index = stored
        for path in set(built_from) - set(contents):
            index.remove_file(path)
            state.index_drift += 1
        for path in paths:
            if built_from.get(path) != contents[path]:
                state.index_drift += 1
                try:
                    index.update_file(path, read_source(Path(path)).text)
                except SourceReadError:
                    index.remove_file(path)
    index.configure_entry_points(state.entry_points)
    state.index, state.index_contents = index, dict(contents)
    return index


def _blob_name(kind: str, roots: tuple[str, ...], suffix: str) -> str:
    return f"{kind}-{hashlib.sha256(json.dumps(roots).encode()).hexdigest()[:16]}.{suffix}"


def _load_table(cache: ResultCache, roots: tuple[str, ...], entry_points: tuple[str, ...]) -> DependencyState:
    """The stored table of these roots (an empty one when absent or unreadable)."""
    state = DependencyState(roots, entry_points)
    body = cache.load_blob(_blob_name("dependencies", roots, "table"), _MAX_TABLE_BYTES)
    if body is None:
        return state
    try:
        table = json.loads(body)
        if table["format"] == _TABLE_FORMAT and tuple(table["roots"]) == roots:
            state.rows = {path: _FileRow(str(content), str(reached), str(shared), as_signature(signature)) for path, (content, reached, shared, signature) in table["files"].items()}
            entries = table["entries"]
            if isinstance(entries, dict) and isinstance(table["shared"], str):
                state.stored = _StoredEntries(entries, list(state.rows), [row.reached for row in state.rows.values()], table["shared"])
    except (ValueError, KeyError, TypeError, AttributeError):
        state.rows, state.stored = {}, None
    return state


def _load_index(cache: ResultCache, roots: tuple[str, ...]) -> tuple[dict[str, str], ProjectIndex] | None:
    """The stored index of these roots and the content hashes it was built from (None when absent, foreign or unreadable)."""
    body = cache.load_blob(_blob_name("project-index", roots, "pickle"), _MAX_INDEX_BYTES)
    if body is None:
        return None
    # Millions of small objects that live for the whole run: collecting while they are created, or in
    # any later collection, costs more than loading them (measured: 0.3 s of a 0.6 s load).
    try:
        with kept_out_of_collections():
            stored = pickle.loads(body)  # signed by this user's key (checked by load_blob) before it is unpickled
    except Exception:
        return None
    if not (isinstance(stored, tuple) and len(stored) == 3 and stored[0] == _FORMAT and isinstance(stored[2], ProjectIndex)):
        return None
    return stored[1], stored[2]


def _store(state: DependencyState, cache: ResultCache) -> None:
    """Write the table (with this run's entries) when either changed, and the index when this run brought it up to date."""
    if state.changed or state.entries_changed or state.stored is None or state.entries.keys() != state.stored.entries.keys():
        table = {
            "format": _TABLE_FORMAT,
            "roots": list(state.roots),
            "files": {p: [r.content, r.reached, r.shared, r.signature] for p, r in state.rows.items()},
            "shared": state.shared(),
            "entries": state.entries,
        }
        cache.store_blob(_blob_name("dependencies", state.roots, "table"), json.dumps(table, separators=(",", ":")).encode())
    # Writing the index costs more than re-indexing a few files: a run that re-indexed only a few
    # leaves the stored index as it was (the next run re-indexes them again from it).
    if state.index is not None and (state.index_built or state.index_drift > max(_MAX_INDEX_DRIFT, len(state.rows) // 50)):
        body = compact_pickle.dumps((_FORMAT, state.index_contents, state.index))
        cache.store_blob(_blob_name("project-index", state.roots, "pickle"), body)

