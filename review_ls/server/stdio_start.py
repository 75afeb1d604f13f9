"""Serving on stdio: `initialize` is answered while pygls is still being imported.

`serve_stdio` starts importing the server (`review_ls.server.app`: pygls, lsprotocol, the session)
on a background thread at once, reads the first frame itself and, when it is an `initialize`
request that `early_initialize` can answer, writes the reply straight away. Then it waits for the
import and hands the stream to pygls with that first frame replayed (`ReplayedInput`), so pygls
sets up its state (client capabilities, workspace folders, initialization options, position
encoding) and runs the server's initialize handler as usual; pygls's own reply to that id is
dropped at the writer (`EarlyReplyFilter`), which logs an error should it differ from the early one.
Anything else first (another message, a body that is not JSON, a shape the builder does not
handle) is replayed unanswered and pygls answers it: the normal path.
`REVIEW_LS_EARLY_INITIALIZE=0` turns the early reply off.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import threading
from typing import BinaryIO

from review_ls.server.early_initialize import initialize_reply
from review_ls.server.framing import FramedInput

log = logging.getLogger(__name__)

SERVER_MODULE = "review_ls.server.app"
EARLY_INITIALIZE_ENV = "REVIEW_LS_EARLY_INITIALIZE"
_HEADER_END = b"\r\n\r\n"


def serve_stdio(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Serve the LSP client on these streams until it exits, answering `initialize` before pygls is loaded."""
    importing = threading.Thread(target=_import_server, name="review-ls-import", daemon=True)
    importing.start()
    framed = FramedInput(stdin)
    first = read_frame(framed)
    early = initialize_reply(_json_or_none(first)) if first is not None and early_initialize_enabled() else None
    writer: BinaryIO | EarlyReplyFilter = stdout
    if early is not None:
        request_id, reply = early
        stdout.write(reply)
        stdout.flush()
        writer = EarlyReplyFilter(stdout, request_id, reply)
    importing.join()
    from review_ls.server.app import create_server  # imported by the thread (or raises its error here)

    server = create_server()
    server.start_io(stdin=ReplayedInput(first, framed) if first is not None else framed, stdout=writer)  # type: ignore[arg-type]


def early_initialize_enabled() -> bool:
    """False when the environment turns the early `initialize` reply off (`REVIEW_LS_EARLY_INITIALIZE=0`)."""
    return os.environ.get(EARLY_INITIALIZE_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def _import_server() -> None:
    """Import the pygls server; a failure is left for the main thread's own import to raise."""
    try:
        importlib.import_module(SERVER_MODULE)
    except BaseException:  # noqa: BLE001 - re-raised by the main thread's import
        pass


def read_frame(framed: FramedInput) -> bytes | None:
    """The body of the next frame (headers checked by `FramedInput`); None at the end of input."""
    length = 0
    while True:
        line = framed.readline()
        if not line:
            return None
        if line == b"\r\n":
            break
        length = int(line.split(b":", 1)[1])
    return framed.read(length)


def _json_or_none(body: bytes) -> object:
    """The decoded message, or None when the body is not JSON (pygls answers that)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


class ReplayedInput:
    """A `FramedInput` with one frame already read put back in front of it (pygls reads it first)."""

    def __init__(self, body: bytes, rest: FramedInput) -> None:
        self._lines = [b"Content-Length: %d\r\n" % len(body), b"\r\n"]
        self._body: bytes | None = body
        self._rest = rest

    def readline(self) -> bytes:
        """The next header line: the replayed frame's, then the stream's."""
        if self._lines:
            return self._lines.pop(0)
        return self._rest.readline()

    def read(self, size: int) -> bytes:
        """The replayed body (once its headers were read), then the stream's bodies."""
        if self._body is not None:
            body, self._body = self._body, None
            return body
        return self._rest.read(size)


class EarlyReplyFilter:
    """The server's output, without pygls's reply to the `initialize` request that was answered early."""

    def __init__(self, stream: BinaryIO, request_id: int | str, early_reply: bytes) -> None:
        self._stream = stream
        self._request_id = request_id
        self._early_reply: bytes | None = early_reply

    def write(self, data: bytes) -> int:
        """Write a message, unless it is pygls's duplicate reply (logged if it differs from the early one)."""
        if self._early_reply is not None and self._is_duplicate(data):
            if data != self._early_reply:
                log.error("the early initialize reply differs from pygls's; the client got %.400r, pygls answered %.400r", self._early_reply, data)
            self._early_reply = None
            return len(data)
        return self._stream.write(data)

    def flush(self) -> None:
        """Flush the stream."""
        self._stream.flush()

    def close(self) -> None:
        """Close the stream."""
        self._stream.close()

    def _is_duplicate(self, data: bytes) -> bool:
        """True when `data` is a response (not a request or notification) to the early-answered id."""
        _, found, body = data.partition(_HEADER_END)
        message = _json_or_none(body) if found else None
        if not isinstance(message, dict) or "method" in message:
            return False
        answered = message.get("id")
        return type(answered) is type(self._request_id) and answered == self._request_id
