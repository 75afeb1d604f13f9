"""The RV7 rules do not ask jedi about values the facts type as builtin literals (issue #16, item 4).

A module-level name whose every binding is a literal display or constant (`literal_facts.py`) holds a builtin value,
imported or not, and so do an item of a display of dict displays and the result of a plain function whose every return
is such a literal: jedi's answer for it cannot make a rule report.
Each test that shows a question dropped has a neighbour where a similar question can matter and is still asked.
"""

from __future__ import annotations

import ast

import pytest

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.project import ProjectIndex
from review_ls.project.inference import TypeResolver

PATIENT = Settings(select=("RV7",), options=tuple((code, (("jedi-budget-ms", 60_000),)) for code in ("RV701", "RV702", "RV703")))

MODELS = """\
from pydantic import BaseModel


class Priority(BaseModel):
    name: str
    page: bool = False


def load() -> object:
    return None
"""

CONFIG = """\
from models import Priority, load

default_type = {"name": "Default", "page": False}
priorities = [{"name": "Low"}, {"name": "High", "page": True}]
maybe_type = None
if load():
    maybe_type = {"name": "Other"}
built = [Priority(name=n) for n in ("Low", "High")]
empty = []
loaded = load()
by_name = {"low": {"name": "Low"}}
rebound = {"name": "Default"}


def reset():
    global rebound
    rebound = load()


def page(items):
    if not items:
        return {"items": [], "total": 0}
    return {"items": items, "total": len(items)}


def maybe_page(items):
    if items:
        return {"items": items}


def fetch():
    return load()


def models():
    return [Priority(name="Low")]
"""


class _RecordingAdapter:
    """A jedi adapter that records each question it is asked (by the line's text) and knows nothing."""

    def __init__(self) -> None:
        self.questions: list[str] = []

    def infer(self, source: str, path: object, line: int, column: int, *args: object) -> list[object]:
        self.questions.append(f"infer {source.splitlines()[line - 1][column:].split('[')[0]}")
        return []

    def goto(self, source: str, path: object, line: int, column: int, *args: object) -> list[object]:
        self.questions.append(f"goto {source.splitlines()[line - 1][column:].split('(')[0]}")
        return []


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every question that reached jedi (answered "don't know"): the resolver's own gates run first."""
    adapter = _RecordingAdapter()
    monkeypatch.setattr(TypeResolver, "adapter", lambda self: adapter)
    return adapter.questions


def _analyse(source: str) -> None:
    project = ProjectIndex.from_sources({"models.py": MODELS, "config.py": CONFIG, "flows.py": source})
    assert analyse_source(source, "flows.py", PATIENT, project).findings == ()


def test_an_imported_dict_display_is_not_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from config import default_type\n\ndef name():\n    return default_type['name']\n")
    assert asked == []


def test_an_imported_value_bound_by_a_call_is_still_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from config import loaded\n\ndef name():\n    return loaded['name']\n")
    assert asked == ["infer loaded"]


def test_an_imported_literal_that_a_function_rebinds_through_global_is_still_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from config import rebound\n\ndef name():\n    return rebound['name']\n")
    assert asked == ["infer rebound"]  # `reset()` makes it `load()`'s result


def test_an_imported_name_bound_to_none_or_a_dict_is_not_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from config import maybe_type\n\ndef name():\n    return maybe_type['name']\n")
    assert asked == []  # jedi can only answer NoneType and dict


def test_a_loop_over_an_imported_list_of_dict_displays_is_not_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from config import priorities\n\ndef names():\n    for priority in priorities:\n        yield priority['name']\n")
    assert asked == []


def test_an_item_of_an_imported_list_of_dict_displays_is_not_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from config import priorities\n\ndef first():\n    low = priorities[0]\n    return low['name']\n")
    assert asked == []


def test_a_loop_over_an_imported_list_comprehension_is_still_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from config import built\n\ndef names():\n    for priority in built:\n        yield priority['name']\n")
    assert asked == ["infer priority"]  # its items are models


def test_a_loop_over_an_imported_empty_list_is_still_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from config import empty\n\ndef names():\n    for priority in empty:\n        yield priority['name']\n")
    assert asked == ["infer priority"]  # `empty.append(Priority(...))` would make its items models


def test_a_loop_over_the_keys_of_an_imported_dict_display_is_still_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from config import by_name\n\ndef names():\n    for key in by_name:\n        yield key['name']\n")
    assert asked == ["infer key"]  # the facts say what the dict is, not what its keys are


def test_the_result_of_a_function_that_only_returns_dict_displays_is_not_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from config import page\n\ndef total(rows):\n    result = page(rows)\n    return result['name']\n")
    assert asked == []


def test_the_result_of_a_function_that_returns_none_or_a_dict_is_not_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from config import maybe_page\n\ndef total(rows):\n    result = maybe_page(rows)\n    return result['name']\n")
    assert asked == []


def test_the_result_of_a_function_that_returns_a_call_is_still_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from config import fetch\n\ndef name():\n    result = fetch()\n    return result['name']\n")
    assert asked == ["infer result"]


def test_a_loop_over_a_list_display_a_function_returns_is_still_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from config import models\n\ndef names():\n    for priority in models():\n        yield priority['name']\n")
    assert asked == ["infer priority"]  # the facts say it is a list, not what its items are


def test_the_resolver_types_imported_literals_and_the_items_of_displays_of_dicts() -> None:
    source = (
        "from config import default_type, priorities, maybe_type, page\n\nrows = ({'name': 'a'},)\n\n"
        "def f():\n    local = [{'name': 'b'}]\n    for p in priorities:\n        for r in rows:\n            for q in local:\n                return p, r, q\n"
    )
    project = ProjectIndex.from_sources({"models.py": MODELS, "config.py": CONFIG, "flows.py": source})
    tree = ast.parse(source)
    resolver = TypeResolver(tree, "flows.py", source.splitlines(), project)
    function = tree.body[2]
    assert isinstance(function, ast.FunctionDef)
    parents = [tree, function]

    def builtin(name: str) -> str | None:
        found = resolver.type_of(ast.Name(name, ast.Load()), parents)
        return found.builtin if found is not None else None

    assert builtin("default_type") == "dict"
    assert builtin("priorities") == "list"
    assert (builtin("p"), builtin("r"), builtin("q")) == ("dict", "dict", "dict")
    assert builtin("maybe_type") is None  # NoneType or dict: no one type
    call = ast.parse("page([])", mode="eval").body
    found = resolver.type_of(call, parents)
    assert found is not None and found.builtin == "dict"
