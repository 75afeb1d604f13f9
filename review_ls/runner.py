"""Checking many files: read, analyse (and fix) each one, in parallel processes. Used by the CLI."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.fixes import compute_fix, fix_source
from review_ls.engine.model import Finding, Fix
from review_ls.files import SourceReadError, read_source
from review_ls.writer import FileChangedError, write_atomically

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


def check_file(task: FileTask, project: Any = None) -> FileReport:
    """Read, analyse and (per the task's mode) fix one file; never raises for a bad file."""
    report = FileReport(task.path)
    path = Path(task.path)
    try:
        source = read_source(path)
    except SourceReadError as exc:
        report.error = str(exc)
        return report
    text = source.text
    if task.mode in ("fix", "diff"):
        outcome = fix_source(text, task.path, task.settings, project, unsafe=task.unsafe_fixes)
        if outcome.source != text:
            report.fixed_count = len(outcome.applied)
            if task.mode == "diff":
                report.diff = "".join(
                    difflib.unified_diff(
                        text.splitlines(keepends=True),
                        outcome.source.splitlines(keepends=True),
                        fromfile=f"a/{task.path}",
                        tofile=f"b/{task.path}",
                    )
                )
            else:
                try:
                    write_atomically(path, outcome.source, source.data, source.encoding)
                except (OSError, FileChangedError) as exc:
                    report.error = f"not fixed: {exc}"
                    report.fixed_count = 0
                else:
                    text = outcome.source
    result = analyse_source(text, task.path, task.settings, project)
    report.findings = list(result.all_findings)
    report.internal_errors = result.internal_errors
    if task.with_fixes:
        for index, finding in enumerate(report.findings):
            if finding.fixable:
                fix = compute_fix(text, finding, task.path, task.settings, project)
                if fix is not None:
                    report.fixes[index] = fix
    return report


def check_files(tasks: Sequence[FileTask], jobs: int | None = None, project: Any = None) -> Iterator[FileReport]:
    """Run `check_file` over every task, in `jobs` processes (all cores by default), in task order."""
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(tasks) < _PARALLEL_THRESHOLD:
        for task in tasks:
            yield check_file(task, project)
        return
    chunk = max(1, min(64, len(tasks) // (workers * 4)))
    with ProcessPoolExecutor(max_workers=workers, initializer=_set_worker_project, initargs=(project,)) as pool:
        yield from pool.map(_check_in_worker, tasks, chunksize=chunk)


# Per worker process: the project index handed over once by the pool initializer.
_WORKER_STATE: dict[str, Any] = {}


def _set_worker_project(project: Any) -> None:
    _WORKER_STATE["project"] = project


def _check_in_worker(task: FileTask) -> FileReport:
    return check_file(task, _WORKER_STATE.get("project"))
