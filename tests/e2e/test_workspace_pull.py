"""`workspace/diagnostic`: the workspace scan's diagnostics pulled, with result IDs so unchanged files are not re-sent."""

from __future__ import annotations

import pytest
from lsp_editor import EditorClient, codes, source
from lsprotocol import types
from pygls.exceptions import JsonRpcException

LOOP = source(
    """
    import requests


    def notify(hooks):
        for hook in hooks:
            requests.post(hook)
    """
)
FILES = {"pkg/jobs.py": LOOP, "clean.py": "x = 1\n", "open.py": LOOP}


def _by_uri(report: types.WorkspaceDiagnosticReport) -> dict[str, types.WorkspaceFullDocumentDiagnosticReport | types.WorkspaceUnchangedDocumentDiagnosticReport]:
    return {item.uri: item for item in report.items}


def _indexed(client: EditorClient) -> bool:
    """True once the workspace index was built (its progress ended)."""
    for values in client.progress_reports.values():
        if any(getattr(value, "title", "") == "review-ls: indexing the workspace" for value in values):
            return isinstance(values[-1], types.WorkDoneProgressEnd)
    return False


@pytest.mark.init_options({"scanWorkspaceOnStartup": True})
@pytest.mark.workspace_files(FILES)
async def test_workspace_pull_reports_files_not_open_then_unchanged(client: EditorClient) -> None:
    jobs, clean, opened = ((client.workspace_path / name).as_uri() for name in ("pkg/jobs.py", "clean.py", "open.py"))
    assert client.server_capabilities is not None and client.server_capabilities.diagnostic_provider is not None
    if not client.pulls:
        assert client.server_capabilities.diagnostic_provider.workspace_diagnostics is False
        with pytest.raises(JsonRpcException):
            await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[]))
        return
    assert client.server_capabilities.diagnostic_provider.workspace_diagnostics is True
    await client.wait_until(lambda: _indexed(client))  # the index's facts are part of the result IDs
    client.open(client.workspace_path / "open.py")

    first = _by_uri(await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[])))
    assert set(first) == {jobs, clean}, "open files are left to the document pulls"
    assert all(isinstance(item, types.WorkspaceFullDocumentDiagnosticReport) and item.result_id for item in first.values())
    assert ("RV203", 6) in codes(list(first[jobs].items))
    assert first[clean].items == []

    previous = [types.PreviousResultId(uri=uri, value=item.result_id) for uri, item in first.items() if item.result_id]
    second = _by_uri(await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=previous)))
    assert set(second) == {jobs, clean}
    assert all(isinstance(item, types.WorkspaceUnchangedDocumentDiagnosticReport) for item in second.values())
    assert {uri: item.result_id for uri, item in second.items()} == {uri: item.result_id for uri, item in first.items()}

    (client.workspace_path / "pkg" / "jobs.py").write_text("import requests\n", encoding="utf-8")
    third = _by_uri(await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=previous)))
    assert isinstance(third[jobs], types.WorkspaceFullDocumentDiagnosticReport) and third[jobs].items == []
    assert third[jobs].result_id != first[jobs].result_id
    assert isinstance(third[clean], types.WorkspaceUnchangedDocumentDiagnosticReport)
    assert not client.diagnostics.get(jobs), "what the startup scan pushed is cleared once the client pulls workspace diagnostics"


@pytest.mark.workspace_files(FILES)
async def test_workspace_diagnostics_are_offered_only_with_the_workspace_scan(client: EditorClient) -> None:
    # Without the workspace scan nobody is offered workspace diagnostics (push clients never are).
    assert client.server_capabilities is not None and client.server_capabilities.diagnostic_provider is not None
    assert client.server_capabilities.diagnostic_provider.workspace_diagnostics is False
