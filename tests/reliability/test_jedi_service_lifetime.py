"""The jedi service of a parallel check (`project/jedi_service.py`) never outlives the CLI: Ctrl-C and kill stop it with the workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from process_table import (  # same folder: pytest puts it on sys.path
    children,
    slow_cli_program,
    wait_gone,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc, forks workers")

LOOP_REQUESTS = "import requests\n\n\ndef notify(hooks):\n    for hook in hooks:\n        requests.post(hook)\n"

# `review-ls check` (the default rules: RV701-RV703 read types, so the run has a jedi service) whose workers
# take 0.3 s a file: 40 files are indexed in this process, then checked in it and one worker.
_SLOW_CHECK = slow_cli_program(["check", "--jobs", "2", "--no-cache"], 0.3)


def _start(tmp_path: Path) -> tuple[subprocess.Popen[str], list[int]]:
    """Start the slow check; return it and its children (the jedi service and one worker) once both run."""
    for number in range(40):
        (tmp_path / f"m{number:03}.py").write_text(LOOP_REQUESTS)
    process = subprocess.Popen([sys.executable, "-c", _SLOW_CHECK, str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(children(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    started = children(process.pid)
    assert len(started) == 2, f"expected the jedi service and one worker, found {started}"
    return process, started


def _still_alive_after(pids: list[int], seconds: float) -> list[int]:
    left = wait_gone(pids, seconds)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


def test_ctrl_c_stops_the_jedi_service_with_the_workers(tmp_path: Path) -> None:
    process, started = _start(tmp_path)
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        _still_alive_after(started, 0)
        pytest.fail("review-ls check went on after Ctrl-C")
    assert process.returncode == 130 and "interrupted" in err
    assert _still_alive_after(started, 10) == []


def test_killing_the_cli_kills_the_jedi_service(tmp_path: Path) -> None:
    process, started = _start(tmp_path)
    process.kill()
    process.wait()
    assert _still_alive_after(started, 10) == []
