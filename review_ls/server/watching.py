"""Noticing pyproject.toml changes: file watching where the client offers it, else a check on every save."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from review_ls.server.session import Session

log = logging.getLogger(__name__)

WATCHERS = ("**/pyproject.toml", "**/*.py", "**/*.pyi")


async def register_watchers(session: Session) -> bool:
    """Ask the client to report pyproject.toml and Python file changes; True when it agreed."""
    if not session.features.watch_files_dynamically:
        return False
    options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHERS])
    registration = types.Registration(id="review-ls-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options)
    try:
        await session.server.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
    except Exception as exc:
        log.info("the client did not register file watchers (%s); pyproject.toml is re-read on save", exc)
        return False
    return True


class ConfigStamps:
    """Modification stamps of the pyproject.toml files that can govern the watched folders (for clients without file watching)."""

    def __init__(self) -> None:
        self._stamps: dict[Path, tuple[int, int] | None] = {}

    def changed(self, directories: Iterable[Path], roots: Iterable[Path]) -> bool:
        """Re-stat the pyproject.toml of each directory (and its parents up to its root); True when any changed."""
        stamps: dict[Path, tuple[int, int] | None] = {}
        root_set = {r.resolve() for r in roots}
        for directory in directories:
            for candidate in (directory, *directory.parents):
                stamps[candidate / "pyproject.toml"] = _stamp(candidate / "pyproject.toml")
                if candidate in root_set:
                    break
        changed = any(self._stamps.get(path, stamp) != stamp for path, stamp in stamps.items())
        self._stamps.update(stamps)
        return changed


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size
