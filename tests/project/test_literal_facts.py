"""Module-level names that only ever hold a builtin literal and functions that only return one (`literal_facts.py`), and
their place in the type facts."""

from __future__ import annotations

import ast
import sys
import textwrap

import pytest

from review_ls.project import ProjectIndex
from review_ls.project.literal_facts import module_literals


def _literals(code: str) -> dict[str, str]:
    text = textwrap.dedent(code)
    with_text, without_text = module_literals(ast.parse(text), text), module_literals(ast.parse(text))
    assert with_text == without_text  # the text only spares walks
    return with_text.values


def _returns(code: str) -> dict[str, str]:
    text = textwrap.dedent(code)
    with_text, without_text = module_literals(ast.parse(text), text), module_literals(ast.parse(text))
    assert with_text == without_text
    return with_text.returns


def test_displays_comprehensions_and_constants_have_their_builtin_kind() -> None:
    assert _literals(
        """
        A = {"a": 1}
        B = {k: 1 for k in "ab"}
        C = [1, 2]
        D = [x for x in "ab"]
        E = (1,)
        F = {1}
        G = {x for x in "ab"}
        H = "s"
        I = f"{H}!"
        J = b"x"
        K = True
        L = 1
        M = 1.5
        N = 1j
        O = None
        P = Q = {}
        """
    ) == {
        "A": "dict", "B": "dict", "C": "list", "D": "list", "E": "tuple", "F": "set", "G": "set", "H": "str", "I": "str",
        "J": "bytes", "K": "bool", "L": "int", "M": "float", "N": "complex", "O": "None", "P": "dict", "Q": "dict",
    }  # fmt: skip


def test_a_display_of_dict_displays_says_its_items_are_dicts() -> None:
    assert _literals(
        """
        ROWS = [{"a": 1}, {"b": 2}]
        PAIRS = ({"a": 1},)
        MIXED_ITEMS = [{"a": 1}, 2]
        EMPTY = []
        SPREAD = [*ROWS, {"c": 3}]
        """
    ) == {"ROWS": "list[dict]", "PAIRS": "tuple[dict]", "MIXED_ITEMS": "list", "EMPTY": "list", "SPREAD": "list"}


def test_bindings_of_several_literal_kinds_are_mixed_and_of_one_container_are_that_container() -> None:
    assert _literals(
        """
        import os
        X = None
        if os.environ:
            X = {}
        ROWS = [{"a": 1}]
        try:
            ROWS = []
        except ImportError:
            pass
        """
    ) == {"X": "mixed", "ROWS": "list"}


@pytest.mark.parametrize(
    "rebinding",
    [
        "X = load()",
        "X: dict = {}",
        "X += {}",
        "for X in range(3):\n    pass",
        "with open('f') as X:\n    pass",
        "try:\n    pass\nexcept Exception as X:\n    pass",
        "from m import X",
        "import X",
        "def X():\n    pass",
        "class X:\n    pass",
        "del X",
        "X, Y = 1, 2",
        "print(X := 1)",
        "ROWS = [(X := 1) for _ in range(2)]",
        "@register(X := 1)\ndef handler():\n    pass",
        "def handler(limit=(X := 1)):\n    pass",
        "def reset():\n    global X\n    X = load()",
        "class Holder:\n    global X\n    X = 1",
        "match load():\n    case {'x': X}:\n        pass",
        "match load():\n    case [*X]:\n        pass",
        "match load():\n    case {**X}:\n        pass",
        "if load():\n    X = load()",
    ],
)
def test_any_other_binding_of_the_name_leaves_it_out(rebinding: str) -> None:
    assert "X" not in _literals(f"X = {{'a': 1}}\n{rebinding}\n")


def test_bindings_inside_functions_classes_and_comprehensions_are_their_own_names() -> None:
    assert _literals(
        """
        X = {"a": 1}

        def f():
            X = load()
            for X in range(2):
                pass
            return [X for X in range(2)]

            if (X := load()) is not None:
                return X

        class C:
            X = 1

        key = lambda row: (X := row)
        """
    ) == {"X": "dict"}


def test_a_star_import_leaves_every_name_out() -> None:
    assert _literals("X = {}\nfrom m import *\n") == {}


@pytest.mark.skipif(sys.version_info < (3, 12), reason="`type` statements are Python 3.12+")
def test_a_type_alias_statement_is_a_binding() -> None:
    assert "X" not in _literals("X = {}\ntype X = int\n")


def test_functions_whose_every_return_is_a_literal_have_its_kind() -> None:
    assert _returns(
        """
        def page(items):
            if not items:
                return {"items": [], "total": 0}
            return {"items": items, "total": len(items)}

        def rows():
            return [{"a": 1}]

        def maybe(flag):
            if flag:
                return {}

        def nothing(flag):
            if flag:
                return
            raise ValueError(flag)

        def either(flag):
            if flag:
                return "yes"
            return None

        def with_helper():
            def inner():
                return load()
            return {"inner": inner}
        """
    ) == {"page": "dict", "rows": "list[dict]", "maybe": "mixed", "nothing": "None", "either": "mixed", "with_helper": "dict"}


@pytest.mark.parametrize(
    "function",
    [
        "def f():\n    return load()",
        "def f():\n    if load():\n        return {}\n    return [load()][0]",
        "def f():\n    pass",
        "def f():\n    yield 1\n    return {}",
        "async def f():\n    return {}",
        "@cache\ndef f():\n    return {}",
        "def f() -> Page:\n    return {}",
        "def f():\n    return {}\nf = wrap(f)",
        "def f():\n    return {}\ndef f():\n    return {}",
        "def f():\n    return {}\ndef reset():\n    global f\n    f = load",
        "def f():\n    return {}\nfrom m import *",
        "class C:\n    def f(self):\n        return {}",
    ],
)
def test_other_functions_have_no_return_kind(function: str) -> None:
    assert "f" not in _returns(function + "\n")


def test_the_index_keeps_them_with_the_module_type_facts() -> None:
    project = ProjectIndex.from_sources({"config.py": "ROWS = [{'a': 1}]\nurl = load()\n\ndef page():\n    return {'items': ROWS}\n"})
    facts = project.types.module("config")
    assert facts is not None and (facts.literal_values, facts.literal_returns) == ((("ROWS", "list[dict]"),), (("page", "dict"),))
    project.update_file("config.py", "ROWS = load()\n")
    facts = project.types.module("config")
    assert facts is not None and (facts.literal_values, facts.literal_returns) == ((), ())
