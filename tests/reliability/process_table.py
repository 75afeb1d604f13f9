"""What /proc says about processes the reliability tests start (Linux only; the tests that use it skip elsewhere)."""

from __future__ import annotations

from pathlib import Path


def is_alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status
