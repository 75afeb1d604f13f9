"""Writing fixed files safely: atomically, keeping permissions, refusing files changed meanwhile."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class FileChangedError(Exception):
    """The file changed on disk after it was read; it was left untouched."""


def write_atomically(path: Path, text: str, expected_bytes: bytes, encoding: str = "utf-8") -> None:
    """Replace `path` with `text` via a temporary file and `os.replace`, if it still holds `expected_bytes`.

    The file's permission bits are kept; line endings are whatever `text` contains (fixes keep
    the file's own). An interruption leaves either the old or the new file, never half of one.
    """
    if path.read_bytes() != expected_bytes:
        raise FileChangedError(f"{path} changed on disk since it was read")
    mode = path.stat().st_mode & 0o7777
    directory = path.parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".review-ls.tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding=encoding, newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        if path.read_bytes() != expected_bytes:
            raise FileChangedError(f"{path} changed on disk since it was read")
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
