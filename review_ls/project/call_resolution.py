"""The nodes of a function that teach a `CallResolver` what its calls refer to, found once per analysis.

Several rules resolve the calls of the function they visit (the client rules, RV302, RV802), each
with a `CallResolver` built its own way; all of them teach it with the function's own nodes. Those
statements are walked once per function and analysis here, and only the ones `CallResolver.learn` reads
are kept, in order, so every resolver learns exactly what it learnt from the whole walk.
"""

from __future__ import annotations

import ast
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
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        inner: list[ast.stmt] = []
        for name in node._fields:  # (`body`, `handlers`, `orelse`, `finalbody`, `cases`, in the order `ast` declares them)
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.stmt):
                        inner.append(item)
                    elif isinstance(item, (ast.ExceptHandler, ast.match_case)):
                        inner.extend(item.body)
        stack.extend(reversed(inner))


def function_own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> list[ast.AST]:
    """The own nodes of `function` (`own_nodes`: nested scopes not entered), walked once per analysis for every rule that reads them."""
    key = ("call-resolution.own-nodes", id(function))
    nodes: list[ast.AST] | None = ctx.memo.get(key)
    if nodes is None:
        nodes = ctx.memo[key] = list(own_nodes(function.body))
    return nodes
