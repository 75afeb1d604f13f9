"""Diagnostics while typing: on open, after incremental edits, never for a stale version, pulled, cleared."""

from __future__ import annotations

import pytest
from lsp_editor import EditorClient, codes, source
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

LOOP = source(
    """
    import requests


    def notify(hooks):
        for hook in hooks:
            requests.post(hook)
    """
)


async def test_diagnostics_on_open_carry_code_source_and_fix_data(editor: EditorClient) -> None:
    uri = editor.open(editor.workspace_path / "app.py", LOOP)
    diagnostics = await editor.diagnostics_of(uri)
    (diagnostic,) = [d for d in diagnostics if d.code == "RV203"]
    assert diagnostic.source == "review-ls"
    assert diagnostic.severity == types.DiagnosticSeverity.Hint  # RV203 is a hint (docs/precision.md)
    assert diagnostic.range == types.Range(start=types.Position(line=5, character=8), end=types.Position(line=5, character=27))
    assert diagnostic.data["code"] == "RV203" and diagnostic.data["version"] == 1
    if editor.capabilities.text_document.publish_diagnostics.code_description_support:
        assert diagnostic.code_description.href.endswith("/RV203.md")
    else:
        assert diagnostic.code_description is None


async def test_incremental_edits_move_and_add_findings(editor: EditorClient) -> None:
    uri = editor.open(editor.workspace_path / "app.py", LOOP)
    assert ("RV203", 6) in codes(await editor.diagnostics_of(uri))
    editor.insert(uri, 0, 0, '"""Webhooks."""\n\n')  # two lines above: the finding moves down
    assert ("RV203", 8) in codes(await editor.diagnostics_of(uri))
    editor.insert(uri, 8, 0, "        requests.get(hook)\n")  # a second call in the loop
    assert [c for c in codes(await editor.diagnostics_of(uri)) if c[0] == "RV203"] == [("RV203", 8), ("RV203", 9)]


async def test_rapid_edits_never_publish_a_stale_version(editor: EditorClient) -> None:
    uri = editor.open(editor.workspace_path / "app.py", LOOP)
    await editor.diagnostics_of(uri)
    for _ in range(12):
        editor.insert(uri, 5, 8, "x")
        editor.insert(uri, 5, 8, "")
    final = editor.version_of(uri)
    diagnostics = await editor.diagnostics_of(uri)
    assert ("RV203", 6) not in codes(diagnostics)  # the call now reads `xxxx...requests.post`
    versions = [p.version for p in editor.published if p.uri == uri]
    assert versions == sorted(versions)
    assert not editor.pulls or versions == [], "a pulling editor gets no pushed diagnostics"
    assert editor.pulls or versions[-1] == final


async def test_pull_reports_unchanged_when_nothing_changed(editor: EditorClient) -> None:
    if not editor.pulls:
        return  # VS Code 1.65 has no pull diagnostics; test_incremental_edits covers push
    uri = editor.open(editor.workspace_path / "app.py", LOOP)
    identifier = types.TextDocumentIdentifier(uri=uri)
    first = await editor.text_document_diagnostic_async(types.DocumentDiagnosticParams(text_document=identifier))
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport) and first.result_id
    again = await editor.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=identifier, previous_result_id=first.result_id)
    )
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    assert again.result_id == first.result_id
    editor.insert(uri, 5, 0, "        pass\n")
    changed = await editor.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=identifier, previous_result_id=first.result_id)
    )
    assert isinstance(changed, types.RelatedFullDocumentDiagnosticReport)
    assert ("RV203", 7) in codes(changed.items)


async def test_syntax_error_mid_edit_keeps_other_findings(editor: EditorClient) -> None:
    text = LOOP + "\n\ndef later():\n    return 1\n"
    uri = editor.open(editor.workspace_path / "app.py", text)
    assert ("RV203", 6) in codes(await editor.diagnostics_of(uri))
    editor.insert(uri, 8, 9, "(")  # `def later((): `, as when typing a parameter list
    diagnostics = await editor.diagnostics_of(uri)
    assert ("RV000", 9) in codes(diagnostics)
    assert ("RV203", 6) in codes(diagnostics), "the loop's finding stays while the file is broken"
    editor.edit(uri, types.Range(start=types.Position(line=8, character=9), end=types.Position(line=8, character=10)), "")
    diagnostics = await editor.diagnostics_of(uri)
    assert "RV000" not in {d.code for d in diagnostics}
    assert ("RV203", 6) in codes(diagnostics)


async def test_positions_use_the_negotiated_encoding(editor: EditorClient) -> None:
    text = LOOP.replace("for hook in hooks:", "for hook in hooks:  # ünïcödé 🐍").replace(
        "requests.post(hook)", 'x = "🐍"; requests.post(hook)'
    )
    uri = editor.open(editor.workspace_path / "app.py", text)
    (diagnostic,) = [d for d in await editor.diagnostics_of(uri) if d.code == "RV203"]
    start = len('        x = "🐍"; '.encode("utf-8" if editor.encoding == types.PositionEncodingKind.Utf8 else "utf-16-le"))
    unit = 1 if editor.encoding == types.PositionEncodingKind.Utf8 else 2
    assert diagnostic.range.start.character == start // unit
    assert diagnostic.range.end.character == start // unit + len("requests.post(hook)")


async def test_edits_below_a_form_feed_land_on_the_right_line(editor: EditorClient) -> None:
    uri = editor.open(editor.workspace_path / "app.py", "import requests\n\x0c\n" + LOOP.split("\n", 1)[1])
    assert ("RV203", 7) in codes(await editor.diagnostics_of(uri))
    editor.insert(uri, 6, 8, "requests.get(hook)\n        ")  # LSP counts no line break at the form feed
    assert [c for c in codes(await editor.diagnostics_of(uri)) if c[0] == "RV203"] == [("RV203", 7), ("RV203", 8)]


async def test_close_clears_diagnostics(editor: EditorClient) -> None:
    uri = editor.open(editor.workspace_path / "app.py", LOOP)
    await editor.diagnostics_of(uri)
    before = len(editor.published)
    editor.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert await editor.changes(uri, before, lambda diagnostics: diagnostics == []) == []


async def test_hostile_documents_do_not_stop_the_server(editor: EditorClient) -> None:
    nested = editor.open(editor.workspace_path / "nested.py", "x = " + "(" * 400 + ")" * 400 + "\n")
    nul = editor.open(editor.workspace_path / "nul.py", "x = 1\x00\n")
    assert "RV000" in {d.code for d in await editor.diagnostics_of(nested)}
    assert "RV000" in {d.code for d in await editor.diagnostics_of(nul)}
    uri = editor.open(editor.workspace_path / "app.py", LOOP)
    assert ("RV203", 6) in codes(await editor.diagnostics_of(uri))
