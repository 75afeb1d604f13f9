"""The nodes of a function that teach a `CallResolver` what its calls refer to, found once per analysis.

Several rules resolve the calls of the function they visit (the client rules, RV302, RV802), each
with a `CallResolver` built its own way; all of them teach it with the function's own nodes. Those
nodes are walked once per function and analysis here, and only the ones `CallResolver.learn` reads
are kept, in order, so every resolver learns exactly what it learnt from the whole walk. What it reads
are statements, so only the statements are walked (`own_statements`), not their expressions.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from review_ls.patterns.blocking import own_nodes
from review_ls.patterns.function_body import own_statements
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


def function_own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> list[ast.AST]:
    """The own nodes of `function` (`own_nodes`: nested scopes not entered), walked once per analysis for every rule that reads them."""
    key = ("call-resolution.own-nodes", id(function))
    nodes: list[ast.AST] | None = ctx.memo.get(key)
    if nodes is None:
        nodes = ctx.memo[key] = list(own_nodes(function.body))
    return nodes
