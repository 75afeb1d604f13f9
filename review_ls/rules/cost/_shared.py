"""Helpers of several RV8 rules: comprehensions, and the iterable and targets of a loop's outer level."""

from __future__ import annotations

import ast

from review_ls.patterns.names import names_bound


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _outer_iterable(loop: ast.AST) -> ast.expr | None:
    """The iterable of an enclosing loop (a `for` statement, or a comprehension's first generator)."""
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        return loop.iter
    if isinstance(loop, _COMPREHENSIONS):
        return loop.generators[0].iter
    return None


def _outer_targets(loop: ast.AST) -> set[str]:
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        return names_bound(loop.target)
    if isinstance(loop, _COMPREHENSIONS):
        return names_bound(loop.generators[0].target)
    return set()
