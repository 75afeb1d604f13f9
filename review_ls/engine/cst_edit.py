"""Small libcst helpers shared by fixes: replacing nodes by identity, turning blocks into statement lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import importlib.util
import sys
from types import ModuleType


__all__ = ["block_statements", "cst", "indented", "lazy_module", "replace_nodes", "statement_line_of"]


def lazy_module(name: str) -> ModuleType:
    """Return module `name`, imported on first attribute access (libcst costs ~100 ms to import,
    and only fixes need it: checking a file must not pay for it)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


if TYPE_CHECKING:  # mypy sees libcst's types; at run time libcst is imported on first use
    import libcst as cst
else:
    cst = lazy_module("libcst")


def replace_nodes(module: cst.Module, replacements: Mapping[int, Any]) -> cst.Module:
    """Return `module` with each node whose `id()` is a key replaced by the value.

    A value may be a node, a `cst.FlattenSentinel` (several statements), `cst.RemovalSentinel.REMOVE`,
    or a callable that receives the updated node (its children already replaced) and returns one of those.
    """

    class _Replacer(cst.CSTTransformer):
        def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
            replacement = replacements.get(id(original_node), updated_node)
            return replacement(updated_node) if callable(replacement) else replacement

    return module.visit(_Replacer())


def block_statements(body: cst.BaseSuite) -> list[cst.BaseStatement]:
    """The statements of an indented block or a one-line suite (`if x: a; b`), as statement lines."""
    if isinstance(body, cst.IndentedBlock):
        return list(body.body)
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    return []


def indented(statements: Sequence[cst.BaseStatement]) -> cst.IndentedBlock:
    """An indented block holding `statements` (a `pass` when empty)."""
    return cst.IndentedBlock(body=list(statements) or [cst.SimpleStatementLine(body=[cst.Pass()])])


def statement_line_of(module: cst.Module, small: cst.CSTNode) -> cst.SimpleStatementLine | None:
    """The `SimpleStatementLine` that holds the small statement `small` (e.g. an Assign), if any."""
    found: list[cst.SimpleStatementLine] = []

    class _Finder(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
            if any(child is small for child in node.body):
                found.append(node)
            return False

    module.visit(_Finder())
    return found[0] if found else None
