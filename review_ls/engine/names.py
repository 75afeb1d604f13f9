"""The one allocator of module-level names that fixes add (constants, factories, loggers, imports).

A name it gives out is unique against every identifier the module mentions (module globals,
imports, function and class names, locals of every scope — a superset of what a new global could
shadow or be shadowed by), against builtins, and against the names it gave out earlier in the same
fix run, so two fixes applied together never bind one name to two values. A name allocated for a
value (`re.compile(r"\\t")`) is shared by later requests for the same value.

Allocations are transactional: `fix_source` opens one per candidate fix and keeps it only when
the fix is applied, so a fix that is dropped does not hold names or values.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re

_IDENTIFIER = re.compile(r"[^\W\d]\w*")


class NameAllocator:
    """Module-level names for what fixes add to one source text, unique and shared by value."""

    def __init__(self, source: str) -> None:
        self._taken: set[str] = set(_IDENTIFIER.findall(source)) | set(dir(builtins)) | set(keyword.kwlist)
        self._by_value: dict[str, str] = {}
        self._pending_names: list[str] = []
        self._pending_values: list[str] = []
        self.shared_with_pending = False

    def allocate(self, base: str, value: str | None = None) -> str:
        """A free name like `base` (`base_2`, ...); with `value`, the name already given to that value if any."""
        if value is not None and value in self._by_value:
            self.shared_with_pending = True
            return self._by_value[value]
        candidate, counter = base, 2
        while candidate in self._taken:
            candidate, counter = f"{base}_{counter}", counter + 1
        self._taken.add(candidate)
        self._pending_names.append(candidate)
        if value is not None:
            self._by_value[value] = candidate
            self._pending_values.append(value)
        return candidate

    def is_free(self, name: str) -> bool:
        """True when `name` is neither used by the module nor given out in this run."""
        return name not in self._taken

    def begin(self) -> None:
        """Start the allocations of one candidate fix."""
        self._pending_names.clear()
        self._pending_values.clear()
        self.shared_with_pending = False

    def commit(self) -> None:
        """Keep the allocations made since `begin` (the fix is applied)."""
        self._pending_names.clear()
        self._pending_values.clear()

    def rollback(self) -> None:
        """Release the allocations made since `begin` (the fix is dropped)."""
        self._taken.difference_update(self._pending_names)
        for value in self._pending_values:
            self._by_value.pop(value, None)
        self.commit()


def bound_names(node: ast.AST, imported: str | None = None) -> set[str]:
    """Every name that `node` (a statement or a module) binds, in any scope inside it (not counting
    imports of the dotted name `imported`, which bind what an added import of it would)."""
    names: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            for alias in child.names:
                if isinstance(child, ast.ImportFrom):
                    target = f"{'.' * child.level}{child.module or ''}.{alias.name}"
                else:
                    target = alias.name
                if target != imported:
                    names.add(alias.asname or alias.name.split(".", 1)[0])
        if isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Load):
            names.add(child.id)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(child.name)
        elif isinstance(child, ast.arg):
            names.add(child.arg)
        elif isinstance(child, (ast.Global, ast.Nonlocal)):
            names.update(child.names)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            names.add(child.name)
        elif isinstance(child, (ast.MatchAs, ast.MatchStar)) and child.name:
            names.add(child.name)
        elif isinstance(child, ast.MatchMapping) and child.rest:
            names.add(child.rest)
    return names
