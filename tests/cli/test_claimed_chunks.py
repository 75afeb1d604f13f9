"""A parallel check's chunks are claimed once each, by the parent or a pool worker, and come back in order (`claimed_chunks.py`)."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from review_ls.claimed_chunks import ChunkClaims, map_claimed
from review_ls.config import Settings
from review_ls.runner import FileTask, check_files

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the pool is forked")

CHUNKS = 12
_FORK = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
_CLAIMS: dict[str, ChunkClaims] = {}  # (inherited by the forked worker)


def _pid_of_chunk(number: int) -> tuple[int, int]:
    return number, os.getpid()


def _claim_in_worker() -> tuple[int, tuple[int, int]] | None:
    number = _CLAIMS["claims"].claim()
    return None if number is None else (number, _pid_of_chunk(number))


def test_every_chunk_is_done_once_in_order_by_the_parent_and_the_worker() -> None:
    assert _FORK is not None
    _CLAIMS["claims"] = claims = ChunkClaims(_FORK, CHUNKS)
    pool = ProcessPoolExecutor(max_workers=1, mp_context=_FORK)
    results = list(map_claimed(pool, claims, _claim_in_worker, _slow_here))
    assert [number for number, _ in results] == list(range(CHUNKS))
    assert {pid for _, pid in results} - {os.getpid()}, "the worker did no chunk"
    assert os.getpid() in {pid for _, pid in results}, "the parent did no chunk"
    assert claims.claim() is None


def _slow_here(number: int) -> tuple[int, int]:
    time.sleep(0.02)  # (the worker gets chunks too)
    return _pid_of_chunk(number)


def test_an_error_in_the_parent_stops_the_pool() -> None:
    assert _FORK is not None
    _CLAIMS["claims"] = claims = ChunkClaims(_FORK, CHUNKS)
    pool = ProcessPoolExecutor(max_workers=1, mp_context=_FORK)

    workers: list[multiprocessing.process.BaseProcess] = []

    def fail(number: int) -> tuple[int, int]:
        workers.extend(pool._processes.values())  # (started by now; the pool forgets them when stopped)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        list(map_claimed(pool, claims, _claim_in_worker, fail))
    assert len(workers) == 1
    workers[0].join(10)
    assert workers[0].exitcode is not None  # stopped, not left to finish the queue


SLOW_LOOP = "import requests\n\n\ndef notify(hooks):\n    for hook in hooks:\n        requests.post(hook)\n"


def test_a_parallel_check_runs_in_this_process_and_one_worker_per_further_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import review_ls.runner

    log = tmp_path / "checked.log"
    real_check = review_ls.runner.check_file

    parent = str(os.getpid())

    def check_and_note(task: FileTask, project: object) -> review_ls.runner.FileReport:  # (inherited by the forked worker)
        with log.open("a") as stream:
            stream.write(f"{os.getpid()}\n")
        if str(os.getpid()) == parent:
            _wait_for_another_process(log, parent)  # (on a loaded machine this process could check every file first)
        return real_check(task, project)  # type: ignore[arg-type]

    monkeypatch.setattr(review_ls.runner, "check_file", check_and_note)
    paths = []
    for number in range(40):
        path = tmp_path / f"m{number:02}.py"
        path.write_text(SLOW_LOOP, encoding="utf-8")
        paths.append(str(path))
    reports = list(check_files([FileTask(path, Settings(select=("RV203",))) for path in paths], jobs=2))
    assert [report.path for report in reports] == paths
    assert all([f.code for f in report.findings] == ["RV203"] for report in reports)
    checked_by = log.read_text().split()
    assert len(checked_by) == 40
    assert str(os.getpid()) in checked_by and len(set(checked_by)) == 2  # this process and one worker


def _wait_for_another_process(log: Path, parent: str, seconds: float = 30.0) -> None:
    """Wait until a process other than `parent` has noted a file in `log` (or `seconds` passed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and all(pid == parent for pid in log.read_text().split()):
        time.sleep(0.01)
