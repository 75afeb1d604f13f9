"""`FramedInput`: bad LSP frame headers are dropped with a logged error and the stream resynchronises."""

from __future__ import annotations

import io
import logging

import pytest

from review_ls.server.framing import FramedInput

_OK = b"Content-Length: 2\r\n\r\n{}"


def _bodies(data: bytes, max_frame_bytes: int = 1000) -> list[bytes]:
    """The frame bodies pygls would read from `data` through `FramedInput`."""
    stream = FramedInput(io.BufferedReader(io.BytesIO(data)), max_frame_bytes)
    bodies = []
    while header := stream.readline():
        assert stream.readline() == b"\r\n"
        bodies.append(stream.read(int(header.split(b":")[1])))
    return bodies


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (b"Content-Length: 1000000000000\r\n\r\n" + b'{"a": 1}', "exceeds the 1000-byte limit"),
        (b"Content-Length: -5\r\n\r\n{}", "invalid Content-Length"),
        (b"Content-Length: abc\r\n\r\n{}", "invalid Content-Length"),
        (b"Content-Length: 0\r\n\r\n", "invalid Content-Length"),
        (b"Content-Type: application/json\r\n\r\n{}", "without Content-Length"),
        (b"garbage\r\n\r\n", "without Content-Length"),
    ],
)
def test_a_bad_frame_is_dropped_with_an_error_and_the_next_one_is_read(bad: bytes, error: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="review_ls.server.framing"):
        assert _bodies(bad + b'Content-Length: 2\r\n\r\n[]') == [b"[]"]
    assert error in caplog.text


def test_a_too_small_length_loses_only_its_own_frame() -> None:
    assert _bodies(b"Content-Length: 1\r\n\r\n{}" + _OK) == [b"{", b"{}"]


def test_lf_only_headers_and_extra_headers_are_accepted() -> None:
    assert _bodies(b"Content-Length: 2\n\n{}" + b"Content-Type: utf-8\r\nContent-Length: 2\r\n\r\n[]") == [b"{}", b"[]"]


def test_a_frame_at_the_size_limit_is_read() -> None:
    body = b"[" + b" " * 998 + b"]"
    assert _bodies(b"Content-Length: 1000\r\n\r\n" + body + _OK) == [body, b"{}"]
