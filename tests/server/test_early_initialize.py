"""The early `initialize` reply is the frame pygls sends, byte for byte, for every client shape it answers."""

from __future__ import annotations

import io
import json
from importlib import resources
from typing import Any

import pytest
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import client_capabilities

from review_ls.server.app import create_server
from review_ls.server.early_initialize import initialize_reply
from review_ls.server.framing import FramedInput
from review_ls.server.stdio_start import EarlyReplyFilter, ReplayedInput, read_frame

WORKSPACE = "file:///tmp/early-initialize-workspace"


class CapturedOutput:
    """pygls's writer: keeps what the server sends."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.frames.append(data)

    def close(self) -> None:
        pass


def pygls_reply(message: dict[str, Any]) -> bytes:
    """The frame the server answers `message` with when pygls handles it (the normal path)."""
    server = create_server()
    output = CapturedOutput()
    server.protocol.set_writer(output)
    server.protocol.handle_message(server.protocol.structure_message(json.loads(json.dumps(message))))
    (reply,) = [frame for frame in output.frames if b'"method"' not in frame.partition(b"\r\n\r\n")[2][:200]]
    return reply


def request(params: dict[str, Any], request_id: int | str = 1) -> dict[str, Any]:
    """An `initialize` request."""
    return {"jsonrpc": "2.0", "id": request_id, "method": "initialize", "params": params}


def e2e_params(profile: str, options: object = None, folders: int = 1) -> dict[str, Any]:
    """The params the e2e client sends (tests/e2e/conftest.py), as JSON."""
    roots = [f"{WORKSPACE}/{n}" for n in range(folders)] or [WORKSPACE]
    params = types.InitializeParams(
        capabilities=client_capabilities(profile),
        workspace_folders=[types.WorkspaceFolder(uri=root, name=root.rsplit("/", 1)[1]) for root in roots] if folders else None,
        root_uri=roots[0],
        initialization_options=options,
    )
    unstructured: dict[str, Any] = default_converter().unstructure(params)
    return unstructured


def recorded_clients() -> list[str]:
    """The capability files pytest-lsp records of real editors (VS Code, Neovim versions, Emacs)."""
    return sorted(p.name for p in resources.files("pytest_lsp.clients").iterdir() if p.name.endswith(".json"))


def with_path(params: dict[str, Any], path: tuple[str, ...], value: object) -> dict[str, Any]:
    """A deep copy of `params` with `capabilities.<path>` set to `value`."""
    copied: dict[str, Any] = json.loads(json.dumps(params))
    node = copied["capabilities"]
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return copied


MINIMAL: dict[str, Any] = {"capabilities": {}}
PULL: dict[str, Any] = {"capabilities": {"textDocument": {"diagnostic": {"dynamicRegistration": False}}}}

CASES = {
    **{f"e2e {profile}": e2e_params(profile) for profile in ("visual_studio_code", "neovim")},
    **{f"e2e {profile} scanWorkspaceOnStartup": e2e_params(profile, {"scanWorkspaceOnStartup": True}) for profile in ("visual_studio_code", "neovim")},
    **{f"e2e {profile} options": e2e_params(profile, {"ignore": ["RV203"], "maxFileSizeBytes": 100}) for profile in ("visual_studio_code", "neovim")},
    "e2e neovim two folders": e2e_params("neovim", None, folders=2),
    "e2e neovim no folders": e2e_params("neovim", None, folders=0),
    "minimal": MINIMAL,
    "minimal with everything optional null": {"processId": None, "rootUri": None, "rootPath": None, "workspaceFolders": None, "capabilities": {}, "initializationOptions": None},
    "rootPath only": {"processId": 12, "rootPath": "/tmp/project", "capabilities": {}, "clientInfo": {"name": "ed", "version": "1"}, "trace": "off", "locale": "en"},
    "pull": PULL,
    "pull, scanWorkspaceOnStartup": {**PULL, "initializationOptions": {"scanWorkspaceOnStartup": True}},
    "pull, scanWorkspaceOnStartup off": {**PULL, "initializationOptions": {"scanWorkspaceOnStartup": False}},
    "pull, scanWorkspaceOnStartup not a boolean": {**PULL, "initializationOptions": {"scanWorkspaceOnStartup": "yes"}},
    "pull, scanWorkspaceOnStartup in the review-ls section": {**PULL, "initializationOptions": {"settings": {"review-ls": {"scanWorkspaceOnStartup": True}}}},
    "pull, options not an object": {**PULL, "initializationOptions": [1, 2]},
    "push, scanWorkspaceOnStartup": {"capabilities": {}, "initializationOptions": {"scanWorkspaceOnStartup": True}},
    "diagnostic capability null": {"capabilities": {"textDocument": {"diagnostic": None}}, "initializationOptions": {"scanWorkspaceOnStartup": True}},
    "utf-8": with_path(MINIMAL, ("general", "positionEncodings"), ["utf-8", "utf-16"]),
    "utf-32": with_path(MINIMAL, ("general", "positionEncodings"), ["utf-32"]),
    "unknown encodings first": with_path(MINIMAL, ("general", "positionEncodings"), ["utf-7", "utf-16", "utf-8"]),
    "only unknown encodings": with_path(MINIMAL, ("general", "positionEncodings"), ["latin-1"]),
    "no encodings": with_path(MINIMAL, ("general", "positionEncodings"), []),
    "willSave true": with_path(MINIMAL, ("textDocument", "synchronization", "willSave"), True),
    "willSave false": with_path(MINIMAL, ("textDocument", "synchronization", "willSave"), False),
    "willSaveWaitUntil only": with_path(MINIMAL, ("textDocument", "synchronization", "willSaveWaitUntil"), True),
    "file operations and notebooks": with_path(
        with_path(MINIMAL, ("workspace", "fileOperations"), {"didCreate": True, "willRename": True}), ("notebookDocument", "synchronization"), {"dynamicRegistration": True}
    ),
    "rename with prepare support": with_path(MINIMAL, ("textDocument", "rename"), {"prepareSupport": True}),
    "string id": {"capabilities": {}, "__id": "init-1"},
    **{f"recorded {name}": json.loads((resources.files("pytest_lsp.clients") / name).read_text()) for name in recorded_clients()},
}


@pytest.mark.parametrize("params", CASES.values(), ids=CASES.keys())
def test_the_early_reply_is_pygls_reply_byte_for_byte(params: dict[str, Any]) -> None:
    params = dict(params)
    message = request(params, params.pop("__id", 1))
    early = initialize_reply(json.loads(json.dumps(message)))
    assert early is not None, "a shape the builder should answer"
    assert early == (message["id"], pygls_reply(message))


UNANSWERED = {
    "not initialize": {"jsonrpc": "2.0", "id": 1, "method": "shutdown", "params": None},
    "a notification": {"jsonrpc": "2.0", "method": "initialize", "params": {"capabilities": {}}},
    "boolean id": {"jsonrpc": "2.0", "id": True, "method": "initialize", "params": {"capabilities": {}}},
    "not JSON-RPC 2.0": {"jsonrpc": "1.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
    "params not an object": request([]),  # type: ignore[arg-type]
    "no capabilities": request({"processId": 1}),
    "capabilities not an object": request({"capabilities": []}),
    "process id not a number": request({"processId": "12", "capabilities": {}}),
    "workspace folder without a name": request({"capabilities": {}, "workspaceFolders": [{"uri": WORKSPACE}]}),
    "unknown trace value": request({"capabilities": {}, "trace": "loud"}),
    "encodings not strings": request(with_path(MINIMAL, ("general", "positionEncodings"), [8])),
    "encodings not a list": request(with_path(MINIMAL, ("general", "positionEncodings"), "utf-8")),
    "willSave not a boolean": request(with_path(MINIMAL, ("textDocument", "synchronization", "willSave"), "yes")),
    "diagnostic capability not an object": request(with_path(MINIMAL, ("textDocument", "diagnostic"), True)),
    "not an object": ["initialize"],
}


@pytest.mark.parametrize("message", UNANSWERED.values(), ids=UNANSWERED.keys())
def test_shapes_the_builder_does_not_know_are_left_to_pygls(message: object) -> None:
    assert initialize_reply(message) is None


def test_the_replayed_frame_comes_first_then_the_stream() -> None:
    stream = FramedInput(io.BytesIO(b"Content-Length: 2\r\n\r\n{}Content-Length: 3\r\n\r\n[1]"))
    first = read_frame(stream)
    assert first == b"{}"
    replayed = ReplayedInput(first, stream)
    assert [replayed.readline(), replayed.readline(), replayed.read(2)] == [b"Content-Length: 2\r\n", b"\r\n", b"{}"]
    assert read_frame(replayed) == b"[1]"  # type: ignore[arg-type]
    assert read_frame(replayed) is None  # type: ignore[arg-type]


def frame(message: object) -> bytes:
    """A frame as pygls writes it."""
    body = json.dumps(message)
    return f"Content-Length: {len(body)}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{body}".encode()


def test_pygls_reply_to_the_early_answered_id_is_dropped_once(caplog: pytest.LogCaptureFixture) -> None:
    early = frame({"id": 3, "jsonrpc": "2.0", "result": {"capabilities": {}}})
    output = io.BytesIO()
    writer = EarlyReplyFilter(output, 3, early)
    sent = [
        frame({"jsonrpc": "2.0", "method": "window/logMessage", "params": {"type": 3, "message": "id 3"}}),
        frame({"id": "3", "jsonrpc": "2.0", "result": None}),  # another id (a string)
        frame({"id": 3, "jsonrpc": "2.0", "method": "client/registerCapability", "params": {}}),  # a request to the client
        early,  # pygls's duplicate: dropped
        frame({"id": 3, "jsonrpc": "2.0", "result": None}),  # a later reply to a reused id goes out
    ]
    for data in sent:
        writer.write(data)
    assert output.getvalue() == b"".join(sent[:3] + sent[4:])
    assert "differs" not in caplog.text


def test_a_pygls_reply_that_differs_from_the_early_one_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    output = io.BytesIO()
    writer = EarlyReplyFilter(output, 1, frame({"id": 1, "jsonrpc": "2.0", "result": {"capabilities": {}}}))
    writer.write(frame({"id": 1, "jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid Params"}}))
    assert output.getvalue() == b""
    assert "the early initialize reply differs from pygls's" in caplog.text
