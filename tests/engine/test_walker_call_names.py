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
    assert {rule.code for rule in GATED} >= {"RV101", "RV102", "RV104", "RV203", "RV301", "RV304", "RV306", "RV402", "RV403", "RV501", "RV503"}


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


class SeesGetenv(_Recorder):
    code = "XX104"
    name = "getenv"
    call_names = frozenset({"getenv"})


def test_a_name_imported_under_another_name_counts_by_the_imported_name() -> None:
    log: list[tuple[str, str]] = []
    source = """
    from os import getenv as env_get
    env_get("A")
    def f():
        from os import getenv as read
        read("B")
        unrelated("C")
    read("D")
    """
    _walk(source, [SeesGetenv(log)])
    assert [func for _, func in log] == ["env_get", "read"]  # not `read` outside the function that imports it


def test_a_name_gated_as_written_and_as_imported_reaches_both_rules_in_rule_order() -> None:
    log: list[tuple[str, str]] = []
    source = "from os import getenv as print\nprint('A')\n"
    rules: list[Rule] = [SeesEveryCall(log), SeesGetenv(log), SeesPrints(log), SeesEveryCallToo(log)]
    _walk(source, rules)
    assert [code for code, _ in log] == ["XX101", "XX104", "XX102", "XX103"]
    log.clear()
    module = ast.parse(source)
    ctx = Context("m.py", LineIndex.from_source(source), ModuleFacts.from_module(module))
    Walker(rules).visit(module.body[1].value, ctx, [])  # type: ignore[attr-defined]
    assert [code for code, _ in log] == ["XX101", "XX104", "XX102", "XX103"]


# Calls by an imported alias that the rules which resolve callees through the imports report (with and without their names).
ALIASED = [
    ("RV104", "from re import compile as rx\n\n\ndef count(lines):\n    for line in lines:\n        rx(r'\\d+').match(line)\n"),
    ("RV203", "from requests import get as fetch\n\n\ndef crawl(urls):\n    for url in urls:\n        fetch(url)\n"),
    ("RV301", "from asyncio import run as run_async\n\n\ndef sync_fetch(url):\n    return run_async(fetch(url))\n"),
    ("RV304", "from concurrent.futures import ThreadPoolExecutor as Pool\n\nEXECUTOR = Pool(max_workers=1)\n"),
    (
        "RV402",
        "from os import getenv as env\nfrom pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
        "    worker_url: str = 'http://localhost:8001'\n\n\ndef submit(job):\n    return post(env('WORKER_URL', 'http://localhost:8001'), job)\n",
    ),
]


@pytest.mark.parametrize(("code", "source"), ALIASED, ids=[code for code, _ in ALIASED])
def test_call_names_keep_the_findings_of_calls_by_an_imported_alias(code: str, source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rule = next(rule for rule in GATED if rule.code == code)
    settings = Settings(select=(code,))

    def findings() -> list[tuple[int, int, str]]:
        from review_ls.engine.analysis import rule_set_for

        rule_set_for.cache_clear()
        return [(f.span.line, f.span.col, f.message) for f in analyse_source(source, "app/service.py", settings).all_findings]

    gated = findings()
    monkeypatch.setattr(rule, "call_names", None)
    assert gated and findings() == gated
