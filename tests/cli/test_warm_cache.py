"""The warm-cache shortcuts: `stat` signatures instead of reading unchanged files, the entries kept with the dependency table.

Each shortcut may only skip work; every change it could hide (an edit that keeps size and mtime, a
file moved over another, a configuration change, a file deleted or added) is still seen.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import review_ls.dependency_cache
import review_ls.stat_signature
from review_ls.cache import ResultCache
from review_ls.cli import main
from review_ls.stat_signature import RACY_WINDOW_NS, signature_of, worth_recording

HELPER = 'import requests\n\n\ndef synthesize(text):\n    return text.upper()  # as long as BLOCKING................\n'
BLOCKING = 'import requests\n\n\ndef synthesize(text):\n    return requests.post("https://tts.example.com", data=text)\n'
ROUTES = (
    "from fastapi import FastAPI\n\nfrom helper import synthesize\n\napp = FastAPI()\n\n\n"
    '@app.post("/speak")\nasync def speak(text: str):\n    return synthesize(text)\n'
)
UNRELATED = "async def ping():\n    return 'pong'\n"
ROUTE_BLOCKS = ("routes.py", "RV302", 10)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name, text in {"helper.py": HELPER, "routes.py": ROUTES, "unrelated.py": UNRELATED, "pyproject.toml": "[tool.review-ls]\n"}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def trusted_signatures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Record the signatures of files written a moment ago (the tests' files are all 'recent')."""
    monkeypatch.setattr(review_ls.stat_signature, "RACY_WINDOW_NS", 0)


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose bytes the dependency cache read to hash them."""
    paths: list[str] = []
    read = review_ls.dependency_cache._read

    def counting(path: Path) -> bytes | None:
        paths.append(path.name)
        return read(path)

    monkeypatch.setattr(review_ls.dependency_cache, "_read", counting)
    return paths


def check(capsys: pytest.CaptureFixture[str], *options: str) -> list[tuple[str, str, int]]:
    """Run `review-ls check .` (one process) and return (file, code, row) of each finding."""
    main(["check", ".", "--format", "json", "--jobs", "1", *options])
    return sorted((Path(f["filename"]).name, f["code"], f["location"]["row"]) for f in json.loads(capsys.readouterr().out))


def write_keeping_size_and_times(path: Path, text: str) -> None:
    """Replace a file's content by text of the same size and set its access and modification times back."""
    before = path.stat()
    assert len(text.encode()) == before.st_size
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_a_signature_is_recorded_only_for_a_file_that_changed_before_the_window() -> None:
    signature = (10, 5_000_000_000, 5_000_000_000, 1, 1)
    assert worth_recording(signature, 5_000_000_000 + RACY_WINDOW_NS + 1)
    assert not worth_recording(signature, 5_000_000_000 + RACY_WINDOW_NS)  # may share a clock tick with a later edit
    assert not worth_recording((10, 0, 5_000_000_000, 1, 1), 6_000_000_000), "a recent ctime counts even when mtime was set back"
    assert not worth_recording(None, 10**19)


def test_an_edit_that_keeps_size_and_mtime_changes_the_signature(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text("x = 1\n", encoding="utf-8")
    before = signature_of(str(path))
    time.sleep(0.01)  # the change time must move on (ns timestamps; a coarse clock ticks in a few ms)
    write_keeping_size_and_times(path, "x = 2\n")
    after = signature_of(str(path))
    assert before is not None and after is not None
    assert after[:2] == before[:2], "same size and mtime"
    assert after != before
    assert signature_of(str(tmp_path)) is None and signature_of(str(tmp_path / "missing.py")) is None


def test_a_run_without_changes_reads_no_source_file_and_no_entry_file(tree: Path, capsys, trusted_signatures, hashed, analysed, monkeypatch) -> None:
    expected = check(capsys)
    assert sorted(hashed) == ["helper.py", "routes.py", "unrelated.py"]
    hashed.clear()
    analysed.clear()
    monkeypatch.setattr(ResultCache, "load", lambda *args, **kwargs: pytest.fail("an entry file was read although the table holds the entry"))
    assert check(capsys) == expected
    assert hashed == [] and analysed == []


def test_a_recent_file_is_hashed_again_even_with_the_same_signature(tree: Path, capsys, hashed, monkeypatch) -> None:
    """Files written just now may change again within the same clock tick: their signature vouches for nothing yet."""
    monkeypatch.setattr(review_ls.stat_signature, "RACY_WINDOW_NS", 10**18)  # every file counts as changed just now
    check(capsys)
    hashed.clear()
    check(capsys)
    assert sorted(hashed) == ["helper.py", "routes.py", "unrelated.py"]


def test_an_edit_keeping_size_and_mtime_is_seen(tree: Path, capsys, trusted_signatures, analysed) -> None:
    assert ROUTE_BLOCKS not in check(capsys)
    time.sleep(0.01)
    write_keeping_size_and_times(tree / "helper.py", BLOCKING)
    analysed.clear()
    assert ROUTE_BLOCKS in check(capsys)
    assert sorted(analysed) == ["helper.py", "routes.py"]


def test_an_edit_keeping_size_and_mtime_changes_findings(tmp_path: Path, capsys, trusted_signatures) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.review-ls]\n", encoding="utf-8")
    loop = tmp_path / "svc.py"
    loop.write_text("import requests\n\n\ndef notify(hooks):\n    for hook in hooks:\n        requests.post(hook)\n", encoding="utf-8")
    assert ("svc.py", "RV203", 6) in check(capsys)
    time.sleep(0.01)
    write_keeping_size_and_times(loop, "import requests\n\n\ndef notify(hooks):\n    for hook in hooks:\n        print(hook)        \n")
    assert ("svc.py", "RV203", 6) not in check(capsys)


def test_a_file_moved_over_another_with_its_times_is_seen(tree: Path, capsys, trusted_signatures) -> None:
    assert ROUTE_BLOCKS not in check(capsys)
    helper = tree / "helper.py"
    replacement = tree / "replacement.txt"  # not a Python file: never checked itself
    replacement.write_text(BLOCKING, encoding="utf-8")
    before = helper.stat()
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, helper)
    after = helper.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert ROUTE_BLOCKS in check(capsys)


def test_the_table_entries_follow_a_dependency_change_and_back(tree: Path, capsys, trusted_signatures, analysed) -> None:
    check(capsys)
    (tree / "helper.py").write_text(BLOCKING, encoding="utf-8")
    analysed.clear()
    assert ROUTE_BLOCKS in check(capsys)
    assert sorted(analysed) == ["helper.py", "routes.py"]
    analysed.clear()
    assert ROUTE_BLOCKS in check(capsys)
    assert analysed == [], "the new entries were kept with the table"
    (tree / "helper.py").write_text(HELPER, encoding="utf-8")
    assert ROUTE_BLOCKS not in check(capsys)


def test_a_configuration_change_is_seen(tree: Path, capsys, trusted_signatures) -> None:
    (tree / "helper.py").write_text(BLOCKING, encoding="utf-8")
    assert ROUTE_BLOCKS in check(capsys)
    (tree / "pyproject.toml").write_text('[tool.review-ls]\nignore = ["RV302"]\n', encoding="utf-8")
    assert ROUTE_BLOCKS not in check(capsys)
    (tree / "pyproject.toml").write_text("[tool.review-ls]\n", encoding="utf-8")
    assert ROUTE_BLOCKS in check(capsys)
    assert ROUTE_BLOCKS not in check(capsys, "--ignore", "RV302")
    (tree / "pyproject.toml").write_text('[tool.review-ls]\nextend-exclude = ["routes.py"]\n', encoding="utf-8")
    assert not [finding for finding in check(capsys) if finding[0] == "routes.py"]


def test_a_deleted_and_a_new_file_are_seen(tree: Path, capsys, trusted_signatures) -> None:
    (tree / "helper.py").write_text(BLOCKING, encoding="utf-8")
    assert ROUTE_BLOCKS in check(capsys)
    (tree / "helper.py").unlink()
    found = check(capsys)
    assert ROUTE_BLOCKS not in found and not [f for f in found if f[0] == "helper.py"]
    (tree / "helper.py").write_text(BLOCKING, encoding="utf-8")
    (tree / "new.py").write_text("import requests\n\n\ndef notify(hooks):\n    for hook in hooks:\n        requests.post(hook)\n", encoding="utf-8")
    found = check(capsys)
    assert ROUTE_BLOCKS in found and ("new.py", "RV203", 6) in found


def test_a_forged_table_is_ignored_and_rewritten(tree: Path, capsys, trusted_signatures, analysed, hashed) -> None:
    expected = check(capsys)
    (table,) = tree.glob(".review-ls-cache/*/dependencies-*.table")
    forged = table.read_bytes().replace(b'"entries":{', b'"entries":{"forged.py":[],', 1)
    table.write_bytes(forged)
    analysed.clear()
    hashed.clear()
    assert check(capsys) == expected
    assert sorted(hashed) == ["helper.py", "routes.py", "unrelated.py"], "its signatures are not trusted: every file is read"
    assert analysed == [], "the entry files still hold"
    assert b"forged.py" not in table.read_bytes()
