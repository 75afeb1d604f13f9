"""The one line splitter: lines end only at `\\n`, `\\r\\n` and `\\r`, as in the LSP spec and in `ast`.

`str.splitlines` also breaks at `\\x0b`, `\\x0c`, `\\x1c`-`\\x1e`, `\\x85`, `\\u2028` and `\\u2029`;
Python's tokenizer (hence `ast` line numbers) and LSP clients do not. Every module that counts
lines (positions, fixes, text sync, diffs) splits with the functions below so that they agree.
"""

from __future__ import annotations

import re

LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINE_WITH_END = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """The lines of `text` without their endings (a text ending in a newline has a last empty line)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def lines_with_ends(text: str) -> list[str]:
    """The lines of `text` with their endings (no empty last line after a final newline)."""
    return _LINE_WITH_END.findall(text)


def newline_of(text: str) -> str:
    """The line ending `text` uses (its first one), '\\n' when it has none."""
    match = LINE_BREAK.search(text)
    return match.group(0) if match else "\n"
