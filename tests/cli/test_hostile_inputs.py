"""Hostile paths, files and settings on the command line: one-line errors and exit 2, never a hang or a traceback (issue #18 items 7, 10)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from review_ls.cli import main
from review_ls.files import SourceReadError, read_source

LOOP_REQUESTS = """\
import requests


def notify(hooks):
    for hook in hooks:
        requests.post(hook)
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("review-ls: error: "), err
    return lines[0]


@pytest.mark.parametrize("given", ["folder", "file"])
def test_a_fifo_named_like_python_is_an_error_not_a_hang(tmp_path: Path, capsys, given: str) -> None:
    (tmp_path / "svc.py").write_text(LOOP_REQUESTS, encoding="utf-8")
    os.mkfifo(tmp_path / "x.py")
    code, _, err = run(capsys, "check", "--no-cache", "." if given == "folder" else "x.py")
    assert code == 2
    assert "x.py: not a regular file" in one_line_error(err)


def test_a_symlink_loop_named_like_python_is_an_error_not_a_traceback(tmp_path: Path, capsys) -> None:
    (tmp_path / "svc.py").write_text(LOOP_REQUESTS, encoding="utf-8")
    (tmp_path / "loop.py").symlink_to(tmp_path / "loop.py")
    code, _, err = run(capsys, "check", "--no-cache", ".")
    assert code == 2
    assert "loop.py: Too many levels of symbolic links" in one_line_error(err)
    code, _, err = run(capsys, "check", "--no-cache", "loop.py")
    assert code == 2 and "loop.py" in one_line_error(err)


def test_the_index_skips_a_fifo_with_a_warning(tmp_path: Path, capsys) -> None:
    from review_ls.project.index import build_index

    (tmp_path / "svc.py").write_text(LOOP_REQUESTS, encoding="utf-8")
    os.mkfifo(tmp_path / "x.py")
    index = build_index([tmp_path])
    assert index is not None
    assert "warning: skipped" in capsys.readouterr().err
    with pytest.raises(SourceReadError, match="not a regular file"):
        read_source(tmp_path / "x.py")  # never blocks on the FIFO


def test_an_unreadable_folder_is_warned_about(tmp_path: Path, capsys, monkeypatch) -> None:
    (tmp_path / "svc.py").write_text(LOOP_REQUESTS, encoding="utf-8")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "hidden.py").write_text(LOOP_REQUESTS, encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:  # root ignores chmod 000: simulate it
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out, err = run(capsys, "check", "--no-cache", ".")
    assert code == 1 and "svc.py" in out and "hidden.py" not in out
    assert "warning: skipped folder" in err and "locked: Permission denied" in err


def test_a_pyproject_that_is_not_utf8_is_a_config_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.review-ls]\n# caf\xe9\n")
    (tmp_path / "svc.py").write_text(LOOP_REQUESTS, encoding="utf-8")
    code, _, err = run(capsys, "check", "--no-cache", ".")
    assert code == 2
    assert "not valid UTF-8 (byte 0xe9" in one_line_error(err)


@pytest.mark.parametrize(
    ("table", "value"),
    [("RV506", "maxlen = -5"), ("RV701", "jedi-budget-ms = 9223372036854775807"), ("RV701", "jedi-budget-ms = -1")],
)
def test_numeric_options_out_of_range_are_rejected(tmp_path: Path, capsys, table: str, value: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.review-ls.options.{table}]\n{value}\n", encoding="utf-8")
    (tmp_path / "svc.py").write_text(LOOP_REQUESTS, encoding="utf-8")
    code, _, err = run(capsys, "check", "--no-cache", ".")
    assert code == 2
    assert "must be between 0 and 2147483647" in one_line_error(err)


@pytest.mark.parametrize(("encoding", "name"), [("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32")])
def test_wide_unicode_files_are_named_by_their_encoding(tmp_path: Path, encoding: str, name: str) -> None:
    path = tmp_path / "wide.py"
    path.write_bytes(("\ufeff" + LOOP_REQUESTS).encode(encoding))
    with pytest.raises(SourceReadError, match=f"the file is {name} "):
        read_source(path)
