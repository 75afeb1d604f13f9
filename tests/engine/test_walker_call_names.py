"""Rules that declare `call_names` see only the calls by those names; every other rule still sees every call, in rule order."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator

import pytest

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.facts import ModuleFacts
from review_ls.engine.model import Finding
from review_ls.engine.positions import LineIndex
from review_ls.engine.rule import Rule, RuleDocs
from review_ls.engine.walker import Context, Walker
from review_ls.rules import all_rules


class _Recorder(Rule):
    message = "{what}"
    docs = RuleDocs("-", "-", "-")

    def __init__(self, log: list[tuple[str, str]]) -> None:
        super().__init__()
        self.log = log

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        self.log.append((self.code, ast.unparse(node.func)))
        return iter(())


class SeesEveryCall(_Recorder):
    code = "XX101"
    name = "every-call"


class SeesPrints(_Recorder):
    code = "XX102"
    name = "prints"
    call_names = frozenset({"print", "error"})


class SeesEveryCallToo(_Recorder):
    code = "XX103"
    name = "every-call-too"


SOURCE = """
print("a")
log.error("b")
open("c")
factory()()
items[0]()
"""


def _walk(source: str, rules: list[Rule], walker_rules: list[Rule] | None = None) -> None:
    module = ast.parse(textwrap.dedent(source))
    ctx = Context("m.py", LineIndex.from_source(source), ModuleFacts.from_module(module))
    ctx.parents.append(module)
    Walker(walker_rules or rules).walk(module.body, ctx, [])


def test_a_rule_with_call_names_sees_only_calls_by_those_names() -> None:
    log: list[tuple[str, str]] = []
    _walk(SOURCE, [SeesEveryCall(log), SeesPrints(log), SeesEveryCallToo(log)])
    assert [func for code, func in log if code == "XX102"] == ["print", "log.error"]
    every = ["print", "log.error", "open", "factory()", "factory", "items[0]"]
    assert [func for code, func in log if code == "XX101"] == every
    assert [func for code, func in log if code == "XX103"] == every
    assert log[:3] == [("XX101", "print"), ("XX102", "print"), ("XX103", "print")]  # rule order within a call


def test_calls_reach_a_rule_even_when_every_call_rule_has_call_names() -> None:
    log: list[tuple[str, str]] = []
    _walk(SOURCE, [SeesPrints(log)])
    assert log == [("XX102", "print"), ("XX102", "log.error")]


def test_visiting_one_call_applies_the_names_too() -> None:
    log: list[tuple[str, str]] = []
    walker = Walker([SeesEveryCall(log), SeesPrints(log)])
    for text in ("print(1)", "open(1)"):
        module = ast.parse(text)
        ctx = Context("m.py", LineIndex.from_source(text), ModuleFacts.from_module(module))
        walker.visit(module.body[0].value, ctx, [])  # type: ignore[attr-defined]
    assert log == [("XX101", "print"), ("XX102", "print"), ("XX101", "open")]


GATED = [rule for rule in all_rules() if rule.call_names is not None]


def test_some_catalog_rules_declare_call_names() -> None:
    assert {rule.code for rule in GATED} >= {"RV101", "RV102", "RV306", "RV403", "RV501", "RV503"}


@pytest.mark.parametrize("rule", GATED, ids=lambda rule: rule.code)
def test_call_names_keep_every_finding_of_the_rules_examples(rule: type[Rule], monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples' findings are the same with the names applied and with every call dispatched to the rule."""
    examples = [textwrap.dedent(example if isinstance(example, str) else example.code) for example in (*rule.valid, *rule.invalid)]
    settings = Settings(select=(rule.code,))

    def findings() -> list[list[tuple[int, int, str]]]:
        from review_ls.engine.analysis import rule_set_for

        rule_set_for.cache_clear()
        return [[(f.span.line, f.span.col, f.message) for f in analyse_source(text, "app/service.py", settings).all_findings] for text in examples]

    gated = findings()
    monkeypatch.setattr(rule, "call_names", None)
    assert findings() == gated
    assert any(gated)  # the invalid examples report
