"""Analysis cost grows linearly with module size: counted in executed lines of review_ls code, not timed.

A rule that rescans the module (its bindings, imports or nodes) at every node does work ~ n^2: four
times the code then costs sixteen times the lines, where linear work costs four times.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import review_ls
from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source

_PACKAGE = str(Path(review_ls.__file__).resolve().parent)

# Many module-level bindings and imports, and a print in an except block in every function:
# the shape that made RV501 (a logger lookup over all bindings per print) and RV8 (import scans per
# call) quadratic.
_BLOCK = """
import mod_{i}
from pkg_{i} import a_{i}, b_{i}, c_{i}, d_{i}, e_{i}, f_{i}
value_{i} = compute({i})


def handle_{i}(item):
    try:
        return process(item, value_{i})
    except ValueError as exc:
        print("cannot handle", item, exc)
        return None
"""


def _module(blocks: int) -> str:
    return "import logging\n\nlogger = logging.getLogger(__name__)\n" + "".join(_BLOCK.format(i=i) for i in range(blocks))


def _executed_lines(source: str, settings: Settings) -> int:
    """How many lines of review_ls code analysing `source` executes."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def global_(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename.startswith(_PACKAGE) else None

    sys.settrace(global_)
    try:
        analyse_source(source, "service/handlers.py", settings)
    finally:
        sys.settrace(None)
    return count


def _growth(settings: Settings, small: int = 60) -> float:
    """Work on a module 4x as large, divided by the work on the small one (4 when linear, 16 when quadratic)."""
    analyse_source(_module(2), "service/warmup.py", settings)  # rule instantiation and imports are not per-size work
    return _executed_lines(_module(4 * small), settings) / _executed_lines(_module(small), settings)


def _rule_groups() -> Iterator[str]:
    from review_ls.rules import all_rules

    yield from sorted({cls.code[:3] for cls in all_rules()})


@pytest.mark.parametrize("family", list(_rule_groups()))
def test_every_rule_family_costs_linear_work(family: str) -> None:
    assert _growth(Settings(select=(family,))) < 4 * 1.3


def test_engine_alone_costs_linear_work() -> None:
    assert _growth(Settings(select=("NONE",))) < 4 * 1.3
