"""A rule's findings never depend on which other rules are selected (issue #13).

The CLI builds the project index only when an enabled rule `needs` it; a rule that reads the
project without declaring it would lose findings when selected alone. Every rule is run alone,
within its family and with all rules, over its examples (each a project of its own) and the
project fixtures, and must report the same findings each time.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from review_ls.cli import main
from review_ls.engine.rule import Invalid, Rule, Valid
from review_ls.rules import all_rules

FIXTURE_PROJECTS = sorted((Path(__file__).parents[1] / "fixtures" / "projects").iterdir())
_FIXTURES = "fixtures"  # the corpus key of the copied fixture projects

Finding = tuple[str, str, int, int, str]


def _examples(rule: type[Rule]) -> Iterator[Valid | Invalid]:
    yield from rule.valid_examples()
    yield from rule.invalid


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Each rule's examples written as project folders of their own, by rule code."""
    root = tmp_path_factory.mktemp("examples")
    # jedi off: its answers depend on time budgets (a loaded machine runs out in one run and not in
    # another), and the comparison must measure the selection, not the machine. The index facts the
    # RV7 rules read first are still compared.
    budgets = "".join(f'[tool.review-ls.options.{rule.code}]\njedi-budget-ms = 0\n' for rule in all_rules() if any(o.name == "jedi-budget-ms" for o in rule.options))
    (root / "pyproject.toml").write_text(budgets, encoding="utf-8")
    folders: dict[str, list[Path]] = {}
    for rule in all_rules():
        for number, example in enumerate(_examples(rule)):
            folder = root / f"{rule.code}-{number}"
            for path, source in example.project_sources().items():
                target = folder / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(source, encoding="utf-8")
            folders.setdefault(rule.code, []).append(folder)
    for project in FIXTURE_PROJECTS:  # copied under the same configuration (jedi off)
        shutil.copytree(project, root / "fixtures" / project.name)
    folders[_FIXTURES] = sorted((root / "fixtures").iterdir())
    return folders


def _findings(select: str, folders: list[Path], capsys: pytest.CaptureFixture[str]) -> dict[str, set[Finding]]:
    """The findings of `review-ls check --select <select>` over the folders, by code."""
    capsys.readouterr()
    exit_code = main(["check", "--no-cache", "--jobs", "1", "--format", "json", "--select", select, *map(str, folders)])
    output = capsys.readouterr().out
    assert exit_code in (0, 1), output
    by_code: dict[str, set[Finding]] = {}
    for item in json.loads(output):
        key = (item["filename"], item["message"], item["location"]["row"], item["location"]["column"], item["code"])
        by_code.setdefault(item["code"], set()).add(key)
    return by_code


def _within(findings: set[Finding], folders: list[Path]) -> set[Finding]:
    return {f for f in findings if any(Path(f[0]).is_relative_to(folder) for folder in folders)}


def test_findings_do_not_depend_on_the_other_selected_rules(corpus: dict[str, list[Path]], capsys: pytest.CaptureFixture[str]) -> None:
    """Alone, the rule runs over its own examples and the fixtures; with others, over every example."""
    rules = [rule for rule in all_rules() if rule.code[2] != "0"]
    everything = [folder for folders in corpus.values() for folder in folders]
    together = _findings("RV", everything, capsys)
    families: dict[str, dict[str, set[Finding]]] = {}
    differences = []
    for rule in rules:
        family = rule.code[:3]
        if family not in families:
            families[family] = _findings(family, everything, capsys)
        own = corpus[rule.code] + corpus[_FIXTURES]
        alone = _findings(rule.code, own, capsys).get(rule.code, set())
        in_family = _within(families[family].get(rule.code, set()), own)
        with_all = _within(together.get(rule.code, set()), own)
        if not alone == in_family == with_all:
            differences.append(f"{rule.code}: alone {len(alone)}, in {family} {len(in_family)}, with all {len(with_all)}: {sorted(alone ^ with_all)}")
    assert differences == []
    assert sum(map(len, together.values())) > len(rules), "the corpus should produce findings of many rules"


def test_rule_reading_the_index_reports_when_selected_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The two-file project of issue #13: numpy imported at the top of a.py and inside a function of b.py."""
    (tmp_path / "a.py").write_text("import numpy as np\n\n\ndef f():\n    return np.zeros(3)\n")
    (tmp_path / "b.py").write_text("def g():\n    import numpy\n\n    return numpy.ones(2)\n")
    in_family = _findings("RV4", [tmp_path], capsys).get("RV406", set())
    alone = _findings("RV406", [tmp_path], capsys).get("RV406", set())
    assert [(Path(f[0]).name, f[2]) for f in alone] == [("b.py", 2)]
    assert alone == in_family
