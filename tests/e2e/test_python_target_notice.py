"""A workspace whose `requires-python` is newer than the Python running the server is told so once per session (issue #15)."""

from __future__ import annotations

import pytest
from lsp_editor import EditorClient

PYPROJECT = '[project]\nname = "future"\nrequires-python = ">=3.99"\n'


@pytest.mark.workspace_files({"pyproject.toml": PYPROJECT, "a.py": "A = 1\n", "pkg/b.py": "B = 2\n"})
async def test_a_newer_requires_python_is_said_once(client: EditorClient) -> None:
    for name in ("a.py", "pkg/b.py", "a.py"):
        uri = client.open(client.workspace_path / name)
        await client.diagnostics_of(uri)
    notices = [m for m in client.messages if "requires-python" in m.message]
    assert len(notices) == 1
    assert "targets Python 3.99" in notices[0].message and "python3.99 -m review_ls" in notices[0].message


@pytest.mark.workspace_files({"pyproject.toml": '[project]\nname = "now"\nrequires-python = ">=3.8"\n', "a.py": "A = 1\n"})
async def test_a_requires_python_the_server_meets_is_not_mentioned(client: EditorClient) -> None:
    await client.diagnostics_of(client.open(client.workspace_path / "a.py"))
    assert [m for m in client.messages if "requires-python" in m.message] == []
