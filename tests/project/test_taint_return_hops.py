"""Taint through return values, however many project calls deep (`requested` returns `clean(name)`, which
returns its argument): issue #14's "return values are followed only one hop"."""

from __future__ import annotations

from review_ls import analyse_source
from review_ls.config import Settings
from review_ls.project import ProjectIndex

NAMES = (
    "def clean(name: str) -> str:\n    return name.strip()\n\n\n"
    "def requested(name: str) -> str:\n    return clean(name)\n\n\n"
    "def through_a_local(name: str) -> str:\n    cleaned = requested(name)\n    return cleaned\n\n\n"
    "def constant(name: str) -> str:\n    clean(name)\n    return 'report.txt'\n"
)
# The whole path comes back from the helper (a join onto a base is reported from the names it reads).
ROUTE = (
    "from fastapi import FastAPI\n\nfrom names import {helper}\n\n"
    "app = FastAPI()\n\n\n"
    "@app.get('/files')\nasync def download(name: str):\n    return open({helper}(name)).read()\n"
)


def _lines(helper: str) -> list[int]:
    route = ROUTE.format(helper=helper)
    index = ProjectIndex.from_sources({"names.py": NAMES, "api.py": route})
    return [f.span.line for f in analyse_source(route, "api.py", Settings(select=("RV601",)), index).findings]


def test_value_returned_two_calls_deep_stays_tainted() -> None:
    assert _lines("requested") == [10]


def test_value_returned_through_a_local_three_calls_deep_stays_tainted() -> None:
    assert _lines("through_a_local") == [10]


def test_helper_that_returns_a_constant_is_clean() -> None:
    assert _lines("constant") == []


def test_summaries_say_which_arguments_reach_the_return_value() -> None:
    index = ProjectIndex.from_sources({"names.py": NAMES})
    assert [index.taint_returns(f"names.{name}", 0) for name in ("clean", "requested", "through_a_local", "constant")] == [True, True, True, False]
