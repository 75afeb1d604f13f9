"""Writing fixed files safely: atomically, keeping permissions, refusing files changed meanwhile."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

from review_ls import atomic_exchange
from review_ls.deferred_dataclass import dataclass

_SETTLE_ROUNDS = 20  # a save caught mid-write is waited for, at most 20 x 5 ms
_SETTLE_SECONDS = 0.005
_MAX_EXCHANGES = 64  # swapping a newer save back into place, at most this often per fix


class FileChangedError(Exception):
    """The file changed on disk after it was read; it was left untouched."""


@dataclass(frozen=True)
class _Version:
    """One file that sat at the target path: its inode, and its bytes when it was last seen (None: not readable)."""

    identity: tuple[int, int]
    content: bytes | None


def write_atomically(path: Path, text: str, expected_bytes: bytes, encoding: str = "utf-8") -> None:
    """Replace `path` with `text` via a temporary file swapped into place, if it still holds `expected_bytes`.

    A symlink stays a link (its target is replaced). The file's permission bits, and its owner and
    group where the user may set them, are kept; line endings are whatever `text` contains (fixes
    keep the file's own). A read-only file, or text the file's encoding cannot hold, raises before
    anything is written. An interruption leaves either the old or the new file, never half of one.
    A save that lands while the file is being replaced is put back (FileChangedError). Where the
    system can exchange two paths atomically (Linux, macOS), what the exchange took out of place is
    compared with what was checked, so a save renamed into place or written into the old file is
    never lost; elsewhere the old file stays open throughout, so a write into it is seen and put back.
    """
    _write(Path(os.path.realpath(path)), text.encode(encoding), expected_bytes, path)


def _write(target: Path, data: bytes, expected: bytes, path: Path) -> None:
    """`write_atomically` for the resolved `target`, in bytes; `path` is the name used in messages."""
    with open(target, "rb") as original:
        status = os.fstat(original.fileno())
        if _content(original) != expected:
            raise FileChangedError(f"{path} changed on disk since it was read")
        if _replace(target, original, status, data, expected, path):
            return
        landed = _content(original)
        if landed != expected:
            landed = _settled_content(original)
    if landed != expected:
        _put_back(target, landed, data)
        raise FileChangedError(f"{path} changed on disk while it was being fixed; the newer save was kept")


def _replace(target: Path, original: BinaryIO, status: os.stat_result, data: bytes, expected: bytes, path: Path) -> bool:
    """Write `data` to a temporary file beside `target` and swap it in if `target` still holds `expected`.

    True when the swap was an atomic exchange: any save that landed meanwhile is already back at
    `target` (and FileChangedError raised). False when it was a rename (no exchange on this system or
    file system): the caller still has to look for a save written into `original`.
    """
    mode = status.st_mode & 0o7777
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "file is read-only", str(path))
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".review-ls.tmp", dir=target.parent)
    ours = os.fstat(handle)
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
        if _exchange_into_place(temporary, str(target), _Version((status.st_dev, status.st_ino), expected), path):
            return True
        os.replace(temporary, target)
        return False
    except BaseException:
        _remove_if_ours(temporary, ours)  # once exchanged, a save may sit there instead: it is left alone
        raise


def _exchange_into_place(temporary: str, target: str, checked: _Version, path: Path) -> bool:
    """Exchange the temporary file with `target` (which was `checked`) and put back any save that landed meanwhile.

    False, with nothing changed, where the system or file system cannot exchange two paths.
    """
    with ExitStack() as held:
        ours = _version_at(temporary, held)
        try:
            atomic_exchange.exchange(temporary, target)
        except atomic_exchange.ExchangeUnsupportedError:
            return False
        except FileNotFoundError as exc:
            raise FileChangedError(f"{path} was removed while it was being fixed") from exc
        if _keep_newest(temporary, target, checked, ours, held):
            raise FileChangedError(f"{path} changed on disk while it was being fixed; the newer save was kept")
        return True


def _remove_if_ours(temporary: str, ours: os.stat_result) -> None:
    """Delete the temporary file if it is still the one this writer made."""
    try:
        current = os.lstat(temporary)
    except FileNotFoundError:
        return
    if (current.st_dev, current.st_ino) == (ours.st_dev, ours.st_ino):
        os.unlink(temporary)


def _keep_newest(temporary: str, target: str, checked: _Version, ours: _Version, held: ExitStack) -> bool:
    """After `ours` was exchanged into `target`, put back any save that landed meanwhile; True if one did.

    Each exchange takes out of `target` what sat there. It should be the version put there last (at
    first: the file that was checked). Anything else is a newer save, renamed into place or written
    into that file, so it is exchanged back, until the exchange returns what was put there. What is
    left at `temporary` then is older than what is at `target`, and is deleted. A save that removes
    `target` meanwhile is newer than everything held, so the one held is deleted too. If the exchanges
    never settle, what was last taken out is left at `temporary` (FileChangedError names it).
    """
    expected, placed = checked, ours
    saved_meanwhile = False
    for _ in range(_MAX_EXCHANGES):
        taken_out = _version_at(temporary, held)
        if taken_out == expected:
            break
        saved_meanwhile = True
        expected, placed = placed, taken_out
        try:
            atomic_exchange.exchange(temporary, target)
        except FileNotFoundError:
            break
    else:  # a new save for every exchange, or a file system that renumbers the files it renames
        raise FileChangedError(f"{target} kept changing while it was being fixed; the version moved aside is kept as {temporary}")
    os.unlink(temporary)
    return saved_meanwhile


def _version_at(path: str, held: ExitStack) -> _Version:
    """The file now at `path`, kept open in `held` so that its inode number cannot be reused while it is compared."""
    status = os.lstat(path)
    identity = (status.st_dev, status.st_ino)
    if not stat.S_ISREG(status.st_mode):
        return _Version(identity, None)
    try:
        handle = held.enter_context(open(path, "rb", opener=_open_no_follow))
    except OSError:
        return _Version(identity, None)
    return _Version(identity, _content(handle))


def _open_no_follow(path: str, flags: int) -> int:
    """`os.open` that neither follows a symlink nor waits on a FIFO (where the system has these flags)."""
    return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))


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
    """Put a save that landed in the replaced file back at `target`, unless an even newer save is there.

    Putting back is itself a write that a save can race, so it is checked the same way as the fix.
    """
    try:
        _write(target, saved, fixed, target)
    except FileChangedError:
        return  # a later save already replaced the fixed text (it is the newest), or was put back itself


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
