"""Engine text edits as LSP workspace edits: versioned, and trimmed to the lines that change."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from review_ls.engine.lines import lines_with_ends
from review_ls.engine.model import Span, TextEdit
from review_ls.server.client import ClientFeatures
from review_ls.server.positions import PositionMapper


def changed_lines_edit(old: str, new: str) -> TextEdit | None:
    """One edit that turns `old` into `new`, replacing only the lines between their common prefix and suffix."""
    if old == new:
        return None
    old_lines, new_lines = lines_with_ends(old), lines_with_ends(new)
    limit = min(len(old_lines), len(new_lines))
    prefix = 0
    while prefix < limit and old_lines[prefix] == new_lines[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old_lines[len(old_lines) - 1 - suffix] == new_lines[len(new_lines) - 1 - suffix]:
        suffix += 1
    content = "".join(new_lines[prefix : len(new_lines) - suffix])
    first, end = prefix + 1, len(old_lines) - suffix + 1
    if end > len(old_lines) and old_lines and not old_lines[-1].endswith(("\n", "\r")):
        last = old_lines[-1]
        return TextEdit(Span(first, 0, len(old_lines), len(last)), content)  # up to the end of an unterminated last line
    return TextEdit(Span(first, 0, end, 0), content)


def workspace_edit(
    uri: str, version: int | None, edits: Sequence[TextEdit], mapper: PositionMapper, features: ClientFeatures
) -> types.WorkspaceEdit:
    """The edits of one document as a versioned `TextDocumentEdit` (or plain `changes` for older clients)."""
    text_edits: list[types.TextEdit | types.AnnotatedTextEdit | types.SnippetTextEdit] = [
        types.TextEdit(range=mapper.range(edit.span), new_text=edit.content) for edit in edits
    ]
    if features.document_changes:
        identifier = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=identifier, edits=text_edits)])
    return types.WorkspaceEdit(changes={uri: [e for e in text_edits if isinstance(e, types.TextEdit)]})
