"""Files a function deletes again: `os.remove(path)`, `Path(path).unlink()`, `shutil.rmtree(directory)`."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from review_ls.patterns.files import Qualifier

_REMOVE_FUNCTIONS = frozenset({"os.remove", "os.unlink", "shutil.rmtree"})
_REMOVE_METHODS = frozenset({"unlink", "rmtree"})
_PATH_WRAPPERS = frozenset({"Path", "pathlib.Path", "PurePath", "pathlib.PurePath", "os.fspath", "str"})


def removed_paths(nodes: Iterable[ast.AST], qualify: Qualifier) -> set[str]:
    """The source text of every path (or directory) the nodes delete: `os.remove(p)` gives `p`."""
    removed: set[str] = set()
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        name = qualify(node.func) or ""
        if name in _REMOVE_FUNCTIONS and node.args:
            removed.add(ast.unparse(_unwrapped(node.args[0], qualify)))
        elif isinstance(node.func, ast.Attribute) and node.func.attr in _REMOVE_METHODS and name not in _REMOVE_FUNCTIONS:
            removed.add(ast.unparse(_unwrapped(node.func.value, qualify)))
    return removed


def is_removed(target: ast.expr, removed: set[str], qualify: Qualifier) -> bool:
    """True when `target` (a path expression) or a directory it is built from is among `removed`."""
    target = _unwrapped(target, qualify)
    if ast.unparse(target) in removed:
        return True
    return any(
        ast.unparse(part) in removed
        for part in ast.walk(target)
        if isinstance(part, (ast.Name, ast.Attribute)) and part is not target
    )


def _unwrapped(expr: ast.expr, qualify: Qualifier) -> ast.expr:
    """`p` for `Path(p)` / `str(p)`; the expression itself otherwise."""
    while isinstance(expr, ast.Call) and len(expr.args) == 1 and (qualify(expr.func) or "") in _PATH_WRAPPERS:
        expr = expr.args[0]
    return expr
