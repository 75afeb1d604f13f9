"""A byte-level connection to `review-ls serve`, for what pytest-lsp cannot send: malformed frames,
invalid JSON, non-UTF-8 bytes and parameters of the wrong type (its client serialises typed params).

It writes whatever bytes a test gives it and reads the server's frames on a thread; everything a
well-formed client does is left to pytest-lsp.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

WAIT_SECONDS = 60  # an upper bound that only a broken server reaches


def frame(body: bytes | str) -> bytes:
    """`body` with a correct Content-Length header."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return b"Content-Length: %d\r\n\r\n" % len(data) + data


def message(payload: dict[str, Any]) -> bytes:
    """A well-formed frame holding `payload` as JSON."""
    return frame(json.dumps(payload))


class RawServer:
    """A server process spoken to in raw bytes; `responses` collects every frame it sends."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.frames: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.received: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read_frames, args=(process.stdout,), daemon=True)
        self._reader.start()
        self._next_id = 1000

    def send(self, data: bytes) -> None:
        """Write bytes to the server's stdin."""
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def request(self, method: str, params: Any = None) -> int:
        """Send a well-formed request; return its id."""
        self._next_id += 1
        self.send(message({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params}))
        return self._next_id

    def notify(self, method: str, params: Any = None) -> None:
        """Send a well-formed notification."""
        self.send(message({"jsonrpc": "2.0", "method": method, "params": params}))

    def response(self, request_id: int | str | None) -> dict[str, Any]:
        """Wait for the response with this id (frames received meanwhile are kept in `received`)."""
        for known in self.received:
            if "id" in known and known["id"] == request_id and ("result" in known or "error" in known):
                return known
        while True:
            item = self.frames.get(timeout=WAIT_SECONDS)
            if item is None:
                raise EOFError(f"the server closed its output (exit code {self.process.poll()})")
            self.received.append(item)
            if "id" in item and item["id"] == request_id and ("result" in item or "error" in item):
                return item

    def notifications(self, method: str) -> list[dict[str, Any]]:
        """The notifications of `method` received so far."""
        return [m for m in self.received if m.get("method") == method and "id" not in m]

    def initialize(self, root: Path) -> dict[str, Any]:
        """Initialize the session with minimal capabilities and `root` as the workspace."""
        response = self.response(self.request("initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}))
        self.notify("initialized", {})
        return response

    def shutdown(self) -> int:
        """Shut the session down and wait for the process; return its exit code."""
        self.response(self.request("shutdown"))
        self.notify("exit")
        return self.process.wait(timeout=WAIT_SECONDS)

    def _read_frames(self, stream: BinaryIO | None) -> None:
        assert stream is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = stream.readline()
                if not line:
                    self.frames.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii", "replace").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = stream.read(int(headers.get("content-length", "0")))
            self.frames.put(json.loads(body))


@contextmanager
def raw_server(cwd: Path) -> Iterator[RawServer]:
    """`python -m review_ls serve` in `cwd`, killed if the test did not shut it down."""
    process = subprocess.Popen(
        [sys.executable, "-m", "review_ls", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=cwd,
    )
    try:
        yield RawServer(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
