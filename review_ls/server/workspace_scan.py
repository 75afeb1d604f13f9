"""The workspace scan: analyse every Python file of the workspace folders in the background.

Files open in the editor are left to the live analysis; for the others the scan publishes
diagnostics. It reports `$/progress` and stops when the user cancels it (or a new scan starts).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.positions import split_lines
from review_ls.engine.project_model import ProjectModel
from review_ls.files import SourceReadError, discover_python_files, read_source
from review_ls.server.progress import WorkDoneProgress

if TYPE_CHECKING:
    from review_ls.server.session import Session

log = logging.getLogger(__name__)

SCAN = "workspace-scan"
_CHUNK = 8


@dataclass(frozen=True)
class ScanTask:
    """One file to scan, with what it is analysed under."""

    path: Path
    uri: str
    settings: Settings
    size_limit: int


async def scan_workspace(session: Session) -> dict[str, Any]:
    """Analyse the workspace's files that are not open; publish their diagnostics; return a summary."""
    token = session.scheduler.background(SCAN)
    loop = asyncio.get_running_loop()
    summary = {"files": 0, "problems": 0, "cancelled": False}
    async with WorkDoneProgress(session, "review-ls: scanning the workspace", cancellable=True, on_cancel=lambda: session.scheduler.cancel(SCAN)) as progress:
        folders = session.settings.folders
        resolvers = {folder: session.settings.resolver_for(folder) for folder in folders}
        paths = await loop.run_in_executor(session.executor, discover_files, folders, resolvers)
        tasks = [task for task in (scan_task(session, path) for path in paths) if task.uri not in session.documents]
        for start in range(0, len(tasks), _CHUNK):
            if token.cancelled:
                break
            chunk = [task for task in tasks[start : start + _CHUNK] if task.uri not in session.documents]
            project = session.project.index
            results = await loop.run_in_executor(session.executor, analyse_chunk, session, chunk, project)
            for uri, diagnostics in results:
                if uri not in session.documents:
                    if not session.workspace_pulled:  # a client that pulls workspace diagnostics gets them from `workspace_pull.py`
                        session.publish_scanned(uri, diagnostics)
                    summary["problems"] += len(diagnostics)
            summary["files"] += len(chunk)
            done = min(start + _CHUNK, len(tasks))
            progress.report(f"{done}/{len(tasks)} files", percentage=done * 100 // max(len(tasks), 1))
        summary["cancelled"] = token.cancelled
        progress.end_message = "cancelled" if token.cancelled else f"{summary['problems']} problems in {summary['files']} files"
    return summary


def discover_files(folders: Sequence[Path], resolvers: dict[Path, Any]) -> list[Path]:
    """The Python files of the folders, sorted (worker thread)."""
    found: list[Path] = []
    for folder in folders:
        try:
            found.extend(discover_python_files([folder], resolvers[folder]))
        except OSError as exc:
            log.warning("cannot list the files of %s: %s", folder, exc)
    return sorted(set(found))


def scan_task(session: Session, path: Path) -> ScanTask:
    """One file to scan, with its URI, settings and size limit."""
    return ScanTask(path, from_fs_path(str(path)) or path.as_uri(), session.settings.settings_for(path), session.settings.options_for(path).size_limit)


def analyse_chunk(session: Session, tasks: Sequence[ScanTask], project: ProjectModel | None) -> list[tuple[str, list[types.Diagnostic]]]:
    """Analyse some files (worker thread); unreadable and oversized files get no diagnostics."""
    results = []
    for task in tasks:
        try:
            text = read_source(task.path, max_bytes=task.size_limit).text
        except SourceReadError as exc:
            log.info("scan skips %s: %s", task.path, exc)
            continue
        try:
            result = analyse_source(text, str(task.path), task.settings, project)
        except Exception:
            log.exception("scanning %s failed", task.path)
            continue
        mapper = session.mapper(split_lines(text))
        results.append((task.uri, session.converter.convert(result.all_findings, task.uri, None, str(task.path), mapper, session.mapper_for_file)))
    return results
