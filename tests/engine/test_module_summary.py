"""Module summaries probed item by item: a walk depends on the answers it got, not on the whole module."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest

import review_ls.engine.analysis as analysis
import review_ls.engine.incremental as incremental
from review_ls.config import Settings
from review_ls.engine.analysis import RuleSet, analyse_source
from review_ls.engine.incremental import IncrementalAnalyser
from review_ls.engine.model import Finding
from review_ls.engine.module_summary import module_summary_has
from review_ls.engine.rule import Rule, RuleDocs
from review_ls.engine.walker import Context, Walker


def _method_names(statement: ast.stmt) -> frozenset[str]:
    """The names of the methods one top-level class defines (no module fact changes with them)."""
    if not isinstance(statement, ast.ClassDef):
        return frozenset()
    return frozenset(member.name for member in statement.body if isinstance(member, ast.FunctionDef))


class SummaryProbe(Rule):
    """Reports a call of a name that some class of the module has a method of, asking the module summary."""

    code = "XX806"
    name = "summary-probe"
    message = "{name} is a method in this module"
    docs = RuleDocs("-", "-", "-")

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        if isinstance(node.func, ast.Name) and module_summary_has(ctx, _method_names, node.func.id):
            yield self.report(node, ctx, name=node.func.id)


@pytest.fixture
def summary_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = (SummaryProbe(),)
    rule_set = RuleSet(Settings(), rules, Walker(rules), frozenset({"XX806"}))
    monkeypatch.setattr(incremental, "rule_set_for", lambda settings: rule_set)
    monkeypatch.setattr(analysis, "rule_set_for", lambda settings: rule_set)


SOURCE = "class Tools:\n    def first(self):\n        pass\n\n\n" + "".join(f"def f_{i}(x):\n    return helper(x) + {i}\n\n\n" for i in range(6))


def test_a_probe_whose_answer_stays_the_same_needs_no_settling(summary_probe: None) -> None:
    analyser = IncrementalAnalyser("m.py")
    assert analyser.analyse(SOURCE).findings == ()
    edited = SOURCE.replace("+ 3\n", "+ 33\n")
    analyser.analyse(edited, settle=False)
    assert not analyser.needs_settling, "no function is called helper before or after the edit"


def test_a_probe_whose_answer_changed_is_walked_again(summary_probe: None) -> None:
    analyser = IncrementalAnalyser("m.py")
    analyser.analyse(SOURCE)
    edited = SOURCE.replace("def first(self):", "def helper(self):")
    fast = analyser.analyse(edited, settle=False)
    expected = analyse_source(edited, "m.py").findings
    assert len(expected) == 6
    assert analyser.needs_settling or fast.findings == expected
    assert analyser.analyse(edited).findings == expected
    assert analyser.analyse(edited + "\n").findings == expected, "an edit elsewhere keeps what the changed answer found"
    assert analyser.analyse(edited).findings == expected
    renamed_back = edited.replace("def helper(self):", "def first(self):")
    assert analyser.analyse(renamed_back).findings == ()


def test_a_probe_outside_the_incremental_analyser_reads_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = (SummaryProbe(),)
    rule_set = RuleSet(Settings(), rules, Walker(rules), frozenset({"XX806"}))
    monkeypatch.setattr(analysis, "rule_set_for", lambda settings: rule_set)
    source = "class Tools:\n    def helper(self):\n        pass\n\n\nhelper()\nother()\n"
    found = analyse_source(source, "m.py")
    assert [f.message for f in found.findings] == ["helper is a method in this module"]


ENUM_SOURCE = (
    "import enum\n\n\nclass Kind(str, enum.Enum):\n    MOTOR = \"MOTOR\"\n\n\n"
    + "".join(f"def check_{i}(row) -> bool:\n    return row.name == \"box_{i}\"\n\n\n" for i in range(5))
)


def test_rv701_pre_filter_does_not_make_unrelated_comparisons_depend_on_the_module() -> None:
    """RV701's pre-filter asks the module's enum values item by item: comparisons with literals no enum
    has are not walked again after edits elsewhere (they used to read the analysis memo)."""
    settings = Settings(select=("RV701",))
    analyser = IncrementalAnalyser("m.py")
    analyser.analyse(ENUM_SOURCE, settings)
    edited = ENUM_SOURCE.replace('"box_2"', '"box_22"')
    analyser.analyse(edited, settings, settle=False)
    assert not analyser.needs_settling
    assert analyser.analyse(edited, settings) == analyse_source(edited, "m.py", settings)


def test_rv701_finds_a_literal_once_an_enum_gains_its_value_elsewhere() -> None:
    settings = Settings(select=("RV701",))
    source = ENUM_SOURCE.replace("def check_3(row)", "def check_3(row: Kind)").replace('row.name == "box_3"', 'row == "box"')
    analyser = IncrementalAnalyser("m.py")
    assert analyser.analyse(source, settings).findings == ()
    edited = source.replace('    MOTOR = "MOTOR"\n', '    MOTOR = "MOTOR"\n    BOX = "BOX"\n')
    expected = analyse_source(edited, "m.py", settings).findings
    assert [f.code for f in expected] == ["RV701"]
    assert analyser.analyse(edited, settings).findings == expected



SUMMARISED: list[str] = []


def _counted_method_names(statement: ast.stmt) -> frozenset[str]:
    """`_method_names`, noting which statement it summarised."""
    SUMMARISED.append(getattr(statement, "name", type(statement).__name__))
    return _method_names(statement)


class CountingSummaryProbe(SummaryProbe):
    """`SummaryProbe` through a summary that notes every statement it summarises."""

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        if isinstance(node.func, ast.Name) and module_summary_has(ctx, _counted_method_names, node.func.id):
            yield self.report(node, ctx, name=node.func.id)


def test_an_edit_summarises_only_the_statements_it_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Module summaries are kept per statement: after an edit in one function only that function is summarised again."""
    rules = (CountingSummaryProbe(),)
    rule_set = RuleSet(Settings(), rules, Walker(rules), frozenset({"XX806"}))
    monkeypatch.setattr(incremental, "rule_set_for", lambda settings: rule_set)
    monkeypatch.setattr(analysis, "rule_set_for", lambda settings: rule_set)
    SUMMARISED.clear()
    analyser = IncrementalAnalyser("m.py")
    analyser.analyse(SOURCE)
    assert sorted(set(SUMMARISED)) == ["Tools", *(f"f_{i}" for i in range(6))]
    SUMMARISED.clear()
    edited = SOURCE.replace("+ 3\n", "+ 33\n")
    analyser.analyse(edited, settle=False)
    analyser.analyse(edited)
    assert SUMMARISED == ["f_3"]
    assert analyser.analyse(edited).findings == analyse_source(edited, "m.py").findings
