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

# The nodes that open a scope of their own (`names.py` re-exports it, where the rules import it from).
SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# ASDL field types whose values are never nodes to visit: builtin scalars, and the singleton
# nodes of expression contexts and operators.
_NOT_VISITED = frozenset({"identifier", "string", "constant", "int", "object", "bytes", "expr_context", "operator", "boolop", "unaryop", "cmpop"})
_GRAMMAR_LINE = re.compile(r"^\w+\((.*)\)$")
# A field: (name, how it is held) — "one" (a node or None), "many" (a list of nodes, maybe with None
# entries, as `Dict.keys`), or "check" (unknown: visited if it is a node or a list of nodes).
Field = tuple[str, str]
_CHILDREN: dict[type, tuple[Field, ...]] = {}  # a cache, filled per node type on first use
_SCOPE_TYPES = frozenset(SCOPE_NODES)
_OWN_CHILDREN: dict[type, tuple[Field, ...]] = {}  # as `_CHILDREN`, with no fields for the nested scopes (`own_node_list`)


def child_fields(node_type: type) -> tuple[Field, ...]:
    """The fields of `node_type` that can hold child nodes to visit, last first (how the walk pushes them)."""
    fields = _CHILDREN.get(node_type)
    if fields is None:
        fields = _CHILDREN[node_type] = tuple(reversed(_read_child_fields(node_type)))
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
                return [(name, "check") for name in names]
            declared[words[1]] = words[0]
    if set(declared) != set(names):
        return [(name, "check") for name in names]
    found: list[Field] = []
    for name in names:
        written = declared[name]
        base = written.rstrip("*?")
        if base in _NOT_VISITED:
            continue
        found.append((name, "many" if written.endswith("*") else "one"))
    return found


def _own_child_fields(node_type: type) -> tuple[Field, ...]:
    """`child_fields`, but none for a nested scope (its nodes are not the function's own)."""
    fields = _OWN_CHILDREN[node_type] = () if node_type in _SCOPE_TYPES else child_fields(node_type)
    return fields


def own_node_list(body: list[ast.stmt]) -> list[ast.AST]:
    """The nodes of a function body in source order (pre-order), not entering nested functions, lambdas or
    classes (which are listed themselves), without names' contexts and operators."""
    found: list[ast.AST] = []
    append = found.append
    stack: list[ast.AST | None] = body[::-1]  # type: ignore[assignment]
    pop, push, extend = stack.pop, stack.append, stack.extend
    table, node_base = _OWN_CHILDREN, ast.AST
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
            if held == "one":
                push(value)
            elif held == "many":
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
    stack: list[tuple[ast.AST, ast.stmt]] = [(s, s) for s in reversed(body)]
    pop, push = stack.pop, stack.append
    table, scopes, node_base, statement_base = _CHILDREN, _SCOPE_TYPES, ast.AST, ast.stmt
    while stack:
        item = pop()
        append(item)
        node, statement = item
        kind = type(node)
        if kind in scopes:
            continue
        fields = table.get(kind)
        if fields is None:
            fields = child_fields(kind)
        for name, held in fields:
            value = getattr(node, name, None)
            if value is None:
                continue
            if held == "one":
                push((value, value if isinstance(value, statement_base) else statement))
            elif held == "many" or type(value) is list:
                for child in reversed(value):
                    if child is not None and (held == "many" or isinstance(child, node_base)):
                        push((child, child if isinstance(child, statement_base) else statement))
            elif isinstance(value, node_base):
                push((value, value if isinstance(value, statement_base) else statement))
    return found


def walk_nodes(node: ast.AST) -> list[ast.AST]:
    """`node` and every node below it, nested scopes included, in `ast.walk`'s order (breadth first), without
    names' contexts and operators."""
    found: list[ast.AST] = [node]
    append, table = found.append, _CHILDREN
    position = 0
    while position < len(found):
        current = found[position]
        position += 1
        fields = table.get(type(current))
        if fields is None:
            fields = child_fields(type(current))
        for name, held in reversed(fields):
            value = getattr(current, name, None)
            if value is None:
                continue
            if held == "one":
                append(value)
            elif held == "many":
                found.extend(item for item in value if item is not None)
            elif type(value) is list:
                found.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                append(value)
    return found


def children_last_first(node: ast.AST) -> list[ast.AST]:
    """The child nodes of `node` (as `ast.iter_child_nodes`, without names' contexts and operators), last first."""
    found: list[ast.AST] = []
    fields = _CHILDREN.get(type(node))
    if fields is None:
        fields = child_fields(type(node))
    for name, held in fields:
        value = getattr(node, name, None)
        if value is None:
            continue
        if held == "one":
            found.append(value)
        elif held == "many":
            found.extend(item for item in reversed(value) if item is not None)
        elif type(value) is list:
            found.extend(item for item in reversed(value) if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            found.append(value)
    return found


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """The child nodes of `node` in `ast.iter_child_nodes`' order, without names' contexts and operators."""
    found: list[ast.AST] = []
    fields = _CHILDREN.get(type(node))
    if fields is None:
        fields = child_fields(type(node))
    for name, held in reversed(fields):
        value = getattr(node, name, None)
        if value is None:
            continue
        if held == "one":
            found.append(value)
        elif held == "many":
            found.extend(item for item in value if item is not None)
        elif type(value) is list:
            found.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            found.append(value)
    return found
