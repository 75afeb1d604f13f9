"""pygls's JSON-RPC protocol with the gaps a hostile or long session finds closed (pygls 2.1.1).

* A request whose params do not deserialise, and a message that is not a valid request, were
  dropped without an answer, so the client waited forever: they now get `InvalidParams` (-32602)
  or `InvalidRequest` (-32600) with the request's id. Invalid JSON gets `ParseError` (-32700)
  with a null id (see `answer_unreadable`), and so does JSON nested too deeply to decode.
* A `didChange` that cannot be applied no longer corrupts the document: see `text_sync.apply_did_change`.
* Every notification whose pygls handler is a generator (didOpen, didChange, didClose, ...) left
  its future in `_request_futures` for good: one leaked future per keystroke. Finished handler
  futures are now removed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest, JsonRpcParseError
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from review_ls.server.text_sync import apply_did_change

log = logging.getLogger(__name__)

_VERSION = "2.0"


class ReviewProtocol(LanguageServerProtocol):
    """The language server protocol that answers every bad request and forgets finished handlers."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        """Deserialise one message; answer a request that cannot be deserialised with its error."""
        if "jsonrpc" in data and "id" in data and (data["jsonrpc"] != _VERSION or not {"method", "result", "error"} & data.keys()):
            self._answer(data["id"], JsonRpcInvalidRequest())
            raise JsonRpcInvalidRequest()
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if "id" in data and "method" in data:
                self._answer(data["id"], error)
            raise

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Iterator[Any]:
        """Apply the changes (or mark the document out of sync, see `apply_did_change`), then run the server's handler."""
        apply_did_change(self.workspace, params)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    def handle_message(self, message: Any) -> None:
        """Handle one message; answer what is not a JSON-RPC 2.0 message with `InvalidRequest`."""
        if getattr(message, "jsonrpc", None) != _VERSION:
            request_id = message.get("id") if isinstance(message, dict) else getattr(message, "id", None)
            log.warning("not a JSON-RPC 2.0 message: %.200r", message)
            self._answer(request_id if isinstance(request_id, (int, str)) else None, JsonRpcInvalidRequest())
            return
        super().handle_message(message)

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Callable[..., Any],
        callback: Callable[[Any], None],
        args: Any = None,
        kwargs: Any = None,
    ) -> None:
        def finished(future: Any) -> None:
            if self._request_futures.get(msg_id) is future:
                del self._request_futures[msg_id]
            callback(future)

        super()._execute_handler(msg_id, handler, finished, args, kwargs)

    def prepare_publishing(self) -> None:
        """Have the converter build its code for `publishDiagnostics` now: on first use it costs ~6 ms, before a document's first diagnostics."""
        span = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=1))
        related = types.DiagnosticRelatedInformation(location=types.Location(uri="file:///sample.py", range=span), message="")
        sample = types.Diagnostic(
            range=span,
            message="",
            severity=types.DiagnosticSeverity.Warning,
            code="RV000",
            code_description=types.CodeDescription(href="https://example.invalid"),
            source="review-ls",
            related_information=[related],
            tags=[types.DiagnosticTag.Unnecessary],
            data={},
        )
        self._converter.unstructure(types.PublishDiagnosticsNotification(params=types.PublishDiagnosticsParams(uri="file:///sample.py", diagnostics=[sample], version=1)))

    def answer_unreadable(self, error: Exception) -> bool:
        """Answer a frame whose body is not JSON (or not UTF-8) with `ParseError`; True if it was one."""
        if isinstance(error, RecursionError):
            log.error("a message nested too deeply to decode was dropped")
            self._answer(None, JsonRpcParseError("message nested too deeply"))
            return True
        if not isinstance(error, (json.JSONDecodeError, UnicodeDecodeError)):
            return False
        self._answer(None, JsonRpcParseError())
        return True

    def _answer(self, request_id: int | str | None, error: JsonRpcException) -> None:
        self._send_response(request_id, error=error.to_response_error())  # type: ignore[arg-type]
