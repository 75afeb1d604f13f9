"""The server's copy of a document after incremental changes: equal to the editor's text, lines as LSP counts them."""

from __future__ import annotations

import random
import re

import pytest
from lsprotocol import types

from review_ls.server.text_sync import LspTextDocument, LspWorkspace, apply_did_change

URI = "file:///tmp/m.py"
_BREAK = re.compile(r"\r\n|\r|\n")
_PIECES = ("x", "é", "😀", "\f", "\v", "\u2028", "    ", "(", ")", "\n", "\r\n", "\r")


def _workspace(text: str) -> LspWorkspace:
    workspace = LspWorkspace(None, types.TextDocumentSyncKind.Incremental)
    workspace.put_text_document(types.TextDocumentItem(uri=URI, language_id="python", version=1, text=text))
    return workspace


def _line_offsets(text: str) -> list[int]:
    """Where each LSP line starts (lines end only at \\r\\n, \\r and \\n)."""
    return [0, *(match.end() for match in _BREAK.finditer(text))]


def _index(text: str, position: types.Position) -> int:
    """The reference: the string index of an LSP position with UTF-16 columns (clamped to the line's end)."""
    starts = _line_offsets(text)
    start = starts[position.line]
    match = _BREAK.search(text, start)
    line = text[start : match.start() if match else len(text)]
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return start + index
        units += 2 if ord(char) > 0xFFFF else 1
    return start + len(line)


def _position(text: str, rng: random.Random, past_end: bool = False) -> types.Position:
    starts = _line_offsets(text)
    line = rng.randrange(len(starts))
    return types.Position(line=line, character=rng.randrange(6 if past_end else 4))


def _change(document_text: str, version: int, start: types.Position, end: types.Position, new: str) -> types.DidChangeTextDocumentParams:
    return types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=version),
        content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=start, end=end), text=new)],
    )


@pytest.mark.parametrize("seed", range(6))
def test_random_incremental_changes_equal_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice(_PIECES) for _ in range(60))
    workspace = _workspace(text)
    for version in range(2, 120):
        start, end = sorted((_position(text, rng), _position(text, rng)), key=lambda p: (p.line, p.character))
        new = "".join(rng.choice(_PIECES) for _ in range(rng.randrange(4)))
        apply_did_change(workspace, _change(text, version, start, end, new))
        begin, stop = _index(text, start), _index(text, end)
        text = text[:begin] + new + text[max(begin, stop) :]
        document = workspace.get_text_document(URI)
        assert isinstance(document, LspTextDocument)
        assert document.lost_sync is None
        assert document.source == text, f"seed {seed}, version {version}"


def test_a_change_just_after_the_last_line_appends() -> None:
    workspace = _workspace("a = 1\n")
    at_end = types.Position(line=1, character=0)
    apply_did_change(workspace, _change("", 2, at_end, at_end, "b = 2\n"))
    assert workspace.get_text_document(URI).source == "a = 1\nb = 2\n"


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [
        ((3, 0), (3, 0), "reaches line 4, past the end"),
        ((2, 1), (2, 1), "reaches line 3, past the end"),
        ((1, 2), (1, 0), "ends (1:0) before it starts (1:2)"),
    ],
)
def test_a_change_that_cannot_apply_marks_the_copy_out_of_sync(start: tuple[int, int], end: tuple[int, int], reason: str) -> None:
    text = "a = 1\r\nb = 2"
    workspace = _workspace(text)
    apply_did_change(workspace, _change(text, 2, types.Position(line=start[0], character=start[1]), types.Position(line=end[0], character=end[1]), "x"))
    document = workspace.get_text_document(URI)
    assert isinstance(document, LspTextDocument)
    assert document.lost_sync is not None and reason in document.lost_sync
    assert document.source == text


def test_old_mac_line_endings_count_as_lines() -> None:
    text = "a = 1\rb = 2\rc = 3"
    workspace = _workspace(text)
    apply_did_change(workspace, _change(text, 2, types.Position(line=2, character=0), types.Position(line=2, character=1), "d"))
    assert workspace.get_text_document(URI).source == "a = 1\rb = 2\rd = 3"
