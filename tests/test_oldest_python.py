"""The package runs on the oldest Python that `requires-python` admits (3.10): standard-library
modules added later are imported only behind a version check or a fallback."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "review_ls"

# Standard-library modules that are newer than Python 3.10, with the version that added them.
NEWER_THAN_310 = {"tomllib": "3.11", "wsgiref.types": "3.11"}


def _unguarded_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """Imports of NEWER_THAN_310 modules that are not inside an `if` or a `try`."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, guarded: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom) and not guarded:
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found.extend((node.lineno, name) for name in names if name in NEWER_THAN_310)
        for child in ast.iter_child_nodes(node):
            visit(child, guarded or isinstance(node, ast.If | ast.Try))

    visit(tree, False)
    return found


def test_newer_stdlib_modules_are_imported_behind_a_fallback() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: import {name} (new in Python {NEWER_THAN_310[name]})"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, name in _unguarded_imports(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


def test_the_check_finds_an_unguarded_import() -> None:
    source = "import sys\nimport tomllib\ntry:\n    import tomllib\nexcept ImportError:\n    import tomli as tomllib\n"
    assert _unguarded_imports(ast.parse(source)) == [(2, "tomllib")]
