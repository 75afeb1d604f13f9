"""What checking many files costs: one parse per file, shared by the analysis and its fixes; the collector's freeze ends with the run."""

from __future__ import annotations

import ast
import gc
from pathlib import Path

import pytest

from review_ls.config import Settings
from review_ls.runner import FileTask, check_file, check_files

# Two fixable findings (RV203: requests called in a loop without a session).
TWO_FIXABLE = """
import requests

def notify(hooks):
    for hook in hooks:
        requests.post(hook)
    for hook in hooks:
        requests.get(hook)
"""


def test_analysis_and_fixes_share_one_parse_of_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "svc.py"
    path.write_text(TWO_FIXABLE, encoding="utf-8")
    parsed_texts: list[str] = []
    real_parse = ast.parse

    def counting_parse(source, *args, **kwargs):
        parsed_texts.append(source)
        return real_parse(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting_parse)
    report = check_file(FileTask(str(path), Settings(), with_fixes=True))

    assert [f.code for f in report.findings] == ["RV203", "RV203"]
    assert sorted(report.fixes) == [0, 1]  # both fixes computed...
    assert parsed_texts.count(TWO_FIXABLE) == 1  # ...from the one parse of the file (each fixed text is parsed to check it)


def test_a_run_freezes_long_lived_objects_only_while_it_lasts(tmp_path: Path) -> None:
    path = tmp_path / "svc.py"
    path.write_text(TWO_FIXABLE, encoding="utf-8")
    gc.unfreeze()  # what an earlier test in this process froze (the server's start-up freezes the rules)
    assert gc.get_freeze_count() == 0
    frozen_during: list[int] = []
    for report in check_files([FileTask(str(path), Settings())], jobs=1):
        frozen_during.append(gc.get_freeze_count())
        assert report.findings
    assert frozen_during and frozen_during[0] > 0  # the rules and the index are kept out of collections...
    assert gc.get_freeze_count() == 0  # ...and collected normally again once the run is over
