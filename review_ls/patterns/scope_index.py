"""One scope's nodes indexed for the RV1 rules (`_ScopeIndex`), and small libcst statement helpers they share."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import cast

from review_ls.engine.cst_edit import cst, statement_line_of
from review_ls.engine.walker import Context
from review_ls.patterns.names import SCOPE_NODES


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


class _ScopeIndex:
    """One scope's nodes with their parents, and where each name is read.

    Nested functions and classes are indexed too, but a name read inside them is marked as
    `escaped`: the value may be used at any later time, so its use cannot be judged.
    """

    __slots__ = ("root", "parents", "loads", "escaped", "nodes")

    def __init__(self, root: ast.AST) -> None:
        self.root = root
        self.parents: dict[int, ast.AST] = {}
        self.loads: dict[str, list[ast.Name]] = {}
        self.escaped: set[int] = set()
        self.nodes: list[ast.AST] = []
        if isinstance(root, ast.Lambda):
            start: list[ast.AST] = [root.body]
        else:
            start = list(cast(list[ast.stmt], root.body)) if isinstance(root, _FUNCTIONS) else [root]
        stack: list[tuple[ast.AST, ast.AST | None, bool]] = [(node, root, False) for node in reversed(start)]
        while stack:
            node, parent, nested = stack.pop()
            if parent is not None:
                self.parents[id(node)] = parent
            self.nodes.append(node)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self.loads.setdefault(node.id, []).append(node)
                if nested:
                    self.escaped.add(id(node))
            inner = nested or isinstance(node, SCOPE_NODES)
            stack.extend((child, node, inner) for child in reversed(list(ast.iter_child_nodes(node))))

    def parent(self, node: ast.AST) -> ast.AST | None:
        """The parent of `node` within the scope."""
        return self.parents.get(id(node))

    def loads_of(self, name: str) -> list[ast.Name]:
        """Every read of `name` in the scope, in source order."""
        return self.loads.get(name, [])


def _scope_root(ancestors: Sequence[ast.AST], fallback: ast.AST) -> ast.AST:
    """The innermost function among `ancestors`, else `fallback` (the top-level statement)."""
    for ancestor in reversed(ancestors):
        if isinstance(ancestor, _FUNCTIONS):
            return ancestor
    return fallback


def _scope_index(ctx: Context) -> _ScopeIndex:
    """The index of the scope the visited node is in, built once per scope and walk."""
    root = ctx.function or ctx.top_statement or ctx.parents[-1]
    key = ("io.scope", id(root))
    index = ctx.memo.get(key)
    if index is None or index.root is not root:
        index = ctx.memo[key] = _ScopeIndex(root)
    return index


def _lines_before(removed: cst.SimpleStatementLine) -> list[cst.EmptyLine]:
    """The comment lines above a statement line the fix removes, plus its trailing comment as a line."""
    comment = removed.trailing_whitespace.comment
    return [*removed.leading_lines, *([cst.EmptyLine(comment=comment)] if comment is not None else [])]


def _simple_line(module: cst.Module, small: cst.CSTNode) -> cst.SimpleStatementLine | None:
    """The statement line that holds only `small` (None when it shares its line with others)."""
    line = statement_line_of(module, small)
    return line if line is not None and len(line.body) == 1 else None


def _single_name_target(statement: ast.Assign) -> str | None:
    """`name` for `name = value`, None for other targets."""
    if len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id
    return None
