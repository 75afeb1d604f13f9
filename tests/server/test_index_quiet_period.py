"""The indexing of an edited document waits for a pause that grows with what indexing its text last cost."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from review_ls.config import Settings
from review_ls.project.index import ProjectIndex
from review_ls.server import dependents
from review_ls.server.dependents import DEPENDENTS_DELAY, MAX_QUIET, document_settled, quiet_period
from review_ls.server.documents import OpenDocument, Snapshot
from review_ls.server.scheduler import CancelToken

URI, PATH = "file:///p/app.py", "/p/app.py"
SOURCE = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=5).text\n"


def test_a_document_whose_indexing_is_quick_waits_the_short_delay() -> None:
    assert quiet_period(0.0) == DEPENDENTS_DELAY
    assert quiet_period(0.01) == DEPENDENTS_DELAY


def test_a_slow_indexing_waits_ten_times_as_long_up_to_the_cap() -> None:
    assert quiet_period(0.3) == 3.0
    assert quiet_period(2.0) == MAX_QUIET


@dataclass
class RecordingScheduler:
    """Records what is debounced and never runs it."""

    delays: list[tuple[str, float]] = field(default_factory=list)

    def debounce(self, name: str, delay: float, start: object) -> None:
        self.delays.append((name, delay))

    def latest(self, uri: str) -> None:
        return None


def _session(state: OpenDocument, text: str, index: ProjectIndex, executor: ThreadPoolExecutor) -> Any:
    snapshot = Snapshot(URI, PATH, 2, text, Settings(), None, 0, 10**9)
    return SimpleNamespace(
        documents={URI: state},
        scheduler=RecordingScheduler(),
        version_of=lambda uri: 2,
        snapshot=lambda uri: snapshot,
        executor=executor,
        project=SimpleNamespace(index=index),
        reanalyse=lambda uris: None,
    )


def test_the_settled_document_is_indexed_after_the_pause_its_last_indexing_calls_for() -> None:
    state = OpenDocument.open(URI, PATH)
    state.indexing_seconds = 0.4
    with ThreadPoolExecutor(1) as executor:
        session = _session(state, SOURCE, ProjectIndex(), executor)
        document_settled(session, URI)
    assert session.scheduler.delays == [("dependents:" + URI, 4.0)]


def test_indexing_records_its_length_and_a_stopped_one_never_lowers_the_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    index = ProjectIndex()
    index.update_file(PATH, SOURCE)
    state = OpenDocument.open(URI, PATH)
    with ThreadPoolExecutor(1) as executor:
        session = _session(state, SOURCE.replace("timeout=5", "timeout=6"), index, executor)
        asyncio.run(dependents._index_document(session, URI, 2, CancelToken()))
        assert 0 < state.indexing_seconds < DEPENDENTS_DELAY  # measured (a tiny file indexes in milliseconds)
        assert state.indexed_version == 2

        state.indexing_seconds, state.indexed_version = 3.0, None
        stopped = CancelToken()
        session = _session(state, SOURCE.replace("timeout=5", "timeout=7"), index, executor)
        original = dependents.update_index

        async def stopped_by_a_key(*args: object, **kwargs: object) -> None:
            stopped.cancel()
            await original(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(dependents, "update_index", stopped_by_a_key)
        asyncio.run(dependents._index_document(session, URI, 2, stopped))
    assert state.indexing_seconds == 3.0  # a stopped indexing took at least as long as it ran: the estimate stays
    assert state.indexed_version is None  # and the next settled result indexes the text again
