"""The walker's context: loops, functions, async, qualified names, positions, rule isolation."""

from __future__ import annotations

import ast
import sysconfig
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_ls.engine.facts import ModuleFacts
from review_ls.engine.model import Finding
from review_ls.engine.positions import LineIndex
from review_ls.engine.rule import Rule, RuleDocs
from review_ls.engine.walker import Context, Walker


class RecordingRule(Rule):
    """A test rule that records what it is given in `seen`."""

    message = "never"
    docs = RuleDocs("-", "-", "-")

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Any] = []


class CallProbe(RecordingRule):
    """Records, for each call to `probe(...)`, what the context says."""

    code = "XX001"
    name = "probe"
    message = "{what}"

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        if isinstance(node.func, ast.Name) and node.func.id == "probe":
            self.seen.append(
                {
                    "label": node.args[0].value if node.args else None,  # type: ignore[attr-defined]
                    "loops": len(ctx.loops),
                    "function": getattr(ctx.function, "name", None),
                    "async": ctx.in_async_function,
                    "class": getattr(ctx.class_, "name", None),
                }
            )
            yield self.report(node, ctx, what="probe")


class Crashing(Rule):
    code = "XX002"
    name = "crashing"
    message = "never"
    docs = RuleDocs("-", "-", "-")

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        raise RuntimeError("boom")
        yield  # pragma: no cover


def walk(source: str, *rules: Rule) -> tuple[list[Finding], list[str]]:
    source = textwrap.dedent(source)
    module = ast.parse(source)
    ctx = Context("m.py", LineIndex.from_source(source), ModuleFacts.from_module(module))
    ctx.parents.append(module)
    errors: list[str] = []
    return Walker(rules).walk(module.body, ctx, errors), errors


def labels(probe: CallProbe, key: str) -> dict[object, object]:
    return {seen["label"]: seen[key] for seen in probe.seen}


def test_loop_context_covers_bodies_not_iterables() -> None:
    probe = CallProbe()
    walk(
        """
        for x in probe("iter"):
            probe("body")
        else:
            probe("else")
        while probe("test"):
            probe("while-body")
        [probe("elt") for y in probe("first-iter") for z in probe("second-iter") if probe("cond")]
        probe("outside")
        """,
        probe,
    )
    assert labels(probe, "loops") == {
        "iter": 0,
        "body": 1,
        "else": 0,
        "test": 1,
        "while-body": 1,
        "elt": 1,
        "first-iter": 0,
        "second-iter": 1,
        "cond": 1,
        "outside": 0,
    }


def test_function_bodies_reset_loops_and_track_async_and_class() -> None:
    probe = CallProbe()
    walk(
        """
        class Service:
            async def run(self, items=probe("default")):
                for item in items:
                    probe("in-async-loop")
                    def helper():
                        probe("nested-sync")
                    helper()
        """,
        probe,
    )
    assert labels(probe, "loops") == {"default": 0, "in-async-loop": 1, "nested-sync": 0}
    assert labels(probe, "function") == {"default": None, "in-async-loop": "run", "nested-sync": "helper"}
    assert labels(probe, "async") == {"default": False, "in-async-loop": True, "nested-sync": False}
    assert labels(probe, "class") == {"default": "Service", "in-async-loop": "Service", "nested-sync": "Service"}


def test_qualified_names_follow_imports_including_local_ones() -> None:
    source = """
    import httpx as hx
    from requests import Session as S

    def f():
        from os import path
        return hx.AsyncClient(), S(), path.join("a"), unknown.thing()
    """
    module = ast.parse(textwrap.dedent(source))
    names: list[str | None] = []

    class Names(Rule):
        code = "XX003"
        name = "names"
        message = "-"
        docs = RuleDocs("-", "-", "-")

        def visit_Call(self, node: ast.Call, ctx: Context) -> None:
            names.append(ctx.qualified_name(node.func))

    ctx = Context("m.py", LineIndex.from_source(textwrap.dedent(source)), ModuleFacts.from_module(module))
    ctx.parents.append(module)
    Walker([Names()]).walk(module.body, ctx, [])
    assert names == ["httpx.AsyncClient", "requests.Session", "os.path.join", None]


def test_columns_are_code_points_not_utf8_bytes() -> None:
    probe = CallProbe()
    findings, _ = walk('name = "naïve 🐍"; probe("x")\n', probe)
    (finding,) = findings
    assert (finding.span.line, finding.span.col, finding.span.end_col) == (1, 18, 28)


def test_a_crashing_rule_does_not_cost_other_rules_their_findings() -> None:
    probe = CallProbe()
    findings, errors = walk('probe("a")\n', Crashing(), probe)
    assert [f.code for f in findings] == ["XX001"]
    assert errors and "boom" in errors[0]


def test_deeply_nested_expressions_do_not_exhaust_the_stack() -> None:
    probe = CallProbe()
    source = "x = " + " + ".join(["1"] * 1500) + '\nprobe("end")\n'
    findings, errors = walk(source, probe)
    assert [f.span.line for f in findings] == [2] and errors == []


class EveryNode(RecordingRule):
    """Records every node it is given, with the parent the context says it has."""

    code = "XX003"
    name = "every-node"

    def iter_visitors(self) -> Iterator[tuple[type[ast.AST], object]]:
        for name in dir(ast):
            node_type = getattr(ast, name)
            if isinstance(node_type, type) and issubclass(node_type, ast.AST) and node_type is not ast.AST:
                yield node_type, self._record

    def _record(self, node: ast.AST, ctx: Context) -> None:
        self.seen.append((node, ctx.parent))


_EVERY_SHAPE = """
import os
from a import (b as c, d)
global_list: list[int] = [1, *rest]
@decorator(arg)
class K(Base, metaclass=Meta):
    x: int = 0
    def m(self, a, /, b=1, *args, c: int, **kw) -> int:
        global g
        import json
        return {**kw, "a": a} if a else lambda y=1: y + 1
async def f():
    async for i in source():
        await g(i)
    async with lock as held, other():
        pass
    while x < 3:
        x += 1
    else:
        del x
    try:
        raise E from None
    except (A, B) as e:
        pass
    finally:
        assert ok, "msg"
    match value:
        case {"k": [1, *tail]} | Point(x=0) if tail:
            yield f"{value!r:>{width}}"
        case _:
            pass
    return [(a, b) for a in xs if a for b in a], {k: v for k, v in d.items()}, {s for s in t}, (n for n in m)
"""


def _syntactic_parents(module: ast.Module) -> dict[int, ast.AST]:
    """Each node's parent as the walker reports it: the parts of a comprehension's first generator
    belong to the comprehension expression (that `comprehension` node itself is not visited)."""
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(module):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    for node in ast.walk(module):
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            for child in ast.iter_child_nodes(node.generators[0]):
                parents[id(child)] = node
    return parents


def test_every_node_is_visited_once_under_its_own_parent() -> None:
    module = ast.parse(_EVERY_SHAPE)
    recorder = EveryNode()
    ctx = Context("m.py", LineIndex.from_source(_EVERY_SHAPE), ModuleFacts.from_module(module))
    ctx.parents.append(module)
    Walker([recorder]).walk(module.body, ctx, [])

    skipped = {id(node.generators[0]) for node in ast.walk(module) if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp))}
    ignored = (ast.expr_context, ast.operator, ast.unaryop, ast.boolop)  # in `ctx`/`op` fields, never visited
    expected = [n for n in ast.walk(module) if n is not module and id(n) not in skipped and not isinstance(n, ignored)]
    visited = [node for node, _ in recorder.seen]
    assert sorted(map(id, visited)) == sorted(map(id, expected))
    parents = _syntactic_parents(module)
    assert all(parent is parents[id(node)] for node, parent in recorder.seen if not isinstance(node, ast.cmpop))  # shared singletons
    statements = [node for node in visited if isinstance(node, ast.stmt)]
    assert [s.lineno for s in statements] == sorted(s.lineno for s in statements)  # source order
    assert ctx.parents == [module] and not ctx.loops and not ctx.functions and not ctx.classes


def _walk(rule: Rule, module: ast.Module, source: str) -> None:
    ctx = Context("m.py", LineIndex.from_source(source), ModuleFacts.from_module(module))
    ctx.parents.append(module)
    Walker([rule]).walk(module.body, ctx, [])


def _every_shape_and_argparse() -> tuple[str, ast.Module]:
    source = _EVERY_SHAPE + (Path(sysconfig.get_paths()["stdlib"]) / "argparse.py").read_text(encoding="utf-8")
    return source, ast.parse(source)


def _visits(module: ast.Module, source: str) -> list[tuple[int, int | None]]:
    recorder = EveryNode()
    _walk(recorder, module, source)
    return [(id(node), id(parent) if parent is not None else None) for node, parent in recorder.seen]


def test_leaf_nodes_left_at_once_change_neither_the_order_nor_the_parents(monkeypatch: pytest.MonkeyPatch) -> None:
    from review_ls.engine import walker

    source, module = _every_shape_and_argparse()
    fast = _visits(module, source)
    monkeypatch.setattr(walker, "_SCALAR_KINDS", frozenset())
    monkeypatch.setattr(walker, "_PLANS", {})
    assert _visits(module, source) == fast  # every field walked, as before leaves were known


class CallsOnly(RecordingRule):
    """Records the calls it is given, with the parents the context holds."""

    code = "XX004"
    name = "calls-only"

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        self.seen.append((id(node), tuple(map(id, ctx.parents)), len(ctx.loops), len(ctx.functions)))


def test_leaves_no_rule_visits_are_never_pushed_and_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from review_ls.engine import walker

    source, module = _every_shape_and_argparse()

    def calls_seen() -> list[tuple[int, tuple[int, ...], int, int]]:
        rule = CallsOnly()
        _walk(rule, module, source)
        return rule.seen

    skipped = walker._skipped_types(Walker([CallsOnly()]).dispatch)
    assert {ast.Name, ast.Constant, ast.alias, ast.Eq, type(None)} <= skipped and not skipped & {ast.Call, ast.Attribute, ast.arg}
    fast = calls_seen()
    monkeypatch.setattr(walker, "_skipped_types", lambda dispatch: frozenset({type(None)}))
    assert calls_seen() == fast and len(fast) > 500  # the same calls, in the same order, under the same parents and scopes
