"""RV703's reads of a request object (`_request_attributes_read`) in one walk: the attributes read, or None when the
object is used whole; parameters' defaults are not uses. Checked against the definition by each name's parent node."""

from __future__ import annotations

import ast
import textwrap

import pytest

from review_ls.engine.facts import ModuleFacts
from review_ls.engine.positions import LineIndex
from review_ls.engine.walker import Context
from review_ls.rules.contracts.rv703_request_field_dropped import _request_attributes_read

FUNCTIONS = [
    "def f(body):\n    return run(body.query, body.limit)\n",
    "def f(body):\n    return run(body)\n",  # passed on whole
    "def f(body):\n    data = body.model_dump()\n    return data\n",
    "def f(body, other=body):\n    return body.name\n",  # a default is not a use
    "def f(body, *, other=body):\n    return body.name\n",
    "def f(body):\n    g = lambda: body.kind\n    return g, body.name\n",  # nested scopes count
    "def f(body):\n    def inner(x=body):\n        return x\n    return inner(), body.name\n",
    "def f(body):\n    return [item.body for item in body.items]\n",  # `.body` of another object is not a read of `body`
    "def f(body):\n    body = other()\n    return body.name\n",
    "def f(body):\n    return getattr(body, 'name')\n",
    "def f(request):\n    return request.body.query\n",  # another name
]


def _by_parents(function: ast.AST, request: str) -> set[str] | None:
    """The definition: each read of `request` looked at through its parent node."""
    parents = {id(child): outer for outer in ast.walk(function) for child in ast.iter_child_nodes(outer)}
    attributes: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id == request:
            parent = parents.get(id(node))
            if isinstance(parent, ast.Attribute) and parent.value is node:
                attributes.add(parent.attr)
            elif not isinstance(parent, ast.arguments):
                return None
    return attributes


@pytest.mark.parametrize("source", FUNCTIONS)
def test_the_reads_of_the_request_follow_their_definition(source: str) -> None:
    module = ast.parse(textwrap.dedent(source))
    function = module.body[0]
    ctx = Context("app/routes.py", LineIndex.from_source(source), ModuleFacts.from_module(module))
    assert _request_attributes_read(function, "body", ctx) == _by_parents(function, "body")


def test_the_answers_are_what_a_reviewer_expects() -> None:
    def reads(source: str) -> set[str] | None:
        module = ast.parse(source)
        return _request_attributes_read(module.body[0], "body", Context("m.py", LineIndex.from_source(source), ModuleFacts.from_module(module)))

    assert reads(FUNCTIONS[0]) == {"query", "limit"}
    assert reads(FUNCTIONS[1]) is None
    assert reads(FUNCTIONS[3]) == {"name"}
    assert reads(FUNCTIONS[5]) == {"kind", "name"}
    assert reads(FUNCTIONS[6]) == {"name"}
    assert reads(FUNCTIONS[7]) == {"items"}
