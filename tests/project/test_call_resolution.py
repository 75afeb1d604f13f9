"""Rules that resolve a function's calls share one walk of it per analysis (issue #16, item 4)."""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path
from types import SimpleNamespace

import pytest

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.patterns.blocking import own_nodes
from review_ls.project import ProjectIndex, call_resolution
from review_ls.project.call_facts import CallResolver, resolver_lessons
from review_ls.project.call_resolution import own_statements

SERVICE = """\
import httpx

from repo import Repo


async def handle(item):
    import json as j
    repo = Repo()
    other = repo.load(item)
    data = j.dumps(other)
    def inner():
        hidden = Repo()
    async with httpx.AsyncClient() as client:
        await client.get(data)
    return repo.save(data), hidden.save(data)
"""

REPO = """\
import time


class Repo:
    def load(self, item):
        time.sleep(1)
        return item

    def save(self, data):
        return data
"""


def _resolver(lessons: object) -> CallResolver:
    resolver = CallResolver("service", {"httpx": "httpx", "Repo": "repo.Repo"}, frozenset({"handle"}), None)
    resolver.learn(lessons)  # type: ignore[arg-type]
    return resolver


def test_a_resolver_learns_from_the_lessons_what_it_learns_from_every_own_node() -> None:
    function = ast.parse(SERVICE).body[2]
    assert isinstance(function, ast.AsyncFunctionDef)
    lessons = resolver_lessons(own_nodes(function.body))
    assert [type(n).__name__ for n in lessons] == ["Import", "Assign", "Assign", "Assign"]  # not `hidden = Repo()` (nested)
    whole, taught = _resolver(own_nodes(function.body)), _resolver(lessons)
    assert (taught.locals, taught.imports) == (whole.locals, whole.imports) == ({"repo": "repo.Repo"}, {"httpx": "httpx", "Repo": "repo.Repo", "j": "json"})


def test_the_lessons_of_a_function_are_found_once_per_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    walked: list[str] = []

    def counting(body: list[ast.stmt]) -> object:
        walked.append("walk")
        return own_statements(body)

    monkeypatch.setattr(call_resolution, "own_statements", counting)
    function = ast.parse(SERVICE).body[2]
    ctx = SimpleNamespace(memo={})
    first = call_resolution.function_lessons(function, ctx)  # type: ignore[arg-type]
    assert call_resolution.function_lessons(function, ctx) is first  # type: ignore[arg-type]
    assert walked == ["walk"]


def test_the_rules_that_resolve_calls_walk_the_function_once(monkeypatch: pytest.MonkeyPatch) -> None:
    walked: list[int] = []

    def counting(body: list[ast.stmt]) -> object:
        walked.append(body[0].lineno)
        return own_statements(body)

    monkeypatch.setattr(call_resolution, "own_statements", counting)
    project = ProjectIndex.from_sources({"service.py": SERVICE, "repo.py": REPO})
    findings = analyse_source(SERVICE, "service.py", Settings(select=("RV202", "RV302", "RV802")), project).findings
    assert [(f.code, f.span.line) for f in findings] == [("RV302", 9)]  # `repo.load` sleeps: resolved through `repo = Repo()`
    # One walk of `handle`'s body, shared by every resolver; none of `inner`'s: no rule resolves its calls (RV302 looks in
    # coroutines, RV802 in loops, and RV202 first asks whether an entry point runs the function: none runs a nested one).
    assert walked == [7]


CLIENT_METHOD = """\
import requests


class Gateway:
    def __init__(self):
        self.session = requests.Session()

    async def fetch(self, url):
        import json
        return json.loads(self.session.get(url).text)
"""


def test_rv302_walks_a_method_once_for_its_attribute_calls_and_its_sync_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    from review_ls.patterns import blocking

    walked: list[int] = []

    def counting(body: list[ast.stmt]) -> object:
        walked.append(body[0].lineno if body else 0)
        return own_nodes(body)

    monkeypatch.setattr(blocking, "own_nodes", counting)
    monkeypatch.setattr(call_resolution, "own_nodes", counting)
    project = ProjectIndex.from_sources({"gateway.py": CLIENT_METHOD})
    findings = analyse_source(CLIENT_METHOD, "gateway.py", Settings(select=("RV302",)), project).findings
    assert [(f.code, f.span.line) for f in findings] == [("RV302", 10)]  # `self.session.get`: a sync session, known from `__init__`
    # `fetch`'s body: one walk shared by `_calls_attribute_methods` and `BlockingCalls` (they walked it once each),
    # and one as a method of the class whose attributes `__init__` sets (`instance_attribute_kinds` reads every method)
    assert walked.count(9) == 2


BLOCKS = """\
def blocks(items):
    import os
    first = Client()
    if items:
        second = Client()
    elif first:
        from a import b
    else:
        third = make()
    for item in items:
        fourth = Client(item)
    else:
        fifth = Client()
    while items:
        sixth = items.pop()
    try:
        seventh = Client()
    except ValueError as error:
        eighth = Client(error)
    except OSError:
        ninth = Client()
    else:
        tenth = Client()
    finally:
        eleventh = Client()
    with open(items) as handle:
        twelfth = Client(handle)
    match items:
        case [x] if (y := Client()):
            thirteenth = Client(x)
        case _:
            import json
    class Inner:
        hidden = Client()
    def nested():
        hidden = Client()
    go = lambda: Client()
    return [Client() for _ in items]
"""


def test_the_statement_walk_finds_the_lessons_of_every_block_in_order() -> None:
    function = ast.parse(BLOCKS).body[0]
    assert isinstance(function, ast.FunctionDef)
    lessons = resolver_lessons(own_statements(function.body))
    assert lessons == resolver_lessons(own_nodes(function.body))
    names = [node.names[0].name if isinstance(node, (ast.Import, ast.ImportFrom)) else node.targets[0].id for node in lessons]  # type: ignore[attr-defined]
    words = "first second b third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth json".split()
    assert names == ["os", *words]


def test_the_statement_walk_teaches_what_every_own_node_taught_on_real_code() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    functions = [
        node
        for name in ("_pydecimal.py", "argparse.py", "inspect.py", "typing.py", "asyncio/base_events.py")
        for node in ast.walk(ast.parse((stdlib / name).read_text(encoding="utf-8")))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    assert len(functions) > 800
    for function in functions:
        assert resolver_lessons(own_statements(function.body)) == resolver_lessons(own_nodes(function.body)), function.name
