"""Code actions: quick fix (resolved lazily where the client can), suppress, fix-all; stale versions get no edit."""

from __future__ import annotations

import pytest
from lsp_editor import EditorClient, codes, source
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

APP = source(
    """
    import httpx
    import requests


    def notify(hooks):
        for hook in hooks:
            requests.post(hook)


    async def fetch_all(urls):
        for url in urls:
            async with httpx.AsyncClient() as client:
                await client.get(url)
    """
)

NOTIFY_FIXED = source(
    """
    def notify(hooks):
        with requests.Session() as session:
            for hook in hooks:
                session.post(hook)
    """
)

FETCH_FIXED = source(
    """
    async def fetch_all(urls):
        async with httpx.AsyncClient() as client:
            for url in urls:
                await client.get(url)
    """
)


async def _actions(client: EditorClient, uri: str, diagnostics: list[types.Diagnostic], only: list[str] | None = None) -> list[types.CodeAction]:
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=len(client.text_of(uri).splitlines()), character=0))
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=diagnostics[0].range if diagnostics else whole,
        context=types.CodeActionContext(diagnostics=diagnostics, only=only),
    )
    return [a for a in await client.text_document_code_action_async(params) or [] if isinstance(a, types.CodeAction)]


async def _resolved(client: EditorClient, action: types.CodeAction) -> types.CodeAction:
    if action.edit is None and client.capabilities.text_document.code_action.resolve_support:
        return await client.code_action_resolve_async(action)
    return action


async def test_quick_fix_resolved_and_applied_gives_the_fixed_code(editor: EditorClient) -> None:
    uri = editor.open(editor.workspace_path / "app.py", APP)
    (diagnostic,) = [d for d in await editor.diagnostics_of(uri) if d.code == "RV201"]
    actions = await _actions(editor, uri, [diagnostic])
    (fix,) = [a for a in actions if a.title == "Hoist httpx.AsyncClient out of the loop"]
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    assert fix.edit is None, "the fix is computed only when the user picks it"
    fix = await _resolved(editor, fix)
    assert fix.edit is not None
    if editor.capabilities.workspace.workspace_edit.document_changes:
        assert fix.edit.document_changes[0].text_document.version == editor.version_of(uri)
    text = editor.apply(fix.edit)
    assert FETCH_FIXED in text and "requests.post(hook)" in text
    edits = fix.edit.document_changes[0].edits if fix.edit.document_changes else fix.edit.changes[uri]
    assert all(e.range.start.line >= 10 for e in edits), "the edit touches only the changed lines"


async def test_quick_fix_for_a_stale_version_has_no_edit(editor: EditorClient) -> None:
    uri = editor.open(editor.workspace_path / "app.py", APP)
    (diagnostic,) = [d for d in await editor.diagnostics_of(uri) if d.code == "RV203"]
    (fix,) = [a for a in await _actions(editor, uri, [diagnostic]) if a.title.startswith("Use one requests.Session()")]
    editor.insert(uri, 0, 0, "# edited meanwhile\n")
    resolved = await editor.code_action_resolve_async(fix)
    assert resolved.edit is None


async def test_suppress_action_adds_then_extends_the_comment(editor: EditorClient) -> None:
    uri = editor.open(editor.workspace_path / "app.py", APP)
    (diagnostic,) = [d for d in await editor.diagnostics_of(uri) if d.code == "RV203"]
    (suppress,) = [a for a in await _actions(editor, uri, [diagnostic]) if a.title == "Suppress RV203 on this line"]
    editor.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=editor.version_of(uri) + 1),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=editor.apply(suppress.edit))],
        )
    )
    editor.texts[uri].version = editor.version_of(uri) + 1
    assert "        requests.post(hook)  # review: ignore[RV203]\n" in editor.text_of(uri)
    assert ("RV203", 7) not in codes(await editor.diagnostics_of(uri))
    text = editor.text_of(uri).replace("requests.post(hook)  # review: ignore[RV203]", "requests.post(hook)  # review: ignore[RV999]")
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=len(editor.text_of(uri).splitlines()), character=0))
    editor.edit(uri, whole, text)
    (diagnostic,) = [d for d in await editor.diagnostics_of(uri) if d.code == "RV203"]
    (suppress,) = [a for a in await _actions(editor, uri, [diagnostic]) if a.title == "Suppress RV203 on this line"]
    assert "requests.post(hook)  # review: ignore[RV999, RV203]\n" in editor.apply(suppress.edit)


async def test_fix_all_code_action_applies_every_safe_fix(editor: EditorClient) -> None:
    uri = editor.open(editor.workspace_path / "app.py", APP)
    await editor.diagnostics_of(uri)
    (fix_all,) = await _actions(editor, uri, [], only=["source.fixAll"])
    assert fix_all.kind == "source.fixAll.review-ls"
    text = editor.apply((await _resolved(editor, fix_all)).edit)
    assert NOTIFY_FIXED in text and FETCH_FIXED in text


async def test_fix_all_command_applies_the_edit_through_the_client(editor: EditorClient) -> None:
    uri = editor.open(editor.workspace_path / "app.py", APP)
    await editor.diagnostics_of(uri)
    applied = await editor.workspace_execute_command_async(types.ExecuteCommandParams(command="review-ls.fixAll", arguments=[uri]))
    assert applied is True
    assert NOTIFY_FIXED in editor.text_of(uri) and FETCH_FIXED in editor.text_of(uri)


async def test_fix_all_command_for_an_older_version_is_refused_by_the_server(editor: EditorClient) -> None:
    uri = editor.open(editor.workspace_path / "app.py", APP)
    await editor.diagnostics_of(uri)
    asked_for = editor.version_of(uri)
    editor.insert(uri, 0, 0, "# typed meanwhile\n")
    arguments = [{"uri": uri, "version": asked_for}]
    applied = await editor.workspace_execute_command_async(types.ExecuteCommandParams(command="review-ls.fixAll", arguments=arguments))
    assert applied is False
    assert editor.text_of(uri) == "# typed meanwhile\n" + APP, "nothing the user typed is lost"
    assert not editor.applied_edits or all(uri not in str(edit) for edit in editor.applied_edits)


async def test_fix_all_edit_overtaken_by_typing_is_refused_and_nothing_is_lost(editor: EditorClient) -> None:
    if not editor.capabilities.workspace.workspace_edit.document_changes:
        pytest.skip("a client without versioned edits (documentChanges) cannot tell that an edit is stale")
    uri = editor.open(editor.workspace_path / "app.py", APP)
    await editor.diagnostics_of(uri)
    typed = "# typed while the fix was on its way\n"
    editor.before_apply = lambda: editor.insert(uri, 0, 0, typed)
    applied = await editor.workspace_execute_command_async(types.ExecuteCommandParams(command="review-ls.fixAll", arguments=[uri]))
    assert applied is False, "the server reports the edit was not applied"
    assert editor.text_of(uri) == typed + APP, "the fix did not land on the newer text"
    assert ("RV203", 8) in codes(await editor.diagnostics_of(uri)), "the server follows the newer text"
    applied = await editor.workspace_execute_command_async(types.ExecuteCommandParams(command="review-ls.fixAll", arguments=[uri]))
    assert applied is True and editor.text_of(uri).startswith(typed) and NOTIFY_FIXED in editor.text_of(uri)
