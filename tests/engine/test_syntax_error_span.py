"""RV000's span stays inside the text even when the SyntaxError points past the line (Python 3.12+)."""

from __future__ import annotations

from review_ls.engine.analysis import syntax_error_finding
from review_ls.engine.positions import LineIndex


def test_an_end_offset_past_the_line_is_clamped_to_the_line() -> None:
    source = "def f():\n    pass\n\nvalue = compute(alpha\n"
    lines = LineIndex.from_source(source)
    last = len("value = compute(alpha")
    error = SyntaxError("'(' was never closed", ("example.py", 4, last + 1, "value = compute(alpha", 4, last + 2))

    finding = syntax_error_finding(error, lines)

    assert finding.span.line == 4 and finding.span.end_line == 4
    assert finding.span.col <= finding.span.end_col <= last
