"""Helpers of several RV4 rules: function kinds, test/script files, the index path of a file, local and assigned names."""

from __future__ import annotations

import ast

from review_ls.engine.walker import Context
from review_ls.patterns.names import names_assigned_in
from review_ls.patterns.scripts import is_script_path, is_test_path


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _in_tests_or_scripts(ctx: Context) -> bool:
    return is_test_path(ctx.path) or is_script_path(ctx.path)


def _index_path(ctx: Context) -> str:
    """The path under which the index (or the single-file index) knows the analysed file."""
    return ctx.path or "<unknown>.py"


def _is_local(name: str, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True when `name` is a parameter or a local variable of `function` (not declared global)."""
    arguments = function.args
    parameters = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
    parameters |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    if name in parameters:
        return True
    declared = any(isinstance(n, (ast.Global, ast.Nonlocal)) and name in n.names for n in ast.walk(function))
    return not declared and name in names_assigned_in(function.body)


def _assigned_name(statement: ast.stmt) -> str | None:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id
    return None
