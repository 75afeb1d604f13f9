"""RV000 names the newer-Python syntax a file uses and the version it needs (#17 item 4)."""

from __future__ import annotations

import sys

import pytest

from review_ls.engine.analysis import analyse_source
from review_ls.engine.newer_syntax import NewerSyntax, needs_newer_python_message, newer_syntax_on

PY311 = (3, 11)


@pytest.mark.parametrize(
    ("line", "feature", "version"),
    [
        ("type Vector = list[float]", "PEP 695 type statement", (3, 12)),
        ("type Pair[T] = tuple[T, T]", "PEP 695 type statement", (3, 12)),
        ("def first[T](items: list[T]) -> T:", "PEP 695 type parameters", (3, 12)),
        ("class Box[T]:", "PEP 695 type parameters", (3, 12)),
        ("except ValueError, TypeError:", "PEP 758 except A, B without parens", (3, 14)),
        ('greeting = t"hello {name}"', 'PEP 750 template string t"..."', (3, 14)),
    ],
)
def test_newer_syntax_is_named_with_the_version_it_needs(line: str, feature: str, version: tuple[int, int]) -> None:
    assert newer_syntax_on(line, running=PY311) == NewerSyntax(feature, version)


@pytest.mark.parametrize("line", ["x = = 1", "type = 3", "print(\"it's\" +)", "def f(:", "except (A, B):"])
def test_ordinary_syntax_errors_name_no_feature(line: str) -> None:
    assert newer_syntax_on(line, running=PY311) is None


def test_syntax_the_running_python_knows_is_not_blamed_on_the_version() -> None:
    assert newer_syntax_on("except* ValueError:", running=(3, 11)) is None
    assert newer_syntax_on("except* ValueError:", running=(3, 10)) == NewerSyntax("PEP 654 except*", (3, 11))
    assert newer_syntax_on("type X = int", running=(3, 13)) is None


def test_message_says_the_needed_and_running_versions_and_how_to_run_a_newer_one() -> None:
    message = needs_newer_python_message(NewerSyntax("PEP 695 type statement", (3, 12)), running=(3, 10))
    assert "PEP 695 type statement needs Python 3.12+" in message
    assert "runs on Python 3.10" in message
    assert "python3.12 -m review_ls check" in message


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="this Python parses the type statement")
def test_rv000_for_a_type_statement_on_an_older_python_names_it() -> None:
    result = analyse_source("type Vector = list[float]\n")
    assert result.syntax_error is not None
    assert "PEP 695 type statement needs Python 3.12+" in result.syntax_error.message


@pytest.mark.skipif(sys.version_info < (3, 12), reason="needs a Python that parses the type statement")
def test_a_type_statement_is_analysed_on_a_python_that_parses_it() -> None:
    assert analyse_source("type Vector = list[float]\n").syntax_error is None


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="this Python parses except A, B")
def test_rv000_for_unparenthesised_except_names_pep_758() -> None:
    result = analyse_source("try:\n    pass\nexcept ValueError, TypeError:\n    pass\n")
    assert result.syntax_error is not None
    assert "PEP 758 except A, B without parens needs Python 3.14+" in result.syntax_error.message
