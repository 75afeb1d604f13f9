"""`review-ls check` skips files over `max-file-size` with a one-line notice, without reading them whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from review_ls.cli import main
from review_ls.config import DEFAULT_MAX_FILE_SIZE

LOOP_REQUESTS = """
import requests

def notify(hooks):
    for hook in hooks:
        requests.post(hook)
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_file_over_the_configured_limit_is_skipped_with_a_one_line_notice(write, tmp_path: Path, capsys) -> None:
    write("pyproject.toml", "[tool.review-ls]\nmax-file-size = 200\n")
    write("small.py", LOOP_REQUESTS)
    big = write("big.py", "value = 1\n" * 100)
    code, out, err = run(capsys, "check", "--no-cache", str(tmp_path))
    assert code == 2  # like a read error: the file was not checked
    assert err.strip() == f"review-ls: error: {big}: skipped: 1,000 bytes is over the max-file-size of 200"
    assert "small.py" in out and "RV" in out  # the other files are still checked


def test_file_over_the_limit_is_not_read(write, tmp_path: Path, capsys, monkeypatch) -> None:
    write("pyproject.toml", "[tool.review-ls]\nmax-file-size = 200\n")
    write("big.py", "value = 1\n" * 100)
    read_sizes: list[int] = []
    original = Path.read_bytes

    def recording_read(self: Path) -> bytes:
        data = original(self)
        if self.suffix == ".py":
            read_sizes.append(len(data))
        return data

    monkeypatch.setattr(Path, "read_bytes", recording_read)
    code, _, _ = run(capsys, "check", "--no-cache", str(tmp_path))  # (the cache key hashes every file)
    assert code == 2
    assert 1000 not in read_sizes  # neither analysed nor indexed


def test_default_limit_is_the_servers(write, tmp_path: Path, capsys) -> None:
    from review_ls.server.options import DEFAULT_MAX_FILE_SIZE as server_default

    assert DEFAULT_MAX_FILE_SIZE == server_default
    write("a.py", "x = 1\n")
    code, out, _ = run(capsys, "check", "--no-cache", str(tmp_path))
    assert code == 0, out


@pytest.mark.parametrize("value", ['"5MB"', "0", "-1", "true", "1.5"])
def test_invalid_limit_is_a_one_line_config_error(write, tmp_path: Path, capsys, value: str) -> None:
    write("pyproject.toml", f"[tool.review-ls]\nmax-file-size = {value}\n")
    write("a.py", "x = 1\n")
    code, _, err = run(capsys, "check", str(tmp_path))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "max-file-size: must be a positive whole number of bytes" in err
