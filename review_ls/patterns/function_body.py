"""Cheap child iteration for the walks of rules and type inference (`child_nodes`: `ast.iter_child_nodes` as a list, without contexts)."""

from __future__ import annotations

import ast

_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}  # per node type, its fields but `ctx` (a cache filled on first sight)


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """`ast.iter_child_nodes(node)` as a list, in its order, without the `Load`/`Store` contexts (which hold nothing)."""
    node_type = type(node)
    fields = _CHILD_FIELDS.get(node_type)
    if fields is None:
        fields = _CHILD_FIELDS[node_type] = tuple(f for f in node_type._fields if f != "ctx")
    children: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            children.append(value)
        elif type(value) is list:
            children.extend(item for item in value if isinstance(item, ast.AST))
    return children
