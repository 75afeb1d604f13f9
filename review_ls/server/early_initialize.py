"""The `initialize` reply, computed from the request's JSON without pygls or lsprotocol.

Importing pygls (lsprotocol's thousands of attrs classes, cattrs, asyncio) takes about 0.5 s; an
editor waits for the `initialize` reply. `initialize_reply` builds the frame pygls would send,
byte for byte, for the request shapes it understands, and None for anything else (the server then
answers through pygls as usual). What pygls's `ServerCapabilitiesBuilder` reads from the client is
handled here: the position encodings, `willSave`/`willSaveWaitUntil` (present or not), pull
diagnostics together with `scanWorkspaceOnStartup` (the workspace diagnostic feature that
`app.initialize` registers). The server's own features are fixed in `_server_capabilities`;
tests/server/test_early_initialize.py compares every reply with pygls's for each client profile.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from review_ls import __version__
from review_ls.server.option_section import options_section

JSON_RPC = "2.0"
SERVER_NAME = "review-ls"
# pygls's header (`JsonRPCProtocol._send_data`).
_HEADER = "Content-Length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"
_ENCODINGS = ("utf-8", "utf-16", "utf-32")  # what pygls can convert positions to
_TRACE_VALUES = ("off", "messages", "verbose")
_COMMANDS = ("review-ls.fixAll", "review-ls.explainRule", "review-ls.scanWorkspace")
_CODE_ACTION_KINDS = ("quickfix", "source.fixAll.review-ls")
_DIAGNOSTIC_IDENTIFIER = "review-ls"


class Unhandled(Exception):
    """The request has a shape this module does not answer for; pygls answers it."""


def initialize_reply(message: object) -> tuple[int | str, bytes] | None:
    """(request id, the whole reply frame) for an `initialize` request this module can answer; None for anything else."""
    try:
        request_id, params = _initialize_request(message)
        result = {"capabilities": _server_capabilities(params), "serverInfo": {"name": SERVER_NAME, "version": __version__}}
    except Unhandled:
        return None
    body = json.dumps({"id": request_id, "jsonrpc": JSON_RPC, "result": result})
    return request_id, (_HEADER.format(len(body)) + body).encode("utf-8")


def _initialize_request(message: object) -> tuple[int | str, Mapping[str, Any]]:
    """The id and params of a well-formed `initialize` request (raise Unhandled otherwise)."""
    if not isinstance(message, Mapping) or message.get("jsonrpc") != JSON_RPC or message.get("method") != "initialize":
        raise Unhandled
    request_id, params = message.get("id"), message.get("params")
    if isinstance(request_id, bool) or not isinstance(request_id, (int, str)) or not isinstance(params, Mapping):
        raise Unhandled
    _expect(params.get("processId"), int)
    _expect(params.get("rootUri"), str)
    _expect(params.get("rootPath"), str)
    _expect(params.get("locale"), str)
    _expect(params.get("workDoneToken"), (int, str))
    if params.get("trace") is not None and params["trace"] not in _TRACE_VALUES:
        raise Unhandled
    client = _expect(params.get("clientInfo"), Mapping)
    if client is not None:
        _expect(client.get("name"), str, required=True)
        _expect(client.get("version"), str)
    for folder in _expect(params.get("workspaceFolders"), list) or ():
        if not isinstance(folder, Mapping):
            raise Unhandled
        _expect(folder.get("uri"), str, required=True)
        _expect(folder.get("name"), str, required=True)
    _expect(params.get("capabilities"), Mapping, required=True)
    return request_id, params


def _server_capabilities(params: Mapping[str, Any]) -> dict[str, Any]:
    """What pygls's `ServerCapabilitiesBuilder` computes for review-ls's features and this client, in its key order."""
    capabilities: Mapping[str, Any] = params["capabilities"]
    text_document = _expect(capabilities.get("textDocument"), Mapping) or {}
    synchronization = _expect(text_document.get("synchronization"), Mapping) or {}
    pulls = _expect(text_document.get("diagnostic"), Mapping) is not None
    sync: dict[str, Any] = {"openClose": True, "change": 2}  # TextDocumentSyncKind.Incremental
    # pygls offers `client_capability and server_feature`: review-ls has no willSave handlers, so the
    # client's value is sent back as false, and left out when the client left it out.
    for key in ("willSave", "willSaveWaitUntil"):
        if _expect(synchronization.get(key), bool) is not None:
            sync[key] = False
    sync["save"] = {"includeText": False}
    return {
        "positionEncoding": _position_encoding(capabilities),
        "textDocumentSync": sync,
        "hoverProvider": True,
        "codeActionProvider": {"codeActionKinds": list(_CODE_ACTION_KINDS), "resolveProvider": True},
        "executeCommandProvider": {"commands": list(_COMMANDS)},
        "diagnosticProvider": {
            "interFileDependencies": True,
            "workspaceDiagnostics": pulls and _scans_workspace_on_startup(params.get("initializationOptions")),
            "identifier": _DIAGNOSTIC_IDENTIFIER,
        },
        "workspace": {"workspaceFolders": {"supported": True, "changeNotifications": True}, "fileOperations": {}},
    }


def _position_encoding(capabilities: Mapping[str, Any]) -> str:
    """The client's first position encoding that pygls supports, else UTF-16 (`choose_position_encoding`)."""
    general = _expect(capabilities.get("general"), Mapping) or {}
    encodings = _expect(general.get("positionEncodings"), list) or []
    if not all(isinstance(encoding, str) for encoding in encodings):
        raise Unhandled
    return next((encoding for encoding in encodings if encoding in _ENCODINGS), "utf-16")


def _scans_workspace_on_startup(initialization_options: object) -> bool:
    """`scanWorkspaceOnStartup` as `server/options.py` reads it: true only when it is the boolean true."""
    section = options_section(initialization_options)
    return isinstance(section, Mapping) and section.get("scanWorkspaceOnStartup") is True


def _expect(value: Any, kind: type | tuple[type, ...], required: bool = False) -> Any:
    """`value` when it is None (and not required) or of `kind`; raise Unhandled otherwise."""
    if value is None and not required:
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise Unhandled
    return value
