"""A workspace of more than 1,000 Python files over stdio, the way editors start the server (issue #18 item 5).

From 1,000 files on, the project index reads files in worker processes. Workers forked from the
threaded server deadlocked: the index never ended, cross-file findings were missing, `shutdown` +
`exit` did not end the server and the workers outlived it. Here the server is started as a
subprocess on stdio (`python -m review_ls serve`); the index must end, a cross-file finding must
appear, `exit` must end the process, and every process it started must be gone.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest
from process_table import is_alive  # same folder: pytest puts it on sys.path
import pytest_lsp
from lsp_editor import EditorClient, codes
from lsp_session import SERVER, start_session
from lsprotocol import types

FILES = 1_200  # above the index's 1,000-file threshold for worker processes
MODEL = "from pydantic import BaseModel\n\n\nclass User(BaseModel):\n    name: str\n    email: str\n"


def _descendants(pid: int) -> set[int]:
    """Every live process below `pid` (read from /proc)."""
    found: set[int] = set()
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = {int(child) for child in (task / "children").read_text().split()}
            except OSError:
                continue
            pending.extend(children - found)
            found |= children
    return found


async def _watch_children(pid: int, seen: set[int], stop: asyncio.Event) -> None:
    """Record the server's child processes until `stop` is set (the workers live only while the index is built)."""
    while not stop.is_set():
        seen |= _descendants(pid)
        try:
            await asyncio.wait_for(stop.wait(), 0.02)
        except (asyncio.TimeoutError, TimeoutError):
            pass


@pytest_lsp.fixture(config=SERVER)
async def large_workspace(lsp_client: EditorClient, tmp_path: Path):
    """A server (VS Code profile) started on a workspace of 1,200 tiny files and a model duplicated across two."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    for number in range(FILES):
        (workspace / f"m{number:04}.py").write_text(f"VALUE_{number} = {number}\n", encoding="utf-8")
    (workspace / "users.py").write_text(MODEL, encoding="utf-8")
    (workspace / "accounts.py").write_text(MODEL, encoding="utf-8")
    await start_session(lsp_client, workspace, "visual_studio_code")
    yield
    if lsp_client.capabilities is not None and lsp_client._server is not None and lsp_client._server.returncode is None:
        await asyncio.wait_for(lsp_client.shutdown_session(), 30)


def _index_end(client: EditorClient) -> types.WorkDoneProgressEnd | None:
    """The end of the indexing progress, once it came."""
    for values in client.progress_reports.values():
        indexing = any(getattr(value, "title", "") == "review-ls: indexing the workspace" for value in values)
        if indexing and isinstance(values[-1], types.WorkDoneProgressEnd):
            return values[-1]
    return None


async def test_a_workspace_over_the_worker_threshold_indexes_and_exits_cleanly_over_stdio(large_workspace: EditorClient) -> None:
    lsp_client = large_workspace
    server = lsp_client._server
    assert server is not None, "the server runs as a subprocess on stdio"
    seen: set[int] = set()
    stop = asyncio.Event()
    watcher = asyncio.ensure_future(_watch_children(server.pid, seen, stop))
    try:
        uri = lsp_client.open(lsp_client.workspace_path / "users.py")
        end = await lsp_client.wait_until(lambda: _index_end(lsp_client))
        assert end.message == f"{FILES + 2} files indexed"
        published = await lsp_client.wait_for(lambda p: p.uri == uri and any(d.code == "RV405" for d in p.diagnostics))
        assert ("RV405", 4) in codes(list(published.diagnostics)), "the cross-file finding needs the whole index"
    finally:
        stop.set()
        await watcher
    assert seen, "the index ran in worker processes"
    await lsp_client.shutdown_async(None)
    lsp_client.exit(None)
    assert await asyncio.wait_for(server.wait(), 30) == 0, "shutdown + exit end the server"
    deadline = time.monotonic() + 10  # orphans would be reparented; give exiting ones a moment to go
    while any(is_alive(pid) for pid in seen) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not [pid for pid in seen if is_alive(pid)], "no process started by the server survives it"


if sys.platform != "linux":  # /proc is needed to see the server's children
    pytestmark = pytest.mark.skip(reason="reads /proc")
