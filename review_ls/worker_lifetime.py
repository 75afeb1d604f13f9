"""Pool workers that never outlive the CLI: they die with their parent and leave Ctrl-C to it.

The parent stops a pool at once on Ctrl-C (`map_in_pool`): Ctrl-C is held back while the pool starts its
workers, so every worker is in the pool's table when `stop_pool` kills them; nothing then waits for the
queued work (the interpreter joins a pool's manager thread and every live child process when it exits).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from itertools import islice
from types import FrameType
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

_PR_SET_PDEATHSIG = 1
_WATCH_SECONDS = 0.5
_MANAGER_EXIT_SECONDS = 10.0  # how long `stop_pool` waits for the pool's thread to close its pipes


def die_with_parent(parent_pid: int) -> None:
    """Make this worker process exit when `parent_pid` dies (prctl on Linux, else a watchdog thread)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool
    exit_with_parent(parent_pid)


def exit_with_parent(parent_pid: int) -> None:
    """Make this process exit when `parent_pid` dies, leaving its Ctrl-C handling as it is."""
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


def map_in_pool(pool: ProcessPoolExecutor, function: Callable[[Item], Result], items: Iterable[Item], chunksize: int = 1) -> Iterator[Result]:
    """Yield `function` of each item, in order, computed by `pool` in chunks, then shut the pool down; on Ctrl-C,
    any error or the consumer stopping early, stop the pool at once (`stop_pool`) instead of finishing its queue."""
    try:
        with interrupts_deferred():  # the workers start here: each is in the pool's table before Ctrl-C can land
            chunks = deque(pool.submit(_call_each, function, chunk) for chunk in _chunks(items, chunksize))
        while chunks:
            yield from chunks.popleft().result()
    except BaseException:
        # (The queued chunks are cancelled by the pool's own thread: cancelling them here races with it.)
        with interrupts_deferred():  # a second Ctrl-C must not leave workers alive
            stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """`items` in lists of `size` (the last one shorter)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _call_each(function: Callable[[Item], Result], chunk: list[Item]) -> list[Result]:
    """`function` of each item of one chunk (run in a pool worker)."""
    return [function(item) for item in chunk]


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) during the block and deliver it when the block ends (only the main thread receives signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def remember(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = signal.signal(signal.SIGINT, remember)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
        if received:
            signal.raise_signal(signal.SIGINT)  # now handled as it would have been (KeyboardInterrupt by default)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: drop queued work, kill its workers and wait for its thread (file writes are atomic: none is half done)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() forgets them
    results = getattr(pool, "_result_queue", None)
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        try:
            process.kill()
        except (OSError, ValueError):
            pass
    # A worker killed while sending a large result leaves half a message on the result pipe: closing the
    # parent's end for writing lets the pool's manager thread read end-of-file there instead of waiting
    # forever for the rest (and the interpreter waits for that thread when it exits).
    writer = getattr(results, "_writer", None)
    if writer is not None:
        writer.close()
    # The pool's thread closes its wake-up pipe as it ends, while the interpreter, exiting, writes to that
    # pipe without a lock (concurrent.futures' `_python_exit`, 3.10-3.13): the two racing printed "Exception
    # ignored ... Bad file descriptor" after "interrupted". Waiting here lets the thread end first.
    if manager is not None and manager is not threading.current_thread():
        manager.join(_MANAGER_EXIT_SECONDS)
