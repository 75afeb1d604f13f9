"""The taint pass's cheap pre-check (`_taint._mentions`) never hides a flow: request names read only as
`self.request`, spelled with non-ASCII letters that normalise to the name, or read in a decorator."""

from __future__ import annotations

import textwrap

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source


def _lines(text: str, select: str = "RV601") -> list[int]:
    source = textwrap.dedent(text).lstrip("\n")
    result = analyse_source(source, "app.py", Settings(select=(select,)))
    assert result.internal_errors == ()
    return [f.span.line for f in result.findings if f.code == select]


def test_self_request_read_in_a_method_without_a_request_parameter() -> None:
    assert _lines(
        """
        class Export:
            def get(self):
                return open(self.request.GET["path"]).read()
        """
    ) == [3]


def test_request_spelled_with_letters_that_normalise_to_it() -> None:
    # `ｒequest` (a fullwidth r) is the identifier `request` in the tree, but not in the text.
    assert _lines(
        """
        class Export:
            def get(self):
                return open(self.\uff52equest.GET["path"]).read()
        """
    ) == [3]


def test_methods_that_only_use_self_stay_quiet() -> None:
    assert _lines(
        """
        class Files:
            def read(self):
                return open(self.path).read()
        """
    ) == []
