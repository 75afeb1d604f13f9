"""`own_statements`: the statements `own_nodes` yields, in its order, without walking expressions."""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

import pytest

from review_ls.patterns.blocking import own_nodes
from review_ls.project.call_resolution import own_statements
from tests.project.test_own_nodes import BODY

TRY_STAR = '''
def grouped():
    try:
        import json
    except* ValueError as group:
        data = load()
    else:
        other = make()
    finally:
        done = close()
'''


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _same_statements(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    expected = [n for n in own_nodes(function.body) if isinstance(n, ast.stmt)]
    found = list(own_statements(function.body))
    return len(found) == len(expected) and all(a is b for a, b in zip(found, expected))


def test_own_statements_are_the_statements_of_own_nodes_in_order() -> None:
    function = ast.parse(BODY).body[0]
    assert isinstance(function, ast.FunctionDef)
    found = list(own_statements(function.body))
    assert _same_statements(function)
    kinds = [type(n).__name__ for n in found]
    assert "Delete" in kinds and "Raise" in kinds and "ClassDef" in kinds  # inside a match case, a handler; nested scopes yielded
    assert "Return" in kinds and kinds.count("FunctionDef") == 1  # `Inner.method` is not entered


@pytest.mark.skipif(not hasattr(ast, "TryStar"), reason="except* needs Python 3.11+")
def test_own_statements_enter_try_star_blocks_in_field_order() -> None:
    function = ast.parse(TRY_STAR).body[0]
    assert isinstance(function, ast.FunctionDef)
    assert _same_statements(function)
    assert [type(n).__name__ for n in own_statements(function.body)] == ["TryStar", "Import", "Assign", "Assign", "Assign"]


def test_own_statements_agree_with_own_nodes_on_real_code() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    functions = [f for name in ("argparse.py", "inspect.py", "asyncio/base_events.py", "_pydecimal.py") for f in _functions(ast.parse((stdlib / name).read_text(encoding="utf-8")))]
    assert len(functions) > 500
    assert all(_same_statements(function) for function in functions)
