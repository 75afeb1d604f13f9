"""The README's set-up section shows exactly what `review-ls check examples/` prints, and that it exits 1."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from review_ls.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_readme_states_what_the_setup_check_prints(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    assert "pip install -e . && review-ls check examples/" in setup and "exits with status 1" in setup
    documented = re.search(r"```text\n(.*?)```", setup, re.S)
    assert documented is not None
    monkeypatch.chdir(ROOT)
    assert main(["check", "examples/", "--no-cache"]) == 1
    assert capsys.readouterr().out == documented.group(1)
