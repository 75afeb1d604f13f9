"""The server has the converter build its `publishDiagnostics` code once initialized (protocol.prepare_publishing), not before
a document's first diagnostics; what it sends is unchanged."""

from __future__ import annotations

import json

from lsprotocol import types

from review_ls.server.app import create_server
from review_ls.server.protocol import ReviewProtocol


def _notification() -> types.PublishDiagnosticsNotification:
    span = types.Range(start=types.Position(line=3, character=4), end=types.Position(line=3, character=9))
    diagnostic = types.Diagnostic(
        range=span,
        message="httpx.Client is constructed on every iteration of the loop",
        severity=types.DiagnosticSeverity.Warning,
        code="RV201",
        code_description=types.CodeDescription(href="https://example.org/RV201"),
        source="review-ls",
        data={"key": [1, 2]},
    )
    return types.PublishDiagnosticsNotification(params=types.PublishDiagnosticsParams(uri="file:///w/app.py", diagnostics=[diagnostic], version=7))


def test_a_prepared_server_sends_the_same_diagnostics_as_one_that_was_not() -> None:
    prepared, fresh = create_server(), create_server()
    assert isinstance(prepared.protocol, ReviewProtocol)
    sent: list[object] = []
    prepared.protocol._send_data = sent.append  # type: ignore[method-assign, assignment]
    prepared.protocol.prepare_publishing()
    assert sent == [], "preparing sends nothing"
    as_sent = json.dumps(_notification(), default=prepared.protocol._serialize_message)
    assert as_sent == json.dumps(_notification(), default=fresh.protocol._serialize_message)
    assert json.loads(as_sent)["params"]["diagnostics"][0]["code"] == "RV201"
