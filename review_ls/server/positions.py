"""The one place that converts between engine positions and LSP positions.

Engine `Span`s have 1-based lines and 0-based columns counted in code points (see `engine/model.py`).
LSP positions have 0-based lines and columns counted in the negotiated `positionEncoding` (UTF-16
unless the client offered another); pygls's `PositionCodec` does the counting. Conversions use the
lines of the text the findings were computed for, never the document's current text.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec, ServerTextPosition

from review_ls.engine.model import Span


class PositionMapper:
    """Converts positions for one text (its lines without line endings) under one encoding."""

    def __init__(self, lines: Sequence[str], codec: PositionCodec) -> None:
        self.lines = lines
        self.codec = codec

    def position(self, line: int, column: int) -> types.Position:
        """The LSP position of a 1-based line and a code-point column."""
        index = line - 1
        if 0 <= index < len(self.lines) and self.lines[index].isascii():  # every encoding counts ASCII alike
            return types.Position(line=index, character=min(column, len(self.lines[index])))
        return self.codec.position_to_client_units(self.lines, ServerTextPosition(line=index, character=column))

    def range(self, span: Span) -> types.Range:
        """The LSP range of an engine span."""
        return types.Range(start=self.position(span.line, span.col), end=self.position(span.end_line, span.end_col))

    def point(self, position: types.Position) -> tuple[int, int]:
        """The engine (1-based line, code-point column) of an LSP position."""
        copy = types.Position(line=position.line, character=position.character)  # the codec may clamp in place
        server = self.codec.position_from_client_units(self.lines, copy)
        return server.line + 1, server.character

    def span(self, range_: types.Range) -> Span:
        """The engine span of an LSP range."""
        line, col = self.point(range_.start)
        end_line, end_col = self.point(range_.end)
        return Span(line, col, end_line, end_col)
