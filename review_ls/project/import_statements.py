"""A module's import statements at module level, each with the names it binds, read once per extraction.

The call facts, type facts and file facts each build their own imports table (module body only; inside
`if`/`try`; inside `if`/`try`/`with`, resolved or not), but all from the same import statements: reading
each statement's bindings once and handing them to the three spares two of the three reads. `module_level_statements`, the statements
they read (also the file facts' walk over module-level statements), lives here too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping

from review_ls.engine.facts import import_bindings

Binding = tuple[str, str]
# id(import statement) -> (local name, qualified name) of each name it binds, in order (`import_bindings`).
ImportBindings = Mapping[int, tuple[Binding, ...]]


def module_import_bindings(module: ast.Module) -> dict[int, tuple[Binding, ...]]:
    """The bindings of every module-level import statement (also inside `if`/`try`/`with` blocks), by `id` of the statement."""
    return {
        id(statement): tuple(import_bindings(statement))
        for statement in module_level_statements(module.body)
        if isinstance(statement, (ast.Import, ast.ImportFrom))
    }


def bindings_of(statement: ast.Import | ast.ImportFrom, known: ImportBindings | None) -> Iterator[Binding] | tuple[Binding, ...]:
    """The names `statement` binds: from `known` when it holds them, else read from the statement."""
    found = known.get(id(statement)) if known is not None else None
    return found if found is not None else import_bindings(statement)


def module_level_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, looking into `if`/`try`/`with` blocks (not into defs)."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.If, ast.Try, ast.With)) or type(statement).__name__ == "TryStar":
            for field in ("body", "orelse", "finalbody"):
                yield from module_level_statements(getattr(statement, field, []))
            for handler in getattr(statement, "handlers", ()):
                yield from module_level_statements(handler.body)
