"""A parallel check's chunks of files, claimed one at a time by the parent process and by its pool's workers.

The parent holds the project index. A forked worker shares the parent's pages until it writes to them, and it writes
to nearly all of them while it checks files: reading a Python object writes its reference count, and its own small
objects fill the free slots of the memory pools it inherited. Measured on the 509 KLOC application corpus, each
worker ended with 120–130 MB of private pages, about as much as the whole parent held when it forked; an idle parent
beside two such workers kept a third copy. So the parent checks files too, with one worker fewer: two processes
check on two cores, and the run holds two copies instead of three.

Every chunk is claimed once from one shared counter, by whichever process is free first, so the parent and the
workers finish together whatever each chunk costs. The results come back in chunk order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Generic, TypeVar

from review_ls.worker_lifetime import interrupts_deferred, stop_pool

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

Result = TypeVar("Result")


class ChunkClaims:
    """The number of the next chunk nobody has claimed, shared by the parent and its workers (forked or spawned)."""

    def __init__(self, context: BaseContext, count: int) -> None:
        self.count = count
        self._next = context.Value("q", 0)

    def claim(self) -> int | None:
        """The next unclaimed chunk's number, now claimed by this process; None when every chunk is claimed."""
        with self._next.get_lock():
            number = int(self._next.value)
            if number >= self.count:
                return None
            self._next.value = number + 1
            return number


class _InOrder(Generic[Result]):
    """Chunk results as they arrive in any order, handed out in chunk order."""

    def __init__(self) -> None:
        self._done: dict[int, Result] = {}
        self._next = 0

    def add(self, number: int, result: Result) -> None:
        """Keep the result of chunk `number` until every chunk before it is handed out."""
        self._done[number] = result

    def ready(self) -> Iterator[Result]:
        """The results that follow those handed out so far without a gap, in order."""
        while self._next in self._done:
            yield self._done.pop(self._next)
            self._next += 1


def map_claimed(
    pool: ProcessPoolExecutor,
    claims: ChunkClaims,
    in_worker: Callable[[], tuple[int, Result] | None],
    here: Callable[[int], Result],
) -> Iterator[Result]:
    """Each chunk's result in chunk order, computed by `here` in this process or by `in_worker` in the pool (which
    claims its chunk itself, or returns None when none is left), then shut the pool down; on Ctrl-C, any error or the
    consumer stopping early, stop the pool at once (`stop_pool`)."""
    ordered: _InOrder[Result] = _InOrder()
    try:
        with interrupts_deferred():  # the workers start here: each is in the pool's table before Ctrl-C can land
            pending = [pool.submit(in_worker) for _ in range(claims.count)]
        while (number := claims.claim()) is not None:
            ordered.add(number, here(number))
            pending = _collect_finished(pending, ordered)
            yield from ordered.ready()
        for future in pending:
            outcome = future.result()
            if outcome is not None:
                ordered.add(*outcome)
            yield from ordered.ready()
    except BaseException:
        with interrupts_deferred():  # a second Ctrl-C must not leave workers alive
            stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _collect_finished(pending: list[Future[tuple[int, Result] | None]], ordered: _InOrder[Result]) -> list[Future[tuple[int, Result] | None]]:
    """Move the results of the finished futures into `ordered`; the futures still running, in order."""
    left = []
    for future in pending:
        if not future.done():
            left.append(future)
            continue
        outcome = future.result()
        if outcome is not None:
            ordered.add(*outcome)
    return left
