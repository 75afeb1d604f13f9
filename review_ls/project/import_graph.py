"""The project's import graph: which project modules each module imports when it is first imported.

Only imports that run at import time count: module-level ones, also inside `if`/`try`/`with`
blocks, but not those under `if TYPE_CHECKING:` (never run) nor those inside functions (run
later, after every module has loaded, so they cannot form an import cycle).

An edge `a -> b` means that importing `a` starts importing the project module `b`:
- `import p.q.r` and `from p.q.r import x` import `p.q.r` and the packages `p.q` and `p` on the
  way, except the packages that hold `a` itself (they are always loaded before `a` runs);
- `from p.q import r`, where `p.q.r` is a project module, imports `p.q.r` too;
- a name that is no project module is trimmed to the longest dotted prefix that is one.

`reaches(a, b)` answers "does importing `a` import `b`, directly or transitively?": a fix that
adds `from a import X` to `b` creates a cycle exactly when it does. `acyclic_additions` answers
the same for several such fixes applied in one run.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator, Mapping

from review_ls.deferred_dataclass import dataclass


@dataclass(frozen=True, slots=True)
class ImportFact:
    """One module-level import as written: `import <module>` (no `names`) or `from <module> import <names>`.

    `module` keeps the leading dots of a relative import (`..models`).
    """

    module: str
    names: tuple[str, ...] = ()


def import_facts(body: Iterable[ast.stmt]) -> tuple[ImportFact, ...]:
    """The imports that run when a module with this body is imported (see the module docs)."""
    return tuple(_import_facts(body))


def _import_facts(body: Iterable[ast.stmt]) -> Iterator[ImportFact]:
    for statement in body:
        if isinstance(statement, ast.Import):
            yield from (ImportFact(alias.name) for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom):
            yield ImportFact("." * statement.level + (statement.module or ""), tuple(alias.name for alias in statement.names))
        elif isinstance(statement, ast.If):
            if not _is_type_checking(statement.test):
                yield from _import_facts(statement.body)
            yield from _import_facts(statement.orelse)
        elif isinstance(statement, (ast.Try, ast.With)) or type(statement).__name__ == "TryStar":
            for field in ("body", "orelse", "finalbody"):
                yield from _import_facts(getattr(statement, field, ()))
            for handler in getattr(statement, "handlers", ()):
                yield from _import_facts(handler.body)


def _is_type_checking(test: ast.expr) -> bool:
    """True for `TYPE_CHECKING`, `typing.TYPE_CHECKING` and `t.TYPE_CHECKING` tests."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


class ImportGraph:
    """Edges between the project's modules, with reachability answered from memoised searches."""

    def __init__(self, edges: Mapping[str, frozenset[str]]) -> None:
        self._edges = edges
        self._reachable: dict[str, frozenset[str]] = {}

    @classmethod
    def build(
        cls,
        imports_by_module: Mapping[str, tuple[ImportFact, ...]],
        absolute: Callable[[str, str], str],
    ) -> ImportGraph:
        """The graph of `imports_by_module` (module -> its imports); `absolute(target, module)` resolves relative targets."""
        modules = frozenset(imports_by_module)
        edges = {
            module: module_edges(module, facts, modules, lambda target, module=module: absolute(target, module))  # type: ignore[misc]
            for module, facts in imports_by_module.items()
        }
        return cls(edges)

    def imports_of(self, module: str) -> frozenset[str]:
        """The project modules that importing `module` imports directly."""
        return self._edges.get(module, frozenset())

    def reaches(self, start: str, goal: str) -> bool:
        """True when importing `start` imports `goal`, directly or through other project modules."""
        return goal in self.reachable_from(start)

    def acyclic_additions(self, edges: Iterable[tuple[str, str]]) -> frozenset[tuple[str, str]]:
        """The new edges (importer, imported), taken in order, that can be added without closing a
        cycle, together with the ones taken before them (what several fixes of one run may add)."""
        added: dict[str, set[str]] = {}
        accepted: set[tuple[str, str]] = set()
        for importer, imported in edges:
            if importer == imported or self._reaches_with(imported, importer, added):
                continue
            added.setdefault(importer, set()).add(imported)
            accepted.add((importer, imported))
        return frozenset(accepted)

    def _reaches_with(self, start: str, goal: str, added: Mapping[str, set[str]]) -> bool:
        """`reaches`, with the `added` edges too."""
        if not added:
            return self.reaches(start, goal)
        seen: set[str] = set()
        pending = [start]
        while pending:
            module = pending.pop()
            for target in (*self.imports_of(module), *added.get(module, ())):
                if target == goal:
                    return True
                if target not in seen:
                    seen.add(target)
                    pending.append(target)
        return False

    def reachable_from(self, start: str) -> frozenset[str]:
        """Every project module that importing `start` imports, directly or transitively."""
        known = self._reachable.get(start)
        if known is None:
            seen: set[str] = set()
            pending = list(self.imports_of(start))
            while pending:
                module = pending.pop()
                if module not in seen:
                    seen.add(module)
                    pending.extend(self.imports_of(module))
            known = self._reachable[start] = frozenset(seen)
        return known


def module_edges(module: str, facts: Iterable[ImportFact], modules: frozenset[str], absolute: Callable[[str], str]) -> frozenset[str]:
    """The project `modules` that `module` imports with the imports `facts`; `absolute` resolves a relative target."""
    targets: set[str] = set()
    for fact in facts:
        base = absolute(fact.module) if fact.module.startswith(".") else fact.module
        targets.update(_imported_modules(base, modules, module))
        for name in fact.names:
            if name != "*" and f"{base}.{name}" in modules:
                targets.add(f"{base}.{name}")
    targets.discard(module)
    return frozenset(targets)


def _imported_modules(target: str, modules: frozenset[str], importer: str) -> Iterator[str]:
    """The project modules that importing the dotted `target` from `importer` loads: it and its packages."""
    parts = target.split(".")
    for length in range(len(parts), 0, -1):
        candidate = ".".join(parts[:length])
        if candidate in modules and not _holds(candidate, importer):
            yield candidate


def _holds(package: str, module: str) -> bool:
    """True when `package` is a package that `module` lives in (loaded before `module` runs)."""
    return module.startswith(package + ".")
