"""benchmarks/peer_suites.py scores the labels as written, and the review's notes only in the "(judged)" rows (issue #14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark_modules import load_benchmark  # same folder: pytest puts it on sys.path

peer_suites = load_benchmark("peer_suites")

EVAL_FILE = """\
import time


async def f(x, y):
    time.sleep(1)  # ASYNC251: 4, "trio"
    x.read()  # should error
    y.anything()  # ASYNC251: 4, "trio"
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "async251.py").write_text(EVAL_FILE, encoding="utf-8")
    return tmp_path


def test_labels_are_read_from_the_comments(folder: Path) -> None:
    assert peer_suites.comment_labels(folder) == {"async251.py": {5, 7}}


def test_notes_change_only_the_judged_score(folder: Path) -> None:
    labels = peer_suites.comment_labels(folder)
    notes = {"async251.py": {7: peer_suites.Note(False, "no method of that object")}}
    as_written = peer_suites.score(folder, labels)
    judged = peer_suites.score(folder, labels, notes=notes)
    assert (as_written.true_positives, as_written.false_negatives, as_written.false_positives) == (1, 1, 0)
    assert as_written.misses == ["async251.py:7"]
    assert (judged.true_positives, judged.false_negatives, judged.false_positives) == (1, 0, 0)


def test_a_note_without_a_reason_is_refused() -> None:
    suite = {"name": "s", "notes": [{"file": "a.py", "line": 3, "blocking": True}]}
    with pytest.raises(SystemExit, match="a.py:3 of s gives no reason"):
        peer_suites.suite_notes(suite)


def test_each_difference_is_shown_with_its_note() -> None:
    notes = peer_suites.suite_notes({"name": "s", "notes": [{"file": "a.py", "line": 3, "blocking": True, "reason": "reads a file"}]})
    shown = peer_suites.explained(["a.py:3", "a.py:9"], notes)
    assert "blocks: reads a file" in shown[0] and "no note" in shown[1]


def test_pooled_score_adds_the_counts_of_every_suite() -> None:
    Score = load_benchmark("peer_score").Score
    total = peer_suites.pooled([Score(true_positives=106, false_negatives=1), Score(true_positives=271, false_positives=19, false_negatives=14, out_of_scope=2)])
    assert (total.true_positives, total.false_positives, total.false_negatives) == (377, 19, 15)
    assert round(total.recall, 3) == 0.962 and round(total.precision, 3) == 0.952
