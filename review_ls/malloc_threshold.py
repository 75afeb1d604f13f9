"""The C allocator of a parallel `review-ls check`: large blocks go back to the system when they are freed.

glibc serves a request of 128 KiB or more with a memory map of its own, unmapped when freed, but each time it frees
such a block it raises that threshold to the block's size (up to 32 MiB). A check's index build frees large blocks
(its interning table, 5 MB on the application corpus; the pickled chunks of its workers), so the blocks it allocates
later, up to that size, come from the heap and stay with the process once freed, and the forked workers inherit them.
Fixing the threshold at its default keeps large blocks mapped on their own: on the 509 KLOC application corpus with
jedi off, the check's peak memory goes from 184-185 MB to 176-178 MB, wall time unchanged (`benchmarks/memory_tree.py`).
`runner.check_files` fixes it before a check with forked workers builds its index (the workers inherit it); a small
run does not load ctypes for it.
"""

from __future__ import annotations

import ctypes
import os

# glibc's `mallopt` parameter for the size from which a request gets a memory map of its own; setting it turns off
# the dynamic raising of both that threshold and the heap's trim threshold.
_M_MMAP_THRESHOLD = -3
_DEFAULT_MMAP_THRESHOLD = 128 * 1024


def return_large_blocks_on_free() -> bool:
    """Fix glibc's map threshold at its default so that every large block freed goes back to the system (forked
    children inherit it); False, changing nothing, where the C library is not glibc."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):  # (glibc only: ValueError or OSError elsewhere)
            return False
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, TypeError, ValueError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, _DEFAULT_MMAP_THRESHOLD))
