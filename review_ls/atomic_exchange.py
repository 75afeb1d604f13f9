"""Swapping two paths in one atomic step: Linux `renameat2(RENAME_EXCHANGE)`, macOS `renamex_np(RENAME_SWAP)`."""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import platform
import sys
from typing import Callable

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2  # linux/fs.h
_RENAME_SWAP = 2  # macOS sys/stdio.h
_SYS_RENAMEAT2 = {"x86_64": 316, "aarch64": 276}  # for a libc older than glibc 2.28, which lacks the wrapper

# What a kernel, a file system or a sandbox answers when it cannot exchange: the caller renames instead.
_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP})

_Swap = Callable[[bytes, bytes], int]


class ExchangeUnsupportedError(OSError):
    """This system or file system cannot exchange two paths atomically; nothing was changed."""


def exchange(first: str, second: str) -> None:
    """Atomically swap the files at `first` and `second` (both must exist, in the same file system)."""
    swap = _native_swap()
    if swap is None:
        raise ExchangeUnsupportedError(errno.ENOSYS, f"no atomic exchange on {sys.platform}", first, None, second)
    failure = swap(os.fsencode(first), os.fsencode(second))
    if failure == 0:
        return
    error_class = ExchangeUnsupportedError if failure in _UNSUPPORTED else OSError
    raise error_class(failure, os.strerror(failure), first, None, second)


@functools.cache
def _native_swap() -> _Swap | None:
    """The platform's exchange call (returning 0 or an errno), or None where there is none."""
    if sys.platform.startswith("linux"):
        bind = _linux_swap
    elif sys.platform == "darwin":
        bind = _macos_swap
    else:
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    return bind(libc)


def _linux_swap(libc: ctypes.CDLL) -> _Swap | None:
    """`renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)`, through the libc wrapper or the raw system call."""
    wrapper = getattr(libc, "renameat2", None)
    if wrapper is not None:
        wrapper.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        wrapper.restype = ctypes.c_int
        return lambda first, second: _errno_of(wrapper(_AT_FDCWD, first, _AT_FDCWD, second, _RENAME_EXCHANGE))
    number = _SYS_RENAMEAT2.get(platform.machine())
    syscall = getattr(libc, "syscall", None)
    if number is None or syscall is None:
        return None
    syscall.restype = ctypes.c_long
    at_fdcwd, flags = ctypes.c_int(_AT_FDCWD), ctypes.c_uint(_RENAME_EXCHANGE)
    return lambda first, second: _errno_of(syscall(ctypes.c_long(number), at_fdcwd, first, at_fdcwd, second, flags))


def _macos_swap(libc: ctypes.CDLL) -> _Swap | None:
    """`renamex_np(a, b, RENAME_SWAP)` (macOS 10.12 and later). Not exercised by the test suite, which runs on Linux."""
    function = getattr(libc, "renamex_np", None)
    if function is None:
        return None
    function.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return lambda first, second: _errno_of(function(first, second, _RENAME_SWAP))


def _errno_of(result: int) -> int:
    """0 for a call that succeeded, else the errno it left."""
    return 0 if result == 0 else ctypes.get_errno() or errno.EIO
