"""Work-done progress (`$/progress`) for long-running work, when the client shows it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from review_ls.server.session import Session

log = logging.getLogger(__name__)


class WorkDoneProgress:
    """A server-initiated progress bar: `async with WorkDoneProgress(...) as progress: progress.report(...)`."""

    def __init__(self, session: Session, title: str, cancellable: bool = False, on_cancel: Callable[[], None] | None = None) -> None:
        self._session = session
        self._title = title
        self._cancellable = cancellable
        self._on_cancel = on_cancel
        self.token = f"review-ls-{uuid.uuid4()}"
        self._active = False
        self.end_message = ""

    async def __aenter__(self) -> WorkDoneProgress:
        if not self._session.features.work_done_progress:
            return self
        progress = self._session.server.work_done_progress
        try:
            await progress.create_async(self.token)
        except Exception as exc:  # the client refused: work on without a progress bar
            log.info("no progress bar: %s", exc)
            return self
        self._active = True
        progress.begin(self.token, types.WorkDoneProgressBegin(title=self._title, cancellable=self._cancellable, percentage=0))
        cancel = progress.tokens.get(self.token)
        if cancel is not None and self._on_cancel is not None:
            on_cancel = self._on_cancel
            cancel.add_done_callback(lambda future: on_cancel() if future.cancelled() else None)
        return self

    def report(self, message: str, percentage: int | None = None) -> None:
        """Update the progress bar."""
        if self._active:
            value = types.WorkDoneProgressReport(message=message, percentage=percentage, cancellable=self._cancellable or None)
            self._session.server.work_done_progress.report(self.token, value)

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if not self._active:
            return
        progress = self._session.server.work_done_progress
        progress.end(self.token, types.WorkDoneProgressEnd(message=self.end_message or None))
        progress.tokens.pop(self.token, None)
