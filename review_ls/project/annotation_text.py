"""The source text of the common annotation shapes, read off the tree: what `ast.unparse` gives, without its visitor.

Covered: names and attribute chains (`x.y.Z`), `None` and `...`, subscripts of those (`dict[str, list[X]]`),
and `|` unions (`X | None`). Anything else (string constants, calls, one-element or starred tuples) is
None, and the caller unparses it.
"""

from __future__ import annotations

import ast

from review_ls.engine.facts import dotted_name

_NAME, _ATTRIBUTE, _SUBSCRIPT, _TUPLE, _CONSTANT, _BINOP, _BITOR = ast.Name, ast.Attribute, ast.Subscript, ast.Tuple, ast.Constant, ast.BinOp, ast.BitOr


def annotation_text(node: ast.AST) -> str | None:
    """`ast.unparse(node)` for the shapes above, else None."""
    kind = type(node)
    if kind is _NAME or kind is _ATTRIBUTE:
        return dotted_name(node)
    if kind is _CONSTANT:
        value = node.value  # type: ignore[attr-defined]
        return "None" if value is None else "..." if value is Ellipsis else None
    if kind is _SUBSCRIPT:
        value = node.value  # type: ignore[attr-defined]
        if type(value) not in (_NAME, _ATTRIBUTE, _SUBSCRIPT):
            return None
        head = annotation_text(value)
        index = node.slice  # type: ignore[attr-defined]
        if type(index) is _TUPLE:
            if len(index.elts) < 2:
                return None  # `x[()]`, `x[a,]`
            parts = [annotation_text(element) for element in index.elts]
            inner = None if None in parts else ", ".join(parts)  # type: ignore[arg-type]
        else:
            inner = annotation_text(index)
        return None if head is None or inner is None else f"{head}[{inner}]"
    if kind is _BINOP and type(node.op) is _BITOR:  # type: ignore[attr-defined]
        left, right = annotation_text(node.left), annotation_text(node.right)  # type: ignore[attr-defined]
        if left is None or right is None:
            return None
        return f"{left} | ({right})" if type(node.right) is _BINOP else f"{left} | {right}"  # type: ignore[attr-defined]
    return None
