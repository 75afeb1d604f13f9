"""Malformed JSON-RPC to the language server, sent as raw bytes (pytest-lsp's client cannot send
them): broken frames, invalid JSON, non-UTF-8 bodies, invalid requests and params of the wrong
type. The server answers what it can with JSON-RPC errors and never stops serving.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from raw_jsonrpc import RawServer, frame, message, raw_server

_MALFORMED_FRAMES = {
    "invalid-json": frame("{not json"),
    "json-array": frame("[]"),
    "json-number": frame("42"),
    "non-utf8-body": frame(b'{"jsonrpc": "2.0", "method": "x", "params": "\xff\xfe"}'),
    "garbage-header": b"garbage\r\n\r\n",
    "bad-content-length": b"Content-Length: abc\r\n\r\n",
    "huge-content-length": b"Content-Length: 1000000000000\r\n\r\n{}",
    "negative-content-length": b"Content-Length: -5\r\n\r\n{}",
    "too-small-content-length": b"Content-Length: 3\r\n\r\n" + b'{"jsonrpc": "2.0", "method": "x"}',
    "missing-content-length": b"Content-Type: application/vscode-jsonrpc\r\n\r\n{}",
    "notification-with-wrong-types": message({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": 5, "text": None}}}),
    "change-of-unopened-document": message(
        {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": "file:///never.py", "version": 2}, "contentChanges": [{"text": "x"}]}}
    ),
}

_BAD_PARAMS = {
    "hover-wrong-types": ("textDocument/hover", {"textDocument": 5, "position": "x"}),
    "hover-null-params": ("textDocument/hover", None),
    "code-action-negative-line": (
        "textDocument/codeAction",
        {"textDocument": {"uri": "file:///nope.py"}, "range": {"start": {"line": -1, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}},
    ),
}


def _hover_is_answered(server: RawServer) -> bool:
    request = server.request("textDocument/hover", {"textDocument": {"uri": "file:///nope.py"}, "position": {"line": 0, "character": 0}})
    return "result" in server.response(request)


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory):
    """A server spoken to in raw bytes, initialized."""
    workspace = tmp_path_factory.mktemp("raw")
    with raw_server(workspace) as server:
        server.initialize(workspace)
        yield server


@pytest.mark.parametrize("name", sorted(_MALFORMED_FRAMES))
def test_a_malformed_frame_does_not_stop_the_server(raw: RawServer, name: str) -> None:
    raw.send(_MALFORMED_FRAMES[name])
    assert _hover_is_answered(raw)


def test_a_command_with_bad_arguments_gets_an_error_response(raw: RawServer) -> None:
    response = raw.response(raw.request("workspace/executeCommand", {"command": "review-ls.fixAll", "arguments": [5]}))
    assert response["error"]["code"] in (-32602, -32603)
    assert _hover_is_answered(raw)


@pytest.mark.parametrize("name", sorted(_BAD_PARAMS))
def test_a_request_with_params_of_the_wrong_type_gets_invalid_params(raw: RawServer, name: str) -> None:
    method, params = _BAD_PARAMS[name]
    request = raw.request(method, params)
    assert _hover_is_answered(raw)  # answered after the bad request, so its answer is due by now
    answered = [m for m in raw.received if m.get("id") == request]
    assert answered and answered[0]["error"]["code"] == -32602


def test_invalid_json_and_invalid_requests_get_error_responses(raw: RawServer) -> None:
    raw.send(frame("{not json"))
    raw.send(frame(b'{"jsonrpc": "2.0", "id": 4240, "method": "x", "params": "\xff"}'))
    raw.send(message({"jsonrpc": "2.0", "id": 4241}))
    raw.send(message({"jsonrpc": "1.0", "id": 4242, "method": "textDocument/hover", "params": {}}))
    raw.send(frame("[1, 2]"))
    assert _hover_is_answered(raw)
    errors = [(m.get("id"), m["error"]["code"]) for m in raw.received if "error" in m]
    assert errors.count((None, -32700)) >= 2
    assert {(4241, -32600), (4242, -32600), (None, -32600)} <= set(errors)


def test_the_server_still_shuts_down_cleanly_after_the_raw_abuse(tmp_path: Path) -> None:
    with raw_server(tmp_path) as server:
        server.initialize(tmp_path)
        for data in _MALFORMED_FRAMES.values():
            server.send(data)
        assert server.shutdown() == 0


def test_frames_with_lf_only_header_lines_are_read(raw: RawServer) -> None:
    body = b'{"jsonrpc": "2.0", "id": 4250, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///nope.py"}, "position": {"line": 0, "character": 0}}}'
    raw.send(b"Content-Length: %d\n\n" % len(body) + body)
    assert "result" in raw.response(4250)


def test_a_request_nested_100k_deep_gets_an_error_response(raw: RawServer) -> None:
    raw.send(frame(b'{"jsonrpc": "2.0", "id": 4260, "method": "x", "params": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"))
    assert _hover_is_answered(raw)
    assert any(m.get("error", {}).get("message") == "message nested too deeply" for m in raw.received)
