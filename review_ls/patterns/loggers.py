"""Loggers: which names are loggers, and which module-level logger a module already has."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from review_ls.engine.facts import BindingKind, ModuleFacts, dotted_name, qualify_dotted

if TYPE_CHECKING:
    from review_ls.engine.walker import Context

LOGGER_FACTORIES = frozenset(
    {
        "logging.getLogger",
        "logging.get_logger",
        "structlog.get_logger",
        "structlog.getLogger",
        "structlog.stdlib.get_logger",
        "celery.utils.log.get_task_logger",
    }
)
IMPORTED_LOGGERS = frozenset({"loguru.logger"})
LOGGER_NAMES = frozenset({"log", "logger", "_log", "_logger", "LOG", "LOGGER", "_LOG", "_LOGGER", "logging"})
PREFERRED_LOGGER_NAMES = ("logger", "log", "_logger", "_log", "LOGGER", "LOG")


def module_logger_names(facts: ModuleFacts) -> list[str]:
    """Module-level names bound to a logger (`log = logging.getLogger(__name__)`, `from loguru import logger`).

    Computed once per module (rules ask at every call site; a rescan each time made them quadratic).
    """
    found: list[str] | None = facts.derived.get("module_logger_names")
    if found is None:
        found = facts.derived["module_logger_names"] = _scan_logger_names(facts)
    return found


def _scan_logger_names(facts: ModuleFacts) -> list[str]:
    """Every module-level name bound to a logger, in binding order."""
    found = []
    for name, binding in facts.bindings.items():
        if binding.kind is BindingKind.INSTANCE and (qualify_dotted(binding.detail, facts.imports) or binding.detail) in LOGGER_FACTORIES:
            found.append(name)
        elif binding.kind is BindingKind.IMPORT and binding.detail in IMPORTED_LOGGERS:
            found.append(name)
    return found


def module_logger_name(facts: ModuleFacts) -> str | None:
    """The module's own logger to reuse (a conventional name first), or None when it has none."""
    names = module_logger_names(facts)
    for preferred in PREFERRED_LOGGER_NAMES:
        if preferred in names:
            return preferred
    return names[0] if names else None


def is_logger(expr: ast.expr, ctx: Context) -> bool:
    """True when `expr` is a logger: the `logging` module, a module-level logger, or `[self.]log[ger]`."""
    if ctx.qualified_name(expr) == "logging":
        return True
    dotted = dotted_name(expr)
    if dotted is None:
        return False
    last = dotted.rsplit(".", 1)[-1]
    if last in LOGGER_NAMES or last.lower().endswith("logger"):
        return True
    return "." not in dotted and dotted in module_logger_names(ctx.facts)
