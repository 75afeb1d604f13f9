"""Shared fixtures of the reliability suite: a server driven by the e2e suite's editor client.

The server tests share one server per module (starting one costs about a second); each test uses
its own documents, so they stay independent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))

from lsp_editor import EditorClient  # noqa: E402
from lsp_session import SERVER, start_session  # noqa: E402


@pytest_lsp.fixture(config=SERVER, scope="module")
async def vscode(lsp_client: EditorClient, tmp_path_factory: pytest.TempPathFactory):
    """One server per test module, initialized by a VS Code client (push diagnostics, UTF-16)."""
    workspace = tmp_path_factory.mktemp("workspace")
    await start_session(lsp_client, workspace, "visual_studio_code")
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER, scope="module")
async def neovim(lsp_client: EditorClient, tmp_path_factory: pytest.TempPathFactory):
    """One server per test module, initialized by a Neovim client (pull diagnostics, UTF-8)."""
    workspace = tmp_path_factory.mktemp("workspace")
    await start_session(lsp_client, workspace, "neovim")
    yield
    await lsp_client.shutdown_session()
