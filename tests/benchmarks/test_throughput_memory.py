"""The throughput benchmark's memory of a process tree counts pages a forked child shares with its parent once (PSS)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from benchmark_modules import load_benchmark  # same folder: pytest puts it on sys.path

# A parent that fills 64 MB, then forks a child that keeps the same pages without writing to them; both wait.
_SHARED_PAGES = """
import os, sys, time
block = bytearray(64 * 1024 * 1024)
for offset in range(0, len(block), 4096):
    block[offset] = 1
if os.fork() == 0:
    time.sleep(30)
    os._exit(0)
print("ready", flush=True)
time.sleep(30)
"""


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="reads /proc/<pid>/smaps_rollup (Linux)")
def test_pages_shared_with_a_forked_child_count_once_in_the_pss_sum_and_twice_in_the_rss_sum() -> None:
    throughput = load_benchmark("throughput")
    process = subprocess.Popen([sys.executable, "-c", _SHARED_PAGES], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 10
        while not _children(process.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        memory = throughput.tree_memory(process.pid)
    finally:
        for child in _children(process.pid):
            os.kill(child, signal.SIGKILL)
        process.kill()
        process.wait()
    assert memory.rss_mb >= 2 * 64  # each process maps the 64 MB
    assert 64 <= memory.pss_mb < 64 + 0.5 * 64  # the shared 64 MB count once, plus two interpreters
