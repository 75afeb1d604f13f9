"""The analysis scheduler: settling passes never publish a stale result and give way to a new key at once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from review_ls.config import Settings
from review_ls.server.documents import Outcome, Snapshot
from review_ls.server.scheduler import AnalysisScheduler

URI = "file:///m.py"
HANG_GUARD = 30.0  # seconds: only so that a broken scheduler fails instead of hanging


@dataclass
class FakeDocument:
    """A document whose version the test moves on, and the analyses the scheduler ran over it."""

    version: int = 1
    runs: list[tuple[int | None, bool]] = field(default_factory=list)
    accepted: list[tuple[int | None, bool]] = field(default_factory=list)

    def snapshot(self, uri: str) -> Snapshot:
        return Snapshot(URI, "m.py", self.version, f"x = {self.version}\n", Settings(), None, 0, 10**6)


def make_scheduler(document: FakeDocument, settle: Callable[[Snapshot, Callable[[], bool]], bool]) -> tuple[AnalysisScheduler, asyncio.Queue[Outcome]]:
    """A scheduler whose fast passes return unsettled outcomes and whose settling passes run `settle`."""
    accepted: asyncio.Queue[Outcome] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def run(snapshot: Snapshot, settling: bool, should_stop: Callable[[], bool]) -> Outcome | None:
        document.runs.append((snapshot.version, settling))
        if settling and not settle(snapshot, should_stop):
            return None
        return Outcome(snapshot, None, (), [], settled=settling)

    def accept(outcome: Outcome) -> None:
        document.accepted.append((outcome.snapshot.version, outcome.settled))
        loop.call_soon(accepted.put_nowait, outcome)

    scheduler = AnalysisScheduler(ThreadPoolExecutor(max_workers=2), document.snapshot, run, accept, settle_delay=0.0)
    return scheduler, accepted


async def next_outcome(accepted: asyncio.Queue[Outcome]) -> Outcome:
    return await asyncio.wait_for(accepted.get(), HANG_GUARD)


async def test_a_settled_result_for_a_version_that_moved_on_is_never_published() -> None:
    document = FakeDocument()

    def settle_while_a_newer_version_arrives(snapshot: Snapshot, should_stop: Callable[[], bool]) -> bool:
        if snapshot.version == 1:
            document.version = 2  # the editor's newer text, before the scheduler hears of it
        return True

    scheduler, accepted = make_scheduler(document, settle_while_a_newer_version_arrives)
    scheduler.schedule(URI)
    assert (await next_outcome(accepted)).snapshot.version == 1
    newer = await next_outcome(accepted)
    assert (newer.snapshot.version, newer.settled) == (2, False), "the newer version is analysed, the stale settle dropped"
    assert (1, True) in document.runs and (1, True) not in document.accepted
    settled = await next_outcome(accepted)
    assert (settled.snapshot.version, settled.settled) == (2, True)
    scheduler.shutdown()


async def test_a_key_during_settling_stops_it_and_is_analysed_next() -> None:
    document = FakeDocument()
    settling = threading.Event()
    stopped: list[bool] = []

    def settle_in_steps(snapshot: Snapshot, should_stop: Callable[[], bool]) -> bool:
        if snapshot.version != 1:
            return True
        settling.set()
        for _ in range(int(HANG_GUARD * 1000)):
            if should_stop():
                stopped.append(True)
                return False
            threading.Event().wait(0.001)
        return True

    scheduler, accepted = make_scheduler(document, settle_in_steps)
    scheduler.schedule(URI)
    assert (await next_outcome(accepted)).snapshot.version == 1
    await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, settling.wait), HANG_GUARD)
    document.version = 2
    scheduler.schedule(URI)  # the key
    newer = await next_outcome(accepted)
    assert stopped == [True], "the settling pass was told to stop"
    assert (newer.snapshot.version, newer.settled) == (2, False)
    assert document.runs.index((2, False)) == document.runs.index((1, True)) + 1, "nothing ran between the stopped settle and the key"
    assert all(version == 2 or not settled for version, settled in document.accepted)
    scheduler.shutdown()


async def test_debounced_work_starts_once_after_the_last_request_and_a_new_request_cancels_the_run() -> None:
    scheduler, _ = make_scheduler(FakeDocument(), lambda snapshot, should_stop: True)
    started: list[object] = []
    first_started = asyncio.Event()

    def start(token: object) -> None:
        started.append(token)
        first_started.set()

    for _ in range(3):  # three settled results in a row: one update
        scheduler.debounce("dependents:m", 0.01, start)
    await asyncio.wait_for(first_started.wait(), HANG_GUARD)
    assert len(started) == 1  # the first two timers were cancelled by the requests after them
    (token,) = started
    assert not token.cancelled  # type: ignore[attr-defined]
    scheduler.debounce("dependents:m", 60, start)  # a new change: the running update is told to stop
    assert token.cancelled  # type: ignore[attr-defined]
    scheduler.cancel("dependents:m")  # the document changed again before the delay ended: nothing starts
    scheduler.shutdown()
    assert len(started) == 1
