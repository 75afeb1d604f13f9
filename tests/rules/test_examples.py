"""Tests generated from every registered rule's VALID and INVALID examples.

An INVALID example states every finding the rule must produce on it (lines, optionally the
message and the fixed code) and nothing else may appear; a VALID example produces no finding of
the rule. Examples with other `files` are analysed with an index of their whole project.
"""

from __future__ import annotations

import ast

import pytest

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.fixes import apply_edits, compute_fix, fix_source
from review_ls.engine.model import AnalysisResult
from review_ls.engine.rule import Invalid, Rule, Valid
from review_ls.project import ProjectIndex
from review_ls.rules import all_rules


def _only(rule: type[Rule]) -> Settings:
    return Settings(select=(rule.code,))


def _project(example: Valid | Invalid) -> ProjectIndex | None:
    """An index of the example's project when it has other files (else the rules index the file alone)."""
    return ProjectIndex.from_sources(example.project_sources()) if example.files else None


def _analyse(example: Valid | Invalid, settings: Settings) -> AnalysisResult:
    return analyse_source(example.source, example.path, settings, _project(example))


def _valid_cases() -> list[tuple[type[Rule], Valid]]:
    return [(rule, example) for rule in all_rules() for example in rule.valid_examples()]


def _invalid_cases() -> list[tuple[type[Rule], Invalid]]:
    return [(rule, example) for rule in all_rules() for example in rule.invalid]




@pytest.mark.parametrize(
    ("rule", "example"), _valid_cases(), ids=[f"{r.code}-valid-{i}" for i, (r, _) in enumerate(_valid_cases())]
)
def test_valid_example_is_silent(rule: type[Rule], example: Valid) -> None:
    result = _analyse(example, _only(rule))
    assert [f for f in result.all_findings if f.code == rule.code] == []
    assert result.internal_errors == ()


@pytest.mark.parametrize(
    ("rule", "example"), _invalid_cases(), ids=[f"{r.code}-invalid-{i}" for i, (r, _) in enumerate(_invalid_cases())]
)
def test_invalid_example_is_found_and_fixed(rule: type[Rule], example: Invalid) -> None:
    settings = _only(rule)
    result = _analyse(example, settings)
    assert result.internal_errors == ()
    reported = sorted((f.code, f.span.line) for f in result.all_findings)
    assert reported == [(rule.code, line) for line in example.lines], "the example must state every finding it produces"
    finding = next(f for f in result.all_findings if f.span.line == example.line)
    assert finding.message and finding.name == rule.name
    if example.message is not None:
        assert finding.message == example.message
    expected = example.fixed_source
    if expected is None:
        return
    assert finding.fixable, f"{rule.code}: the example expects a fix but the finding is not fixable"
    fix = compute_fix(example.source, finding, example.path, settings, _project(example))
    assert fix is not None
    fixed = apply_edits(example.source, fix.edits)
    assert fixed == expected
    ast.parse(fixed)
    again = fix_source(fixed, example.path, settings, _project(example), unsafe=True)
    assert again.source == fixed, "applying the fixes a second time changed the code"


@pytest.mark.parametrize("rule", all_rules(), ids=[r.code for r in all_rules()])
def test_rule_is_documented_with_examples(rule: type[Rule]) -> None:
    assert rule.code and rule.name and rule.message
    assert rule.docs.what.strip() and rule.docs.why.strip() and rule.docs.fix.strip()
    assert rule.valid, f"{rule.code} has no VALID example"
    assert rule.invalid, f"{rule.code} has no INVALID example"
    if rule.fixable():
        assert any(example.fixed is not None for example in rule.invalid), f"{rule.code} has a fix but no example of it"


def test_rule_codes_and_names_are_unique() -> None:
    rules = all_rules()
    assert len({r.code for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
