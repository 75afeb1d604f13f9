"""When the syntax error of one re-parsed region is the syntax error of the whole text.

The incremental analyser re-parses only the statements an edit touched. Everything before them is
unchanged text that parsed, made of whole statements, so the parser reaches the region in the same
state as when it parses the region alone. The region is parsed again followed by the next
statement, so that what the parser looks at next is what it sees in the whole text; if it still fails
on a token inside the region, a full parse fails with the same error. It may have looked further
when the error lies past the region's last line of code, when an indented block was expected (it may start after the region)
or when a bracket or a triple-quoted string is still open at the region's end (in the whole text it
runs on into the following statements). Those errors are not trusted; the analyser then parses
the region followed by more and more of the statements after it (twice as many each time, up to the
end of the text, where every error is the whole text's), and the whole text only if that fails.
"""

from __future__ import annotations

from review_ls.deferred_dataclass import dataclass


_RUNS_ON = ("never closed", "unterminated triple-quoted", "EOF", "unexpected end", "expected an indented block")


@dataclass(frozen=True)
class RegionSyntaxError:
    """Why a region of lines does not parse: `first` is its first line, `last` its last line of code (1-based).

    `error` comes from parsing the region followed by the next statement."""

    error: SyntaxError
    first: int
    last: int
    reaches_end: bool = False  # the region was parsed through the end of the text: nothing follows it

    @property
    def is_whole_text_error(self) -> bool:
        """True when a parse of the whole text fails with this same error (see the module docstring)."""
        error = self.error
        line, end_line = error.lineno, error.end_lineno or error.lineno
        if self.reaches_end:
            return line is not None and line >= self.first
        if line is None or end_line is None or not self.first <= line <= end_line <= self.last:
            return False
        return not self.runs_on

    @property
    def runs_on(self) -> bool:
        """True when the error may depend on the text after the region (a bracket or string left open, an indented block expected)."""
        return any(words in self.error.msg for words in _RUNS_ON)
