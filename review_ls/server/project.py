"""The one place the server creates and updates the project index (cross-file facts for the rules).

The index is built in the background when the workspace opens (open documents are analysed
meanwhile with an index of just themselves), and kept current file by file: open documents'
unsaved text when they are opened or saved, other files when the client reports them changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from review_ls.config import ConfigResolver
from review_ls.files import SourceReadError, discover_python_files, read_source
from review_ls.project.index import ProjectIndex

log = logging.getLogger(__name__)


class ProjectState:
    """Holds the workspace's `ProjectIndex`; its methods that read files run on worker threads."""

    def __init__(self, roots: Sequence[Path] = ()) -> None:
        self.index = ProjectIndex(roots)

    @property
    def fingerprint(self) -> object:
        """Changes whenever the index's facts change (or the index is replaced)."""
        return (id(self.index), self.index.fingerprint)

    @staticmethod
    def build(folders: Sequence[Path], resolvers: Mapping[Path, ConfigResolver], open_texts: Mapping[str, str]) -> ProjectIndex:
        """A new index of every Python file of the folders, with the open documents' unsaved text (worker thread)."""
        files: list[str] = []
        for folder in folders:
            try:
                files.extend(str(path) for path in discover_python_files([folder], resolvers[folder]))
            except OSError as exc:
                log.warning("cannot list the files of %s: %s", folder, exc)
        index = ProjectIndex.build(sorted(set(files)), roots=folders)
        for path, text in open_texts.items():
            index.update_file(path, text)
        return index

    def update(self, path: str, text: str) -> bool:
        """Index one file's text (an open document's); True when a fact changed (worker thread)."""
        return self.index.update_file(path, text)

    def refresh_from_disk(self, paths: Iterable[str], deleted: Iterable[str]) -> bool:
        """Re-index files changed on disk and forget deleted ones; True when a fact changed (worker thread)."""
        changed = False
        for path in deleted:
            changed = self.index.remove_file(path) or changed
        for path in paths:
            try:
                text = read_source(Path(path)).text
            except SourceReadError:
                changed = self.index.remove_file(path) or changed
                continue
            changed = self.index.update_file(path, text) or changed
        return changed
