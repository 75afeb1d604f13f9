"""The server's input stream with LSP framing checked before pygls reads it.

pygls 2.x trusts `Content-Length`: a huge one makes it allocate the whole frame (MemoryError, the
server dies), and a header it cannot parse (negative, non-numeric, missing, `\\n`-only line ends)
leaves it skipping lines until a header happens to match. `FramedInput` parses each frame's
headers itself, logs a clear error for a bad one and resynchronises on the next `Content-Length`
header, and hands pygls only well-formed headers: `Content-Length: N\\r\\n` then `\\r\\n`, with
N at most `MAX_FRAME_BYTES`; an over-long frame is dropped the same way, reading in bounded lines.
"""

from __future__ import annotations

import logging
import re
from typing import BinaryIO

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024 * 1024
_MAX_HEADER_LINE = 8192
_LENGTH_HEADER = re.compile(rb"content-length[ \t]*:[ \t]*(\S*)[ \t]*\r?\n?$", re.IGNORECASE)
# Where a frame can start: a line's start, or right after the end of the previous (misframed) body.
_LENGTH_ANYWHERE = re.compile(rb"(?:^|(?<=[}\]]))content-length[ \t]*:", re.IGNORECASE)


class FramedInput:
    """A binary stream (`readline`/`read`, as pygls's stdin reader uses it) that yields only valid frame headers."""

    def __init__(self, raw: BinaryIO, max_frame_bytes: int = MAX_FRAME_BYTES) -> None:
        self._raw = raw
        self._max = max_frame_bytes
        self._pending: list[bytes] = []
        self._carry = b""

    def readline(self) -> bytes:
        """The next header line of a valid frame (`b""` at the end of input)."""
        if not self._pending:
            length = self._next_frame_length()
            if length is None:
                return b""
            self._pending = [b"Content-Length: %d\r\n" % length, b"\r\n"]
        return self._pending.pop(0)

    def read(self, size: int) -> bytes:
        """The body of the frame whose headers were just read."""
        return self._raw.read(size)

    def _line(self) -> bytes:
        if self._carry:
            line, self._carry = self._carry, b""
            return line
        return self._raw.readline(_MAX_HEADER_LINE)

    def _next_frame_length(self) -> int | None:
        """Read one frame's headers; return its body length, skipping bad frames (None at the end of input)."""
        while True:
            headers = self._header_block()
            if headers is None:
                return None
            lengths = [line for line in headers if _LENGTH_ANYWHERE.search(line)]
            if not lengths:
                log.error("LSP framing: a header block without Content-Length (%.80r); skipping to the next frame", headers[0])
                self._skip_to_header()
                continue
            found = _LENGTH_ANYWHERE.search(lengths[0])
            assert found is not None
            if found.start():
                log.error("LSP framing: %d stray bytes before a Content-Length header were dropped", found.start())
            length = self._parse_length(lengths[0][found.start():])
            if length is None:
                self._skip_to_header()
            elif length > self._max:
                log.error("LSP framing: a frame of %d bytes exceeds the %d-byte limit; dropped, skipping to the next frame", length, self._max)
                self._skip_to_header()
            else:
                return length

    def _header_block(self) -> list[bytes] | None:
        """The non-blank lines up to the next blank line (LF or CRLF); None at the end of input."""
        lines: list[bytes] = []
        while True:
            line = self._line()
            if not line:
                return None
            if line.strip():
                lines.append(line)
            elif lines:
                return lines

    def _parse_length(self, line: bytes) -> int | None:
        match = _LENGTH_HEADER.match(line)
        value = match.group(1) if match else line[:40]
        if match and value.isdigit() and int(value) > 0:
            return int(value)
        log.error("LSP framing: invalid Content-Length %.40r; skipping to the next frame", value)
        return None

    def _skip_to_header(self) -> None:
        """Drop input up to the next line that holds a Content-Length header (left to be read next)."""
        while True:
            line = self._raw.readline(_MAX_HEADER_LINE)
            if not line:
                return
            found = _LENGTH_ANYWHERE.search(line)
            if found is not None:
                self._carry = line
                return
