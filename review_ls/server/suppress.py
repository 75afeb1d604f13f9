"""The "suppress on this line" edit: add or extend a `# review: ignore[CODE]` comment.

The comment goes on the finding's line, or else on the first line of its statement (a suppression
there covers the whole statement), whichever can end with a comment: not inside a multi-line
string and not after a line-continuation backslash.
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Sequence

from review_ls.engine.model import Finding, Span, TextEdit
from review_ls.engine.suppressions import SUPPRESSION


def suppression_edit(lines: Sequence[str], finding: Finding) -> TextEdit | None:
    """The edit that suppresses `finding`'s code on its line (None when no line can take the comment)."""
    for line in dict.fromkeys((finding.span.line, finding.statement_line)):
        comment_column = _comment_column(lines, line, finding.statement_line)
        if comment_column is None:
            continue
        text = lines[line - 1]
        match = SUPPRESSION.search(text, comment_column) if comment_column >= 0 else None
        if match is not None:
            codes = match.group("codes")
            if codes is None:
                return None  # a bare `# review: ignore` already covers every code
            where = match.end("codes")
            separator = ", " if codes.strip() else ""
            return TextEdit(Span(line, where, line, where), f"{separator}{finding.code}")
        code_end = len(text.rstrip())
        return TextEdit(Span(line, code_end, line, len(text)), f"  # review: ignore[{finding.code}]")
    return None


def _comment_column(lines: Sequence[str], line: int, statement_line: int) -> int | None:
    """Where the comment on `line` starts (-1: none yet); None when the line cannot end with a comment."""
    if not 1 <= line <= len(lines) or not 1 <= statement_line <= line:
        return None
    if lines[line - 1].rstrip().endswith("\\"):
        return None
    first = lines[statement_line - 1]
    indent = first[: len(first) - len(first.lstrip(" \t"))]
    dedented = [text[len(indent) :] if text.startswith(indent) else text for text in lines[statement_line - 1 :]]
    target = line - statement_line + 1
    shift = len(indent) if lines[line - 1].startswith(indent) else 0
    readline = io.StringIO("\n".join(dedented) + "\n").readline
    try:
        for token in tokenize.generate_tokens(readline):
            start, end = token.start[0], token.end[0]
            if start > target:
                return -1
            if start <= target < end and token.type not in (tokenize.NEWLINE, tokenize.NL):
                return None  # the line ends inside a multi-line string
            if start == target and token.type == tokenize.COMMENT:
                return token.start[1] + shift
    except (tokenize.TokenError, SyntaxError):
        return None
    return -1
