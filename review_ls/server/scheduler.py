"""When analyses run, and which results count. Cancellation and waiting live here and nowhere else.

* A change with nothing running is analysed at once (no debounce delay).
* Changes that arrive while an analysis of the document runs are coalesced into one follow-up
  run over the newest text.
* Analyses run on worker threads over immutable snapshots; a result whose document version or
  settings generation is no longer current is dropped, never published.
* A fast result that a settling pass may still change is settled once the document has been idle
  for `settle_delay` seconds; a new change stops a settling pass that is running (it checks between
  small steps, yielding the GIL to the event loop at each, so a key never waits for it long).
* Background work (the workspace scan) gets a `CancelToken` that the scheduler cancels.
* Debounced background work (`debounce`: the re-publication of dependent documents) starts once
  its name has been quiet for its delay; asking again restarts the delay and cancels the run.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

from review_ls.server.documents import Outcome, Snapshot

log = logging.getLogger(__name__)

Runner = Callable[[Snapshot, bool, Callable[[], bool]], "Outcome | None"]


class CancelToken:
    """Tells long-running work that it should stop."""

    def __init__(self) -> None:
        self._cancelled = False

    @property
    def cancelled(self) -> bool:
        """True once the work was cancelled."""
        return self._cancelled

    def cancel(self) -> None:
        """Ask the work to stop."""
        self._cancelled = True

    def yield_then_ask(self) -> bool:
        """Let other threads run first (the event loop receiving a key), then say whether the work should stop.

        Low-priority work (settling) calls this between its small steps: it gives up the GIL at each
        step instead of holding it for the interpreter's whole switch interval against the next key.
        """
        time.sleep(0)
        return self._cancelled


@dataclass
class _Job:
    """The analysis state of one document."""

    running: bool = False
    pending: bool = False
    settling: CancelToken | None = None
    settle_timer: asyncio.TimerHandle | None = None
    latest: Outcome | None = None
    waiters: list[asyncio.Future[Outcome | None]] = field(default_factory=list)


class AnalysisScheduler:
    """Runs document analyses on worker threads and hands current results to `accept` on the event loop."""

    def __init__(
        self,
        executor: Executor,
        take_snapshot: Callable[[str], Snapshot | None],
        run: Runner,
        accept: Callable[[Outcome], None],
        settle_delay: float = 0.3,
    ) -> None:
        self._executor = executor
        self._take_snapshot = take_snapshot
        self._run = run
        self._accept = accept
        self._settle_delay = settle_delay
        self._jobs: dict[str, _Job] = {}
        self._background: dict[str, CancelToken] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    # -- document analyses ----------------------------------------------------------------------
    def schedule(self, uri: str) -> None:
        """Analyse the document's current text: now if idle, else once the running analysis ends."""
        job = self._jobs.setdefault(uri, _Job())
        self._stop_settling(job)
        if job.running:
            job.pending = True
            return
        self._start(uri, job, settle=False)

    def forget(self, uri: str) -> None:
        """Stop caring about a closed document: drop its running result and wake its waiters."""
        job = self._jobs.pop(uri, None)
        if job is None:
            return
        self._stop_settling(job)
        for waiter in job.waiters:
            if not waiter.done():
                waiter.set_result(None)

    def latest(self, uri: str) -> Outcome | None:
        """The last accepted outcome of the document (it may be for an older version)."""
        job = self._jobs.get(uri)
        return None if job is None else job.latest

    async def current(self, uri: str) -> Outcome | None:
        """The outcome for the document's current version (waits for the analysis), None if it closed."""
        snapshot = self._take_snapshot(uri)
        if snapshot is None:
            return None
        job = self._jobs.setdefault(uri, _Job())
        if job.latest is not None and job.latest.snapshot.key == snapshot.key:
            return job.latest
        waiter: asyncio.Future[Outcome | None] = asyncio.get_running_loop().create_future()
        job.waiters.append(waiter)
        if not job.running:
            self.schedule(uri)
        return await waiter

    def _start(self, uri: str, job: _Job, settle: bool) -> None:
        snapshot = self._take_snapshot(uri)
        if snapshot is None:
            return
        job.running = True
        stop = CancelToken()
        should_stop = stop.yield_then_ask if settle else (lambda: stop.cancelled)
        if settle:
            job.settling = stop
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, self._run, snapshot, settle, should_stop)
        future.add_done_callback(lambda done: self._finished(uri, job, snapshot, settle, done))

    def _finished(self, uri: str, job: _Job, snapshot: Snapshot, settle: bool, done: asyncio.Future[Outcome | None]) -> None:
        job.running = False
        if settle:
            job.settling = None
        if self._jobs.get(uri) is not job:
            return  # closed meanwhile
        outcome = None
        failed = False
        try:
            outcome = done.result()
        except Exception:
            failed = True
            log.exception("analysis of %s failed", uri)
        current = self._take_snapshot(uri)
        stale = current is None or current.key != snapshot.key
        if not stale and outcome is not None:
            job.latest = outcome
            try:
                self._accept(outcome)
            except Exception:
                log.exception("publishing the analysis of %s failed", uri)
        if not stale and (outcome is not None or failed):
            waiters, job.waiters = job.waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(outcome)
        if job.pending or (stale and current is not None):
            job.pending = False
            self._start(uri, job, settle=False)
        elif not stale and outcome is not None and not outcome.settled:
            job.settle_timer = asyncio.get_running_loop().call_later(self._settle_delay, self._settle, uri, job)

    def _settle(self, uri: str, job: _Job) -> None:
        job.settle_timer = None
        if self._jobs.get(uri) is job and not job.running:
            self._start(uri, job, settle=True)

    @staticmethod
    def _stop_settling(job: _Job) -> None:
        if job.settle_timer is not None:
            job.settle_timer.cancel()
            job.settle_timer = None
        if job.settling is not None:
            job.settling.cancel()

    # -- background work --------------------------------------------------------------------------
    def background(self, name: str) -> CancelToken:
        """A token for a new run of background work `name`, cancelling the previous run."""
        self.cancel(name)
        token = self._background[name] = CancelToken()
        return token

    def debounce(self, name: str, delay: float, start: Callable[[CancelToken], None]) -> None:
        """Call `start` with a fresh token once `name` has not been asked for during `delay` seconds (cancelling its run)."""
        self.cancel(name)
        self._timers[name] = asyncio.get_running_loop().call_later(delay, self._start_debounced, name, start)

    def _start_debounced(self, name: str, start: Callable[[CancelToken], None]) -> None:
        self._timers.pop(name, None)
        start(self.background(name))

    def cancel(self, name: str) -> None:
        """Cancel the running (or debounced) background work `name`, if any."""
        timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancel()
        token = self._background.pop(name, None)
        if token is not None:
            token.cancel()

    def shutdown(self) -> None:
        """Cancel everything: settling passes, background work, waiters."""
        for name in {*self._background, *self._timers}:
            self.cancel(name)
        for uri in list(self._jobs):
            self.forget(uri)
