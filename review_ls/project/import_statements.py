"""A module's import statements at module level, each with the names it binds, read once per extraction.

The call facts, type facts and file facts each build their own imports table (module body only; inside
`if`/`try`; inside `if`/`try`/`with`, resolved or not), but all from the same import statements: reading
each statement's bindings once and handing them to the three spares two of the three reads.
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
    return {id(statement): tuple(import_bindings(statement)) for statement in _import_statements(module.body)}


def bindings_of(statement: ast.Import | ast.ImportFrom, known: ImportBindings | None) -> Iterator[Binding] | tuple[Binding, ...]:
    """The names `statement` binds: from `known` when it holds them, else read from the statement."""
    found = known.get(id(statement)) if known is not None else None
    return found if found is not None else import_bindings(statement)


def _import_statements(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements among `body`, looking into `if`/`try`/`with` blocks (not into defs): every statement
    the three imports tables read (`file_facts._module_level_statements` visits the same)."""
    for statement in body:
        kind = type(statement)
        if kind is ast.Import or kind is ast.ImportFrom:
            yield statement  # type: ignore[misc]
        elif kind in _BLOCKS:
            for field in ("body", "orelse", "finalbody"):
                yield from _import_statements(getattr(statement, field, []))
            for handler in getattr(statement, "handlers", ()):
                yield from _import_statements(handler.body)


_BLOCKS = frozenset({ast.If, ast.Try, ast.With, *((ast.TryStar,) if hasattr(ast, "TryStar") else ())})
