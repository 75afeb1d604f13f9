"""A project whose requires-python is newer than the running Python is told so once per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from review_ls.cli import main
from review_ls.python_target import minimum_python, newer_target_notice, newer_target_notices


@pytest.mark.parametrize(
    ("specifier", "expected"),
    [(">=3.12", (3, 12)), (">=3.10,<4", (3, 10)), ("~=3.13.1", (3, 13)), (">3.11", (3, 12)), ("==3.14.*", (3, 14)), ("<4", None)],
)
def test_minimum_python_reads_the_lower_bound(specifier: str, expected: tuple[int, int] | None) -> None:
    assert minimum_python(specifier) == expected


def write_project(root: Path, requires_python: str, files: int = 2) -> None:
    """A project with `requires-python` and `files` trivial modules."""
    (root / "pyproject.toml").write_text(f'[project]\nname = "demo"\nrequires-python = "{requires_python}"\n')
    for index in range(files):
        (root / f"module_{index}.py").write_text("VALUE = 1\n")


def test_notice_names_the_target_and_the_running_python(tmp_path: Path) -> None:
    write_project(tmp_path, ">=3.13")
    notice = newer_target_notice(tmp_path, running=(3, 10))
    assert notice is not None
    assert "targets Python 3.13" in notice and "runs on Python 3.10" in notice and "python3.13 -m review_ls" in notice


def test_no_notice_when_the_running_python_is_new_enough(tmp_path: Path) -> None:
    write_project(tmp_path, ">=3.10")
    assert newer_target_notice(tmp_path, running=(3, 10)) is None
    assert newer_target_notices([tmp_path / "module_0.py"], running=(3, 13)) == []


def test_check_warns_once_per_run_for_a_newer_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, ">=3.99", files=3)
    assert main(["check", "--no-cache", str(tmp_path)]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "requires-python" in line]
    assert len(warnings) == 1
    assert "targets Python 3.99" in warnings[0]
