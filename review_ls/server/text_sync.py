"""Document text kept in sync with the editor: pygls's workspace, with lines counted the way LSP counts them.

pygls splits lines with `str.splitlines`, which also breaks at form feeds, vertical tabs and
U+2028, so an edit below such a character lands on the wrong line; and it rebuilds the whole text
line by line on every keystroke. LSP lines end only at `\\n`, `\\r\\n` and `\\r`. The document below
applies an incremental change by offsets found with string operations that run in C.

A `didChange` that cannot be applied to the server's copy (a range past the end of the document or
ending before it starts, an incremental change whose version does not increase) is rejected: the
copy is marked out of sync (`lost_sync` says why) and later incremental changes are ignored. LSP
has no request by which a server could ask the client for a document's text, so the copy is
resynchronised by what the client sends anyway: a full-text change, a save (the saved file is the
editor's text at that moment; see `Session.did_save`), or closing and reopening the document.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument, Workspace

from review_ls.engine.lines import LINE_BREAK as _LINE_BREAK
from review_ls.engine.lines import lines_with_ends

log = logging.getLogger(__name__)


class LspTextDocument(TextDocument):
    """A pygls document whose lines end only at \\n, \\r\\n and \\r, and that knows when it lost sync with the editor."""

    lost_sync: str | None = None  # why the editor's text may differ from this copy (None: in sync)

    def resync(self, text: str) -> None:
        """Take the editor's whole text (a full change, or the saved file): the copy is in sync again."""
        self._source = text
        self.lost_sync = None

    @property
    def lines(self) -> Sequence[str]:
        """The lines, with their line endings."""
        return tuple(lines_with_ends(self.source))

    def apply_checked(self, change: types.TextDocumentContentChangePartial) -> str | None:
        """Apply an incremental change; why it cannot be applied instead (then the text is unchanged).

        The text is split into lines once per change (it used to be three times: check, start, end)."""
        text = self.source
        range_ = change.range
        start, end = range_.start, range_.end
        if (end.line, end.character) < (start.line, start.character):
            return f"a change's range ends ({end.line}:{end.character}) before it starts ({start.line}:{start.character})"
        first, last, before_last = _line_starts(text, (start.line, end.line, end.line - 1))
        if last is None and not (end.character == 0 and before_last is not None):
            return f"a change's range reaches line {end.line + 1}, past the end of the document"
        begin = self._offset(text, start, first)
        stop = self._offset(text, end, last)
        self._source = text[:begin] + change.text + text[max(begin, stop) :]
        return None

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        text = self.source
        first, last = _line_starts(text, (change.range.start.line, change.range.end.line))
        begin = self._offset(text, change.range.start, first)
        end = self._offset(text, change.range.end, last)
        self._source = text[:begin] + change.text + text[max(begin, end) :]

    def _offset(self, text: str, position: types.Position, start: int | None) -> int:
        """The string index of an LSP position (clamped to the text), given where its line starts (None: past the end)."""
        if start is None:
            return len(text)
        match = _LINE_BREAK.search(text, start)
        line = text[start : match.start() if match else len(text)]
        if position.character >= self.position_codec.client_num_units(line):
            return start + len(line)
        converted = self.position_codec.position_from_client_units([line], types.Position(line=0, character=position.character))
        return start + converted.character


def apply_did_change(workspace: Workspace, params: types.DidChangeTextDocumentParams) -> None:
    """Apply a `didChange` to the open document; a change that cannot be applied marks it out of sync instead."""
    document = workspace.text_documents.get(unquote(params.text_document.uri))
    if document is None:
        log.warning("didChange for %s, which is not open: ignored", params.text_document.uri)
        return
    version = params.text_document.version
    older = document.version is not None and version <= document.version
    for change in params.content_changes:
        if isinstance(change, types.TextDocumentContentChangeWholeDocument) or not isinstance(document, LspTextDocument):
            if isinstance(document, LspTextDocument):
                document.resync(change.text)
            else:
                document.apply_change(change)
            older = False  # later changes of this notification apply to the text just sent
            continue
        if document.lost_sync is not None:
            continue
        problem = f"a change for version {version} came after version {document.version}" if older else document.apply_checked(change)
        if problem is not None:
            document.lost_sync = problem
    document.version = version


def _line_starts(text: str, lines: Sequence[int]) -> list[int | None]:
    """The index at which each 0-based line starts (None past the last line, or for a negative line), splitting the text once."""
    highest = max(lines)
    if highest <= 0:
        return [0 if line == 0 else None for line in lines]
    if "\r" in text and text.count("\r") != text.count("\r\n"):  # old Mac line endings: the slow way
        breaks = [0, *(match.end() for match in _LINE_BREAK.finditer(text, 0))]
        return [breaks[line] if 0 <= line < len(breaks) else None for line in lines]
    parts = text.split("\n", highest)  # splitting runs in C
    count = len(parts)
    # parts[line:] joined by "\n" is the text from that line's start on; the lines asked for are near `highest`
    return [len(text) - sum(map(len, parts[line:])) - (count - 1 - line) if 0 <= line < count else None for line in lines]


class LspWorkspace(Workspace):
    """pygls's workspace, whose text documents are `LspTextDocument`s."""

    def _create_text_document(
        self, doc_uri: str, source: str | None = None, version: int | None = None, language_id: str | None = None
    ) -> TextDocument:
        return LspTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=types.TextDocumentSyncKind.Incremental,
            position_codec=self.position_codec,
        )


def use_lsp_lines(server: LanguageServer) -> None:
    """Give the server (during `initialize`, before any document opens) a workspace of `LspTextDocument`s."""
    current = server.workspace
    folders = list(current.folders.values())
    server.protocol._workspace = LspWorkspace(  # noqa: SLF001 - pygls has no hook for the workspace class
        current.root_uri, types.TextDocumentSyncKind.Incremental, folders, current.position_encoding
    )
