"""Clients and their lifetime in a block: loops and scopes, `with` items, the name a client is bound to, its close() calls."""

from __future__ import annotations

import ast
from collections.abc import Sequence

_LOOPS = (ast.For, ast.AsyncFor, ast.While)


_CLOSE_METHODS = frozenset({"close", "aclose"})


def _is_sole_with_item(statement: ast.stmt, call: ast.Call) -> bool:
    return (
        isinstance(statement, (ast.With, ast.AsyncWith))
        and len(statement.items) == 1
        and statement.items[0].context_expr is call
    )


def _assigned_name(statement: ast.stmt, call: ast.Call) -> str | None:
    if isinstance(statement, ast.Assign) and statement.value is call and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return target.id
    return None


def _is_close_call(node: ast.AST, name: str) -> bool:
    """True for `name.close()` / `name.aclose()`."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _CLOSE_METHODS
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == name
    )


def _close_statements(statements: Sequence[ast.stmt], name: str) -> list[ast.stmt]:
    """`name.close()` / `await name.aclose()` expression statements among `statements`."""
    found: list[ast.stmt] = []
    for statement in statements:
        if isinstance(statement, ast.Expr):
            call = statement.value.value if isinstance(statement.value, ast.Await) else statement.value
            if _is_close_call(call, name):
                found.append(statement)
    return found
