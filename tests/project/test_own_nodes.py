"""`own_nodes`: a function body's nodes in `ast.iter_child_nodes` pre-order, not entering nested scopes,
without names' contexts and operators (singleton nodes nothing reads from a node list)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from review_ls.patterns.blocking import own_nodes

BODY = '''
def handler(request, *args, key=None, **kw):
    global counter
    data = {**kw, "a": [x async for x in source()], "b": lambda y: y + 1}
    with open(path) as handle, lock:
        text: str = handle.read()
    match data:
        case {"a": [1, *rest]} | Point(x=0) if rest:
            del data["a"]
    try:
        class Inner:
            def method(self):
                return requests.get(url)
        def nested():
            time.sleep(1)
    except (ValueError, KeyError) as error:
        raise RuntimeError(f"{error!r:>{width}}") from None
    return not (a < b <= c) and -d
'''


SINGLETONS = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)


def reference(body: list[ast.stmt]) -> Iterator[ast.AST]:
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        if not isinstance(node, SINGLETONS):
            yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))


def test_own_nodes_are_the_child_nodes_in_pre_order_without_nested_scopes() -> None:
    function = ast.parse(BODY).body[0]
    assert isinstance(function, ast.FunctionDef)
    found = list(own_nodes(function.body))
    expected = list(reference(function.body))
    assert len(found) == len(expected) and all(a is b for a, b in zip(found, expected))
    assert any(isinstance(n, ast.Compare) for n in found) and not any(isinstance(n, SINGLETONS) for n in found)
    names = {n.attr for n in found if isinstance(n, ast.Attribute)}
    assert "read" in names and "get" not in names and "sleep" not in names  # nested scopes are not entered
