"""jedi in one process of a parallel check: a service process that the forked workers ask over a pipe.

jedi's caches (stubs, the libraries and project modules it parsed) cost each process that infers 80–100 MB and
4–5 s CPU on the 509 KLOC application corpus, and every check worker used to hold its own copy. The CLI forks one
service process (`JediService`) before its workers: they send it their questions and it answers them with an
adapter per root, as a worker's `adapter_for` would make, with the same budgets (counted in its jedi thread's CPU time: `cpu_budget`), warm-up allowance and answers.
It is forked with `os.fork` right after the model is derived (no thread runs in the CLI yet, and it is not one of
the pool's workers); it dies with the CLI (`die_with_parent`), ignores Ctrl-C and is killed with the pool.

A worker's `RemoteAdapter` sends one question at a time under a lock the workers share (the service answers
in order, as one jedi thread would) and is charged only for the time the service spent inferring, not for the
wait for another worker's answer. Questions and answers carry a number, so an answer the worker stopped waiting
for (the service wedged, past every budget) is never taken for the next one.
"""

from __future__ import annotations

import gc
import itertools
import logging
import os
import signal
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.gc_pause import collect_young_every
from review_ls.project.jedi_adapter import (
    WARM_UP_SECONDS,
    InferenceBudget,
    InferredName,
    JediAdapter,
    adapter_for,
    parsed_lines,
    take_apart,
    trim_parsed_modules,
)

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.context import BaseContext

log = logging.getLogger(__name__)

# Beyond a question's budget and warm-up, how long a worker waits for the service before answering "don't know".
_REPLY_MARGIN_SECONDS = 10.0
# How long `close` waits for the service to finish before killing it.
_EXIT_SECONDS = 2.0
# Lines of the module trees parso keeps in memory for jedi. Unbounded, the service held ~105 trees (~0.5 MB each) on
# the application corpus. Past the limit, the service lets go of its jedi Scripts (their answers stay cached) and keeps the
# most recently used trees only: trimming under a live Script made every later question about its document fail
# (jedi reads the tree of each module it loaded from parso's cache): 411 of dispatch's 469 questions answered nothing.
# The forgotten trees are taken apart (`take_apart`): a tree is a reference cycle, which only a full collection frees,
# and the service never ran one, so trimming used to free nothing.
# The bound counts lines, not trees: a tree's memory grows with its lines (~1 KB of RSS a line), and the trees are
# mostly small (median 230 lines, a few of 3,000-5,000). Once jedi resolved the project's imports, the corpus's 132
# recorded questions loaded 216 distinct trees (118 K lines): a bound of 40 then 20 trees dropped the Scripts 42 times
# and loaded trees 511 times (replayed: 7.9-9.3 s of CPU, peak RSS 135 MB); 45 K then 30 K lines loads them 268 times
# (6.2 s, 138 MB), 60 K then 40 K 227 times (5.8-6.2 s, 152 MB), unbounded 216 times (5.9 s, 222 MB); the same answers.
_PARSED_LINES_KEPT = 30_000
_PARSED_LINES_LIMIT = 45_000

# Allocations between the service's young collections (the CLI's processes: 50,000, `cli_gc.py`). What the service
# allocates mostly lives on (parso's trees, the live Scripts' inference states), and every young collection traversed it
# again; the cycles it leaves are mostly jedi's closures and what the states of its dropped Scripts keep after the
# adapter emptied them. Replayed, with those states emptied: 50,000 spent 1.1 s of ~6-7 s of CPU in collections
# (peak RSS 132-135 MB), 300,000 0.4-0.5 s (138-140 MB), 500,000 0.2-0.3 s (144-145 MB), none 0 s (155 MB).
_YOUNG_THRESHOLD = 300_000

Answer = tuple[InferredName, ...] | None


@dataclass(frozen=True)
class JediChannel:
    """The workers' end of the service: one pipe and the lock that keeps one question on it at a time."""

    connection: Connection
    lock: Any  # multiprocessing.synchronize.Lock


class JediService:
    """The service process, forked now, answering the workers' jedi questions until `close` or `kill`."""

    def __init__(self, context: BaseContext, workers: int) -> None:
        service_end, worker_end = context.Pipe(duplex=True)
        self.channel = JediChannel(worker_end, context.Lock())
        parent_pid = os.getpid()
        self.pid = os.fork()
        if self.pid == 0:  # the service
            code = 1
            try:
                worker_end.close()
                serve(service_end, parent_pid, workers)
                code = 0
            finally:
                os._exit(code)
        service_end.close()

    def close(self) -> None:
        """Ask the service to stop (it is idle once every worker is done), wait for it briefly, else kill it."""
        lock = self.channel.lock
        if lock.acquire(timeout=_EXIT_SECONDS):
            try:
                self.channel.connection.send(None)
            except OSError:
                pass
            finally:
                lock.release()
        deadline = time.monotonic() + _EXIT_SECONDS
        while time.monotonic() < deadline and not self._exited():
            time.sleep(0.01)
        self.kill()

    def kill(self) -> None:
        """Stop the service now (as the pool's workers are stopped) and close the workers' end."""
        if not self._exited():
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.channel.connection.close()

    def _exited(self) -> bool:
        try:
            return os.waitpid(self.pid, os.WNOHANG)[0] == self.pid
        except ChildProcessError:  # already reaped
            return True


def serve(connection: Connection, parent_pid: int, workers: int) -> None:
    """Answer questions from `connection` in order until told to stop, the pipe closes or `parent_pid` dies."""
    from review_ls.worker_lifetime import die_with_parent

    die_with_parent(parent_pid)
    collect_as_the_service()
    adapters: dict[tuple[str, str | None], JediAdapter] = {}
    forgotten: list[Any] = []  # trees parso's cache forgot, to take apart once no jedi call runs
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        number, (root, environment_path, *question) = message
        adapter = adapters.get((root, environment_path))
        if adapter is None:
            adapter = adapters[root, environment_path] = service_adapter(root, environment_path, workers)
        try:
            reply = answer_question(adapter, *question)
        except Exception as exc:  # never leaves a worker without a reply
            log.debug("jedi service: %r failed: %r", question[:2], exc)
            reply = (None, question[-1])
        connection.send((number, reply))
        bound_parsed_modules(adapters.values(), forgotten)  # (between questions: no jedi call is running)


def service_adapter(root: str, environment_path: str | None, workers: int) -> JediAdapter:
    """The service's adapter of one root: its budgets counted in CPU time; the Scripts of the newest documents kept, one
    per worker (a check asks about a file only while a worker analyses it; older answers stay cached); one inference
    state shared by the Scripts of an import path whose documents are their files on disk. Replayed on the application
    corpus's 131 questions, back to back: 3.7-3.8 s of CPU with a state per Script, 2.5-3.1 s shared (the states are
    dropped 19 times with the trimmed trees), the same answers."""
    return JediAdapter(Path(root), environment_path, max_scripts=workers, cpu_budget=True, share_inference_state=True)


def collect_as_the_service() -> None:
    """Set this process's collector for the service: what it inherited from the CLI kept out of every collection (it
    lives as long as the service), and a young collection every `_YOUNG_THRESHOLD` allocations."""
    gc.freeze()
    collect_young_every(_YOUNG_THRESHOLD)


def bound_parsed_modules(adapters: Iterable[JediAdapter], forgotten: list[Any] | None = None) -> None:
    """Past `_PARSED_LINES_LIMIT` lines of trees in parso's memory, let go of the adapters' Scripts, then keep the newest
    trees (`_PARSED_LINES_KEPT` lines) and free the others' nodes at once (`take_apart`), once no jedi call is unwinding
    (a call interrupted for its budget may still run for a moment): `forgotten` keeps the trees waiting for that from one
    call to the next."""
    adapters = list(adapters)
    forgotten = [] if forgotten is None else forgotten
    if parsed_lines() > _PARSED_LINES_LIMIT:
        for adapter in adapters:
            adapter.drop_scripts()  # (a tree must not be forgotten under a live Script)
        forgotten.extend(trim_parsed_modules(_PARSED_LINES_KEPT))
    if forgotten and all(adapter.idle() for adapter in adapters):
        for tree in forgotten:
            take_apart(tree)
        forgotten.clear()


def answer_question(
    adapter: JediAdapter, operation: str, source: str, path: str | None, line: int, column: int, context: object, remaining: float
) -> tuple[Answer, float]:
    """A worker's question answered by `adapter` within `remaining` seconds: the names, and the budget left afterwards."""
    budget = InferenceBudget(remaining)
    names = adapter.infer(source, path, line, column, budget, context) if operation == "infer" else adapter.goto(source, path, line, column, budget, context)
    return names, budget.remaining


class RemoteAdapter(JediAdapter):
    """A worker's adapter of one root: every question goes to the service (which caches the answers)."""

    def __init__(self, root: Path | str, environment_path: str | None, channel: JediChannel) -> None:
        super().__init__(root, environment_path)
        self._channel = channel
        self._numbers = itertools.count()

    def _answer(
        self, operation: str, source: str, path: str | None, line: int, column: int, budget: InferenceBudget, context: object
    ) -> Answer:
        number = (os.getpid(), id(self), next(self._numbers))  # (several adapters and workers share the pipe)
        question = (str(self.root), self.environment_path, operation, source, path, line, column, context, budget.remaining)
        wait = budget.remaining + WARM_UP_SECONDS + _REPLY_MARGIN_SECONDS
        lock = self._channel.lock
        # The wait for the lock is bounded too: a worker killed while it held it (the pool stopped after an error, the
        # out-of-memory killer) never releases it, and this process would wait for ever before it saw the pool broken.
        if lock.acquire(timeout=wait):
            try:
                connection = self._channel.connection
                connection.send((number, question))
                while connection.poll(wait):
                    replied, (names, remaining) = connection.recv()
                    if replied == number:
                        budget.spend(budget.remaining - remaining)
                        return names  # type: ignore[no-any-return]
            except (EOFError, OSError) as exc:  # the service is gone: "don't know"
                log.debug("jedi service: no answer for %s:%d:%d: %r", path, line, column, exc)
            finally:
                lock.release()
        budget.spend(budget.remaining)
        return None


# Per forked worker process: the service's channel handed over by the pool initializer (`use_service`).
_WORKER_CHANNEL: dict[str, JediChannel] = {}


def use_service(channel: JediChannel | None) -> None:
    """Make this (worker) process ask the jedi service instead of running jedi itself."""
    _WORKER_CHANNEL.pop("channel", None)
    if channel is not None:
        _WORKER_CHANNEL["channel"] = channel
    adapter_for.cache_clear()  # (adapters inherited from the parent would run jedi here)


def remote_adapter(root: Path, environment_path: str | None) -> RemoteAdapter | None:
    """The adapter of `root` that asks the service, in a worker given its channel; else None."""
    channel = _WORKER_CHANNEL.get("channel")
    return RemoteAdapter(root, environment_path, channel) if channel is not None else None
