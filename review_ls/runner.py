"""Checking many files: read, analyse (and fix) each one, in parallel processes. Used by the CLI."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from review_ls.config import Settings
from review_ls.deferred_dataclass import dataclass
from review_ls.engine.analysis import analyse_source, parse_or_none
from review_ls.engine.gc_pause import garbage_collector_paused, nothing_frozen_yet
from review_ls.engine.model import Finding, Fix
from review_ls.engine.project_model import ProjectModel
from review_ls.files import SourceFile, SourceReadError, read_source

if TYPE_CHECKING:
    from review_ls.cache import ResultCache
    from review_ls.claimed_chunks import ChunkClaims
    from review_ls.project.jedi_service import JediChannel, JediService

# Below this many files, starting worker processes costs more than it saves.
_PARALLEL_THRESHOLD = 16


@dataclass(frozen=True)
class FileTask:
    """What to do with one file."""

    path: str
    settings: Settings
    mode: str = "check"  # "check" | "fix" | "diff"
    unsafe_fixes: bool = False
    with_fixes: bool = False  # compute each finding's fix (for formats that print fixes)
    cache: ResultCache | None = None  # where check-mode results are reused and stored
    max_bytes: int | None = None  # larger files are skipped (config `max-file-size`)
    dependencies: tuple[tuple[str, str], ...] | None = None  # digests of the facts its findings read, stored with its entry


@dataclass
class FileReport:
    """The outcome for one file."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    fixes: dict[int, Fix] = field(default_factory=dict)  # index into findings -> its fix
    error: str | None = None
    fixed_count: int = 0
    diff: str = ""
    internal_errors: tuple[str, ...] = ()


def check_file(task: FileTask, project: ProjectModel | None = None) -> FileReport:
    """Read, analyse and (per the task's mode) fix one file; never raises for a bad file."""
    report = FileReport(task.path)
    path = Path(task.path)
    try:
        source = read_source(path, max_bytes=task.max_bytes, limit_name="max-file-size")
    except SourceReadError as exc:
        report.error = str(exc)
        return report
    with garbage_collector_paused():  # one file's trees hold no cycles worth a collection mid-file
        return _check_text(task, report, path, source, project)


def _check_text(task: FileTask, report: FileReport, path: Path, source: SourceFile, project: ProjectModel | None) -> FileReport:
    """Fix (per the mode) and analyse one file's read text into `report`."""
    text = source.text
    if task.mode in ("fix", "diff"):
        from review_ls.engine.fixes import fix_source  # (the fix machinery loads only when fixes are wanted)

        outcome = fix_source(text, task.path, task.settings, project, unsafe=task.unsafe_fixes)
        if outcome.source != text:
            from review_ls.output.unified_diff import unified_diff  # (the diff and the writer load only when a file changes)
            from review_ls.writer import FileChangedError, write_atomically

            report.fixed_count = len(outcome.applied)
            if task.mode == "diff":
                report.diff = unified_diff(text, outcome.source, task.path)
            else:
                try:
                    write_atomically(path, outcome.source, source.data, source.encoding)
                except (OSError, FileChangedError, UnicodeEncodeError) as exc:
                    report.error = f"not fixed: {exc}"
                    report.fixed_count = 0
                else:
                    text = outcome.source
    tree = parse_or_none(text)  # one parse, shared by the analysis and every fix of the file
    result = analyse_source(text, task.path, task.settings, project, module=tree)
    report.findings = list(result.all_findings)
    report.internal_errors = result.internal_errors
    if task.with_fixes and tree is not None:
        from review_ls.engine.fixes import ParsedSource, compute_fix

        parsed = ParsedSource.of(text, tree)
        for index, finding in enumerate(report.findings):
            if finding.fixable:
                fix = compute_fix(text, finding, task.path, task.settings, project, parsed=parsed)
                if fix is not None:
                    report.fixes[index] = fix
    if task.cache is not None and task.mode == "check":
        from review_ls.cache import CachedResult  # (the cache's modules load only when a cache is used)

        cached = CachedResult(report.findings, report.fixes if task.with_fixes else None, report.internal_errors, task.dependencies)
        task.cache.store(task.cache.key(task.path, source.data, task.settings), cached)
    return report


def within_size_limit(task: FileTask) -> bool:
    """False for a file over the task's `max_bytes` (it is skipped, and kept out of the project index)."""
    try:
        return task.max_bytes is None or Path(task.path).stat().st_size <= task.max_bytes
    except OSError:
        return True  # reading it reports why


def cached_report(task: FileTask) -> FileReport | None:
    """The report of a check-mode task from its cache, or None when it must be analysed."""
    if task.cache is None or task.mode != "check":
        return None
    if not within_size_limit(task):
        return None  # check_file reports it as skipped
    try:
        data = Path(task.path).read_bytes()
    except OSError:
        return None
    cached = task.cache.load(task.cache.key(task.path, data, task.settings), need_fixes=task.with_fixes)
    if cached is None or cached.dependencies != task.dependencies:
        return None
    return FileReport(task.path, cached.findings, cached.fixes or {}, internal_errors=cached.internal_errors)


def check_files(
    tasks: Sequence[FileTask],
    jobs: int | None = None,
    project: ProjectModel | None = None,
    project_factory: Callable[[], ProjectModel | None] | None = None,
) -> Iterator[FileReport]:
    """Report on every task, in task order: from the cache where it has the file, else by `check_file`.

    Cache hits are read here; only the misses go to `jobs` worker processes (all cores by default).
    The project index is `project`, or is built by `project_factory` only when some file is not cached.
    With a project, findings depend on other files, so every cache must be keyed by the project's fingerprint
    or every task must carry the digests of the facts it depends on (`dependency_cache.py`).
    """
    if (project is not None or project_factory is not None) and any(
        t.cache is not None and not t.cache.project_fingerprint and t.dependencies is None for t in tasks
    ):
        raise ValueError("a result cache used with a project index must be opened with the project's fingerprint")
    reports = [cached_report(task) for task in tasks]
    misses = [task for task, report in zip(tasks, reports) if report is None]
    jedi = None
    try:
        if misses and project is None and project_factory is not None:
            if _in_forked_workers(misses, jobs):
                from review_ls.malloc_threshold import return_large_blocks_on_free

                return_large_blocks_on_free()  # (before the build frees its large blocks; every forked process inherits it)
                # (forked while this process is small: the service never shares, nor copies, the pages of the index)
                jedi = _jedi_service_before_the_index(misses, jobs)
            project = project_factory()
        fresh = _check_uncached(misses, jobs, project, jedi)
        for report in reports:
            yield report if report is not None else next(fresh)
    finally:
        if jedi is not None:
            jedi.kill()  # (already closed when the check ran to its end)


def _check_uncached(tasks: Sequence[FileTask], jobs: int | None, project: ProjectModel | None, jedi: JediService | None) -> Iterator[FileReport]:
    # The index and the loaded rules live for the whole run: keep the collector from scanning them again
    # for every file (and, in forked workers, from copying their pages); thawed when the run ends.
    thaw = nothing_frozen_yet()
    gc.freeze()
    try:
        yield from _check_in_processes(tasks, jobs, project, jedi)
    finally:
        if thaw:
            gc.unfreeze()


def _in_parallel(tasks: Sequence[FileTask], jobs: int | None) -> bool:
    """Whether `_check_in_processes` checks `tasks` in several processes (else in this one alone)."""
    return (jobs or os.cpu_count() or 1) > 1 and len(tasks) >= _PARALLEL_THRESHOLD


def _in_forked_workers(tasks: Sequence[FileTask], jobs: int | None) -> bool:
    """Whether `_check_in_processes` checks `tasks` in forked worker processes."""
    if not _in_parallel(tasks, jobs):
        return False
    import multiprocessing  # (multiprocessing loads only for a parallel run)

    return multiprocessing.get_start_method() == "fork"


def _jedi_service_before_the_index(tasks: Sequence[FileTask], jobs: int | None) -> JediService | None:
    """The jedi service of a check in forked workers (`_in_forked_workers`) whose project index is yet to be built
    (`start_jedi_service`)."""
    from review_ls.project.index import ProjectIndex
    from review_ls.worker_start import may_ask_jedi, start_jedi_service

    return start_jedi_service(ProjectIndex(), may_ask_jedi(tasks), jobs or os.cpu_count() or 1)  # (an empty index stands in for the one to come)


def _check_in_processes(tasks: Sequence[FileTask], jobs: int | None, project: ProjectModel | None, jedi: JediService | None) -> Iterator[FileReport]:
    """Check `tasks` in this process (below `_PARALLEL_THRESHOLD` files, or with one job), else here and in `jobs - 1`
    worker processes, in chunks that shrink towards the end (`check_order.py`) claimed by whichever process is free
    (`claimed_chunks.py`); reports in task order. `jedi`: the service started before the index, if any."""
    workers = jobs or os.cpu_count() or 1
    if not _in_parallel(tasks, jobs):
        for task in tasks:
            yield check_file(task, project)
        return
    import multiprocessing  # (multiprocessing loads only for a parallel run)
    from concurrent.futures import ProcessPoolExecutor

    from review_ls.claimed_chunks import ChunkClaims, map_claimed
    from review_ls.worker_start import enabled_needs, may_ask_jedi, prepare_shared_model, start_jedi_service, start_worker

    if _in_forked_workers(tasks, jobs):  # (a spawned worker unpickles its own index, without what is derived)
        enabled, asks_jedi = enabled_needs(tasks), may_ask_jedi(tasks)
        prepare_shared_model(project, enabled, asks_jedi)  # built once here and shared by the forked workers, instead of built in each
        gc.freeze()  # (kept out of the collector's scans, which would copy its pages into each worker)
        if jedi is None:
            jedi = start_jedi_service(project, asks_jedi, workers)  # one process runs jedi for every worker
    from review_ls.check_order import shrinking_chunks

    chunks = [list(tasks[chunk.start : chunk.stop]) for chunk in shrinking_chunks([_size_of(task) for task in tasks], workers)]
    # Ctrl-C, SIGTERM turned into an exception, or the consumer stopping: the pool stops now (and the jedi service)
    channel = jedi.channel if jedi is not None else None
    try:
        context = multiprocessing.get_context()
        claims = ChunkClaims(context, len(chunks))
        pool = ProcessPoolExecutor(
            max_workers=workers - 1, mp_context=context, initializer=_set_worker_project, initargs=(project, os.getpid(), channel, chunks, claims)
        )
        start_worker(channel)  # (this process checks files too)
        for reports in map_claimed(pool, claims, _check_claimed_chunk_in_worker, lambda number: [check_file(task, project) for task in chunks[number]]):
            yield from reports
    except BaseException:
        if jedi is not None:
            jedi.kill()
        raise
    finally:
        if channel is not None:
            from review_ls.project.jedi_service import use_service

            use_service(None)  # (this process runs jedi itself again)
    if jedi is not None:
        jedi.close()


def _size_of(task: FileTask) -> int:
    """The file's size in bytes (0 when it cannot be read: reading it reports why)."""
    try:
        return os.stat(task.path).st_size
    except OSError:
        return 0


# Per worker process: the project index, the chunks and their claims, handed over once by the pool initializer.
_WORKER_STATE: dict[str, Any] = {}


def _set_worker_project(
    project: ProjectModel | None, parent_pid: int, jedi_channel: JediChannel | None, chunks: list[list[FileTask]], claims: ChunkClaims
) -> None:
    from review_ls.worker_lifetime import die_with_parent
    from review_ls.worker_start import start_worker

    die_with_parent(parent_pid)
    start_worker(jedi_channel)
    _WORKER_STATE.update(project=project, chunks=chunks, claims=claims)


def _check_claimed_chunk_in_worker() -> tuple[int, list[FileReport]] | None:
    """Claim the next chunk and check it: its number and reports; None when every chunk is claimed."""
    number = _WORKER_STATE["claims"].claim()
    if number is None:
        return None
    project = _WORKER_STATE["project"]
    return number, [check_file(task, project) for task in _WORKER_STATE["chunks"][number]]
