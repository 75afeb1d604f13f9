"""What the server tells the user (issue #18 item 10): an unreadable pyproject.toml, a failed or
cancelled index, and an edit it cannot apply are each said once through `window/showMessage`,
and the server goes on working (defaults, no index, a resynchronised document)."""

from __future__ import annotations

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

MODEL = "from pydantic import BaseModel\n\n\nclass User(BaseModel):\n    name: str\n    email: str\n"
NOT_TOML = '[tool.review-ls\nignore = ["RV203"]\n'


def _messages(client: EditorClient, *words: str) -> list[types.ShowMessageParams]:
    return [m for m in client.messages if all(word in m.message for word in words)]


def _notify_pyproject_changed(client: EditorClient, uri: str) -> None:
    """Tell the server pyproject.toml changed: a watched-file event, or (Neovim, no watching) a save."""
    pyproject = client.workspace_path / "pyproject.toml"
    if any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in client.registrations):
        event = types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[event]))
    else:
        client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))


# -- pyproject.toml -------------------------------------------------------------------------------

@pytest.mark.workspace_files({"pyproject.toml": NOT_TOML, "app.py": LOOP, "accounts.py": MODEL, "users.py": MODEL})
async def test_invalid_toml_at_startup_publishes_with_defaults_and_says_why_once(client: EditorClient) -> None:
    users = client.open(client.workspace_path / "users.py")
    assert ("RV405", 4) in codes(await client.diagnostics_once(users, 0, lambda ds: "RV405" in {d.code for d in ds})), "the index is built"
    uri = client.open(client.workspace_path / "app.py")
    assert ("RV203", 6) in codes(await client.diagnostics_of(uri)), "the defaults apply"
    for column in range(5):
        client.insert(uri, 1, column, "#")
    assert ("RV203", 6) in codes(await client.diagnostics_of(uri))
    (message,) = _messages(client, "pyproject.toml", "not valid TOML")
    assert message.type == types.MessageType.Warning and "using the defaults" in message.message


async def test_non_utf8_pyproject_is_reported_once_per_change_and_defaults_apply(client: EditorClient) -> None:
    pyproject = client.workspace_path / "pyproject.toml"
    pyproject.write_text('[tool.review-ls]\nignore = ["RV203"]\n', encoding="utf-8")
    uri = client.open(client.workspace_path / "app.py", LOOP)
    assert "RV203" not in {d.code for d in await client.diagnostics_of(uri)}
    before = len(client.published)
    pyproject.write_bytes(b'[tool.review-ls]\n# caf\xe9\nignore = ["RV203"]\n')
    _notify_pyproject_changed(client, uri)
    diagnostics = await client.diagnostics_once(uri, before, lambda ds: "RV203" in {d.code for d in ds})
    assert ("RV203", 6) in codes(diagnostics), "published with the defaults"
    for column in range(5):
        client.insert(uri, 1, column, "#")
    await client.diagnostics_of(uri)
    (message,) = _messages(client, "pyproject.toml", "not valid UTF-8")
    assert message.type == types.MessageType.Warning
    pyproject.write_bytes(b'[tool.review-ls]\n# caf\xe9 cr\xe8me\nignore = ["RV203"]\n')  # changed again, still unreadable
    _notify_pyproject_changed(client, uri)
    await client.wait_until(lambda: len(_messages(client, "pyproject.toml", "not valid UTF-8")) == 2)
    client.insert(uri, 1, 0, "#")
    await client.diagnostics_of(uri)
    assert ("RV203", 6) in codes(await client.diagnostics_of(uri))
    assert len(_messages(client, "pyproject.toml", "not valid UTF-8")) == 2


# -- the project index ------------------------------------------------------------------------------

def _index_progress(client: EditorClient) -> list[object] | None:
    for values in client.progress_reports.values():
        if any(getattr(value, "title", "") == "review-ls: indexing the workspace" for value in values):
            return values
    return None


@pytest.mark.workspace_files({".gitignore": "!\n", "app.py": LOOP})  # a pattern the ignore-file parser rejects
async def test_an_index_that_fails_is_reported_and_documents_are_still_analysed(client: EditorClient) -> None:
    (message,) = await client.wait_until(lambda: _messages(client, "indexing the workspace failed") or None)
    assert message.type == types.MessageType.Error and "missing" in message.message
    uri = client.open(client.workspace_path / "app.py")
    assert ("RV203", 6) in codes(await client.diagnostics_of(uri))
    progress = _index_progress(client)
    assert progress is not None and isinstance(progress[-1], types.WorkDoneProgressEnd) and progress[-1].message == "failed"


@pytest.mark.workspace_files({f"pkg/module_{n}.py": LOOP.replace("notify", f"notify_{n}") for n in range(600)})
async def test_an_index_cancelled_from_its_progress_bar_is_reported(client: EditorClient) -> None:
    progress = await client.wait_until(lambda: _index_progress(client))
    (token,) = [t for t, values in client.progress_reports.items() if values is progress]
    assert isinstance(progress[0], types.WorkDoneProgressBegin) and progress[0].cancellable
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    (message,) = await client.wait_until(lambda: _messages(client, "indexing the workspace was cancelled") or None)
    assert message.type == types.MessageType.Warning
    assert isinstance(progress[-1], types.WorkDoneProgressEnd) and progress[-1].message == "cancelled"
