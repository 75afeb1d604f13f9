"""The friendly CLI: `rules` fix kinds, `explain` on a terminal and through a pager, the progress bar, the global jedi switch."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

from review_ls import terminal
from review_ls.cli import main
from review_ls.cli_progress import progress_wanted, with_progress
from review_ls.config import ConfigError, parse_config_table
from review_ls.rules import all_rules


class _Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_rules_table_shows_declared_fix_applicability_or_advice(capsys) -> None:
    assert main(["rules"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    for rule in all_rules():
        expected = rule.fix_applicability.value if rule.fixable() else "advice"
        assert rows[rule.code][2:] == [expected, rule.severity.value, "on" if rule.default_enabled else "off"]
    assert {row[2] for row in rows.values()} == {"safe", "unsafe", "advice"}


def test_rules_json_has_the_fix_kind(capsys) -> None:
    assert main(["rules", "--format", "json"]) == 0
    rows = {row["code"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["RV201"]["fix"] == "safe" and rows["RV202"]["fix"] == "unsafe" and rows["RV301"]["fix"] == "advice"


def test_explain_piped_is_plain_markdown_without_escape_codes(capsys) -> None:
    assert main(["explain", "RV201"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# RV201 client-in-loop") and "\x1b[" not in out


def test_explain_on_a_terminal_renders_markdown(monkeypatch) -> None:
    out = _Terminal()
    monkeypatch.setattr("shutil.get_terminal_size", lambda: os.terminal_size((100, 10_000)))
    terminal.show_markdown("# Title\n\nSome **bold** text.\n", out)
    text = out.getvalue()
    assert "\x1b[" in text and "# Title" not in text and "**bold**" not in text and "bold" in text


def test_explain_longer_than_the_screen_goes_through_the_pager(monkeypatch, tmp_path: Path) -> None:
    captured = tmp_path / "paged.txt"
    pager = tmp_path / "pager.py"
    pager.write_text(f"import sys\nopen({str(captured)!r}, 'w').write(sys.stdin.read())\n")
    monkeypatch.setenv("PAGER", f"{sys.executable} {pager}")
    monkeypatch.setattr("shutil.get_terminal_size", lambda: os.terminal_size((80, 5)))
    out = _Terminal()
    terminal.show_markdown("\n\n".join(f"paragraph {i}" for i in range(20)), out)
    assert out.getvalue() == "" and "paragraph 19" in captured.read_text()


def test_explain_shorter_than_the_screen_is_not_paged(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PAGER", f"{sys.executable} -c 'raise SystemExit(3)'")
    monkeypatch.setattr(terminal, "page", lambda text: pytest.fail("paged a short text"))
    monkeypatch.setattr("shutil.get_terminal_size", lambda: os.terminal_size((80, 50)))
    out = _Terminal()
    terminal.show_markdown("short", out)
    assert "short" in out.getvalue()


def test_missing_pager_prints_the_text(monkeypatch) -> None:
    monkeypatch.setenv("PAGER", "no-such-pager-anywhere")
    monkeypatch.setattr("shutil.get_terminal_size", lambda: os.terminal_size((80, 3)))
    out = _Terminal()
    terminal.show_markdown("\n\n".join(f"line {i}" for i in range(10)), out)
    assert "line 9" in out.getvalue()


class _Clock:
    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_progress_is_drawn_after_a_second_and_erased_at_the_end() -> None:
    stream = _Terminal()
    items = list(with_progress(range(50), 50, stream, enabled=True, clock=_Clock(0.05)))
    assert items == list(range(50))
    text = stream.getvalue()
    drawn = [int(part.split("] ")[1].split("/")[0]) for part in text.split("\r") if part.startswith("[")]
    assert drawn[0] == 20 and drawn[-1] == 50  # the 20th item is the first one after a second; the last is always drawn
    assert text.endswith("\r\x1b[2K")


def test_progress_stays_silent_for_short_runs_and_when_disabled() -> None:
    stream = _Terminal()
    assert list(with_progress(range(5), 5, stream, enabled=True, clock=_Clock(0.01))) == list(range(5))
    assert stream.getvalue() == ""
    assert list(with_progress(range(50), 50, stream, enabled=False, clock=_Clock(1.0))) == list(range(50))
    assert stream.getvalue() == ""


def test_progress_only_on_a_terminal_and_never_for_machine_readable_output() -> None:
    assert progress_wanted(_Terminal(), "text", writes_to_file=False)
    assert not progress_wanted(io.StringIO(), "text", writes_to_file=False)
    assert not progress_wanted(_Terminal(), "json", writes_to_file=False)
    assert not progress_wanted(_Terminal(), "sarif", writes_to_file=False)
    assert progress_wanted(_Terminal(), "json", writes_to_file=True)


def test_check_with_json_output_writes_no_progress(write, tmp_path, capsys, monkeypatch) -> None:
    for index in range(3):
        write(f"m{index}.py", "import requests\nfor h in []:\n    requests.post(h)\n")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert main(["check", str(tmp_path), "--format", "json", "--no-cache"]) == 1
    out, err = capsys.readouterr()
    assert len(json.loads(out)) == 3 and "files" not in err


def _budgets(table: dict) -> dict[str, int]:
    settings = parse_config_table(table, root=Path("."), source="pyproject.toml").settings
    return {code: dict(values)["jedi-budget-ms"] for code, values in settings.options if "jedi-budget-ms" in dict(values)}


def test_global_jedi_budget_applies_to_every_rule_that_uses_jedi() -> None:
    jedi_rules = {r.code for r in all_rules() if any(o.name == "jedi-budget-ms" for o in r.options)}
    assert jedi_rules  # the RV7 rules
    assert _budgets({"jedi-budget-ms": 50}) == dict.fromkeys(jedi_rules, 50)
    assert _budgets({"jedi": False}) == dict.fromkeys(jedi_rules, 0)
    assert _budgets({"jedi": True}) == dict.fromkeys(jedi_rules, 200)


def test_per_rule_jedi_budget_overrides_the_global_one() -> None:
    budgets = _budgets({"jedi": False, "options": {"RV702": {"jedi-budget-ms": 300}}})
    assert budgets.pop("RV702") == 300 and set(budgets.values()) == {0}


def test_without_global_keys_the_options_are_unchanged() -> None:
    table = {"options": {"RV702": {"jedi-budget-ms": 300}}}
    assert parse_config_table(table, root=Path("."), source="p").settings.options == (("RV702", (("jedi-budget-ms", 300),)),)


@pytest.mark.parametrize(
    ("table", "key"),
    [({"jedi": "yes"}, "jedi"), ({"jedi-budget-ms": -1}, "jedi-budget-ms"), ({"jedi-budget-ms": 1.5}, "jedi-budget-ms"), ({"jedi-budget-ms": True}, "jedi-budget-ms")],
)
def test_invalid_global_jedi_settings_are_one_line_errors(table: dict, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config_table(table, root=Path("."), source="pyproject.toml")
    assert caught.value.key == key and "\n" not in str(caught.value)


def test_invalid_global_jedi_setting_exits_two(write, tmp_path, capsys) -> None:
    write("pyproject.toml", "[tool.review-ls]\njedi-budget-ms = -5\n")
    write("a.py", "x = 1\n")
    assert main(["check", str(tmp_path)]) == 2
    assert "jedi-budget-ms" in capsys.readouterr().err
