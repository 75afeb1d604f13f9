"""End-to-end tests: the real server (`python -m review_ls serve`) driven by pytest-lsp's client.

Every test runs once per client capability profile: VS Code (push diagnostics, UTF-16, versioned
document changes, file watching) and Neovim (pull diagnostics, UTF-8, plain `changes`, no file
watching). Helpers wait for what the server sends; nothing sleeps.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsp_editor import EditorClient, make_client
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

PROFILES = ("visual_studio_code", "neovim")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "init_options(options): initializationOptions sent by the e2e client")


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "review_ls", "serve"], client_factory=make_client)


@pytest_lsp.fixture(params=PROFILES, config=SERVER)
async def client(request: pytest.FixtureRequest, lsp_client: EditorClient, tmp_path: Path):
    """A server initialized by a client with the profile's capabilities, with `tmp_path` as its workspace."""
    marker = request.node.get_closest_marker("init_options")
    options = marker.args[0] if marker else None
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    params = types.InitializeParams(
        capabilities=client_capabilities(request.param),
        workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="workspace")],
        root_uri=workspace.as_uri(),
        initialization_options=options,
    )
    result = await lsp_client.initialize_session(params)
    lsp_client.encoding = result.capabilities.position_encoding or types.PositionEncodingKind.Utf16
    lsp_client.workspace_path = workspace
    yield
    await lsp_client.shutdown_session()
