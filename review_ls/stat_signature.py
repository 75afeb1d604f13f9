"""When a file's `stat` proves that its bytes are those hashed on an earlier run, so it need not be read again.

The rule (as git's index does it): a file's signature is its size, modification and change times
(nanoseconds), inode and device. A signature is recorded with a content hash only when the file
last changed at least `RACY_WINDOW_NS` before the signature was taken; a later run trusts that hash
while the signature is unchanged, and reads and hashes the file otherwise. So:

- an edit changes the change time (`ctime`), which no user call can set back: an edit that keeps the
  size and restores the modification time (`touch -d`, `os.utime`) is still seen;
- a file moved or copied over another has another inode (and a new `ctime`);
- a file that changed within the window (its timestamps may share a clock tick with a second edit
  made after it was read) has no signature recorded, and is hashed again on the next run;
- a file that cannot be `stat`ed has no signature and is always read.

When in doubt the file is hashed: a signature can only skip a read, never decide a result.
"""

from __future__ import annotations

import os
import stat

RACY_WINDOW_NS = 2_000_000_000  # wider than the coarsest timestamp tick of common file systems (FAT: 2 s)

Signature = tuple[int, int, int, int, int]


def signature_of(path: str) -> Signature | None:
    """The (size, mtime_ns, ctime_ns, inode, device) of a regular file (links followed), or None when it has none."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(status.st_mode):
        return None
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev)


def worth_recording(signature: Signature | None, taken_at_ns: int) -> bool:
    """True when `signature`, taken at `taken_at_ns` (`time.time_ns()` just before the `stat`), may vouch for the file later.

    A file that changed within `RACY_WINDOW_NS` before that moment could change again without its
    signature changing (same timestamps at a coarse clock tick); it is hashed again next time.
    """
    if signature is None:
        return False
    _, mtime_ns, ctime_ns, _, _ = signature
    return max(mtime_ns, ctime_ns) < taken_at_ns - RACY_WINDOW_NS


def as_signature(value: object) -> Signature | None:
    """A signature read back from the cache's JSON (a list of five integers), or None for anything else."""
    if isinstance(value, list) and len(value) == 5 and all(type(part) is int for part in value):
        return (value[0], value[1], value[2], value[3], value[4])
    return None
