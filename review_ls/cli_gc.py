"""The garbage collector of a `review-ls` command-line process: fewer young collections, none at exit.

A run mostly creates objects that live until it ends (modules, classes, the index, the rules). With the default
threshold the collector ran ~20 young collections while a one-file check imported its modules (~3 ms of ~120), and
as the interpreter exits it collects over every object left (~15 ms). The process entry points (`cli.run`) raise the
threshold, as mypy does, and exempt what is left from the exit-time collections: the report is written and the files
are closed before `main` returns, and atexit handlers (process pools, temporary folders) still run. `main` itself
changes neither (tests and editors' bundled launchers call it in long-lived processes); only the project index it
builds is kept out of collections, as it is in the server (`ProjectIndex.build`).
"""

from __future__ import annotations

import gc

from review_ls.engine.gc_pause import collect_young_every

# Allocations between young collections (the interpreter's default is 700); the older generations keep theirs.
YOUNG_THRESHOLD = 50_000


def collect_less_often() -> None:
    """Collect the youngest generation only every `YOUNG_THRESHOLD` allocations (call as the process starts)."""
    collect_young_every(YOUNG_THRESHOLD)


def skip_exit_collection() -> None:
    """Exempt every object alive now from the collections the interpreter runs at exit (call just before the process ends)."""
    gc.freeze()
