"""An index update asked to stop (a newer edit came in) stops between functions and keeps the file's last facts."""

from __future__ import annotations

import ast

import pytest

from review_ls.project.call_facts import module_call_facts
from review_ls.project.function_memo import ExtractionStopped, FileMemos
from review_ls.project.index import ProjectIndex

FUNCTIONS = "".join(f"\n\ndef handler_{i}(url):\n    return requests.get(url, timeout={i}).text\n" for i in range(40))
SOURCE = f"import requests\n{FUNCTIONS}"
EDITED_BODY = SOURCE.replace("timeout=7)", "timeout=7.5)")
EDITED = EDITED_BODY + "\n\ndef added():\n    return 1\n"


class StopAfter:
    """Says stop once it has been asked `asks` times; counts the asks."""

    def __init__(self, asks: int) -> None:
        self.asks = asks
        self.asked = 0

    def __call__(self) -> bool:
        self.asked += 1
        return self.asked > self.asks


def _indexed() -> ProjectIndex:
    index = ProjectIndex()
    index.update_file("/p/app.py", SOURCE)
    return index


@pytest.mark.parametrize("asks", [0, 1, 3, 20])
def test_a_stopped_update_keeps_the_last_facts(asks: int) -> None:
    index = _indexed()
    fingerprint, facts = index.fingerprint, index.call_facts("/p/app.py")
    stop = StopAfter(asks)
    with pytest.raises(ExtractionStopped):
        index.update_file("/p/app.py", EDITED, ast.parse(EDITED), stop)
    assert stop.asked == asks + 1, "it stops at the first ask that says so"
    assert index.fingerprint == fingerprint and index.call_facts("/p/app.py") == facts


def test_an_update_is_asked_before_each_function() -> None:
    index = _indexed()
    stop = StopAfter(10_000)
    assert index.update_file("/p/app.py", EDITED, ast.parse(EDITED), stop)
    assert stop.asked >= 41, "once per function (41 of them), so a stop never waits for the whole file"


def test_after_a_stopped_update_the_next_one_equals_a_fresh_index() -> None:
    index = _indexed()
    with pytest.raises(ExtractionStopped):
        index.update_file("/p/app.py", EDITED, ast.parse(EDITED), StopAfter(20))
    assert index.update_file("/p/app.py", EDITED)
    fresh = ProjectIndex()
    fresh.update_file("/p/app.py", EDITED)
    assert index.call_facts("/p/app.py") == fresh.call_facts("/p/app.py")
    assert index.fingerprint == fresh.fingerprint


def test_a_stopped_extraction_keeps_the_entries_it_had_and_those_it_made() -> None:
    memos = FileMemos()
    with memos.extracting("app.py", SOURCE) as memo:
        module_call_facts(ast.parse(SOURCE), "app", False, memo)
    with pytest.raises(ExtractionStopped), memos.extracting("app.py", EDITED_BODY, StopAfter(20)) as memo:
        module_call_facts(ast.parse(EDITED_BODY), "app", False, memo)
    with memos.extracting("app.py", EDITED_BODY) as memo:
        module_call_facts(ast.parse(EDITED_BODY), "app", False, memo)
        assert memo.reused == 40, "the 39 unchanged handlers, and handler_7 as the stopped extraction made it"
