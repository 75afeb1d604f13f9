"""Incremental analysis under edit sequences: the same findings as a fresh analysis of each version,
and never a span outside the current text. `benchmarks/fuzz.py` runs many more sequences."""

from __future__ import annotations

import pytest

from fuzz_campaign import fuzz_edit_sequences
from fuzz_incremental import check_edit_sequence
from review_ls.engine.analysis import analyse_source
from review_ls.engine.incremental import IncrementalAnalyser

_EVENT_BUS = """\
import asyncio

class EventBus:
    def __init__(self):
        self._subscribers = []

    def subscribe(self):
        queue = asyncio.Queue(maxsize=100)
        self._subscribers.append(queue)
        return queue

    def emit(self, event):
        for queue in self._subscribers:
            LINE
"""


def test_edit_sequences_match_a_fresh_analysis_of_every_version() -> None:
    stats = fuzz_edit_sequences(count=30, rng_seed=7)
    assert stats.examples > 100 and stats.unparsable > 0
    assert not stats.failures, stats.failure_report()


def test_a_class_level_finding_on_a_line_typed_again_is_not_kept_with_its_old_span() -> None:
    versions = [_EVENT_BUS.replace("LINE", text) for text in ("queue.put_nowait(event)", "", "qu")]
    assert check_edit_sequence(versions, "example.py") == []


def test_the_fast_pass_moves_class_level_findings_below_an_edit_in_the_class() -> None:
    before = _EVENT_BUS.replace("LINE", "queue.put_nowait(event)")
    after = before.replace("        return queue\n", "        count = len(self._subscribers)\n        return queue\n")
    analyser = IncrementalAnalyser("example.py")
    analyser.analyse(before)
    fast = analyser.analyse(after, settle=False)
    assert [(f.code, f.span) for f in fast.findings] == [(f.code, f.span) for f in analyse_source(after, "example.py").findings]


@pytest.mark.slow
def test_full_edit_sequence_run() -> None:
    stats = fuzz_edit_sequences(count=2_000, rng_seed=1, stdlib_max_bytes=None)
    print(stats.summary("edit sequences"))
    assert not stats.failures, stats.failure_report()
