"""`workspace/diagnostic` (pull): the workspace scan's diagnostics, for clients that ask for them.

Advertised only to clients that pull document diagnostics. Each file not open in the editor gets a
report with a result ID made of what decides its findings: its size and modification time, its
settings, and the project's facts (index fingerprint and settings generation). A file whose ID the
client already has is reported `unchanged` without being read or analysed again. Only folders
whose `scanWorkspaceOnStartup` is on are reported, as only they are scanned. Once a client pulls
workspace diagnostics, the scan stops pushing them (and clears what it pushed), so nothing shows twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lsprotocol import types

from review_ls.server.workspace_scan import SCAN, ScanTask, analyse_chunk, discover_files, scan_task

if TYPE_CHECKING:
    from review_ls.server.session import Session

log = logging.getLogger(__name__)

_CHUNK = 8
WorkspaceReport = types.WorkspaceFullDocumentDiagnosticReport | types.WorkspaceUnchangedDocumentDiagnosticReport


async def workspace_diagnostics(session: Session, params: types.WorkspaceDiagnosticParams) -> types.WorkspaceDiagnosticReport:
    """A report per workspace file that is not open: `unchanged` when the client has its current result ID, else its diagnostics."""
    _take_over_from_the_scan(session)
    previous = {item.uri: item.value for item in params.previous_result_ids}
    folders = [f for f in session.settings.folders if session.settings.options_for(f).scan_workspace_on_startup]
    if not folders:
        return types.WorkspaceDiagnosticReport(items=[])
    loop = asyncio.get_running_loop()
    resolvers = {folder: session.settings.resolver_for(folder) for folder in folders}
    paths = await loop.run_in_executor(session.executor, discover_files, folders, resolvers)
    tasks = [task for task in (scan_task(session, path) for path in paths) if task.uri not in session.documents]
    project = session.project.index
    context = f"{session.generation}\0{project.fingerprint}"
    ids = await loop.run_in_executor(session.executor, _result_ids, tasks, context)
    items: list[WorkspaceReport] = []
    stale: list[ScanTask] = []
    for task in tasks:
        result_id = ids[task.uri]
        if result_id is not None and previous.get(task.uri) == result_id:
            items.append(types.WorkspaceUnchangedDocumentDiagnosticReport(uri=task.uri, result_id=result_id, version=None))
        else:
            stale.append(task)
    for start in range(0, len(stale), _CHUNK):
        chunk = stale[start : start + _CHUNK]
        results = dict(await loop.run_in_executor(session.executor, analyse_chunk, session, chunk, project))
        for task in chunk:
            diagnostics = results.get(task.uri, [])
            items.append(types.WorkspaceFullDocumentDiagnosticReport(uri=task.uri, items=diagnostics, version=None, result_id=ids[task.uri]))
    return types.WorkspaceDiagnosticReport(items=items)


def _take_over_from_the_scan(session: Session) -> None:
    """From the first workspace pull on, the scan's diagnostics are pulled: clear what it pushed."""
    if session.workspace_pulled:
        return
    session.workspace_pulled = True
    session.scheduler.cancel(SCAN)
    for uri in list(session.scanned):
        session.publish_scanned(uri, [])


def _result_ids(tasks: Sequence[ScanTask], context: str) -> dict[str, str | None]:
    """The result ID of each file from its size, modification time and settings (worker thread); None for a file that cannot be read."""
    ids: dict[str, str | None] = {}
    for task in tasks:
        try:
            status = os.stat(task.path)
        except OSError:
            ids[task.uri] = None
            continue
        key = f"{context}\0{status.st_size}\0{status.st_mtime_ns}\0{task.settings!r}"
        ids[task.uri] = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return ids
