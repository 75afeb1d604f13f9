"""Writing fixed files safely: atomically, keeping permissions, refusing files changed meanwhile."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path


class FileChangedError(Exception):
    """The file changed on disk after it was read; it was left untouched."""


def write_atomically(path: Path, text: str, expected_bytes: bytes, encoding: str = "utf-8") -> None:
    """Replace `path` with `text` via a temporary file and `os.replace`, if it still holds `expected_bytes`.

    A symlink stays a link (its target is replaced). The file's permission bits, and its owner and
    group where the user may set them, are kept; line endings are whatever `text` contains (fixes
    keep the file's own). A read-only file, or text the file's encoding cannot hold, raises before
    anything is written. An interruption leaves either the old or the new file, never half of one.
    """
    target = Path(os.path.realpath(path))
    if target.read_bytes() != expected_bytes:
        raise FileChangedError(f"{path} changed on disk since it was read")
    status = target.stat()
    mode = status.st_mode & 0o7777
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "file is read-only", str(path))
    data = text.encode(encoding)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".review-ls.tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        _keep_owner(temporary, status)
        os.chmod(temporary, mode)
        if target.read_bytes() != expected_bytes:
            raise FileChangedError(f"{path} changed on disk since it was read")
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def _keep_owner(temporary: str, original: os.stat_result) -> None:
    """Give the temporary file the original's owner and group, where the user may (root, or own group)."""
    current = os.stat(temporary)
    if (current.st_uid, current.st_gid) == (original.st_uid, original.st_gid):
        return
    for uid in (original.st_uid, -1):
        try:
            os.chown(temporary, uid, original.st_gid)
        except PermissionError:
            continue
        return
