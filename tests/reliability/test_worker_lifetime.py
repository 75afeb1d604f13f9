"""Killing or interrupting `review-ls fix` stops its pool workers at once (issue #18 item 4)."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from process_table import (  # same folder: pytest puts it on sys.path
    children,
    is_alive,
    slow_cli_program,
    wait_gone,
)

LOOP_REQUESTS = "import requests\n\n\ndef notify(hooks):\n    for hook in hooks:\n        requests.post(hook)\n"

# `review-ls fix` whose workers take 0.2 s a file: 40 s of work on 2 workers.
_SLOW_FIX = slow_cli_program(["fix", "--jobs", "2", "--no-cache"], 0.2)


def _start_with_workers(tmp_path: Path, program: str, files: int) -> tuple[subprocess.Popen[str], list[int]]:
    """Run `program` over `files` files in tmp_path; return it and its worker pids once two run and have taken work."""
    for number in range(files):
        (tmp_path / f"m{number:03}.py").write_text(LOOP_REQUESTS)
    process = subprocess.Popen([sys.executable, "-c", program, str(tmp_path)], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(children(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = children(process.pid)
    assert len(workers) >= 2, "the pool never started"
    time.sleep(0.5)  # let the workers take work
    return process, workers


def _start_slow_fix(tmp_path: Path) -> tuple[subprocess.Popen[str], list[int]]:
    """Start the slow fix over 400 files; return it and its worker pids once they run."""
    return _start_with_workers(tmp_path, _SLOW_FIX, files=400)


def _files_fixed_or_untouched(folder: Path) -> None:
    for path in folder.glob("*.py"):
        text = path.read_text()
        ast.parse(text)
        assert text == LOOP_REQUESTS or "requests.post(hook)" not in text


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_the_main_process_kills_its_workers(tmp_path: Path) -> None:
    process, workers = _start_slow_fix(tmp_path)
    process.kill()
    process.wait()
    still_running = wait_gone(workers, seconds=10)
    for pid in still_running:
        os.kill(pid, signal.SIGKILL)
    assert still_running == []
    _files_fixed_or_untouched(tmp_path)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_to_the_main_process_stops_the_run_without_finishing_the_queue(tmp_path: Path) -> None:
    process, workers = _start_slow_fix(tmp_path)
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=20)  # the queued work alone takes 40 s
    except subprocess.TimeoutExpired:
        process.kill()
        for pid in workers:
            if is_alive(pid):
                os.kill(pid, signal.SIGKILL)
        pytest.fail("review-ls fix went on with its queue after Ctrl-C")
    assert process.returncode == 130 and "interrupted" in err
    assert wait_gone(workers, seconds=10) == []
    _files_fixed_or_untouched(tmp_path)


# A project index build whose workers take 0.2 s a file (forked workers inherit the patch): 25 s of work on 2 workers.
_SLOW_INDEX = """
import sys, time
from pathlib import Path
import review_ls.project.index as index_module
real_read_and_extract = index_module._read_and_extract

def slow_read_and_extract(item):
    time.sleep(0.2)
    return real_read_and_extract(item)

index_module._read_and_extract = slow_read_and_extract
files = sorted(str(p) for p in Path(sys.argv[1]).glob("*.py"))
index_module.ProjectIndex.build(files, [sys.argv[1]], jobs=2, parallel_threshold=1)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_the_process_building_the_index_kills_the_index_workers(tmp_path: Path) -> None:
    process, workers = _start_with_workers(tmp_path, _SLOW_INDEX, files=250)
    process.kill()
    process.wait()
    still_running = wait_gone(workers, seconds=10)
    for pid in still_running:
        os.kill(pid, signal.SIGKILL)
    assert still_running == []  # orphaned, they used to wait forever on the pool's queue
