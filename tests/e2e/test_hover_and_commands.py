"""Hover over a finding explains it; review-ls.explainRule returns a rule's documentation."""

from __future__ import annotations

import pytest
from lsp_editor import EditorClient, source
from lsprotocol import types
from pygls.exceptions import JsonRpcException

pytestmark = pytest.mark.asyncio(loop_scope="module")

LOOP = source(
    """
    import requests


    def notify(hooks):
        for hook in hooks:
            requests.post(hook)
    """
)


async def test_hover_over_a_finding_explains_rule_and_fix(editor: EditorClient) -> None:
    uri = editor.open(editor.workspace_path / "app.py", LOOP)
    await editor.diagnostics_of(uri)
    params = types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=5, character=12))
    hover = await editor.text_document_hover_async(params)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert "**RV203 requests-without-session-in-loop**" in hover.contents.value
    assert "**Why it matters**" in hover.contents.value
    assert "**Quick fix:** Use one requests.Session() for the loop" in hover.contents.value
    assert hover.range.start.line == 5


async def test_hover_elsewhere_shows_nothing(editor: EditorClient) -> None:
    uri = editor.open(editor.workspace_path / "app.py", LOOP)
    await editor.diagnostics_of(uri)
    params = types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=2))
    assert await editor.text_document_hover_async(params) is None


async def test_explain_rule_command(editor: EditorClient) -> None:
    text = await editor.workspace_execute_command_async(types.ExecuteCommandParams(command="review-ls.explainRule", arguments=["RV201"]))
    assert text.startswith("# RV201 client-in-loop")
    with pytest.raises(JsonRpcException):
        await editor.workspace_execute_command_async(types.ExecuteCommandParams(command="review-ls.explainRule", arguments=["RV999"]))


@pytest.mark.parametrize("argument", [123, None, ["RV201"]])
async def test_explain_rule_with_a_non_code_argument_says_what_it_expects(editor: EditorClient, argument: object) -> None:
    with pytest.raises(JsonRpcException) as raised:
        await editor.workspace_execute_command_async(types.ExecuteCommandParams(command="review-ls.explainRule", arguments=[argument]))
    assert 'expects a rule code such as "RV201"' in str(raised.value)
    assert "unknown rule None" not in str(raised.value)


async def test_a_megabyte_command_argument_is_not_echoed_back_whole(editor: EditorClient) -> None:
    with pytest.raises(JsonRpcException) as raised:
        await editor.workspace_execute_command_async(types.ExecuteCommandParams(command="review-ls.explainRule", arguments=["X" * 1_000_000]))
    assert "unknown rule" in str(raised.value)
    assert len(str(raised.value)) < 1000
