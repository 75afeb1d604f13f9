"""Ending a command-line run without the garbage collection the interpreter runs as it exits.

When the interpreter exits it clears every module and collects garbage over every object the run left: ~15 ms CPU of a
`review-ls check` of one small file (benchmarks/startup.py; more after a large run). The command line needs none of it:
its report is written and its files are closed before `main` returns, and atexit handlers (process pools, temporary
folders) still run. So the process entry points move the objects left out of the collector's reach first. `main`
itself does not: tests and editors' bundled launchers call it in long-lived processes.
"""

from __future__ import annotations

import gc


def skip_exit_collection() -> None:
    """Exempt every object alive now from the collections the interpreter runs at exit (call just before the process ends)."""
    gc.freeze()
