"""Exception handlers: which handler holds a node, what it catches, whether it re-raises."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from review_ls.engine.facts import dotted_name
from review_ls.patterns.names import SCOPE_NODES

BROAD_EXCEPTION_NAMES = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})


def enclosing_handler(node: ast.AST, ancestors: Sequence[ast.AST]) -> ast.ExceptHandler | None:
    """The `except` handler whose body holds `node`, within the same function (None if there is none)."""
    child = node
    for ancestor in reversed(ancestors):
        if isinstance(ancestor, SCOPE_NODES):
            return None
        if isinstance(ancestor, ast.ExceptHandler):
            return ancestor if any(child is statement for statement in ancestor.body) else None
        child = ancestor
    return None


def statements_of(handler: ast.ExceptHandler) -> Iterator[ast.AST]:
    """Every node inside the handler's body, not descending into nested functions or classes."""
    stack: list[ast.AST] = list(reversed(handler.body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, SCOPE_NODES):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def handler_reraises(handler: ast.ExceptHandler) -> bool:
    """True when the handler body raises (re-raises the exception or raises another from it)."""
    return any(isinstance(node, ast.Raise) for node in statements_of(handler))


def mentions_name(node: ast.AST, name: str | None) -> bool:
    """True when `node` reads the variable `name` anywhere inside it."""
    if name is None:
        return False
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def caught_names(handler: ast.ExceptHandler) -> tuple[str, ...]:
    """The dotted names of the exception classes a handler catches (() for a bare `except:`)."""
    if handler.type is None:
        return ()
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return tuple(dotted_name(t) or "" for t in types)


def catches_broadly(handler: ast.ExceptHandler) -> bool:
    """True for a bare `except:` and for handlers that catch `Exception` or `BaseException`."""
    return handler.type is None or any(name in BROAD_EXCEPTION_NAMES for name in caught_names(handler))
