"""The one place the server creates and updates the project index (cross-file facts for the rules).

The index is built in the background when the workspace opens (documents opened meanwhile are
analysed with the interim index), and kept current file by file: a document from outside the
workspace when it is first analysed, open documents once their settled diagnostics are out and when
they are saved, other files when the client reports them changed (`dependents.py`). When a
cross-file fact changes, the open documents whose findings read it are analysed again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from review_ls.config import ConfigResolver
from review_ls.files import discover_python_files
from review_ls.server.dependents import update_index
from review_ls.server.progress import WorkDoneProgress

if TYPE_CHECKING:
    from review_ls.project.index import ProjectIndex
    from review_ls.server.session import Session

log = logging.getLogger(__name__)

INDEX = "workspace-index"
_MISSING = "findings that need other files of the project are missing until it is indexed again (restart the server, or change its folders)"


class ProjectState:
    """Holds the workspace's `ProjectIndex`; its methods that read files run on worker threads."""

    def __init__(self, roots: Sequence[Path] = ()) -> None:
        self._roots = tuple(roots)
        self._index: ProjectIndex | None = None

    @property
    def index(self) -> ProjectIndex:
        """The current index (an empty one of the roots until the first build; the project model is imported on first use)."""
        if self._index is None:
            from review_ls.project.index import ProjectIndex

            self._index = ProjectIndex(self._roots)
        return self._index

    @index.setter
    def index(self, index: ProjectIndex) -> None:
        self._index = index

    @property
    def fingerprint(self) -> object:
        """Changes whenever the index's facts change (or the index is replaced)."""
        return (id(self.index), self.index.fingerprint)

    @staticmethod
    def build(
        folders: Sequence[Path], resolvers: Mapping[Path, ConfigResolver], open_texts: Mapping[str, str], should_stop: Callable[[], bool] = lambda: False
    ) -> ProjectIndex | None:
        """A new index of every Python file of the folders, with the open documents' unsaved text; None once `should_stop` (worker thread)."""
        files: list[str] = []
        for folder in folders:
            try:
                for path in discover_python_files([folder], resolvers[folder]):
                    if should_stop():
                        return None
                    files.append(str(path))
            except OSError as exc:
                log.warning("cannot list the files of %s: %s", folder, exc)
        from review_ls.project.index import ProjectIndex

        index = ProjectIndex.build(sorted(set(files)), roots=folders)
        index.configure_entry_points(entry for folder in folders for entry in resolvers[folder].config_for(folder).entry_points)
        for open_path, text in open_texts.items():
            index.update_file(open_path, text)
        from review_ls.project.ahead import derive_ahead

        derive_ahead(index, should_stop)  # (not inside the first analysis that asks, before its diagnostics)
        return index

    def knows(self, path: str) -> bool:
        """True when the index has facts of this file."""
        return self.index.facts(path) is not None

    def update(self, path: str, text: str) -> bool:
        """Index one file's text (an open document's); True when a fact changed (worker thread)."""
        return self.index.update_file(path, text)


def configure_entry_points(session: Session) -> None:
    """Give the index the `entry-points` of the workspace folders' pyproject.toml (after it changed)."""
    folders = session.settings.folders
    session.project.index.configure_entry_points(entry for folder in folders for entry in session.settings.project_config(folder).entry_points)


async def build_index(session: Session) -> None:
    """Index the workspace in the background (with progress), then analyse the open documents again with it.

    A new build cancels the one running. The user can cancel it from the progress bar; that, and a
    build that fails, is shown to the user: cross-file findings are then missing.
    """
    folders = session.settings.folders
    if not folders:
        return
    token = session.scheduler.background(INDEX)
    cancelled_by_user: list[bool] = []

    def cancel() -> None:
        cancelled_by_user.append(True)
        session.scheduler.cancel(INDEX)

    resolvers = {folder: session.settings.resolver_for(folder) for folder in folders}
    texts = {}
    for uri, state in session.documents.items():
        document = session.server.workspace.text_documents.get(uri)
        if document is not None and session.lost_sync(uri) is None:
            texts[state.path] = document.source
    loop = asyncio.get_running_loop()
    async with WorkDoneProgress(session, "review-ls: indexing the workspace", cancellable=True, on_cancel=cancel) as progress:
        try:
            index = await loop.run_in_executor(session.executor, ProjectState.build, folders, resolvers, texts, lambda: token.cancelled)
        except Exception as exc:
            log.exception("indexing the workspace failed")
            progress.end_message = "failed"
            session.show(f"indexing the workspace failed ({type(exc).__name__}: {exc}); {_MISSING}", types.MessageType.Error)
            return
        if index is None or token.cancelled:
            progress.end_message = "cancelled"
            if cancelled_by_user:
                session.show(f"indexing the workspace was cancelled; {_MISSING}", types.MessageType.Warning)
            else:
                log.info("indexing the workspace stopped: a newer build or the shutdown replaced it")
            return
        progress.end_message = f"{len(index.paths)} files indexed"
    session.project.index = index
    session.settings_changed()


async def index_saved_document(session: Session, uri: str) -> None:
    """Index an open document's saved text; analyse again the open documents whose facts changed."""
    snapshot = session.snapshot(uri)
    if snapshot is None or snapshot.too_large:
        return
    await update_index(session, {snapshot.path: snapshot.text}, ())


async def index_then_analyse(session: Session, uri: str) -> None:
    """Index a newly opened document the index does not know yet, then analyse it (and others, if facts changed)."""
    snapshot = session.snapshot(uri)
    changed = False
    if snapshot is not None and not snapshot.too_large:
        loop = asyncio.get_running_loop()
        changed = await loop.run_in_executor(session.executor, session.project.update, snapshot.path, snapshot.text)
        if uri not in session.documents and not Path(snapshot.path).is_file():  # closed meanwhile: forget it again
            changed = session.project.index.remove_file(snapshot.path) or changed
    if changed:
        session.settings_changed()
    elif uri in session.documents:
        session.scheduler.schedule(uri)


async def refresh_from_disk(session: Session, changed: list[str], deleted: list[str]) -> None:
    """Index files changed on disk (not open); analyse again the open documents whose facts changed."""
    await update_index(session, dict.fromkeys(changed), deleted)
