"""What /proc says about processes the reliability tests start (Linux only; the tests that use it skip elsewhere)."""

from __future__ import annotations

import time
from pathlib import Path


def is_alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


def children(pid: int) -> list[int]:
    """The pids of `pid`'s child processes (none once it is gone)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def wait_gone(pids: list[int], seconds: float) -> list[int]:
    """Wait up to `seconds` for every process of `pids` to end; those still alive then."""
    deadline = time.monotonic() + seconds
    while any(map(is_alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [pid for pid in pids if is_alive(pid)]


def slow_cli_program(arguments: list[str], seconds_per_file: float) -> str:
    """A `python -c` program running `review-ls <arguments> <argv[1]>` whose check of each file first sleeps
    `seconds_per_file` (forked workers inherit the patch), so that its workers are still busy when a test acts."""
    return f"""
import sys, time
import review_ls.runner
real_check_file = review_ls.runner.check_file

def slow_check_file(*args, **kwargs):
    time.sleep({seconds_per_file})
    return real_check_file(*args, **kwargs)

review_ls.runner.check_file = slow_check_file
from review_ls.cli import main
sys.exit(main([{", ".join(repr(a) for a in arguments[:1])}, sys.argv[1], {", ".join(repr(a) for a in arguments[1:])}]))
"""
