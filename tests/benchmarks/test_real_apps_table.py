"""docs/precision.md reports the precision of the default set (rules on by default) and of all rules (issue #15)."""

from __future__ import annotations

from benchmark_modules import load_benchmark  # same folder: pytest puts it on sys.path

real_apps = load_benchmark("real_apps")
RuleScore = load_benchmark("precision_judgements").RuleScore

SCORES = [
    RuleScore("RV000", 5, 5, 0, 5, 0),  # not scored
    RuleScore("RV302", 40, 30, 28, 1, 1),  # on: 0.93
    RuleScore("RV303", 6, 6, 0, 3, 3),  # off
    RuleScore("RV405", 5, 5, 5, 0, 0),  # on: 1.00
    RuleScore("RV802", 60, 6, 5, 1, 0),  # on, but fewer than 8 judged of 60 findings
]


def table() -> str:
    severities = {"RV000": "error", "RV302": "warning", "RV303": "hint", "RV405": "warning", "RV802": "hint"}
    return real_apps.precision_table(SCORES, kloc=1.0, projects=1, severities=severities, default_on=frozenset({"RV000", "RV302", "RV405", "RV802"}))


def test_the_default_set_leaves_out_rules_off_by_default_and_unscored_codes() -> None:
    text = table()
    assert "| **default set** | | | 105 | 41 | 38 | 2 | 1 | 0.93 |" in text
    assert "| **all rules** | | | 111 | 47 | 38 | 5 | 4 | 0.81 |" in text
    assert "Precision of the default set" in text and "**0.93** over 41 judged findings" in text
    assert "| RV303 | off | hint |" in text and "| RV302 | on | warning |" in text


def test_default_rules_below_the_bar_are_named() -> None:
    assert "(precision < 0.90, or fewer than 8 judged where they fire 8 times or more): RV802." in table()


def test_below_bar() -> None:
    assert real_apps.below_bar(RuleScore("RV1", 3, 3, 3, 0, 0)) is False  # all of its few findings judged
    assert real_apps.below_bar(RuleScore("RV1", 9, 7, 7, 0, 0)) is True  # fires 9 times, only 7 judged
    assert real_apps.below_bar(RuleScore("RV1", 20, 10, 8, 1, 1)) is True  # 0.80
    assert real_apps.below_bar(RuleScore("RV1", 0, 0, 0, 0, 0)) is False  # never fires
