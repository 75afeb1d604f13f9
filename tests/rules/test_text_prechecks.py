"""The RV6 rules' text pre-checks: a function's tree is walked for request names only when its text holds one as a whole word."""

from __future__ import annotations

import ast
import textwrap

import pytest

from review_ls.engine.positions import LineIndex
from review_ls.patterns import node_walk
from review_ls.rules.security import _taint
from review_ls.rules.security.rv602_path_forwarded_to_upstream import _mentions_request_path


def _function(source: str) -> tuple[ast.FunctionDef, LineIndex]:
    text = textwrap.dedent(source)
    function = ast.parse(text).body[0]
    assert isinstance(function, ast.FunctionDef)
    return function, LineIndex.from_source(text)


@pytest.mark.parametrize(
    ("source", "mentions"),
    [
        ("def f(name):\n    return requests.get(name)\n", False),  # `requests` is not `request`
        ("def f(name):\n    request_id = name\n    return request_id\n", False),
        ("def f(name):\n    return request.args.get(name)\n", True),
        ("def f(name):\n    return name.request.args\n", False),  # an attribute named like the request is not it ...
        ("def f(name):\n    return self.request.GET[name]\n", True),  # ... unless it is `self.request`
        ("def f(name):\n    x = 'request'\n    return x\n", False),  # in the text, but no name in the tree
        ("def f(name):\n    log(request)\n    return request.user\n", False),  # the request read, but no input of it
    ],
)
def test_reads_request_data_finds_request_inputs_of_request_names_only(source: str, mentions: bool) -> None:
    function, lines = _function(source)
    requests = frozenset({"request", "req", "self.request"})
    assert _taint._reads_request_data(function, requests, frozenset(), lines) is mentions


def test_a_request_name_in_the_text_as_part_of_a_longer_word_spares_the_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    function, lines = _function("def f(name):\n    return requests.get(name, headers=request_headers)\n")
    walked: list[ast.AST] = []

    def counting(node: ast.AST) -> list[ast.AST]:
        walked.append(node)
        return node_walk.walk_nodes(node)

    monkeypatch.setattr(_taint, "walk_nodes", counting)
    assert not _taint._reads_request_data(function, frozenset({"request"}), frozenset(), lines)
    assert walked == []


@pytest.mark.parametrize(
    ("source", "mentions"),
    [
        ("def f(request):\n    return request.match_info['name']\n", True),
        ("def f(request):\n    return request.path_params.get('name')\n", True),
        ("def f(request):\n    return request.query_params.get('name')\n", False),
        ("def f(request):\n    view_args = {}\n    return view_args\n", False),  # in the text, but not an attribute
    ],
)
def test_request_path_attributes_are_found_in_the_tree_after_the_text(source: str, mentions: bool) -> None:
    function, lines = _function(source)
    assert _mentions_request_path(function, lines) is mentions
