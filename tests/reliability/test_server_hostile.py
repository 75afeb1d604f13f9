"""Hostile input to the language server through a real client: unknown methods, documents it never
saw, impossible positions, odd versions, huge, deep and strange documents. Each gets an answer or
correct diagnostics, and the server goes on serving other documents. (Malformed bytes and params
of the wrong type, which pytest-lsp cannot send: `test_server_framing.py`.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_properties import parses
from lsp_editor import EditorClient
from lsp_oracle import diagnostic_keys, units
from lsp_session import TrackedDocument
from lsprotocol import types
from pygls.exceptions import JsonRpcMethodNotFound

pytestmark = pytest.mark.asyncio(loop_scope="module")

LOOP_REQUESTS = "import requests\n\ndef notify(hooks):\n    for hook in hooks:\n        requests.post(hook)\n"


def _path(client: EditorClient, name: str) -> Path:
    return client.workspace_path / name


async def _still_serving(client: EditorClient, name: str = "canary.py") -> None:
    """A fresh document still gets exactly the engine's diagnostics."""
    document = TrackedDocument(client, _path(client, name), LOOP_REQUESTS)
    assert await document.diagnostics() == document.expected() != []
    document.close()


# -- requests the server does not know, or for documents it does not have --------------------------

async def test_an_unknown_request_gets_method_not_found_and_notifications_are_ignored(vscode: EditorClient) -> None:
    with pytest.raises(JsonRpcMethodNotFound):
        await vscode.protocol.send_request_async("review-ls/noSuchMethod", {})
    vscode.protocol.notify("review-ls/noSuchNotification", {"x": 1})
    vscode.protocol.notify("$/noSuchNotification", None)
    await _still_serving(vscode, "canary_unknown.py")


async def test_messages_for_documents_that_were_never_opened_change_nothing(vscode: EditorClient) -> None:
    uri = _path(vscode, "never_opened.py").as_uri()
    identifier = types.VersionedTextDocumentIdentifier(uri=uri, version=7)
    change = types.TextDocumentContentChangeWholeDocument(text=LOOP_REQUESTS)
    vscode.text_document_did_change(types.DidChangeTextDocumentParams(text_document=identifier, content_changes=[change]))
    vscode.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    vscode.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    start = types.Position(line=0, character=0)
    hover = await vscode.text_document_hover_async(types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=start))
    actions = await vscode.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=start, end=start),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert hover is None and not actions
    await _still_serving(vscode, "canary_unopened.py")
    assert not [p for p in vscode.published if p.uri == uri and p.diagnostics]


async def test_positions_out_of_range_are_answered_without_error(vscode: EditorClient) -> None:
    document = TrackedDocument(vscode, _path(vscode, "out_of_range.py"), LOOP_REQUESTS)
    await document.diagnostics()
    far = types.Position(line=1_000_000, character=1_000_000)
    identifier = types.TextDocumentIdentifier(uri=document.uri)
    assert await vscode.text_document_hover_async(types.HoverParams(text_document=identifier, position=far)) is None
    actions = await vscode.text_document_code_action_async(
        types.CodeActionParams(
            text_document=identifier,
            range=types.Range(start=types.Position(line=3, character=500), end=far),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert actions is None or isinstance(actions, list)
    document.close()
    await _still_serving(vscode, "canary_range.py")


# -- versions -----------------------------------------------------------------------------------------

async def test_duplicate_and_out_of_order_versions_end_on_the_last_text_sent(vscode: EditorClient) -> None:
    document = TrackedDocument(vscode, _path(vscode, "versions.py"), "x = 1\n")
    await document.diagnostics()
    document.replace_all(LOOP_REQUESTS, version=5)
    document.replace_all("y = 2\n", version=3)  # older than the version before it
    document.replace_all(LOOP_REQUESTS.replace("hooks", "urls"), version=3)  # same version, other text
    assert await document.diagnostics() == document.expected(3) != []
    await _still_serving(vscode, "canary_versions.py")
    assert document.last_published() == document.expected(3)
    document.close()


async def test_every_publication_matches_the_text_of_its_version(vscode: EditorClient) -> None:
    document = TrackedDocument(vscode, _path(vscode, "typing.py"), LOOP_REQUESTS)
    for column, character in enumerate("        x = requests.get(hook)\n"):
        document.insert(4, column, character)
    assert await document.diagnostics() == document.expected() != []
    for params in document.publications():
        if params.version in document.texts and parses(document.texts[params.version]):
            assert diagnostic_keys(list(params.diagnostics)) == document.expected(params.version), f"version {params.version}"
    document.close()


# -- big, deep and odd documents ---------------------------------------------------------------------------

async def test_a_50_mb_document_is_skipped_with_a_message_and_others_keep_working(vscode: EditorClient) -> None:
    huge = "x = 1\n" * (50 * 1024 * 1024 // 6)
    before = len(vscode.messages)
    document = TrackedDocument(vscode, _path(vscode, "huge.py"), huge)
    await vscode.wait_until(lambda: len(vscode.messages) > before or None)
    assert any("maxFileSizeBytes" in m.message for m in vscode.messages[before:])
    await _still_serving(vscode, "canary_huge.py")
    document.close()


async def test_one_line_of_a_megabyte_with_a_finding_at_its_end(vscode: EditorClient) -> None:
    prefix = '    for hook in hooks: x = "' + "\U0001f600" * 250_000 + '"; '
    text = "import requests\n\ndef notify(hooks):\n" + prefix + "requests.post(hook)\n"
    document = TrackedDocument(vscode, _path(vscode, "long_line.py"), text)
    diagnostics = await document.diagnostics()
    assert diagnostics == document.expected()
    (code, (line, character, _, _)), *_ = [d for d in diagnostics if d[0] == "RV203"]
    assert (line, character) == (3, units(prefix, types.PositionEncodingKind.Utf16))
    document.close()


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "(" * 5_000 + "1" + ")" * 5_000 + "\n",
        "x = " + "+".join(["1"] * 100_000) + "\n",
        "x = " + "[" * 200 + "]" * 200 + "\n" + LOOP_REQUESTS,
        "".join("    " * i + "if x:\n" for i in range(99)) + "    " * 99 + "pass\n",
    ],
    ids=["5000-parentheses", "100000-term-sum", "200-nested-lists", "99-nested-blocks"],
)
async def test_deeply_nested_code_is_analysed_or_reported_as_a_syntax_error(vscode: EditorClient, text: str) -> None:
    document = TrackedDocument(vscode, _path(vscode, "deep.py"), text)
    assert await document.diagnostics() == document.expected()
    document.close()
    await _still_serving(vscode, "canary_deep.py")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("x = 1\ny = '\x00'\n" + LOOP_REQUESTS, None),
        ("x = 1\ny = 'a\udcffb'\n" + LOOP_REQUESTS, (1, 6)),
    ],
    ids=["nul-byte", "lone-surrogate"],
)
async def test_nul_bytes_and_lone_surrogates_are_one_syntax_error(vscode: EditorClient, text: str, where: tuple[int, int] | None) -> None:
    document = TrackedDocument(vscode, _path(vscode, "bad_chars.py"), text)
    diagnostics = await document.diagnostics()
    assert [code for code, _ in diagnostics] == ["RV000"]
    if where is not None:
        assert diagnostics[0][1][:2] == where
    document.close()
    await _still_serving(vscode, "canary_chars.py")


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
async def test_crlf_and_cr_documents_get_the_same_lines_before_and_after_edits(vscode: EditorClient, newline: str) -> None:
    document = TrackedDocument(vscode, _path(vscode, "endings.py"), LOOP_REQUESTS.replace("\n", newline))
    assert [r[0] for _, r in await document.diagnostics()] == [4]
    document.insert(2, 0, f"# one{newline}# two{newline}")
    assert [r[0] for _, r in await document.diagnostics()] == [6]
    document.change(types.Range(start=types.Position(line=2, character=0), end=types.Position(line=4, character=0)), "")
    assert [r[0] for _, r in await document.diagnostics()] == [4]
    document.close()


async def test_utf16_columns_count_surrogate_pairs(vscode: EditorClient) -> None:
    line = '        label = "\U0001f600\U0001f680 caf\u00e9 \U00010348"; requests.post(hook)'
    text = LOOP_REQUESTS.replace("        requests.post(hook)", line)
    document = TrackedDocument(vscode, _path(vscode, "emoji.py"), text)
    diagnostics = await document.diagnostics()
    start = line.index("requests.post")
    assert [(code, r[:2]) for code, r in diagnostics] == [("RV203", (4, units(line[:start], types.PositionEncodingKind.Utf16)))]
    column = units(line[: line.index("caf")], types.PositionEncodingKind.Utf16)
    document.insert(4, column, "\U0001f600")  # typed between the emoji and the text after them
    assert await document.diagnostics() == document.expected()
    assert document.expected()[0][1][1] == units(line[:start], types.PositionEncodingKind.Utf16) + 2
    document.close()


@pytest.mark.parametrize("separator", ["\x0c", "\u2028"], ids=["form-feed", "line-separator"])
async def test_characters_that_are_not_line_breaks_in_lsp_do_not_shift_edits(vscode: EditorClient, separator: str) -> None:
    text = f"import requests\n\ndef notify(hooks):\n    for hook in hooks:\n        pass  # note{separator}\n        pass\n"
    document = TrackedDocument(vscode, _path(vscode, "separators.py"), text)
    assert await document.first_published() == []
    document.insert(5, 8, "requests.post(hook); ")  # the editor's line 5 is the second `pass`
    assert document.expected() == [("RV203", (5, 8, 5, 27))]
    assert await document.first_published() == document.expected()
    document.close()


async def test_utf8_columns_for_a_client_that_negotiated_utf8(neovim: EditorClient) -> None:
    assert neovim.encoding == types.PositionEncodingKind.Utf8
    line = '        label = "\U0001f600 caf\u00e9"; requests.post(hook)'
    document = TrackedDocument(neovim, _path(neovim, "utf8.py"), LOOP_REQUESTS.replace("        requests.post(hook)", line))
    diagnostics = await document.diagnostics()
    assert [(code, r[:2]) for code, r in diagnostics] == [("RV203", (4, len(line[: line.index("requests")].encode("utf-8"))))]
    document.insert(4, len('        label = "'.encode("utf-8")), "\u00e9\U0001f680")
    assert await document.diagnostics() == document.expected() != diagnostics


async def test_documents_keep_being_served_after_all_of_that(vscode: EditorClient) -> None:
    await _still_serving(vscode, "canary_final.py")
