"""Helpers of several RV5 rules: a function's nodes, and which file a write call writes to."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from review_ls.engine.facts import dotted_name
from review_ls.patterns.names import nodes_within


def _function_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """Every node of a function's body, not descending into nested functions or classes."""
    return nodes_within(function.body)


_WRITE_MODE = re.compile(r"[wax+]")


def _write_target(call: ast.Call) -> ast.expr | None:
    """The path of `open(path, "w")` / `path.open("w")` / `io.open(path, "wb")`, or None for reads."""
    func_name = dotted_name(call.func) or ""
    if func_name in ("open", "io.open", "codecs.open"):
        target = call.args[0] if call.args else None
        mode_index = 1
    elif isinstance(call.func, ast.Attribute) and call.func.attr == "open" and func_name not in ("os.open", "aiofiles.open"):
        target, mode_index = call.func.value, 0
    else:
        return None
    mode = call.args[mode_index] if len(call.args) > mode_index else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if not (isinstance(mode, ast.Constant) and isinstance(mode.value, str) and _WRITE_MODE.search(mode.value)):
        return None
    return target
