"""Temporary files: which names of a scope hold a temporary file, directory or path."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import field

from review_ls.deferred_dataclass import dataclass
from review_ls.patterns.files import Qualifier

TEMP_FILE_FACTORIES = frozenset(
    {"tempfile.NamedTemporaryFile", "tempfile.TemporaryFile", "tempfile.SpooledTemporaryFile"}
)
TEMP_DIR_FACTORIES = frozenset({"tempfile.TemporaryDirectory", "tempfile.mkdtemp", "tempfile.gettempdir"})
TEMP_PATH_FACTORIES = frozenset({"tempfile.mktemp", "tempfile.mkstemp"})


@dataclass
class TempNames:
    """Names bound to temporary things in one scope: file objects, directories, and paths into them."""

    files: set[str] = field(default_factory=set)
    directories: set[str] = field(default_factory=set)
    paths: set[str] = field(default_factory=set)

    @property
    def all(self) -> set[str]:
        """Every temporary name."""
        return self.files | self.directories | self.paths

    def key(self, expr: ast.expr) -> tuple[frozenset[str], frozenset[str]] | None:
        """Identify the temporary file `expr` denotes (`tmp`, `tmp.name`, `os.path.join(tmpdir, "a.stl")`),
        as (temporary names, string literals) it is built from; None when it is not a temporary file."""
        if isinstance(expr, ast.Name):
            if expr.id in self.files or expr.id in self.paths:
                return frozenset({expr.id}), frozenset()
            return None
        if isinstance(expr, ast.Attribute):
            if expr.attr == "name" and isinstance(expr.value, ast.Name) and expr.value.id in self.files:
                return frozenset({expr.value.id}), frozenset()
            return None
        if not isinstance(expr, (ast.Call, ast.BinOp, ast.JoinedStr)):
            return None
        names = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)} & self.all
        if not names or names <= self.directories and not _has_literal(expr):
            return None
        literals = frozenset(n.value for n in ast.walk(expr) if isinstance(n, ast.Constant) and isinstance(n.value, str))
        return frozenset(names), literals


def _has_literal(expr: ast.expr) -> bool:
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in ast.walk(expr))


def temp_names(nodes: Iterable[ast.AST], qualify: Qualifier) -> TempNames:
    """Collect the temporary names bound among `nodes` (a scope's nodes, in any order)."""
    found = TempNames()
    derived: list[tuple[str, ast.expr]] = []
    for node in nodes:
        if isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name):
            _bind(found, node.optional_vars.id, node.context_expr, qualify)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                if not _bind(found, target.id, node.value, qualify):
                    derived.append((target.id, node.value))
            elif isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[1], ast.Name):
                if isinstance(node.value, ast.Call) and qualify(node.value.func) == "tempfile.mkstemp":
                    found.paths.add(target.elts[1].id)
    for _ in range(2):  # paths built from paths built from a temporary directory
        for name, value in derived:
            if name not in found.paths and found.key(value) is not None:
                found.paths.add(name)
    return found


def _bind(found: TempNames, name: str, value: ast.expr, qualify: Qualifier) -> bool:
    if not isinstance(value, ast.Call):
        return False
    factory = qualify(value.func)
    if factory in TEMP_FILE_FACTORIES:
        found.files.add(name)
    elif factory in TEMP_DIR_FACTORIES:
        found.directories.add(name)
    elif factory in TEMP_PATH_FACTORIES:
        found.paths.add(name)
    else:
        return False
    return True
