"""Rules off by default (issue #15): the default run leaves them out; `select`, a prefix or `extend-select` enables them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from review_ls.cli import main
from review_ls.config import ConfigError, Settings, parse_config_table
from review_ls.docs import rule_markdown
from review_ls.engine.rule import Rule
from review_ls.options_schema import ClientOptions
from review_ls.rules import all_rules, default_off_codes
from review_ls.server.settings import fill_in_settings, merge_settings

ROOT = Path("/project")
OFF = "RV303"  # sequential-await-fan-out: off by default
ON = "RV302"  # blocking-call-in-async: on by default

SEQUENTIAL_AWAITS = """\
import asyncio


async def broadcast(nodes, message):
    for node in nodes:
        await node.send(message)
    await asyncio.sleep(0)
"""


def enabled(table: dict[str, object]) -> set[str]:
    """The codes a `[tool.review-ls]` table enables, among RV302, RV303 and RV201."""
    settings = parse_config_table(table, root=ROOT, source="pyproject.toml").settings
    return {code for code in (ON, OFF, "RV201") if settings.is_enabled(code)}


def test_the_example_rules_are_on_and_off_by_default() -> None:
    assert OFF in default_off_codes() and ON not in default_off_codes()


def test_no_configuration_enables_the_default_set_only() -> None:
    assert enabled({}) == {ON, "RV201"}
    assert {code for code in (ON, OFF) if Settings().is_enabled(code)} == {ON}


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"select": ["ALL"]}, {ON, OFF, "RV201"}),
        ({"select": ["RV3"]}, {ON, OFF}),
        ({"select": [OFF]}, {OFF}),
        ({"extend-select": [OFF]}, {ON, OFF, "RV201"}),
        ({"select": ["ALL"], "ignore": ["RV30"]}, {"RV201"}),
        ({"ignore": ["RV2"]}, {ON}),
    ],
)
def test_explicit_selection_enables_rules_that_are_off_by_default(table: dict[str, object], expected: set[str]) -> None:
    assert enabled(table) == expected


def test_the_internal_default_selector_is_not_a_user_selector() -> None:
    with pytest.raises(ConfigError, match="unknown rule code or prefix 'DEFAULT'"):
        parse_config_table({"select": ["DEFAULT"]}, root=ROOT, source="pyproject.toml")


def test_an_editor_without_select_keeps_the_default_set() -> None:
    project = parse_config_table({}, root=ROOT, source="pyproject.toml").settings
    for merged in (merge_settings(project, ClientOptions()), fill_in_settings(project, ClientOptions())):
        assert merged.is_enabled(ON) and not merged.is_enabled(OFF)
    assert merge_settings(project, ClientOptions(select=("ALL",))).is_enabled(OFF)


def test_check_reports_an_off_rule_only_when_selected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "hub.py").write_text(SEQUENTIAL_AWAITS, encoding="utf-8")
    runs = {}
    for extra in ([], ["--extend-select", OFF], ["--select", "ALL"]):
        capsys.readouterr()
        main(["check", "--no-cache", "--format", "json", *extra, str(tmp_path)])
        runs[tuple(extra)] = {item["code"] for item in json.loads(capsys.readouterr().out)}
    assert runs[()] == set()
    assert runs[("--extend-select", OFF)] == {OFF} == runs[("--select", "ALL")]


def test_rules_lists_on_and_off(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    rows = {row["code"]: row["default"] for row in json.loads(capsys.readouterr().out)}
    assert rows == {rule.code: "on" if rule.default_enabled else "off" for rule in all_rules()}
    assert rows[OFF] == "off" and rows[ON] == "on"


@pytest.mark.parametrize("rule", [r for r in all_rules() if not r.default_enabled], ids=lambda r: r.code)
def test_every_rule_off_by_default_says_why_in_its_docs(rule: type[Rule]) -> None:
    page = rule_markdown(rule)
    assert "**Off by default**" in page and f'extend-select = ["{rule.code}"]' in page
    assert rule.precision_note and "Precision on real applications" in page
