"""A parallel check hands out files in file order, in chunks that shrink towards the end (`check_order.py`), and reports in file order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from review_ls.check_order import MAX_CHUNK, shrinking_chunks
from review_ls.cli import main
from review_ls.config import Settings
from review_ls.runner import FileTask, check_files


def test_every_file_is_handed_out_once_in_order() -> None:
    sizes = [(number * 7919) % 5000 for number in range(500)]
    chunks = shrinking_chunks(sizes, workers=2)
    assert [position for chunk in chunks for position in chunk] == list(range(500))


def test_chunks_shrink_to_single_files_at_the_end() -> None:
    sizes = [1000] * 2000
    chunks = shrinking_chunks(sizes, workers=2)
    assert max(len(chunk) for chunk in chunks) <= MAX_CHUNK
    assert len(chunks[0]) == MAX_CHUNK
    assert [len(chunk) for chunk in chunks[-3:]] == [1, 1, 1]
    lengths = [len(chunk) for chunk in chunks]
    assert lengths == sorted(lengths, reverse=True)


def test_a_file_larger_than_a_share_is_a_chunk_of_its_own() -> None:
    chunks = shrinking_chunks([10, 10_000, 10, 10], workers=2)
    assert [list(chunk) for chunk in chunks][:2] == [[0], [1]]


def test_no_files_no_chunks() -> None:
    assert shrinking_chunks([], workers=2) == []


def _files_smallest_first(folder: Path, count: int) -> list[str]:
    """`count` files, each larger than the one before (the last ones in chunks of their own), each with one finding."""
    paths = []
    for number in range(count):
        path = folder / f"m{number:02d}.py"
        padding = "\n".join(f"value_{i} = {i}" for i in range(number * 20))
        path.write_text(f"{padding}\n\ndef handler():\n    try:\n        pass\n    except Exception:\n        print('failed')\n", encoding="utf-8")
        paths.append(str(path))
    return paths


def test_parallel_reports_come_in_task_order(tmp_path: Path) -> None:
    paths = _files_smallest_first(tmp_path, 24)  # a parallel run from 16 files on
    tasks = [FileTask(path, Settings(select=("RV501",))) for path in paths]
    ordered = list(check_files(tasks, jobs=2))
    assert [report.path for report in ordered] == paths
    assert all(len(report.findings) == 1 for report in ordered)


def test_the_cli_prints_files_in_the_order_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = _files_smallest_first(tmp_path, 24)
    assert main(["check", str(tmp_path), "--select", "RV501", "--no-cache", "--jobs", "2", "--format", "json"]) == 1
    printed = [Path(finding["filename"]).name for finding in json.loads(capsys.readouterr().out)]
    assert printed == [Path(path).name for path in paths]
