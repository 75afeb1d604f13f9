"""The rule registry: the only place that imports rule modules.

Rules live one per module in family packages (`review_ls/rules/io/rv101_whole_file_read_in_loop.py`).
Every module of every family package (except those starting with `_`) is imported once, and every
`Rule` subclass it defines with a `code` is registered. Adding a rule is adding a module (and
running scripts/generate_rule_catalog.py).

`all_rules()` imports every rule. A run imports only the rules it enables (`rules_for`): which codes
exist, their names, which are on by default and which need the project come from the generated
catalog (`_catalog.py`), which tests/rules/test_catalog.py keeps equal to the rule classes.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable, Iterator
from types import ModuleType

from review_ls.engine.project_model import Needs, needs_project
from review_ls.engine.rule import Rule
from review_ls.patterns.roles import file_role
from review_ls.rules._catalog import CATALOG

__all__ = ["all_rules", "codes_needing_project", "default_off_codes", "file_role", "known_codes", "rule_class", "rules_for"]


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
    import pkgutil  # (only `all_rules` walks the packages; a run imports the catalogued modules it enables)

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
    return frozenset(CATALOG)


@functools.cache
def default_off_codes() -> frozenset[str]:
    """The codes of the rules a default run leaves off (`default_enabled = False`); `select` can enable them."""
    return frozenset(code for code, (_, _, _, default_enabled, _) in CATALOG.items() if not default_enabled)


@functools.cache
def codes_needing_project() -> frozenset[str]:
    """The codes of the rules that need the project index (or type inference)."""
    return frozenset(code for code, (*_, needs) in CATALOG.items() if needs_project(Needs(need) for need in needs))


def rules_for(codes: Iterable[str]) -> tuple[type[Rule], ...]:
    """The rule classes of these codes (unknown ones skipped), sorted by code; only their modules are imported."""
    return tuple(_imported(code) for code in sorted(set(codes) & CATALOG.keys()))


def rule_class(code_or_name: str) -> type[Rule] | None:
    """The rule with this code (e.g. 'RV201') or name (e.g. 'client-in-loop'), if any."""
    wanted = code_or_name.strip()
    for code, (_, _, name, _, _) in CATALOG.items():
        if code == wanted.upper() or name == wanted.lower():
            return _imported(code)
    return None


@functools.cache
def _imported(code: str) -> type[Rule]:
    """The class of the catalogued rule `code`, importing its module."""
    module, class_name, *_ = CATALOG[code]
    rule: type[Rule] = getattr(importlib.import_module(module), class_name)
    return rule
