"""Pool workers that never outlive the CLI: they die with their parent and leave Ctrl-C to it."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1
_WATCH_SECONDS = 0.5


def die_with_parent(parent_pid: int) -> None:
    """Make this worker process exit when `parent_pid` dies (prctl on Linux, else a watchdog thread)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool
    exit_with_parent(parent_pid)


def exit_with_parent(parent_pid: int) -> None:
    """Make this process exit when `parent_pid` dies, leaving its Ctrl-C handling as it is (for short-lived pools)."""
    if sys.platform.startswith("linux") and _set_parent_death_signal():
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)
        return
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="review-ls-parent-watchdog", daemon=True).start()


def _set_parent_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent exits; False when prctl is unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    """Exit the process as soon as its parent is gone (the fallback where prctl is unavailable)."""
    while os.getppid() == parent_pid:
        time.sleep(_WATCH_SECONDS)
    os._exit(1)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: drop queued work and kill its workers (each file write is atomic, so none is half done)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        try:
            process.kill()
        except (OSError, ValueError):
            pass
