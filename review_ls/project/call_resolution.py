"""The nodes of a function that teach a `CallResolver` what its calls refer to, found once per analysis.

Several rules resolve the calls of the function they visit (the client rules, RV302, RV802), each
with a `CallResolver` built its own way; all of them teach it with the function's own nodes. Those
statements are walked once per function and analysis here, and only the ones `CallResolver.learn` reads
are kept, in order, so every resolver learns exactly what it learnt from the whole walk.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from review_ls.patterns.blocking import own_nodes
from review_ls.project.call_facts import resolver_lessons

if TYPE_CHECKING:
    from review_ls.engine.walker import Context


def function_lessons(function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> tuple[ast.AST, ...]:
    """The own nodes of `function` that `CallResolver.learn` reads (walked once per analysis)."""
    key = ("call-resolution.lessons", id(function))
    lessons: tuple[ast.AST, ...] | None = ctx.memo.get(key)
    if lessons is None:
        lessons = ctx.memo[key] = resolver_lessons(own_statements(function.body))
    return lessons


def own_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a function body and of its nested blocks, not entering nested functions or classes, in the order
    `own_nodes` meets them. Imports and assignments (the lessons) are statements: walking the expressions found none."""
    stack: list[ast.stmt] = list(reversed(body))
    blocks_of = _BLOCKS
    while stack:
        node = stack.pop()
        yield node
        blocks = blocks_of.get(type(node))
        if not blocks:
            continue  # a simple statement, or a nested function or class (not entered)
        inner: list[ast.stmt] = []
        for name in blocks:  # (`body`, `handlers`, `orelse`, `finalbody`, `cases`, in the order `ast` declares them)
            for item in getattr(node, name):
                if isinstance(item, ast.stmt):
                    inner.append(item)
                else:  # (an `except` clause or a `case`)
                    inner.extend(item.body)
        stack.extend(reversed(inner))


def _statement_blocks(node_type: type) -> tuple[str, ...]:
    """The fields of a statement type that hold statements, `except` clauses or `case`s (ast's `stmt*`, `excepthandler*`, `match_case*`)."""
    if node_type in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
        return ()
    description = (node_type.__doc__ or "").partition("(")[2]
    return tuple(name for kind, name in re.findall(r"(stmt|excepthandler|match_case)\* (\w+)", description) if name in getattr(node_type, "_fields", ()))


# Per statement type: the fields `own_statements` enters (empty for simple statements and for nested scopes).
_BLOCKS: dict[type, tuple[str, ...]] = {
    node_type: _statement_blocks(node_type) for node_type in vars(ast).values() if isinstance(node_type, type) and issubclass(node_type, ast.stmt)
}


def function_own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> list[ast.AST]:
    """The own nodes of `function` (`own_nodes`: nested scopes not entered), walked once per analysis for every rule that reads them."""
    key = ("call-resolution.own-nodes", id(function))
    nodes: list[ast.AST] | None = ctx.memo.get(key)
    if nodes is None:
        nodes = ctx.memo[key] = list(own_nodes(function.body))
    return nodes
