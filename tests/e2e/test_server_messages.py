"""What the server tells the user (issue #18 item 10): an unreadable pyproject.toml, a failed or
cancelled index, and an edit it cannot apply are each said once through `window/showMessage`,
and the server goes on working (defaults, no index, a resynchronised document)."""

from __future__ import annotations

import os

import pytest
from lsp_editor import EditorClient, codes, source
from lsprotocol import types
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec

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


@pytest.fixture
def failing_index(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server started next makes its project index fail: a `sitecustomize` on its PYTHONPATH replaces
    `ProjectIndex.build` with one that raises (real inputs no longer make the index fail)."""
    folder = tmp_path_factory.mktemp("failing-index")
    (folder / "sitecustomize.py").write_text(
        "from review_ls.project.index import ProjectIndex\n\n"
        "def _fail(*args, **kwargs):\n    raise RuntimeError('missing index (injected by the test)')\n\n"
        "ProjectIndex.build = staticmethod(_fail)\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")])))


@pytest.mark.workspace_files({"app.py": LOOP})
async def test_an_index_that_fails_is_reported_and_documents_are_still_analysed(failing_index: None, client: EditorClient) -> None:
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
    end = await client.wait_until(lambda: progress[-1] if isinstance(progress[-1], types.WorkDoneProgressEnd) else None)
    assert end.message == "cancelled"


# -- changes the server cannot apply --------------------------------------------------------------

def _send_change(client: EditorClient, uri: str, version: int, change: types.TextDocumentContentChangeEvent) -> None:
    """Send a change without applying it to the client's copy (what the editor holds is the test's to say)."""
    identifier = types.VersionedTextDocumentIdentifier(uri=uri, version=version)
    client.text_document_did_change(types.DidChangeTextDocumentParams(text_document=identifier, content_changes=[change]))


def _at(line: int, character: int = 0) -> types.Range:
    return types.Range(start=types.Position(line=line, character=character), end=types.Position(line=line, character=character))


def _editor_holds(client: EditorClient, uri: str, text: str, version: int) -> None:
    """Set the client's copy of a document (the text the editor really holds)."""
    client.texts[uri] = TextDocument(uri, text, version=version, position_codec=PositionCodec(client.encoding))


async def _hidden(client: EditorClient, uri: str) -> None:
    """Wait until the document's findings are withdrawn (pushed empty, or pulled empty)."""
    if client.pulls:
        assert await client.diagnostics_once(uri, 0, lambda ds: not ds) == []
    else:
        await client.wait_for(lambda p: p.uri == uri and p.version is None and not p.diagnostics)


async def test_a_change_past_the_end_is_rejected_said_once_and_resynchronised_from_the_save(client: EditorClient) -> None:
    path = client.workspace_path / "app.py"
    path.write_text(LOOP, encoding="utf-8")
    uri = client.open(path)
    assert ("RV203", 6) in codes(await client.diagnostics_of(uri))
    _send_change(client, uri, 2, types.TextDocumentContentChangePartial(range=_at(40), text="x = 1\n"))
    (message,) = await client.wait_until(lambda: _messages(client, "lost track of the edits to app.py") or None)
    assert message.type == types.MessageType.Warning and "line 41, past the end" in message.message and "save" in message.message
    await _hidden(client, uri)
    _send_change(client, uri, 3, types.TextDocumentContentChangePartial(range=_at(0), text="# more\n"))  # ignored: based on unknown text
    fix_all = types.ExecuteCommandParams(command="review-ls.fixAll", arguments=[uri])
    assert await client.workspace_execute_command_async(fix_all) is False, "no fix is computed on a copy that lost sync"
    saved = "# saved by the editor\n" + LOOP
    path.write_text(saved, encoding="utf-8")
    _editor_holds(client, uri, saved, 3)
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert ("RV203", 7) in codes(await client.diagnostics_of(uri)), "analysed again: the saved text"
    assert len(_messages(client, "lost track")) == 1
    assert any("in sync again" in m.message for m in client.log_messages)


async def test_an_incremental_change_with_an_older_version_is_rejected_and_a_full_change_resyncs(client: EditorClient) -> None:
    uri = client.open(client.workspace_path / "app.py", LOOP)
    client.insert(uri, 1, 0, "# edited\n")
    client.insert(uri, 1, 0, "# edited\n")
    assert ("RV203", 8) in codes(await client.diagnostics_of(uri))
    _send_change(client, uri, 2, types.TextDocumentContentChangePartial(range=_at(0), text="# stale\n"))
    (message,) = await client.wait_until(lambda: _messages(client, "lost track of the edits to app.py") or None)
    assert "version 2 came after version 3" in message.message
    await _hidden(client, uri)
    _editor_holds(client, uri, LOOP, 4)
    _send_change(client, uri, 4, types.TextDocumentContentChangeWholeDocument(text=LOOP))
    assert ("RV203", 6) in codes(await client.diagnostics_of(uri)), "the full text brings it back in sync"
    client.insert(uri, 1, 0, "# edited\n")
    assert ("RV203", 7) in codes(await client.diagnostics_of(uri)), "and incremental changes apply again"
