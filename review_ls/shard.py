"""`--shard i/n`: split one run over n CI jobs, deterministically, every file in exactly one shard.

A file's shard is a stable hash (SHA-256, not Python's per-process `hash`) of its path relative to its
project root, in POSIX form, so the split is the same on every machine, checkout folder and operating
system, and adding a file never moves the others. Shards are numbered 1..n (as in a CI matrix).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from review_ls.deferred_dataclass import dataclass


@dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int

    def holds(self, relative_posix: str) -> bool:
        """True when the file at this root-relative POSIX path belongs to this shard."""
        return shard_of(relative_posix, self.count) == self.index


def parse_shard(text: str) -> Shard:
    """Parse `i/n` (1 <= i <= n); raise ValueError with a one-line reason otherwise."""
    index_text, slash, count_text = text.partition("/")
    try:
        if not slash:
            raise ValueError
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise ValueError(f"--shard must look like i/n (e.g. 2/4), got {text!r}") from None
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"--shard {text}: need 1 <= i <= n")
    return Shard(index, count)


def shard_of(relative_posix: str, count: int) -> int:
    """The 1-based shard of a root-relative POSIX path among `count` shards."""
    digest = hashlib.sha256(relative_posix.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def files_in_shard(files: Sequence[Path], shard: Shard, root_of: Callable[[Path], Path]) -> list[Path]:
    """The files of `files` that belong to `shard`; `root_of` gives a file's project root."""
    return [path for path in files if shard.holds(relative_posix(path, root_of(path)))]


def relative_posix(path: Path, root: Path) -> str:
    """`path` relative to `root` with '/' separators (the absolute path when it is outside `root`)."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, os.path.abspath(root))
    if relative.startswith(".."):
        return Path(absolute).as_posix()
    return relative.replace(os.sep, "/")
