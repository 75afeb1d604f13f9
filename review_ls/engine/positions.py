"""The one place that converts `ast` positions into engine positions.

`ast` reports 1-based lines and 0-based column offsets counted in UTF-8 bytes. The engine uses
1-based lines and 0-based columns counted in code points (`str` indices), see `model.Span`.
"""

from __future__ import annotations

import ast

from review_ls.engine.lines import split_lines
from review_ls.engine.model import Span

__all__ = ["LineIndex", "split_lines", "statement_start_line"]


class LineIndex:
    """The lines of one source text, for converting byte offsets into code-point columns."""

    __slots__ = ("lines", "_line_offset")

    def __init__(self, lines: list[str], line_offset: int = 0) -> None:
        self.lines = lines
        self._line_offset = line_offset

    @classmethod
    def from_source(cls, source: str) -> LineIndex:
        """Build an index over the lines of `source`."""
        return cls(split_lines(source))

    def line_text(self, line: int) -> str:
        """Return the text of 1-based `line` without its line ending ('' past the end)."""
        index = line - 1 - self._line_offset
        if 0 <= index < len(self.lines):
            return self.lines[index]
        return ""

    def text_of_lines(self, first: int, last: int) -> str:
        """The text of 1-based lines `first` to `last` joined with '\\n', as `line_text` reads each ('' past the end)."""
        start, stop, lines = first - 1 - self._line_offset, last - self._line_offset, self.lines
        if 0 <= start and stop <= len(lines):
            return "\n".join(lines[start:stop])
        return "\n".join(self.line_text(line) for line in range(first, last + 1))

    def column(self, line: int, byte_offset: int) -> int:
        """Convert a UTF-8 byte offset in `line` into a code-point column."""
        text = self.line_text(line)
        if text.isascii():
            return min(byte_offset, len(text))
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))

    def node_span(self, node: ast.AST) -> Span:
        """Return the span of an `ast` node that has positions."""
        line: int = node.lineno  # type: ignore[attr-defined]
        end_line: int = getattr(node, "end_lineno", None) or line
        end_col_bytes: int | None = getattr(node, "end_col_offset", None)
        col = self.column(line, node.col_offset)  # type: ignore[attr-defined]
        end_col = self.column(end_line, end_col_bytes) if end_col_bytes is not None else col
        return Span(line, col, end_line, end_col)


def statement_start_line(node: ast.stmt) -> int:
    """First line of a statement, counting its decorators."""
    decorators: list[ast.expr] | None = getattr(node, "decorator_list", None)
    if decorators:
        return min(node.lineno, *(d.lineno for d in decorators))
    return node.lineno
