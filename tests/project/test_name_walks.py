"""The name helpers of `patterns/names.py` walk with `node_walk.walk_nodes`: they find what an `ast.walk` finds."""

from __future__ import annotations

import ast
import textwrap

import pytest

from review_ls.patterns.names import names_assigned_in, names_bound, names_read

CODE = textwrap.dedent(
    """
    import os.path as osp, json
    from pkg import item as alias
    total = count = 0
    a, (b, *rest) = pairs
    for key, value in table.items():
        total += value
    with open(path) as fh, lock:
        data = fh.read()
    if (match := pattern.search(text)) is not None:
        del cache[key], stale
    def helper(x=default):
        return [y for y in x if y > limit]
    class Box(Base):
        size: int = compute(width, height)
    print(lambda q: q + offset, {k: v for k, v in mapping.items()})
    """
)


def _every_statement() -> list[ast.stmt]:
    return [node for node in ast.walk(ast.parse(CODE)) if isinstance(node, ast.stmt)]


@pytest.mark.parametrize("node", _every_statement(), ids=lambda node: f"{type(node).__name__}@{node.lineno}")
def test_the_names_found_are_those_of_ast_walk(node: ast.stmt) -> None:
    assert names_read(node) == {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    assert names_bound(node) == {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    expected: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            expected.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            expected.add(n.name)
        elif isinstance(n, ast.alias):
            expected.add((n.asname or n.name).split(".", 1)[0])
    assert names_assigned_in([node]) == expected


def test_the_module_reads_and_binds_what_a_reviewer_expects() -> None:
    module = ast.parse(CODE).body
    assigned = names_assigned_in(module)
    assert {"osp", "json", "alias", "total", "count", "a", "b", "rest", "key", "value", "fh", "data", "match", "stale", "helper", "Box"} <= assigned
    assert {"pairs", "table", "path", "default", "limit", "width", "offset"} <= set().union(*(names_read(s) for s in module))
