"""A fast walk over a function's own nodes: child fields are looked up once per node type.

Which fields of a node type can hold nodes is read from the node type's grammar line (its
docstring, `Call(expr func, expr* args, keyword* keywords)`), so names, strings, constants and the
singleton nodes (`Load`/`Store`, operators, comparison operators) are never visited: nothing reads
them from a node list, and they are a third of a function's nodes. A node type whose docstring
does not read as a grammar line has each field checked at run time, as `ast.iter_child_nodes` does.
"""

from __future__ import annotations

import ast
import re
from typing import cast

# The nodes that open a scope of their own (`names.py` re-exports it, where the rules import it from).
SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# ASDL field types whose values are never nodes to visit: builtin scalars, and the singleton
# nodes of expression contexts and operators.
_NOT_VISITED = frozenset({"identifier", "string", "constant", "int", "object", "bytes", "expr_context", "operator", "boolop", "unaryop", "cmpop"})
_GRAMMAR_LINE = re.compile(r"^\w+\((.*)\)$")
# A field: (name, how it is held) — `ONE` (a node or None), `MANY` (a list of nodes, maybe with None
# entries, as `Dict.keys`), or `CHECK` (unknown: visited if it is a node or a list of nodes). The walks
# tell them apart by identity (`held is ONE`).
ONE, MANY, CHECK = "one", "many", "check"
Field = tuple[str, str]
_CHILDREN: dict[type, tuple[Field, ...]] = {}  # a cache, filled per node type on first use
_CHILDREN_IN_ORDER: dict[type, tuple[Field, ...]] = {}  # as `_CHILDREN`, first field first (the breadth-first walks)
_SCOPE_TYPES = frozenset(SCOPE_NODES)
_OWN_CHILDREN: dict[type, tuple[Field, ...]] = {}  # as `_CHILDREN`, with no fields for the nested scopes (`own_node_list`)
# Per node type: its `_CHILDREN` fields, none for a nested scope, and whether it is a statement (`own_nodes_with_statements`).
_OWN_STATEMENT_PLANS: dict[type, tuple[tuple[Field, ...], bool]] = {}


def child_fields(node_type: type) -> tuple[Field, ...]:
    """The fields of `node_type` that can hold child nodes to visit, last first (how the walk pushes them)."""
    fields = _CHILDREN.get(node_type)
    if fields is None:
        fields = _CHILDREN[node_type] = tuple(reversed(_read_child_fields(node_type)))
    return fields


def _child_fields_in_order(node_type: type) -> tuple[Field, ...]:
    """`child_fields`, first field first."""
    fields = _CHILDREN_IN_ORDER[node_type] = child_fields(node_type)[::-1]
    return fields


def _read_child_fields(node_type: type) -> list[Field]:
    names: tuple[str, ...] = getattr(node_type, "_fields", ())
    line = (node_type.__doc__ or "").split("\n", 1)[0].strip()
    match = _GRAMMAR_LINE.match(line)
    declared: dict[str, str] = {}
    if match is not None and match.group(1):
        for part in match.group(1).split(","):
            words = part.split()
            if len(words) != 2:
                return [(name, CHECK) for name in names]
            declared[words[1]] = words[0]
    if set(declared) != set(names):
        return [(name, CHECK) for name in names]
    found: list[Field] = []
    for name in names:
        written = declared[name]
        base = written.rstrip("*?")
        if base in _NOT_VISITED:
            continue
        found.append((name, MANY if written.endswith("*") else ONE))
    return found


def _own_child_fields(node_type: type) -> tuple[Field, ...]:
    """`child_fields`, but none for a nested scope (its nodes are not the function's own)."""
    fields = _OWN_CHILDREN[node_type] = () if node_type in _SCOPE_TYPES else child_fields(node_type)
    return fields


def _own_statement_plan(node_type: type) -> tuple[tuple[Field, ...], bool]:
    """`_own_child_fields(node_type)`, and whether `node_type` is a statement."""
    plan = _OWN_STATEMENT_PLANS[node_type] = (_own_child_fields(node_type), issubclass(node_type, ast.stmt))
    return plan


def own_node_list(body: list[ast.stmt]) -> list[ast.AST]:
    """The nodes of a function body in source order (pre-order), not entering nested functions, lambdas or
    classes (which are listed themselves), without names' contexts and operators."""
    found: list[ast.AST] = []
    append = found.append
    stack: list[ast.AST | None] = body[::-1]  # type: ignore[assignment]
    pop, push, extend = stack.pop, stack.append, stack.extend
    table, node_base, one, many = _OWN_CHILDREN, ast.AST, ONE, MANY
    while stack:
        node = pop()
        if node is None:
            continue  # a hole in a list field (`Dict.keys` of `**x`, `kw_defaults`)
        append(node)
        kind = type(node)
        fields = table.get(kind)
        if fields is None:
            fields = _own_child_fields(kind)
        for name, held in fields:
            value = getattr(node, name, None)
            if value is None:
                continue
            if held is one:
                push(value)
            elif held is many:
                if value:
                    extend(value[::-1])
            elif type(value) is list:
                extend(item for item in reversed(value) if isinstance(item, node_base))
            elif isinstance(value, node_base):
                push(value)
    return found


def own_nodes_with_statements(body: list[ast.stmt]) -> list[tuple[ast.AST, ast.stmt]]:
    """`own_node_list(body)`, each node with its innermost statement (a statement is its own)."""
    found: list[tuple[ast.AST, ast.stmt]] = []
    append = found.append
    # Two stacks side by side: a node to visit, and the innermost statement of its parent (its own, unless it is one).
    nodes: list[ast.AST | None] = body[::-1]  # type: ignore[assignment]
    outer: list[ast.stmt] = body[::-1]
    pop, push, extend = nodes.pop, nodes.append, nodes.extend
    pop_outer, push_outer, extend_outer = outer.pop, outer.append, outer.extend
    table, node_base, one, many = _OWN_STATEMENT_PLANS, ast.AST, ONE, MANY
    while nodes:
        node = pop()
        statement = pop_outer()
        if node is None:
            continue  # a hole in a list field (`Dict.keys` of `**x`, `kw_defaults`)
        kind = type(node)
        plan = table.get(kind)
        if plan is None:
            plan = _own_statement_plan(kind)
        fields, is_statement = plan
        if is_statement:
            statement = node  # type: ignore[assignment]
        append((node, statement))
        for name, held in fields:
            value = getattr(node, name, None)
            if value is None:
                continue
            if held is one:
                push(value)
                push_outer(statement)
            elif held is many:
                if value:
                    extend(value[::-1])
                    extend_outer([statement] * len(value))
            else:
                children = _checked_children_last_first(value)
                extend(children)
                extend_outer([statement] * len(children))
    return found


def _checked_children_last_first(value: object) -> list[ast.AST]:
    """The nodes a field of unknown kind holds (itself if a node, the nodes of a list), last first."""
    if type(value) is list:
        return [item for item in reversed(value) if isinstance(item, ast.AST)]
    return [value] if isinstance(value, ast.AST) else []


def walk_nodes(node: ast.AST) -> list[ast.AST]:
    """`node` and every node below it, nested scopes included, in `ast.walk`'s order (breadth first), without
    names' contexts and operators."""
    found: list[ast.AST] = [node]
    append, extend, table, one, many = found.append, found.extend, _CHILDREN_IN_ORDER, ONE, MANY
    for current in found:  # (a list read while it grows: each node's children join the end, breadth first)
        fields = table.get(type(current))
        if fields is None:
            fields = _child_fields_in_order(type(current))
        for name, held in fields:
            value = getattr(current, name, None)
            if value is None:
                continue
            if held is one:
                append(value)
            elif held is many:
                extend(_without_holes(value))
            elif type(value) is list:
                extend([item for item in value if isinstance(item, ast.AST)])
            elif isinstance(value, ast.AST):
                append(value)
    return found


def _without_holes(nodes: list[ast.AST | None]) -> list[ast.AST]:
    """`nodes` without its None entries (the holes of `Dict.keys`, `kw_defaults`); `nodes` itself when it has none."""
    return [item for item in nodes if item is not None] if None in nodes else cast("list[ast.AST]", nodes)


def children_last_first(node: ast.AST) -> list[ast.AST]:
    """The child nodes of `node` (as `ast.iter_child_nodes`, without names' contexts and operators), last first."""
    return child_nodes(node)[::-1]


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """The child nodes of `node` in `ast.iter_child_nodes`' order, without names' contexts and operators."""
    found: list[ast.AST] = []
    fields = _CHILDREN_IN_ORDER.get(type(node))
    if fields is None:
        fields = _child_fields_in_order(type(node))
    for name, held in fields:
        value = getattr(node, name, None)
        if value is None:
            continue
        if held is ONE:
            found.append(value)
        elif held is MANY:
            found.extend(_without_holes(value))
        elif type(value) is list:
            found.extend([item for item in value if isinstance(item, ast.AST)])
        elif isinstance(value, ast.AST):
            found.append(value)
    return found
