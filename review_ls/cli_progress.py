"""A progress bar on standard error for long `review-ls check` runs on a terminal; silent everywhere else.

The bar appears only once a run has lasted `DELAY_SECONDS` (short runs print nothing), is redrawn at
most `REDRAWS_PER_SECOND` times a second on one line (`\\r`), and is erased when the run ends, so the
report that follows starts on a clean line. It is never shown when standard error is not a terminal
(CI logs, pipes) or when the report is machine-readable on the terminal (JSON, SARIF, ...).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

Item = TypeVar("Item")

DELAY_SECONDS = 1.0
REDRAWS_PER_SECOND = 10
BAR_WIDTH = 30


def progress_wanted(stream: TextIO, output_format: str, writes_to_file: bool) -> bool:
    """True when a bar may be drawn: `stream` is a terminal and the report is text (or goes to a file)."""
    try:
        is_terminal = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return is_terminal and (output_format == "text" or writes_to_file)


def with_progress(
    items: Iterable[Item],
    total: int,
    stream: TextIO,
    enabled: bool,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Item]:
    """Yield `items` unchanged, drawing "checked n/total files" on `stream` once the run has lasted a second."""
    if not enabled:
        yield from items
        return
    started = clock()
    last_drawn: float | None = None
    done = 0
    try:
        for item in items:
            done += 1
            now = clock()
            if now - started >= DELAY_SECONDS and (last_drawn is None or now - last_drawn >= 1 / REDRAWS_PER_SECOND or done == total):
                stream.write("\r" + progress_line(done, total, now - started))
                stream.flush()
                last_drawn = now
            yield item
    finally:
        if last_drawn is not None:
            stream.write("\r\x1b[2K")  # erase the bar's line
            stream.flush()


def progress_line(done: int, total: int, elapsed: float) -> str:
    """One line of the bar: `[#####-----] 120/400 files  3.2 s`."""
    filled = BAR_WIDTH * done // total if total else BAR_WIDTH
    return f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done}/{total} files  {elapsed:.1f} s"
