"""`LineIndex.text_of_lines` reads a range of lines as `line_text` reads each, joined with line breaks."""

from __future__ import annotations

import pytest

from review_ls.engine.positions import LineIndex

LINES = ["def f():", "    return 1", "", "x = 2"]


@pytest.mark.parametrize("offset", [0, 3])
@pytest.mark.parametrize(("first", "last"), [(1, 1), (1, 4), (2, 3), (3, 6), (0, 2), (5, 7), (4, 3)])
def test_a_range_reads_as_its_lines_do(first: int, last: int, offset: int) -> None:
    index = LineIndex(LINES, offset)
    first, last = first + offset, last + offset
    assert index.text_of_lines(first, last) == "\n".join(index.line_text(line) for line in range(first, last + 1))


def test_the_text_of_a_function_holds_its_lines() -> None:
    assert LineIndex(LINES).text_of_lines(1, 2) == "def f():\n    return 1"
