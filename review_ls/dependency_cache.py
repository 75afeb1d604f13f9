"""The result cache of `review-ls check` with cross-file rules: each entry is kept while the facts it read are unchanged.

A file's cross-file findings read the project's shared facts and the facts of the modules it reaches
(`project/dependencies.py`). When a file is analysed, its entry stores those as (path, digest) pairs:
`("", <shared digest>)` and one pair per module reached. A later run reuses the entry while every
pair still holds, so editing one file re-analyses it and the files whose findings read its facts,
not the tree.

Two blobs, signed like the entries, sit next to them (one pair per set of project roots):

- `dependencies-<roots>.table` (JSON): per file its content hash, the digest of its reached facts and of
  its share of the shared facts. It is all a run without changes reads besides the entries.
- `project-index-<roots>.pickle`: the project index, with the content hashes it was built from. Only
  a run that must analyse a file reads it; it then re-indexes only the files that changed. The
  pickle is unpickled only after its signature (this user's key, `cache.user_secret`) checks out,
  so a blob that arrives with a checkout, or is altered, is never loaded.
"""

from __future__ import annotations

import gc
import hashlib
import json
import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from review_ls.cache import ResultCache
from review_ls.files import SourceReadError, read_source
from review_ls.project.dependencies import ModuleReach, file_digests, shared_digest
from review_ls.project.index import ProjectIndex
from review_ls.runner import FileReport, FileTask, check_files

SHARED = ""  # the dependency pair that names the shared facts
_FORMAT = 1
_MAX_TABLE_BYTES = 256 * 1024 * 1024
_MAX_INDEX_BYTES = 4 * 1024 * 1024 * 1024
_MAX_INDEX_DRIFT = 20  # files re-indexed from the stored index before it is written again (at least; 2% of the tree)


@dataclass
class _FileRow:
    """What the table keeps per file: content hash, reached-facts digest, shared-facts digest (hex)."""

    content: str
    reached: str
    shared: str


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
    data = {str(path): _read(path) for path in indexed}
    contents = {path: "" if value is None else hashlib.sha256(value).hexdigest() for path, value in data.items()}
    _refresh_table(state, cache, contents, list(data))
    reports: list[FileReport | None] = [_cached(task, state, data.get(task.path)) for task in tasks]
    misses = [task for task, report in zip(tasks, reports) if report is None]
    fresh: Iterator[FileReport] = iter(())
    if misses:
        project = _index(state, cache, contents, [str(p) for p in indexed])
        reach = ModuleReach(project)
        shared = state.shared()
        fresh = check_files([_with_dependencies(task, reach, state, shared) for task in misses], jobs=jobs, project=project)
    for report in reports:
        yield report if report is not None else next(fresh)
    if cache is not None:
        _store(state, cache)


def _read(path: Path) -> bytes | None:
    """A file's bytes (None when it cannot be read)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def _cached(task: FileTask, state: DependencyState, data: bytes | None) -> FileReport | None:
    """The task's cached report (`data`: the file's bytes, if read) when its entry's dependencies still hold."""
    if task.cache is None:
        return None
    data = _read(Path(task.path)) if data is None else data
    if data is None:
        return None
    if task.max_bytes is not None and len(data) > task.max_bytes:
        return None  # check_file reports it as skipped
    cached = task.cache.load(task.cache.key(task.path, data, task.settings), need_fixes=task.with_fixes)
    if cached is None or cached.dependencies is None or not state.holds(cached.dependencies):
        return None
    return FileReport(task.path, cached.findings, cached.fixes or {}, internal_errors=cached.internal_errors)


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
        state.rows[path] = _FileRow(contents[path], reached, shared)
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
        if table["format"] == _FORMAT and tuple(table["roots"]) == roots:
            state.rows = {path: _FileRow(*row) for path, row in table["files"].items()}
    except (ValueError, KeyError, TypeError):
        state.rows = {}
    return state


def _load_index(cache: ResultCache, roots: tuple[str, ...]) -> tuple[dict[str, str], ProjectIndex] | None:
    """The stored index of these roots and the content hashes it was built from (None when absent, foreign or unreadable)."""
    body = cache.load_blob(_blob_name("project-index", roots, "pickle"), _MAX_INDEX_BYTES)
    if body is None:
        return None
    gc.disable()  # millions of small objects: collecting while they are created costs more than loading them
    try:
        stored = pickle.loads(body)  # signed by this user's key (checked by load_blob) before it is unpickled
    except Exception:
        return None
    finally:
        gc.enable()
    if not (isinstance(stored, tuple) and len(stored) == 3 and stored[0] == _FORMAT and isinstance(stored[2], ProjectIndex)):
        return None
    return stored[1], stored[2]


def _store(state: DependencyState, cache: ResultCache) -> None:
    """Write the table when it changed, and the index when this run brought it up to date."""
    if state.changed:
        table = {"format": _FORMAT, "roots": list(state.roots), "files": {p: [r.content, r.reached, r.shared] for p, r in state.rows.items()}}
        cache.store_blob(_blob_name("dependencies", state.roots, "table"), json.dumps(table, separators=(",", ":")).encode())
    # Writing the index costs more than re-indexing a few files: a run that re-indexed only a few
    # leaves the stored index as it was (the next run re-indexes them again from it).
    if state.index is not None and (state.index_built or state.index_drift > max(_MAX_INDEX_DRIFT, len(state.rows) // 50)):
        body = pickle.dumps((_FORMAT, state.index_contents, state.index), protocol=pickle.HIGHEST_PROTOCOL)
        cache.store_blob(_blob_name("project-index", state.roots, "pickle"), body)

