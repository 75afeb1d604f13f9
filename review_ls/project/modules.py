"""Dotted module names of files: `app/api/routes.py` -> 'app.api.routes'.

A file's name climbs through the folders that are packages (hold an `__init__.py`, known to the
index or found on disk); a file outside any package is named relative to the workspace root that
holds it (a leading `src` folder dropped), else by its stem alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterable


def normalise(path: str) -> str:
    """An absolute, normalised spelling of `path` (for comparisons only; the index keys by the given path)."""
    return os.path.normpath(os.path.abspath(path))


class ModuleNamer:
    """Names modules from their paths, knowing which folders are packages."""

    def __init__(self, roots: Iterable[str], init_files: Iterable[str]) -> None:
        self.roots = tuple(sorted({normalise(r) for r in roots}, key=len, reverse=True))
        self._package_dirs = {os.path.dirname(normalise(p)) for p in init_files}
        self._on_disk: dict[str, bool] = {}

    def is_package(self, directory: str) -> bool:
        """True when `directory` holds an `__init__.py` (indexed, or on disk)."""
        if directory in self._package_dirs:
            return True
        known = self._on_disk.get(directory)
        if known is None:
            known = self._on_disk[directory] = os.path.isfile(os.path.join(directory, "__init__.py"))
        return known

    def module_name(self, path: str) -> str:
        """The dotted name under which the file at `path` is imported."""
        full = normalise(path)
        directory, filename = os.path.split(full)
        stem = filename.rsplit(".", 1)[0]
        parts = [] if stem == "__init__" else [stem]
        if self.is_package(directory):
            while self.is_package(directory) and directory != os.path.dirname(directory):
                parts.insert(0, os.path.basename(directory))
                directory = os.path.dirname(directory)
            return ".".join(parts)
        for root in self.roots:
            if full.startswith(root + os.sep):
                relative = os.path.relpath(directory, root)
                folders = [] if relative == "." else relative.split(os.sep)
                if folders and folders[0] == "src":
                    folders = folders[1:]
                return ".".join([*folders, *parts])
        return ".".join(parts) or os.path.basename(directory)


def is_package_file(path: str) -> bool:
    """True for a package's `__init__.py`."""
    return os.path.basename(path) in ("__init__.py", "__init__.pyi")
