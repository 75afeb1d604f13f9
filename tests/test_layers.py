"""The layout of docs/architecture.md holds: imports point one way and nothing imports a rule but the registry."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "review_ls"

# What each layer may not import (module-level or function-local).
FORBIDDEN = {
    "engine": ("review_ls.patterns", "review_ls.project", "review_ls.rules", "review_ls.server", "review_ls.cli", "pygls", "lsprotocol", "jedi"),
    "patterns": ("review_ls.project", "review_ls.rules", "review_ls.server", "review_ls.cli", "pygls", "lsprotocol", "jedi"),
    "project": ("review_ls.rules", "review_ls.server", "review_ls.cli", "pygls", "lsprotocol"),
    "rules": ("review_ls.server", "review_ls.cli", "pygls", "lsprotocol", "jedi"),
}


# Known exceptions, to be removed by passing the rule set in from the adapters: the engine looks up
# the registry with a function-local import in `rule_set_for`.
ALLOWED = {("engine/analysis.py", "review_ls.rules")}


def _imported_modules(path: Path) -> set[str]:
    """Every module an import statement of the file names (`from a import b` counts as a and a.b)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_point_one_way(layer: str) -> None:
    wrong = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for module in sorted(_imported_modules(path))
        if any(module == f or module.startswith(f + ".") for f in FORBIDDEN[layer])
        and not any(str(path.relative_to(PACKAGE)) == allowed_path and module.startswith(allowed) for allowed_path, allowed in ALLOWED)
    ]
    assert wrong == []


def test_nothing_imports_a_rule_module_but_the_registry() -> None:
    rule_modules = {
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for path in (PACKAGE / "rules").glob("*/rv*.py")
    }
    assert len(rule_modules) > 30
    wrong = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in _modules()
        for module in sorted(_imported_modules(path) & rule_modules)
    ]
    assert wrong == []


def test_every_rule_module_holds_exactly_one_rule() -> None:
    from review_ls.rules import all_rules

    by_module: dict[str, list[str]] = {}
    for rule in all_rules():
        by_module.setdefault(rule.__module__, []).append(rule.code)
    assert all(len(codes) == 1 for codes in by_module.values()), by_module
    for module, [code] in by_module.items():
        assert module.rsplit(".", 1)[-1].startswith(code.lower() + "_"), module
