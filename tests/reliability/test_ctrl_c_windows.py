"""Ctrl-C stops every phase of `review-ls fix` at once: the index build, pool start-up, between the pools (#18 follow-up).

Each test runs the CLI in a child process that sends itself SIGINT at one chosen point, so the moment is
exact; the child records the pid of every pool worker it starts (in the parent, right after the fork) and
what its workers did, so the tests check that every worker is gone and that the queued work was dropped.
"""

from __future__ import annotations

import ast
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import cast

import pytest
from process_table import is_alive  # same folder: pytest puts it on sys.path

from review_ls.worker_lifetime import die_with_parent, stop_pool

LOOP_REQUESTS = "import requests\n\n\ndef notify(hooks):\n    for hook in hooks:\n        requests.post(hook)\n"

# argv: folder, where to interrupt, log file. Log lines: "started PID" (a pool worker, written by the CLI
# process), "index"/"check" (a file handled by a worker). Forked workers inherit the patches.
_INTERRUPTED_FIX = """
import os, signal, sys, time
import multiprocessing.process
import review_ls.runner, review_ls.project.index as index_module
from review_ls.project.index import ProjectIndex

folder, where, log = sys.argv[1:4]

def note(line):
    with open(log, "a") as stream:
        stream.write(line + "\\n")

real_check_file = review_ls.runner.check_file

def slow_check_file(*args, **kwargs):
    note("check")
    time.sleep(0.05)
    return real_check_file(*args, **kwargs)

review_ls.runner.check_file = slow_check_file
real_read_and_extract = index_module._read_and_extract
handled = []

def slow_read_and_extract(item):
    note("index")
    handled.append(item)
    if where == "index-build" and len(handled) == 3:
        try:  # only the first worker to get here interrupts the CLI
            os.close(os.open(log + ".interrupted", os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            pass
        else:
            os.kill(os.getppid(), signal.SIGINT)
            time.sleep(60)  # a file that takes long: the run must not wait for it
    if where == "index-build":
        time.sleep(0.05)
    return real_read_and_extract(item)

index_module._read_and_extract = slow_read_and_extract
real_start = multiprocessing.process.BaseProcess.start
started = []

def start(process):
    real_start(process)  # forked and known to multiprocessing, not yet in the pool's table of workers
    started.append(process.pid)
    note(f"started {process.pid}")
    if where == f"start {len(started)}":
        os.kill(os.getpid(), signal.SIGINT)

multiprocessing.process.BaseProcess.start = start
real_configure = ProjectIndex.configure_entry_points

def configure_then_interrupt(index, entry_points):
    real_configure(index, entry_points)
    if where == "between the pools":
        os.kill(os.getpid(), signal.SIGINT)

ProjectIndex.configure_entry_points = configure_then_interrupt
from review_ls.cli import main
sys.exit(main(["fix", folder, "--jobs", "2", "--no-cache"]))
"""


def _interrupted_fix(tmp_path: Path, files: int, where: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run the fix over `files` files with SIGINT at `where`; return the run and its log, with no worker left behind."""
    folder = tmp_path / "project"
    folder.mkdir()
    for number in range(files):
        (folder / f"m{number:03}.py").write_text(LOOP_REQUESTS)
    log = tmp_path / "log.txt"
    log.touch()
    try:
        run = subprocess.run([sys.executable, "-c", _INTERRUPTED_FIX, str(folder), where, str(log)], capture_output=True, text=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        run = None
    lines = log.read_text().splitlines()
    workers = [int(line.split()[1]) for line in lines if line.startswith("started ")]
    left = [pid for pid in workers if is_alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert run is not None, f"review-ls fix still ran 30 s after Ctrl-C at {where!r}"
    assert left == [], "workers outlived the interrupted run"
    for path in folder.glob("*.py"):
        text = path.read_text()
        ast.parse(text)
        assert text == LOOP_REQUESTS or "requests.post(hook)" not in text, "a file was half fixed"
    return run, lines


def _stopped_with_interrupted(run: subprocess.CompletedProcess[str]) -> None:
    assert run.returncode == 130, run.stderr
    assert run.stderr.strip().splitlines() == ["review-ls: interrupted"]


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc, forks workers")


def test_ctrl_c_during_the_index_build_stops_it_without_indexing_the_rest(tmp_path: Path) -> None:
    run, lines = _interrupted_fix(tmp_path, files=300, where="index-build")
    _stopped_with_interrupted(run)
    assert lines.count("index") < 150  # the queue was dropped (it used to finish the chunks handed out, this one too)
    assert "check" not in lines
    assert sum(line.startswith("started ") for line in lines) == 2  # no check pool was started


@pytest.mark.parametrize(
    ("files", "where", "workers"),
    [
        (250, "start 1", 2),  # the index pool's first worker (250 files are indexed in processes)
        (250, "start 2", 2),  # the index pool's last worker
        (40, "start 1", 1),  # the check pool's only worker (40 files are indexed in this process, which checks files too)
    ],
)
def test_ctrl_c_while_a_pool_starts_its_workers_stops_the_run(tmp_path: Path, files: int, where: str, workers: int) -> None:
    run, lines = _interrupted_fix(tmp_path, files=files, where=where)  # these used to wait forever for a worker
    _stopped_with_interrupted(run)
    assert lines.count("check") < files // 2  # the queue was dropped, not worked off
    assert sum(line.startswith("started ") for line in lines) == workers  # one pool, and the run stopped there


def test_ctrl_c_between_the_index_and_the_check_pool_starts_no_check_pool(tmp_path: Path) -> None:
    run, lines = _interrupted_fix(tmp_path, files=250, where="between the pools")
    _stopped_with_interrupted(run)
    assert lines.count("index") == 250
    assert "check" not in lines
    assert sum(line.startswith("started ") for line in lines) == 2  # the index workers only


# A pool whose worker stops in the middle of sending its result, as a worker killed by Ctrl-C can: the
# pool's thread then waits for the rest of the message (and the interpreter, exiting, for that thread).
_HALF_SENT_RESULT = """
import os, signal, struct, sys, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
from review_ls.worker_lifetime import die_with_parent, map_in_pool

pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"), initializer=die_with_parent, initargs=(os.getpid(),))
result_pipe = pool._result_queue._writer  # inherited by the forked worker

def send_half_a_result(item):
    os.write(result_pipe.fileno(), struct.pack("!i", 1_000_000) + b"x" * 1000)  # 1 MB announced, 1 kB sent
    os.kill(os.getppid(), signal.SIGINT)
    time.sleep(60)

try:
    list(map_in_pool(pool, send_half_a_result, [1, 2, 3]))
except KeyboardInterrupt:
    print("interrupted")
"""


def test_ctrl_c_after_a_worker_sent_half_a_result_still_exits(tmp_path: Path) -> None:
    try:
        run = subprocess.run([sys.executable, "-c", _HALF_SENT_RESULT], capture_output=True, text=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("the process waited for the rest of the half-sent result")
    assert run.returncode == 0, run.stderr
    assert run.stdout == "interrupted\n"


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_a_stopped_pool_has_closed_its_thread_before_the_interpreter_exits() -> None:
    # The interpreter's exit writes to the pool thread's wake-up pipe without a lock while that thread closes
    # it: on 3.10 CI, Ctrl-C then printed "Exception ignored ... Bad file descriptor" after "interrupted".
    pool = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork"), initializer=die_with_parent, initargs=(os.getpid(),))
    for _ in range(6):
        pool.submit(_sleep, 30)
    manager = cast(threading.Thread, pool._executor_manager_thread)  # (typeshed types it as the wake-up)
    wakeup = pool._executor_manager_thread_wakeup
    assert manager is not None and manager.is_alive()
    stop_pool(pool)
    assert not manager.is_alive()
    assert wakeup._closed  # so the exit's wake-up call writes nothing
