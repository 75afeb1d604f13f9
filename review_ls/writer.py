"""Writing fixed files safely: atomically, keeping permissions, refusing files changed meanwhile."""

from __future__ import annotations

import errno
import os
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

_SETTLE_ROUNDS = 20  # a save caught mid-write is waited for, at most 20 x 5 ms
_SETTLE_SECONDS = 0.005


class FileChangedError(Exception):
    """The file changed on disk after it was read; it was left untouched."""


def write_atomically(path: Path, text: str, expected_bytes: bytes, encoding: str = "utf-8") -> None:
    """Replace `path` with `text` via a temporary file and `os.replace`, if it still holds `expected_bytes`.

    A symlink stays a link (its target is replaced). The file's permission bits, and its owner and
    group where the user may set them, are kept; line endings are whatever `text` contains (fixes
    keep the file's own). A read-only file, or text the file's encoding cannot hold, raises before
    anything is written. An interruption leaves either the old or the new file, never half of one.
    A save that lands on the old file while it is being replaced is put back (FileChangedError): the
    old file stays open throughout, so a write into it after the last check is seen and never lost.
    """
    target = Path(os.path.realpath(path))
    data = text.encode(encoding)
    with open(target, "rb") as original:
        status = os.fstat(original.fileno())
        if _content(original) != expected_bytes:
            raise FileChangedError(f"{path} changed on disk since it was read")
        _replace(target, original, status, data, expected_bytes, path)
        landed = _content(original)
        if landed != expected_bytes:
            landed = _settled_content(original)
    if landed != expected_bytes:
        _put_back(target, landed, data)
        raise FileChangedError(f"{path} changed on disk while it was being fixed; the newer save was kept")


def _replace(target: Path, original: BinaryIO, status: os.stat_result, data: bytes, expected: bytes, path: Path) -> None:
    """Write `data` to a temporary file beside `target` and rename it over `target` if it still holds `expected`."""
    mode = status.st_mode & 0o7777
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "file is read-only", str(path))
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".review-ls.tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        _keep_owner(temporary, status)
        os.chmod(temporary, mode)
        current = os.lstat(target)
        if (current.st_dev, current.st_ino) != (status.st_dev, status.st_ino) or _content(original) != expected:
            raise FileChangedError(f"{path} changed on disk since it was read")
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def _content(handle: BinaryIO) -> bytes:
    """All bytes of an open file, read from its start."""
    handle.seek(0)
    return handle.read()


def _settled_content(original: BinaryIO) -> bytes:
    """The replaced file's bytes once a save that was writing into it has had time to finish."""
    first = _content(original)
    for _ in range(_SETTLE_ROUNDS):
        time.sleep(_SETTLE_SECONDS)
        later = _content(original)
        if later == first:
            return later
        first = later
    return first


def _put_back(target: Path, saved: bytes, fixed: bytes) -> None:
    """Put a save that landed in the replaced file back at `target`, unless an even newer save is there."""
    with open(target, "rb") as current:
        status = os.fstat(current.fileno())
        if _content(current) != fixed:
            return  # a later save already replaced the fixed text: it is the newest
        try:
            _replace(target, current, status, saved, fixed, target)
        except FileChangedError:
            return


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
