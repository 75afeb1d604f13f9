"""The rule registry: the only place that imports rule modules.

Rules live one per module in family packages (`review_ls/rules/io/rv101_whole_file_read_in_loop.py`).
Every module of every family package (except those starting with `_`) is imported once, and every
`Rule` subclass it defines with a `code` is registered. Adding a rule is adding a module.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType

from review_ls.engine.rule import Rule
from review_ls.patterns.roles import file_role

__all__ = ["all_rules", "default_off_codes", "file_role", "known_codes", "rule_class"]


@functools.cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every registered rule class, sorted by code."""
    found: dict[str, type[Rule]] = {}
    for module in _rule_modules():
        for value in vars(module).values():
            if isinstance(value, ModuleType):  # (first: a lazily imported module must stay unloaded)
                continue
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and "code" in vars(value):
                if value.code in found and found[value.code] is not value:
                    raise RuntimeError(f"duplicate rule code {value.code}: {found[value.code].__name__} and {value.__name__}")
                found[value.code] = value
    return tuple(found[code] for code in sorted(found))


def _rule_modules() -> Iterator[ModuleType]:
    """Import and yield every public module of every family package under this package."""
    for family in pkgutil.iter_modules(__path__):
        if family.name.startswith("_") or not family.ispkg:
            continue
        package = importlib.import_module(f"{__name__}.{family.name}")
        for module_info in pkgutil.iter_modules(package.__path__):
            if not module_info.name.startswith("_"):
                yield importlib.import_module(f"{package.__name__}.{module_info.name}")


@functools.cache
def known_codes() -> frozenset[str]:
    """The codes of every registered rule."""
    return frozenset(rule.code for rule in all_rules())


@functools.cache
def default_off_codes() -> frozenset[str]:
    """The codes of the rules a default run leaves off (`default_enabled = False`); `select` can enable them."""
    return frozenset(rule.code for rule in all_rules() if not rule.default_enabled)


def rule_class(code_or_name: str) -> type[Rule] | None:
    """The rule with this code (e.g. 'RV201') or name (e.g. 'client-in-loop'), if any."""
    wanted = code_or_name.strip()
    for rule in all_rules():
        if rule.code == wanted.upper() or rule.name == wanted.lower():
            return rule
    return None
