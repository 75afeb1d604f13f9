"""Concurrency: edits arriving while an analysis runs, a workspace scan during typing, settings that
change mid-analysis. Every publication must be the engine's verdict on exactly the text of the
version it names, under one set of settings: never a mix of versions or of settings.

The server runs the statement-local RV2 rules only (`select`), whose fast incremental result equals
the settled one, so every single publication can be compared exactly.
"""

from __future__ import annotations

import asyncio
import sysconfig
from pathlib import Path

import pytest
import pytest_lsp
from lsp_editor import EditorClient
from lsp_oracle import diagnostic_keys, expected_diagnostics
from lsp_session import SERVER, TrackedDocument, start_session
from lsprotocol import types

from review_ls.config import Settings

pytestmark = pytest.mark.asyncio(loop_scope="module")

RV2_ONLY = Settings(select=("RV2",))
RV2_WITHOUT_RV203 = Settings(select=("RV2",), ignore=("RV203",))
LOOPS = """

import requests


def notify(hooks):
    for hook in hooks:
        requests.post(hook)


def fetch_all(urls):
    for url in urls:
        requests.get(url)
"""
SCANNED_FILES = 40


def _large_text() -> str:
    """A 6,000-line stdlib module with functions that have findings appended (analyses take a while)."""
    module = Path(sysconfig.get_paths()["stdlib"], "_pydecimal.py").read_text(encoding="utf-8")
    return module + LOOPS


@pytest_lsp.fixture(config=SERVER, scope="module")
async def server(lsp_client: EditorClient, tmp_path_factory: pytest.TempPathFactory):
    """A server over a workspace of files with findings, running the RV2 rules only."""
    workspace = tmp_path_factory.mktemp("concurrency")
    (workspace / "pkg").mkdir()
    for index in range(SCANNED_FILES):
        (workspace / "pkg" / f"m{index:02d}.py").write_text(f"# module {index}\n" * (index % 5) + LOOPS, encoding="utf-8")
    await start_session(lsp_client, workspace, "visual_studio_code", {"select": ["RV2"]})
    yield
    await lsp_client.shutdown_session()


def _open(client: EditorClient, path: Path, text: str, settings: Settings = RV2_ONLY) -> TrackedDocument:
    document = TrackedDocument(client, path, text)
    document.settings = settings
    return document


def _assert_each_publication_matches_its_version(document: TrackedDocument, *settings: Settings) -> None:
    versions = [p.version for p in document.publications() if p.diagnostics or p.version is not None]
    assert versions == sorted(versions), f"a publication for an older version came after a newer one: {versions}"
    for params in document.publications():
        if params.version is None:
            continue
        keys = diagnostic_keys(list(params.diagnostics))
        allowed = [document.expected(params.version, s) for s in settings]
        assert keys in allowed, f"version {params.version}: {keys} is the verdict on no text/settings of that version"


def _edit(document: TrackedDocument, step: int) -> None:
    """One of a cycle of edits: add a line at the top (every finding moves), add a call in a loop, remove both."""
    loop_line = next(i for i, line in enumerate(document.oracle.text.splitlines()) if line == "    for url in urls:")
    kind = step % 4
    if kind in (0, 2):
        document.insert(0, 0, "# edited\n")
    elif kind == 1:
        document.insert(loop_line + 1, 0, "        requests.delete(url)\n")
    else:
        added = next(i for i, line in enumerate(document.oracle.text.splitlines()) if line == "        requests.delete(url)")
        document.change(types.Range(start=types.Position(line=added, character=0), end=types.Position(line=added + 1, character=0)), "")


async def test_edits_that_arrive_while_an_analysis_runs_never_mix_versions(server: EditorClient) -> None:
    document = _open(server, server.workspace_path / "large.py", _large_text())
    assert await document.diagnostics() == document.expected() != []
    for step in range(40):
        _edit(document, step)
    assert await document.diagnostics() == document.expected()
    _assert_each_publication_matches_its_version(document, RV2_ONLY)
    document.close()


async def test_a_workspace_scan_during_typing_leaves_the_open_document_to_the_live_analysis(server: EditorClient) -> None:
    path = server.workspace_path / "pkg" / "m00.py"
    document = _open(server, path, path.read_text(encoding="utf-8"))
    await document.diagnostics()
    scan = asyncio.ensure_future(server.workspace_execute_command_async(types.ExecuteCommandParams(command="review-ls.scanWorkspace")))
    for step in range(30):
        if step % 2 == 0:
            document.insert(0, 0, "# typed during the scan\n")
        else:
            document.insert(1, 0, "x = 1\n")
        await asyncio.sleep(0)  # let the scan and the analyses interleave with the typing
    await scan
    assert await document.diagnostics() == document.expected() != []
    assert [p.version for p in document.publications() if p.version is None] == [], "the scan published the open document's file"
    _assert_each_publication_matches_its_version(document, RV2_ONLY)
    scanned = server.workspace_path / "pkg" / "m07.py"
    (published,) = [p for p in server.published if p.uri == scanned.as_uri()][-1:]
    assert diagnostic_keys(list(published.diagnostics)) == expected_diagnostics(scanned.read_text(), scanned, server.encoding, RV2_ONLY) != []
    document.close()


async def test_a_settings_change_mid_analysis_gives_results_under_one_setting_at_a_time(server: EditorClient) -> None:
    document = _open(server, server.workspace_path / "settings.py", _large_text())
    await document.diagnostics()
    for step in range(12):
        _edit(document, step)
    changed_at = document.version
    server.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"review-ls": {"select": ["RV2"], "ignore": ["RV203"]}}))
    document.settings = RV2_WITHOUT_RV203
    for step in range(12, 24):
        _edit(document, step)
    final = await document.diagnostics()
    assert final == document.expected() and "RV203" not in {code for code, _ in final}
    _assert_each_publication_matches_its_version(document, RV2_ONLY, RV2_WITHOUT_RV203)
    for params in document.publications():
        if params.version is not None and params.version > changed_at:
            keys = diagnostic_keys(list(params.diagnostics))
            assert keys == document.expected(params.version, RV2_WITHOUT_RV203), f"version {params.version} used the old settings"
    server.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"review-ls": {"select": ["RV2"]}}))
    document.close()
