"""`_collect_function_bindings` looks only at the nodes that bind and skips the contexts: its answers are those
of the plain walk over every child node (issue #16, item 4)."""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

import pytest

from review_ls.project import inference


class _Everything:
    def __contains__(self, item: object) -> bool:
        return True


def _scopes(tree: ast.Module) -> list[ast.AST]:
    return [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))]


def test_the_bindings_are_those_of_the_walk_over_every_child(monkeypatch: pytest.MonkeyPatch) -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    trees = [ast.parse((stdlib / name).read_text(encoding="utf-8")) for name in ("argparse.py", "inspect.py", "asyncio/base_events.py", "typing.py")]
    scopes = [scope for tree in trees for scope in _scopes(tree)]
    assert len(scopes) > 500
    fast = [inference._collect_function_bindings(scope, "pkg.mod") for scope in scopes]
    monkeypatch.setattr(inference, "_BINDING_NODE_TYPES", _Everything())
    monkeypatch.setattr(inference, "_child_nodes", lambda node: list(ast.iter_child_nodes(node)))
    plain = [inference._collect_function_bindings(scope, "pkg.mod") for scope in scopes]
    assert [_comparable(b) for b in fast] == [_comparable(b) for b in plain]


def _comparable(bindings: dict[str, list[tuple[str, object]]]) -> list[tuple[str, list[tuple[str, object]]]]:
    """The bindings with nodes by identity and type references by value (each call parses annotations afresh)."""
    return [(name, [(kind, id(detail) if isinstance(detail, ast.AST) else repr(detail)) for kind, detail in found]) for name, found in bindings.items()]


MATCH_AND_HANDLERS = """
def handle(event, *args, **kwargs):
    import json as j
    total: int = 0
    for key, value in event.items():
        total += value
    with open(p) as (a, b):
        pass
    try:
        data = j.loads(event)
    except ValueError as error:
        pass
    match data:
        case {"k": x, **rest}:
            pass
        case [first, *others]:
            pass
    return [y for y in data if (z := y)]
"""


def test_every_binding_shape_is_still_learnt() -> None:
    function = ast.parse(MATCH_AND_HANDLERS).body[0]
    kinds = {name: [kind for kind, _ in found] for name, found in inference._collect_function_bindings(function).items()}
    assert kinds == {
        "event": ["param"], "args": ["builtin"], "kwargs": ["builtin"], "j": ["import"], "total": ["annotation", "opaque"],
        "key": ["opaque"], "value": ["opaque"], "a": ["opaque"], "b": ["opaque"], "data": ["value"], "error": ["opaque"],
        "x": ["opaque"], "rest": ["opaque"], "first": ["opaque"], "others": ["opaque"], "y": ["iter"], "z": ["value"],
    }
