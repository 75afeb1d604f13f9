"""The precision scorer matches current findings to judged ones by location, or by line text when they moved."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmark_modules import load_benchmark  # same folder: pytest puts it on sys.path

pj = load_benchmark("precision_judgements")


def finding(line: int, text: str, code: str = "RV302", path: str = "app/api.py") -> object:
    """A synthetic finding on `line` whose source text is `text`."""
    return pj.CorpusFinding("org/app", "c0ffee", path, line, code, pj.line_sha(text))


def judgement(line: int, text: str, verdict: str, code: str = "RV302", path: str = "app/api.py") -> object:
    """A synthetic judgement of the finding on `line` with source text `text`."""
    return pj.Judgement("org/app", "c0ffee", path, line, code, pj.line_sha(text), verdict, "reason")


def test_exact_location_matches() -> None:
    found = finding(10, "time.sleep(1)")
    matched, unjudged = pj.match([found], [judgement(10, "time.sleep(1)", "TP")])
    assert matched[found].verdict == "TP"
    assert unjudged == []


def test_moved_finding_matches_when_line_text_is_identical() -> None:
    found = finding(14, "    time.sleep(1)  ")
    matched, unjudged = pj.match([found], [judgement(10, "time.sleep(1)", "FP")])
    assert matched[found].verdict == "FP"
    assert unjudged == []


def test_moved_finding_with_changed_text_is_unjudged() -> None:
    found = finding(14, "time.sleep(2)")
    matched, unjudged = pj.match([found], [judgement(10, "time.sleep(1)", "TP")])
    assert matched == {}
    assert unjudged == [found]


def test_same_line_with_changed_text_is_unjudged() -> None:
    found = finding(10, "requests.get(url)")
    matched, unjudged = pj.match([found], [judgement(10, "time.sleep(1)", "TP")])
    assert matched == {}
    assert unjudged == [found]


def test_other_rule_or_file_does_not_match() -> None:
    other_rule = finding(10, "time.sleep(1)", code="RV303")
    other_file = finding(10, "time.sleep(1)", path="app/worker.py")
    matched, unjudged = pj.match([other_rule, other_file], [judgement(10, "time.sleep(1)", "TP")])
    assert matched == {}
    assert unjudged == [other_rule, other_file]


def test_each_judgement_is_used_once_and_nearest_line_wins() -> None:
    first, second = finding(20, "x()"), finding(40, "x()")
    near_second = judgement(38, "x()", "FP")
    near_first = judgement(21, "x()", "TP")
    matched, unjudged = pj.match([first, second], [near_second, near_first])
    assert matched[first].verdict == "TP"
    assert matched[second].verdict == "FP"
    assert unjudged == []
    third = finding(60, "x()")
    matched, unjudged = pj.match([first, second, third], [near_second, near_first])
    assert unjudged == [third]


def test_score_counts_debatable_as_not_true_positive() -> None:
    findings = [finding(1, "a()"), finding(2, "b()"), finding(3, "c()"), finding(4, "d()")]
    judgements = [judgement(1, "a()", "TP"), judgement(2, "b()", "FP"), judgement(3, "c()", "debatable")]
    matched, unjudged = pj.match(findings, judgements)
    (rule,) = pj.score(findings, matched)
    assert (rule.findings, rule.judged, rule.tp, rule.fp, rule.debatable) == (4, 3, 1, 1, 1)
    assert rule.precision == pytest.approx(1 / 3)
    assert unjudged == [findings[3]]
    assert pj.overall([rule]).precision == pytest.approx(1 / 3)


def test_rule_without_judgements_has_no_precision() -> None:
    findings = [finding(1, "a()", code="RV101")]
    (rule,) = pj.score(findings, {})
    assert rule.precision is None


def test_read_judgements_rejects_unknown_verdict(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    pj.write_rows(path, [["org/app", "c0ffee", "app/api.py", 3, "RV302", "abc", "maybe", "unsure"]])
    with pytest.raises(ValueError, match=r"bad\.tsv:2: verdict"):
        pj.read_judgements([path])


def test_written_rows_read_back(tmp_path: Path) -> None:
    path = tmp_path / "ok.tsv"
    pj.write_rows(path, [["org/app", "c0ffee", "app/api.py", 3, "RV302", "abc", "TP", "sleep in a route"]])
    (read,) = pj.read_judgements([path])
    assert (read.line, read.verdict, read.reason) == (3, "TP", "sleep in a route")
