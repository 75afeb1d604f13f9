"""Diagnostics while typing: on open, after incremental edits, never for a stale version, pulled, cleared."""

from __future__ import annotations

from lsprotocol import types

from lsp_editor import EditorClient, codes, source

LOOP = source(
    """
    import requests


    def notify(hooks):
        for hook in hooks:
            requests.post(hook)
    """
)


async def test_diagnostics_on_open_carry_code_source_and_fix_data(client: EditorClient) -> None:
    uri = client.open(client.workspace_path / "app.py", LOOP)
    diagnostics = await client.diagnostics_of(uri)
    (diagnostic,) = [d for d in diagnostics if d.code == "RV203"]
    assert diagnostic.source == "review-ls"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.range == types.Range(start=types.Position(line=5, character=8), end=types.Position(line=5, character=27))
    assert diagnostic.data["code"] == "RV203" and diagnostic.data["version"] == 1
    if client.capabilities.text_document.publish_diagnostics.code_description_support:
        assert diagnostic.code_description.href.endswith("/RV203.md")
    else:
        assert diagnostic.code_description is None


async def test_incremental_edits_move_and_add_findings(client: EditorClient) -> None:
    uri = client.open(client.workspace_path / "app.py", LOOP)
    assert ("RV203", 6) in codes(await client.diagnostics_of(uri))
    client.insert(uri, 0, 0, '"""Webhooks."""\n\n')  # two lines above: the finding moves down
    assert ("RV203", 8) in codes(await client.diagnostics_of(uri))
    client.insert(uri, 8, 0, "        requests.get(hook)\n")  # a second call in the loop
    assert [c for c in codes(await client.diagnostics_of(uri)) if c[0] == "RV203"] == [("RV203", 8), ("RV203", 9)]


async def test_rapid_edits_never_publish_a_stale_version(client: EditorClient) -> None:
    uri = client.open(client.workspace_path / "app.py", LOOP)
    await client.diagnostics_of(uri)
    for _ in range(12):
        client.insert(uri, 5, 8, "x")
        client.insert(uri, 5, 8, "")
    final = client.version_of(uri)
    diagnostics = await client.diagnostics_of(uri)
    assert ("RV203", 6) not in codes(diagnostics)  # the call now reads `xxxx...requests.post`
    versions = [p.version for p in client.published if p.uri == uri]
    assert versions == sorted(versions)
    assert not client.pulls or versions == [], "a pulling client gets no pushed diagnostics"
    assert client.pulls or versions[-1] == final


async def test_pull_reports_unchanged_when_nothing_changed(client: EditorClient) -> None:
    if not client.pulls:
        return  # VS Code 1.65 has no pull diagnostics; test_incremental_edits covers push
    uri = client.open(client.workspace_path / "app.py", LOOP)
    identifier = types.TextDocumentIdentifier(uri=uri)
    first = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(text_document=identifier))
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport) and first.result_id
    again = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=identifier, previous_result_id=first.result_id)
    )
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    assert again.result_id == first.result_id
    client.insert(uri, 5, 0, "        pass\n")
    changed = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=identifier, previous_result_id=first.result_id)
    )
    assert isinstance(changed, types.RelatedFullDocumentDiagnosticReport)
    assert ("RV203", 7) in codes(changed.items)


async def test_syntax_error_mid_edit_keeps_other_findings(client: EditorClient) -> None:
    text = LOOP + "\n\ndef later():\n    return 1\n"
    uri = client.open(client.workspace_path / "app.py", text)
    assert ("RV203", 6) in codes(await client.diagnostics_of(uri))
    client.insert(uri, 8, 9, "(")  # `def later((): `, as when typing a parameter list
    diagnostics = await client.diagnostics_of(uri)
    assert ("RV000", 9) in codes(diagnostics)
    assert ("RV203", 6) in codes(diagnostics), "the loop's finding stays while the file is broken"
    client.edit(uri, types.Range(start=types.Position(line=8, character=9), end=types.Position(line=8, character=10)), "")
    diagnostics = await client.diagnostics_of(uri)
    assert "RV000" not in {d.code for d in diagnostics}
    assert ("RV203", 6) in codes(diagnostics)


async def test_positions_use_the_negotiated_encoding(client: EditorClient) -> None:
    text = LOOP.replace("for hook in hooks:", "for hook in hooks:  # ünïcödé 🐍").replace(
        "requests.post(hook)", 'x = "🐍"; requests.post(hook)'
    )
    uri = client.open(client.workspace_path / "app.py", text)
    (diagnostic,) = [d for d in await client.diagnostics_of(uri) if d.code == "RV203"]
    start = len('        x = "🐍"; '.encode("utf-8" if client.encoding == types.PositionEncodingKind.Utf8 else "utf-16-le"))
    unit = 1 if client.encoding == types.PositionEncodingKind.Utf8 else 2
    assert diagnostic.range.start.character == start // unit
    assert diagnostic.range.end.character == start // unit + len("requests.post(hook)")


async def test_close_clears_diagnostics(client: EditorClient) -> None:
    uri = client.open(client.workspace_path / "app.py", LOOP)
    await client.diagnostics_of(uri)
    before = len(client.published)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert await client.changes(uri, before, lambda diagnostics: diagnostics == []) == []


async def test_hostile_documents_do_not_stop_the_server(client: EditorClient) -> None:
    nested = client.open(client.workspace_path / "nested.py", "x = " + "(" * 400 + ")" * 400 + "\n")
    nul = client.open(client.workspace_path / "nul.py", "x = 1\x00\n")
    assert "RV000" in {d.code for d in await client.diagnostics_of(nested)}
    assert "RV000" in {d.code for d in await client.diagnostics_of(nul)}
    uri = client.open(client.workspace_path / "app.py", LOOP)
    assert ("RV203", 6) in codes(await client.diagnostics_of(uri))
