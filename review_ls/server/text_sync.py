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

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        text = self.source
        begin = self._offset(text, change.range.start)
        end = self._offset(text, change.range.end)
        self._source = text[:begin] + change.text + text[max(begin, end) :]

    def _offset(self, text: str, position: types.Position) -> int:
        """The string index of an LSP position (clamped to the text)."""
        start = _line_start(text, position.line)
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
        problem = f"a change for version {version} came after version {document.version}" if older else _range_problem(document.source, change.range)
        if problem is not None:
            document.lost_sync = problem
            continue
        document.apply_change(change)
    document.version = version


def _range_problem(text: str, range_: types.Range) -> str | None:
    """Why `range_` cannot be applied to `text` (None when it can: a column past a line's end means its end)."""
    start, end = range_.start, range_.end
    if (end.line, end.character) < (start.line, start.character):
        return f"a change's range ends ({end.line}:{end.character}) before it starts ({start.line}:{start.character})"
    if not _is_in(text, end):
        return f"a change's range reaches line {end.line + 1}, past the end of the document"
    return None


def _is_in(text: str, position: types.Position) -> bool:
    """True when the 0-based line exists (or is the position just after the last line's end)."""
    if position.line < 0 or _line_start(text, position.line) is not None:
        return position.line >= 0
    return position.character == 0 and _line_start(text, position.line - 1) is not None


def _line_start(text: str, line: int) -> int | None:
    """The index at which 0-based `line` starts (None past the last line)."""
    if line == 0:
        return 0
    if "\r" in text and text.count("\r") != text.count("\r\n"):  # old Mac line endings: the slow way
        breaks = [match.end() for match in _LINE_BREAK.finditer(text)]
        return breaks[line - 1] if line <= len(breaks) else None
    parts = text.split("\n", line)  # splitting runs in C
    return len(text) - len(parts[-1]) if len(parts) > line else None


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
