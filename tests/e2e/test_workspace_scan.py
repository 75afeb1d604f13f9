"""The workspace scan: background analysis of the files that are not open, with work-done progress."""

from __future__ import annotations

import asyncio

import pytest
from lsp_editor import EditorClient, codes, source
from lsprotocol import types

LOOP = source(
    """
    import requests


    def notify(hooks):
        for hook in hooks:
            requests.post(hook)
    """
)


def _workspace(client: EditorClient) -> tuple[str, str, str]:
    (client.workspace_path / "pkg").mkdir()
    (client.workspace_path / "pkg" / "jobs.py").write_text(LOOP, encoding="utf-8")
    (client.workspace_path / "clean.py").write_text("x = 1\n", encoding="utf-8")
    (client.workspace_path / "open.py").write_text(LOOP, encoding="utf-8")
    return (
        (client.workspace_path / "pkg" / "jobs.py").as_uri(),
        (client.workspace_path / "clean.py").as_uri(),
        (client.workspace_path / "open.py").as_uri(),
    )


async def test_scan_publishes_files_not_open_with_progress(client: EditorClient) -> None:
    jobs, clean, opened = _workspace(client)
    client.open(client.workspace_path / "open.py")
    summary = await client.workspace_execute_command_async(types.ExecuteCommandParams(command="review-ls.scanWorkspace"))
    assert summary["files"] == 2 and summary["cancelled"] is False
    assert ("RV203", 6) in codes(client.diagnostics[jobs])
    assert clean not in client.diagnostics, "a clean file gets no (empty) publication"
    assert all(p.uri != opened or p.version is not None for p in client.published), "open files are left to the live analysis"
    reports = [r for values in client.progress_reports.values() for r in values]
    scan = [r for values in client.progress_reports.values() if any(getattr(v, "title", "").endswith("scanning the workspace") for v in values) for r in values]
    assert isinstance(scan[0], types.WorkDoneProgressBegin) and scan[0].cancellable
    assert isinstance(scan[-1], types.WorkDoneProgressEnd)
    assert any(isinstance(r, types.WorkDoneProgressReport) and r.message == "2/2 files" for r in reports)


@pytest.mark.init_options({"scanWorkspaceOnStartup": True})
@pytest.mark.workspace_files({"jobs.py": LOOP})
async def test_scan_on_startup(client: EditorClient) -> None:
    uri = (client.workspace_path / "jobs.py").as_uri()
    published = await client.wait_for(lambda p: p.uri == uri)
    assert ("RV203", 6) in codes(list(published.diagnostics))
    assert published.version is None


async def test_scan_can_be_cancelled_from_the_progress_bar(client: EditorClient) -> None:
    body = "".join(LOOP.replace("def notify(", f"def notify_{i}(") for i in range(150))
    for index in range(24):
        (client.workspace_path / f"module_{index}.py").write_text(body, encoding="utf-8")
    scan = asyncio.ensure_future(client.workspace_execute_command_async(types.ExecuteCommandParams(command="review-ls.scanWorkspace")))

    def first_report() -> types.ProgressToken | None:
        for token, values in client.progress_reports.items():
            if any(isinstance(v, types.WorkDoneProgressReport) for v in values):
                return token
        return None

    token = await client.wait_until(first_report)
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    summary = await scan
    assert summary["cancelled"] is True and summary["files"] < 24
    assert client.progress_reports[token][-1].message == "cancelled"
