"""The call facts judge the calls of a function that can hold no sync object by their names alone
(`patterns/blocking.py` `blocking_calls`, issue #16): what that judge finds is what `BlockingCalls`, which
learns every binding first, finds. Each way a function can come to hold a sync object is tried; a check that
missed one would judge `c.get()` by name and lose the blocking call."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

import review_ls
from review_ls.engine.facts import dotted_name, qualify_dotted
from review_ls.patterns import blocking
from review_ls.patterns.blocking import (
    BlockingCalls,
    BlockingCallsByName,
    blocking_calls,
    may_hold_sync_objects,
    module_object_kinds,
    object_making_names,
)
from review_ls.patterns.node_walk import own_node_list
from review_ls.project import call_facts
from review_ls.project.call_facts import _STRUCTURAL_TYPES, absolute_imports, module_call_facts

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
Judgement = tuple[str | None, bool]

# Each function holds a sync object one way, and calls a method of it that blocks (the call named on the right).
HOLDING = [
    ("import httpx\nclient = httpx.Client()\ndef f(url):\n    client.get(url)\n", "client.get"),
    ("import httpx\ndef f(c: httpx.Client, url):\n    c.get(url)\n", "c.get"),
    ("from httpx import Client\ndef f(c: Client, url):\n    c.get(url)\n", "c.get"),
    ("from httpx import Client as C\ndef f(url):\n    c = C()\n    c.get(url)\n", "c.get"),
    ("from typing import Optional\nimport httpx\ndef f(c: Optional[httpx.Client], url):\n    c.get(url)\n", "c.get"),
    ("import httpx\ndef f(c: httpx.Client | None, url):\n    c.get(url)\n", "c.get"),
    ("import httpx\ndef f(c: None | httpx.Client, url):\n    c.get(url)\n", "c.get"),
    ("from typing import IO\ndef f(files: list[IO]):\n    for handle in files:\n        handle.read()\n", "handle.read"),
    ("from pathlib import Path\ndef f(paths: tuple[Path, ...]):\n    for p in paths:\n        p.unlink()\n", "p.unlink"),
    ("def f(*, c: 'x', s: 'sqlalchemy.orm.Session'):\n    import sqlalchemy.orm\n    t: sqlalchemy.orm.Session = make()\n    t.commit()\n", "t.commit"),
    ("from sqlalchemy.orm import Session\ndef f(p, /, s: Session):\n    s.execute(p)\n", "s.execute"),
    ("from pathlib import Path\ndef f(name):\n    Path(name).unlink()\n", "path.unlink"),
    ("def f(name):\n    with open(name) as handle:\n        handle.write(name)\n", "handle.write"),
    ("import boto3\ndef f(key):\n    s3 = boto3.Session().client('s3')\n    s3.put_object(Key=key)\n", "s3.put_object"),
    ("from boto3 import Session as S\ndef f(key):\n    s3 = S.client('s3')\n    s3.put_object(Key=key)\n", "s3.put_object"),
    ("from boto3 import Session as S\ndef f(key):\n    s3 = S().client('s3')\n    s3.put_object(Key=key)\n", "s3.put_object"),
    ("import boto3\ndef f(session: 'x', key):\n    s3 = session.client('s3')\n    s3.put_object(Key=key)\n", None),
    ("import httpx\ndef f(url):\n    def make() -> httpx.Client:\n        return httpx.Client()\n    make().get(url)\n", "http_client.get"),
    ("import httpx\ndef make() -> httpx.Client:\n    ...\ndef f(url):\n    make().get(url)\n", "http_client.get"),
    ("import httpx\ndef f(url):\n    if (c := httpx.Client()):\n        c.post(url)\n", "c.post"),
    ("import urllib3\ndef f(url):\n    pool = urllib3.PoolManager()\n    pool.anything(url)\n", "pool.anything"),
    ("from pathlib import Path\ndef f(name):\n    (Path(name) / 'x').unlink()\n", "path.unlink"),
    ("import builtins\ndef f(name):\n    handle = builtins.open(name)\n    handle.read()\n", "handle.read"),
]

# Functions that hold no sync object: judged by name, and what blocks is found all the same.
PLAIN = [
    ("import requests\ndef f(url):\n    requests.get(url)\n", ["requests.get"]),
    ("import os, shutil\ndef f(p):\n    os.path.exists(p)\n    shutil.rmtree(p)\n    p.exists()\n", ["os.path.exists", "shutil.rmtree", None]),
    ("def f(p):\n    def input(x):\n        return x\n    input(p)\n", [None]),
    ("def f(p):\n    input(p)\n", ["input"]),
    ("import time\ndef f(p, sleep):\n    time.sleep(p)\n    sleep(p)\n", ["time.sleep", None]),
    ("from urllib.request import *\ndef f(u):\n    urlopen(u)\n", ["urllib.request.urlopen"]),
    ("from urllib.request import *\ndef f(u, urlopen):\n    urlopen(u)\n", [None]),
    ("from urllib.request import *\ndef f(u):\n    urlopen = pick()\n    urlopen(u)\n", [None, None]),
    ("from urllib import request\ndef f(u):\n    request.urlopen(u)\n", ["urllib.request.urlopen"]),
    ("from x import Path\ndef f(p):\n    Path(p).unlink()\n", [None, None]),
    ("import subprocess\nasync def f(p):\n    await run(p)\n    subprocess.run(p)\n", [None, "subprocess.run"]),
]


def _qualify(imports: dict[str, str]) -> Callable[[ast.AST], str | None]:
    return lambda node: qualify_dotted(dotted_name(node) or "", imports)


def _judgements(judge: BlockingCalls | BlockingCallsByName, calls: list[ast.Call]) -> list[Judgement]:
    """Each call's blocking name, and whether it is local file work (asked, as the call facts ask, of blocking calls only)."""
    return [(name, name is not None and judge.is_local_file_io(call)) for call in calls for name in (judge.blocking_name(call),)]


def _both_ways(source: str, module: ast.Module | None = None) -> list[tuple[FunctionNode, bool, list[Judgement], list[Judgement]]]:
    """Every function of `source` (or of `module`): whether it was judged by name, and its calls judged the long and the short way."""
    tree = module or ast.parse(source)
    imports = absolute_imports(tree, "app", False)
    qualify = _qualify(imports)
    kinds = module_object_kinds(tree, qualify)
    makers = object_making_names(imports)
    found = []
    for function in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
        nodes = own_node_list(function.body)
        structural = [n for n in nodes if type(n) in _STRUCTURAL_TYPES]
        calls = [n for n in nodes if type(n) is ast.Call]
        long_way = BlockingCalls(function, qualify, frozenset(), kinds, structural)
        judge = blocking_calls(function, qualify, frozenset(), kinds, structural, calls, makers)
        by_name = isinstance(judge, BlockingCallsByName)
        if by_name:  # the check's promise: nothing the long way learnt holds a sync object, and no expression is one
            assert not may_hold_sync_objects(function, structural, calls, kinds, makers)
            assert all(kind is None for bindings in long_way._bindings.values() for _, kind in bindings), ast.unparse(function)
            assert all(long_way.kind_of(n) is None for n in nodes if isinstance(n, ast.expr)), ast.unparse(function)
        found.append((function, by_name, _judgements(long_way, calls), _judgements(judge, calls)))
    return found


def _judged_f(source: str) -> tuple[FunctionNode, bool, list[Judgement], list[Judgement]]:
    """`_both_ways` for the function named `f`."""
    return next(found for found in _both_ways(source) if found[0].name == "f")


@pytest.mark.parametrize(("source", "expected"), HOLDING)
def test_a_function_that_may_hold_a_sync_object_is_judged_the_long_way(source: str, expected: str | None) -> None:
    function, by_name, long_way, judged = _judged_f(source)
    assert not by_name, ast.unparse(function)
    assert judged == long_way
    if expected is not None:
        assert expected in [name for name, _ in long_way]


@pytest.mark.parametrize(("source", "expected"), PLAIN)
def test_a_function_that_holds_no_sync_object_is_judged_by_name_and_finds_the_same(source: str, expected: list[str | None]) -> None:
    function, by_name, long_way, judged = _judged_f(source)
    assert by_name, ast.unparse(function)
    assert judged == long_way
    assert [name for name, _ in judged] == expected


def test_local_file_work_is_told_apart_by_name_as_the_long_way_does() -> None:
    source = "import os, shutil, requests\ndef f(p):\n    os.walk(p)\n    os.path.getsize(p)\n    shutil.copy(p, p)\n    requests.post(p)\n"
    function, by_name, long_way, judged = _judged_f(source)
    assert by_name
    assert judged == long_way == [("os.walk", True), ("os.path.getsize", True), ("shutil.copy", True), ("requests.post", False)]


@pytest.mark.parametrize(
    ("source", "made_by", "not_made_by"),
    [
        ("from httpx import Client as C\n", {"C", "open", "Path"}, set()),
        ("from x import Path\nfrom y import open\n", set(), {"Path", "open"}),
        ("from pathlib import Path\nfrom io import open as io_open\nimport boto3\n", {"Path", "io_open", "open"}, {"boto3"}),
        ("from sqlalchemy import create_engine\nfrom sqlmodel import Session\n", {"create_engine", "Session"}, set()),
    ],
)
def test_the_names_that_make_a_sync_object_are_those_the_long_way_qualifies_into_one(source: str, made_by: set[str], not_made_by: set[str]) -> None:
    tree = ast.parse(source)
    imports = absolute_imports(tree, "app", False)
    makers = object_making_names(imports)
    assert made_by <= makers and not (not_made_by & makers)
    probe = BlockingCalls(ast.parse("def f(): pass").body[0], _qualify(imports), frozenset(), {})  # type: ignore[arg-type]
    for name in {*imports, *made_by, *not_made_by, "open", "Path", "Client", "boto3"}:
        call = ast.Call(func=ast.Name(id=name), args=[], keywords=[])
        assert (name in makers) == (probe.kind_of(call) is not None), name


def _package_modules() -> list[ast.Module]:
    """This package's own modules: a corpus of real code, with sync objects in a few places."""
    return [ast.parse(path.read_text(encoding="utf-8")) for path in sorted(Path(review_ls.__file__).parent.rglob("*.py"))]


def test_every_call_of_this_package_is_judged_the_same_both_ways() -> None:
    judged_by_name = 0
    for module in _package_modules():
        for function, by_name, long_way, judged in _both_ways("", module):
            assert judged == long_way, ast.unparse(function)[:200]
            judged_by_name += by_name
    assert judged_by_name > 1000  # (the short way is the usual one)


def test_the_call_facts_are_those_of_the_long_way(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = [source for source, _ in HOLDING + PLAIN] + [ast.unparse(m) for m in _package_modules()[:40]]
    shortcut = [module_call_facts(ast.parse(source), "app") for source in sources]

    def long_way(function: FunctionNode, qualify: blocking.Qualify, shadowed: frozenset[str], kinds: dict[str, str], nodes: list[ast.AST],
                 calls: list[ast.Call], makers: frozenset[str]) -> BlockingCalls:
        return BlockingCalls(function, qualify, shadowed, kinds, nodes)

    monkeypatch.setattr(call_facts, "blocking_calls", long_way)
    assert [module_call_facts(ast.parse(source), "app") for source in sources] == shortcut
    assert any(f.blocking for facts in shortcut for f in facts.functions)
