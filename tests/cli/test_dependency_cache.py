"""The result cache with cross-file rules: an edit re-analyses the edited file and the files that read its facts, no more.

Correctness first: a file whose findings read another file's facts is analysed again when those
facts change, and its findings then change with them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import review_ls.dependency_cache
from review_ls.cache import CACHE_DIR_NAME
from review_ls.cli import main
from review_ls.project import ProjectIndex

HELPER = "import requests\n\n\ndef synthesize(text):\n    return text.upper()\n"  # same imports as BLOCKING_HELPER: imports are shared facts
BLOCKING_HELPER = 'import requests\n\n\ndef synthesize(text):\n    return requests.post("https://tts.example.com", data=text)\n'
ROUTES = (
    "from fastapi import FastAPI\n\nfrom helper import synthesize\n\napp = FastAPI()\n\n\n"
    '@app.post("/speak")\nasync def speak(text: str):\n    return synthesize(text)\n'
)
UNRELATED = "async def ping():\n    return 'pong'\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name, text in {"helper.py": HELPER, "routes.py": ROUTES, "unrelated.py": UNRELATED, "pyproject.toml": "[tool.review-ls]\n"}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def check(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str, int]]:
    """Run `review-ls check .` (one process) and return (file, code, row) of each finding."""
    main(["check", ".", "--format", "json", "--jobs", "1"])
    return sorted((Path(f["filename"]).name, f["code"], f["location"]["row"]) for f in json.loads(capsys.readouterr().out))


def test_a_dependent_file_is_analysed_again_when_the_facts_it_reads_change(tree: Path, capsys, analysed) -> None:
    assert ("routes.py", "RV302", 10) not in check(capsys)
    analysed.clear()
    assert ("routes.py", "RV302", 10) not in check(capsys)
    assert analysed == [], "nothing changed: everything comes from the cache"

    (tree / "helper.py").write_text(BLOCKING_HELPER, encoding="utf-8")
    found = check(capsys)
    assert ("routes.py", "RV302", 10) in found, "the route's cached entry read the helper's facts"
    assert sorted(analysed) == ["helper.py", "routes.py"], "the unrelated file stays cached"

    analysed.clear()
    (tree / "helper.py").write_text(HELPER, encoding="utf-8")
    assert ("routes.py", "RV302", 10) not in check(capsys)
    assert analysed == ["routes.py"], "the helper's first entry holds again; the route's was rewritten with the blocking helper's facts"


def test_moving_the_blocking_call_re_analyses_the_route_for_its_chain_lines(tree: Path, capsys, analysed) -> None:
    """The chain's related locations carry the helper's lines: the same facts two lines lower are a change for the route."""
    (tree / "helper.py").write_text(BLOCKING_HELPER, encoding="utf-8")
    check(capsys)
    analysed.clear()
    (tree / "helper.py").write_text("\n\n" + BLOCKING_HELPER, encoding="utf-8")
    assert ("routes.py", "RV302", 10) in check(capsys)
    assert sorted(analysed) == ["helper.py", "routes.py"]


def test_a_change_of_a_shared_fact_re_analyses_every_file(tree: Path, capsys, analysed) -> None:
    check(capsys)
    analysed.clear()
    (tree / "unrelated.py").write_text("import os\n\n\n" + UNRELATED, encoding="utf-8")  # imports are shared facts
    check(capsys)
    assert sorted(analysed) == ["helper.py", "routes.py", "unrelated.py"]


def test_a_new_or_deleted_file_re_analyses_every_file(tree: Path, capsys, analysed) -> None:
    check(capsys)
    analysed.clear()
    (tree / "new.py").write_text("def synthesize(text):\n    return text\n", encoding="utf-8")
    check(capsys)
    assert sorted(analysed) == ["helper.py", "new.py", "routes.py", "unrelated.py"]
    analysed.clear()
    (tree / "new.py").unlink()
    check(capsys)
    assert sorted(analysed) == ["helper.py", "routes.py", "unrelated.py"]


def test_a_run_without_changes_does_not_load_the_index(tree: Path, capsys, analysed, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = check(capsys)
    analysed.clear()

    def refuse(*args: object) -> None:
        raise AssertionError("the index was loaded although every entry holds")

    monkeypatch.setattr(review_ls.dependency_cache, "_load_index", refuse)
    monkeypatch.setattr(ProjectIndex, "build", refuse)
    assert check(capsys) == expected
    assert analysed == []


def test_a_foreign_or_damaged_index_blob_is_never_unpickled(tree: Path, capsys, analysed, monkeypatch: pytest.MonkeyPatch) -> None:
    check(capsys)
    (blob,) = (tree / CACHE_DIR_NAME).glob("*/project-index-*.pickle")
    data = bytearray(blob.read_bytes())
    data[-10] ^= 0xFF  # inside the pickled body: the signature no longer matches
    blob.write_bytes(bytes(data))
    monkeypatch.setattr("pickle.loads", lambda *args, **kwargs: pytest.fail("an unsigned blob was unpickled"))
    (tree / "helper.py").write_text(BLOCKING_HELPER, encoding="utf-8")
    analysed.clear()
    assert ("routes.py", "RV302", 10) in check(capsys), "the index is built again from the files"
    assert sorted(analysed) == ["helper.py", "routes.py"]


def test_a_few_edits_leave_the_stored_index_and_later_runs_re_apply_them(tree: Path, capsys, analysed) -> None:
    check(capsys)
    (blob,) = (tree / CACHE_DIR_NAME).glob("*/project-index-*.pickle")
    written = blob.read_bytes()
    (tree / "helper.py").write_text(BLOCKING_HELPER, encoding="utf-8")
    assert ("routes.py", "RV302", 10) in check(capsys)
    assert blob.read_bytes() == written, "one re-indexed file does not pay for writing the whole index"
    (tree / "routes.py").write_text(ROUTES + "\n\nasync def other(text: str):\n    return synthesize(text)\n", encoding="utf-8")
    found = check(capsys)
    assert ("routes.py", "RV302", 10) in found and ("routes.py", "RV302", 14) in found, "the helper's edit is applied again to the stored index"
