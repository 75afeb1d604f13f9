"""Cheap walks of a function body that visit only what a question needs.

`own_statements` yields the statements of a body (and of its blocks, handlers and match cases) in the
order `blocking.own_nodes` yields them, without visiting a single expression: a question about
statements (imports, assignments) costs a tenth of a full walk.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

_LOOP_FIELDS = ("body", "orelse")
_TRY_FIELDS = ("body", "handlers", "orelse", "finalbody")
# The fields of a compound statement that hold statements (or handlers and match cases, which hold them), in field order.
_BLOCK_FIELDS: dict[type, tuple[str, ...]] = {
    ast.If: _LOOP_FIELDS,
    ast.For: _LOOP_FIELDS,
    ast.AsyncFor: _LOOP_FIELDS,
    ast.While: _LOOP_FIELDS,
    ast.With: ("body",),
    ast.AsyncWith: ("body",),
    ast.Try: _TRY_FIELDS,
    ast.Match: ("cases",),
}
if hasattr(ast, "TryStar"):  # Python 3.11+
    _BLOCK_FIELDS[ast.TryStar] = _TRY_FIELDS


def own_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a function body in source (pre-)order, not entering nested functions or classes (which are yielded themselves)."""
    stack: list[ast.stmt] = list(reversed(body))
    pop, push, blocks = stack.pop, stack.append, _BLOCK_FIELDS
    while stack:
        statement = pop()
        yield statement
        fields = blocks.get(type(statement))
        if fields is None:
            continue
        for name in reversed(fields):
            for item in reversed(getattr(statement, name)):
                if isinstance(item, ast.stmt):
                    push(item)
                else:  # an except handler or a match case: its body
                    stack.extend(reversed(item.body))


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
