"""`patterns/node_walk.py`: the per-type child table visits what `ast` visits, minus names' contexts and operators."""

from __future__ import annotations

import ast
from typing import Any
from pathlib import Path

from review_ls.patterns import node_walk
from review_ls.patterns.node_walk import (
    child_fields,
    child_nodes,
    children_last_first,
    own_node_list,
    own_nodes_with_statements,
    walk_nodes,
)

SINGLETONS = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
SOURCE = (Path(ast.__file__)).read_text(encoding="utf-8") + '''
def f(a, /, b=1, *c, d, e=2, **g):
    x = {**g, "k": [y async for y in z if y]}
    match x:
        case {"a": [1, *rest], **others} | P(q=0) if rest:
            del x["a"]
    try:
        pass
    except ValueError as error:
        raise RuntimeError(f"{error!r:>{w}}") from None
    return not (a < b <= c) and -d
'''


def test_walk_nodes_is_ast_walk_without_singletons() -> None:
    tree = ast.parse(SOURCE)
    expected = [n for n in ast.walk(tree) if not isinstance(n, SINGLETONS)]
    found = walk_nodes(tree)
    assert len(found) == len(expected) and all(a is b for a, b in zip(found, expected))


def test_children_are_iter_child_nodes_without_singletons_last_first() -> None:
    for node in ast.walk(ast.parse(SOURCE)):
        expected = [c for c in ast.iter_child_nodes(node) if not isinstance(c, SINGLETONS)]
        assert children_last_first(node) == expected[::-1]


def test_fields_of_scalars_and_singletons_are_not_visited() -> None:
    assert [name for name, _ in child_fields(ast.Name)] == []
    assert [name for name, _ in child_fields(ast.Compare)] == ["comparators", "left"]
    assert dict(child_fields(ast.Dict)) == {"keys": "many", "values": "many"}
    assert [name for name, _ in child_fields(ast.Constant)] == []


def test_a_node_type_without_a_grammar_line_has_every_field_checked_at_run_time() -> None:
    class Odd(ast.AST):
        _fields = ("left", "items", "label")
        left: ast.AST
        items: list[object]
        label: str

    Odd.__doc__ = None
    node = Odd()
    node.left, node.items, node.label = ast.Name("a", ast.Load()), [ast.Constant(1), "text", None], "label"
    assert [name for name, held in child_fields(Odd)] == ["label", "items", "left"]
    assert all(held == "check" for _, held in child_fields(Odd))
    assert children_last_first(node) == [node.items[0], node.left]
    _forget(Odd)


def _forget(node_type: type) -> None:
    """Drop `node_type` from node_walk's per-type tables (a test's own node type)."""
    for table in (node_walk._CHILDREN, node_walk._CHILDREN_IN_ORDER, node_walk._OWN_CHILDREN, node_walk._OWN_STATEMENT_PLANS):
        table.pop(node_type, None)


def test_every_walk_visits_the_nodes_of_fields_checked_at_run_time() -> None:
    class Odd(ast.AST):
        _fields = ("left", "items", "label")

    Odd.__doc__ = None
    odd: Any = Odd()
    odd.left, odd.items, odd.label = ast.Call(ast.Name("f", ast.Load()), [], []), [ast.Constant(1), "text", None, ast.Pass()], "label"
    statement = ast.Expr(odd)
    returned = ast.Return(ast.Constant(2))
    body: list[ast.stmt] = [statement, returned]
    call, name, one, pass_ = odd.left, odd.left.func, odd.items[0], odd.items[3]
    try:
        assert child_nodes(odd) == [call, one, pass_]
        assert walk_nodes(statement) == [statement, odd, call, one, pass_, name]
        assert own_node_list(body) == [statement, odd, call, name, one, pass_, returned, returned.value]
        paired = [(node, outer) for node, outer in own_nodes_with_statements(body)]
        assert paired == [(statement, statement), (odd, statement), (call, statement), (name, statement), (one, statement), (pass_, pass_), (returned, returned), (returned.value, returned)]
    finally:
        _forget(Odd)


def test_child_nodes_are_iter_child_nodes_in_order_without_singletons() -> None:
    for node in ast.walk(ast.parse(SOURCE)):
        expected = [child for child in ast.iter_child_nodes(node) if not isinstance(child, SINGLETONS)]
        found = child_nodes(node)
        assert len(found) == len(expected) and all(a is b for a, b in zip(found, expected)), ast.dump(node)[:80]


def _own_with_statements(body: list[ast.stmt]) -> list[tuple[ast.AST, ast.stmt]]:
    """The reference: pre-order over `ast.iter_child_nodes` (without singletons), not entering nested scopes."""
    found: list[tuple[ast.AST, ast.stmt]] = []

    def visit(node: ast.AST, statement: ast.stmt) -> None:
        found.append((node, statement))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, SINGLETONS):
                visit(child, child if isinstance(child, ast.stmt) else statement)

    for statement in body:
        visit(statement, statement)
    return found


def test_own_nodes_with_statements_pair_each_own_node_with_its_innermost_statement() -> None:
    functions = [n for n in ast.walk(ast.parse(SOURCE)) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    assert len(functions) > 20
    for function in functions:
        expected = _own_with_statements(function.body)
        found = own_nodes_with_statements(function.body)
        assert len(found) == len(expected) and all(a[0] is b[0] and a[1] is b[1] for a, b in zip(found, expected)), function.name
        assert [node for node, _ in found] == own_node_list(function.body)


def test_own_node_list_lists_a_nested_scope_but_not_its_nodes() -> None:
    function = ast.parse("def f():\n    g = lambda: inner()\n    class C:\n        x = other()\n    outer()\n").body[0]
    calls = [ast.unparse(n) for n in own_node_list(function.body) if isinstance(n, ast.Call)]  # type: ignore[attr-defined]
    assert calls == ["outer()"]
    kinds = [type(n).__name__ for n in own_node_list(function.body)]  # type: ignore[attr-defined]
    assert "Lambda" in kinds and "ClassDef" in kinds
