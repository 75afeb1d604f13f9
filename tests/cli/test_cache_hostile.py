"""A cache folder from an untrusted checkout: links, FIFOs, devices, huge or deep entries (issue #18 items 3, 7, 8)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from review_ls.cache import CACHE_DIR_NAME, CachedResult, open_cache, read_regular_file
from review_ls.cli import main
from review_ls.engine.model import Finding, Severity, Span

LOOP_REQUESTS = """\
import requests


def notify(hooks):
    for hook in hooks:
        requests.post(hook)
"""

FINDING = Finding("RV201", "n", "m", Span(1, 0, 1, 1), Severity.WARNING, 1)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(write, tmp_path: Path) -> Path:
    """A project in tmp_path/project and an outside folder tmp_path/outside."""
    write("project/svc.py", LOOP_REQUESTS)
    (tmp_path / "outside").mkdir()
    return tmp_path / "project"


def test_a_linked_cache_folder_is_refused_and_nothing_is_written_outside(project, capsys, monkeypatch) -> None:
    outside = project.parent / "outside"
    (project / CACHE_DIR_NAME).symlink_to(outside)
    monkeypatch.chdir(project)
    code, out, err = run(capsys, "check", ".")
    assert code == 1 and "RV203" in out
    assert "not caching results" in err and "symbolic link" in err
    assert list(outside.iterdir()) == []


def test_a_dangling_gitignore_link_in_the_cache_folder_is_not_followed(project, capsys, monkeypatch) -> None:
    target = project.parent / "outside" / "created-by-review-ls"
    cache_dir = project / CACHE_DIR_NAME
    cache_dir.mkdir()
    (cache_dir / ".gitignore").symlink_to(target)
    monkeypatch.chdir(project)
    code, out, err = run(capsys, "check", ".")
    assert code == 1 and "RV203" in out and "not caching results" in err
    assert not os.path.lexists(target)


def test_a_linked_entries_folder_is_replaced_by_a_real_one(project, capsys, monkeypatch) -> None:
    outside = project.parent / "outside"
    monkeypatch.chdir(project)
    run(capsys, "check", ".")
    # Its name, the fingerprint, is predictable. (Not glob("*/"): before 3.11 that matches files too.)
    (entries,) = [path for path in (project / CACHE_DIR_NAME).iterdir() if path.is_dir()]
    for entry in entries.iterdir():
        entry.unlink()
    entries.rmdir()
    entries.symlink_to(outside)
    code, out, _ = run(capsys, "check", ".")
    assert code == 1 and "RV203" in out
    assert list(outside.iterdir()) == []
    assert not entries.is_symlink() and list(entries.glob("*.json"))


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "deep-json", "unsigned", "over-size"])
def test_crafted_entries_are_rejected_before_parsing(project, kind: str, monkeypatch) -> None:
    cache = open_cache(project / CACHE_DIR_NAME)
    cache.store("k", CachedResult([FINDING], None, ()))
    assert cache.load("k", need_fixes=False) is not None
    entry = cache.entries / "k.json"
    entry.unlink()
    if kind == "fifo":
        os.mkfifo(entry)
    elif kind == "dev-zero":
        entry.symlink_to("/dev/zero")
    elif kind == "deep-json":
        entry.write_bytes(b"[" * 200_000 + b"]" * 200_000)
    elif kind == "unsigned":
        entry.write_bytes(b'{"format":2,"mac":"' + b"0" * 64 + b'","entry":{"key":"k","findings":[],"fixes":null,"internal_errors":[]}}')
    else:
        monkeypatch.setattr("review_ls.cache.MAX_ENTRY_BYTES", 10)
        cache.store("k", CachedResult([FINDING], None, ()))
    assert cache.load("k", need_fixes=False) is None


def test_read_regular_file_refuses_links_fifos_and_big_files(tmp_path: Path) -> None:
    (tmp_path / "small").write_bytes(b"abc")
    assert read_regular_file(tmp_path / "small", 3) == b"abc"
    with pytest.raises(OSError, match="over 2 bytes"):
        read_regular_file(tmp_path / "small", 2)
    (tmp_path / "link").symlink_to(tmp_path / "small")
    with pytest.raises(OSError):
        read_regular_file(tmp_path / "link", 10)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(OSError, match="not a regular file"):
        read_regular_file(tmp_path / "fifo", 10)


def test_clean_with_a_linked_cache_folder_is_a_one_line_error(project, capsys, monkeypatch) -> None:
    outside = project.parent / "outside"
    open_cache(outside / CACHE_DIR_NAME)
    (project / CACHE_DIR_NAME).symlink_to(outside / CACHE_DIR_NAME)
    monkeypatch.chdir(project)
    code, _, err = run(capsys, "clean")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "symbolic link" in err
    assert (outside / CACHE_DIR_NAME / "CACHEDIR.TAG").is_file()
