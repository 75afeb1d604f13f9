"""End-to-end tests: the real server (`python -m review_ls serve`) driven by pytest-lsp's client.

Every test runs once per client capability profile: VS Code (push diagnostics, UTF-16, versioned
document changes, file watching) and Neovim (pull diagnostics, UTF-8, plain `changes`, no file
watching). Helpers wait for what the server sends; nothing sleeps. Tests that change settings get a
server of their own (`client`); the others share one per module (`editor`).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import pytest_lsp
from lsp_editor import EditorClient, make_client
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

PROFILES = ("visual_studio_code", "neovim")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "init_options(options): initializationOptions sent by the e2e client")
    config.addinivalue_line("markers", "workspace_files(files): {relative path: text} written before the server starts")
    config.addinivalue_line("markers", "folders(names): the workspace folders (subfolders of the workspace) of a multi-root workspace")


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "review_ls", "serve"], client_factory=make_client)


async def _initialize(client: EditorClient, profile: str, workspace: Path, options: object, folders: tuple[str, ...] = ()) -> None:
    roots = [workspace / name for name in folders] or [workspace]
    params = types.InitializeParams(
        capabilities=client_capabilities(profile),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name) for root in roots],
        root_uri=roots[0].as_uri(),
        initialization_options=options,
    )
    result = await client.initialize_session(params)
    client.encoding = result.capabilities.position_encoding or types.PositionEncodingKind.Utf16
    client.server_capabilities = result.capabilities
    client.workspace_path = workspace


@pytest_lsp.fixture(params=PROFILES, config=SERVER)
async def client(request: pytest.FixtureRequest, lsp_client: EditorClient, tmp_path: Path):
    """A fresh server initialized by a client with the profile's capabilities, with a new folder as its workspace."""
    options = request.node.get_closest_marker("init_options")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    files = request.node.get_closest_marker("workspace_files")
    for relative, text in (files.args[0] if files else {}).items():
        (workspace / relative).parent.mkdir(parents=True, exist_ok=True)
        (workspace / relative).write_text(text, encoding="utf-8")
    folders = request.node.get_closest_marker("folders")
    for name in folders.args[0] if folders else ():
        (workspace / name).mkdir(exist_ok=True)
    await _initialize(lsp_client, request.param, workspace, options.args[0] if options else None, folders.args[0] if folders else ())
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(params=PROFILES, config=SERVER, scope="module")
async def shared_server(request: pytest.FixtureRequest, lsp_client: EditorClient, tmp_path_factory: pytest.TempPathFactory):
    """One server per test module and profile, for tests that change no settings (see `editor`)."""
    await _initialize(lsp_client, request.param, tmp_path_factory.mktemp("workspace"), None)
    yield
    await lsp_client.shutdown_session()


@pytest_asyncio.fixture(loop_scope="module")
async def editor(shared_server: EditorClient, tmp_path: Path) -> AsyncIterator[EditorClient]:
    """The module's shared server, with a new folder for the test's files; the test's documents are closed after it."""
    shared_server.workspace_path = tmp_path
    yield shared_server
    for uri in list(shared_server.texts):
        shared_server.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    shared_server.texts.clear()
