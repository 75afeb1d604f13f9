"""Document text kept in sync with the editor: pygls's workspace, with lines counted the way LSP counts them.

pygls splits lines with `str.splitlines`, which also breaks at form feeds, vertical tabs and
U+2028, so an edit below such a character lands on the wrong line; and it rebuilds the whole text
line by line on every keystroke. LSP lines end only at `\\n`, `\\r\\n` and `\\r`. The document below
applies an incremental change by offsets found with string operations that run in C.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument, Workspace

from review_ls.engine.lines import LINE_BREAK as _LINE_BREAK
from review_ls.engine.lines import lines_with_ends


class LspTextDocument(TextDocument):
    """A pygls document whose lines end only at \\n, \\r\\n and \\r."""

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
