"""The rules' hot paths walk a function or loop once per analysis, with the nodes and names they walked before."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator

import pytest

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.patterns import names, paths
from review_ls.patterns.names import loop_bound_names, names_assigned_in, names_bound
from review_ls.patterns.paths import function_nodes

SERVICE = textwrap.dedent(
    """
    import os
    import requests
    from fastapi import FastAPI, Request

    app = FastAPI()
    BASE = "/srv/files"


    @app.get("/files/{name}")
    def read(name: str, request: Request):
        path = os.path.join(BASE, name)
        lookup = {key: value for key, value in request.query_params.items()}
        handler = lambda item: open(os.path.join(BASE, item)).read()

        def inner(tail):
            return request.path_params.get(tail)

        class Local:
            field = name

        with open(path) as fh:
            return fh.read(), lookup, handler, inner, Local


    @app.get("/proxy/{tail}")
    def proxy(tail: str):
        for attempt in range(3):
            result = requests.get("https://backend/" + tail, timeout=5)
            if result.ok:
                return result.text
        return None


    def plain(items):
        total = 0
        for item in items:
            total += item
        return total
    """
)


def _reference_function_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[tuple[ast.AST, ast.stmt]]:
    """The walk `function_nodes` made before it was memoised (ast.iter_child_nodes, pre-order, nested scopes not entered),
    without names' contexts and operators (singleton nodes nothing reads from the walk)."""
    stack: list[tuple[ast.AST, ast.stmt]] = [(s, s) for s in reversed(function.body)]
    while stack:
        node, statement = stack.pop()
        if not isinstance(node, (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)):
            yield node, statement
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            for child in reversed(list(ast.iter_child_nodes(node))):
                stack.append((child, child if isinstance(child, ast.stmt) else statement))


def _functions(tree: ast.Module) -> list[ast.FunctionDef]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]


def test_function_nodes_yields_what_the_plain_walk_yields_in_the_same_order() -> None:
    tree = ast.parse(SERVICE)
    for function in _functions(tree):
        expected = [(id(node), id(statement)) for node, statement in _reference_function_nodes(function)]
        assert [(id(node), id(statement)) for node, statement in function_nodes(function)] == expected
        assert [(id(node), id(statement)) for node, statement in function_nodes(function)] == expected  # again, from the memo


def test_the_path_rules_walk_each_function_once_per_analysis() -> None:
    paths._function_node_list.cache_clear()
    result = analyse_source(SERVICE, "app.py", Settings(select=("RV601", "RV602")))
    assert result.internal_errors == ()
    walked = paths._function_node_list.cache_info().misses
    assert 0 < walked <= len(_functions(ast.parse(SERVICE)))  # RV601 and RV602 asked ~9 times per function before


def test_loop_bound_names_are_the_target_and_the_body_bindings_found_once_per_loop() -> None:
    tree = ast.parse(SERVICE)
    loops = [node for node in ast.walk(tree) if isinstance(node, (ast.For, ast.DictComp))]
    for loop in loops:
        if isinstance(loop, ast.For):
            expected = names_bound(loop.target) | names_assigned_in(loop.body)
        else:
            expected = {name for generator in loop.generators for name in names_bound(generator.target)}
        assert loop_bound_names(loop) == expected
    names._loop_bound_names.cache_clear()
    for _ in range(5):
        for loop in loops:
            loop_bound_names(loop)
    assert names._loop_bound_names.cache_info().misses == len(loops)


def test_a_path_attribute_read_only_in_a_nested_function_still_reaches_the_forwarding_check() -> None:
    source = textwrap.dedent(
        """
        from urllib.parse import urljoin
        from aiohttp import web

        async def forward(request):
            def tail_of(req):
                return req.match_info["tail"]
            tail = request.match_info["tail"]
            async with request.app["session"].get(urljoin("https://backend/", tail)) as upstream:
                return web.Response(body=await upstream.read())

        app = web.Application()
        app.router.add_get("/{tail:.*}", forward)
        """
    )
    result = analyse_source(source, "app.py", Settings(select=("RV602",)))
    assert [f.span.line for f in result.findings if f.code == "RV602"] == [9]


REPOSITORY = textwrap.dedent(
    """
    class Repository:
        def __init__(self, session):
            self.session = session

        def load(self, key):
            return self.session.get(key)

        def save(self, key, value):
            self.session.put(key, value)
    """
)


def test_the_methods_of_a_class_that_handles_no_request_are_not_searched_for_self_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    from review_ls.rules.security import _instance_taint

    searched: list[str] = []
    original = _instance_taint._reads_attributes
    def counting(function: ast.FunctionDef | ast.AsyncFunctionDef, me: str) -> bool:
        searched.append(function.name)
        return original(function, me)

    monkeypatch.setattr(_instance_taint, "_reads_attributes", counting)
    assert analyse_source(REPOSITORY, "repository.py", Settings(select=("RV601", "RV602"))).findings == ()
    assert searched == []  # not route handlers: their `self.x` reads cannot carry request data
