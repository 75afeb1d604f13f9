"""The result cache: where it lives, what invalidates it, that cached results equal fresh ones, `clean`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import review_ls.engine.fixes
import review_ls.runner
from review_ls.cache import (
    CACHE_DIR_NAME,
    CachedResult,
    ResultCache,
    decode_finding,
    encode_finding,
    open_cache,
    rule_set_fingerprint,
)
from review_ls.cli import main
from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.model import AnalysisResult, Finding, RelatedLocation, Severity, Span
from review_ls.runner import FileTask, check_files

LOOP_REQUESTS = """
import requests

def notify(hooks):
    for hook in hooks:
        requests.post(hook)
"""

CLIENT_IN_LOOP = """
import httpx

def fetch(urls):
    for url in urls:
        client = httpx.Client()  # review: ignore[RV999]
        client.get(url)
"""


@pytest.fixture
def tree(write, tmp_path: Path) -> Path:
    write("svc.py", LOOP_REQUESTS)
    write("pkg/fetch.py", CLIENT_IN_LOOP)
    write("pkg/broken.py", "def broken(:\n    pass\n")
    write("clean.py", "x = 1\n")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def entries(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("*/*.json"))


@pytest.fixture
def no_analysis(monkeypatch: pytest.MonkeyPatch):
    """Make any analysis fail loudly: what still works is served from the cache."""

    def enable() -> None:
        def refuse(*args: object, **kwargs: object) -> None:
            raise AssertionError("analysed although the cache holds the result")

        monkeypatch.setattr(review_ls.runner, "analyse_source", refuse)
        monkeypatch.setattr(review_ls.engine.fixes, "compute_fix", refuse)  # (the runner imports it when fixes are wanted)

    return enable


def test_cache_folder_is_created_with_gitignore_and_tag(tree, capsys) -> None:
    run(capsys, "check", ".")
    cache_dir = tree / CACHE_DIR_NAME
    assert (cache_dir / ".gitignore").read_text() == "*\n"
    assert (cache_dir / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert len(entries(cache_dir)) == 4


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "gitlab", "junit"])
def test_warm_run_is_served_from_the_cache_and_prints_the_same(tree, capsys, no_analysis, output_format) -> None:
    fresh = run(capsys, "check", ".", "--format", output_format, "--no-cache")
    assert not (tree / CACHE_DIR_NAME).exists()
    cold = run(capsys, "check", ".", "--format", output_format)
    no_analysis()
    warm = run(capsys, "check", ".", "--format", output_format)
    assert fresh == cold == warm
    assert fresh[0] == 1


def test_cached_reports_equal_fresh_reports(tree) -> None:
    cache = open_cache(tree / CACHE_DIR_NAME)
    paths = sorted(str(p.relative_to(tree)) for p in tree.rglob("*.py"))
    tasks = [FileTask(path, Settings(), with_fixes=True, cache=cache) for path in paths]
    fresh = list(check_files([FileTask(path, Settings(), with_fixes=True) for path in paths]))
    cold = list(check_files(tasks))
    warm = [review_ls.runner.cached_report(task) for task in tasks]
    assert fresh == cold == warm
    assert any(r.fixes for r in warm) and any(f.code == "RV001" for r in warm for f in r.findings)


def test_changed_file_is_analysed_again(tree, capsys, no_analysis) -> None:
    run(capsys, "check", ".")
    (tree / "svc.py").write_text("x = 1\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", ".")
    assert "svc.py" not in out and code == 1
    no_analysis()
    assert run(capsys, "check", ".")[1] == out


def test_other_settings_are_other_entries(tree, write, capsys) -> None:
    run(capsys, "check", ".")
    code, out, _ = run(capsys, "check", ".", "--ignore", "RV203")
    assert "RV203" not in out and "RV201" in out
    write("pyproject.toml", '[tool.review-ls]\nignore = ["RV2"]\n')
    code, out, _ = run(capsys, "check", ".")
    assert "RV2" not in out and "RV000" in out


def test_a_new_rule_set_or_project_starts_a_new_folder_and_prunes_the_old(tree) -> None:
    plain = open_cache(tree / CACHE_DIR_NAME)
    (plain.entries / "x.json").write_text("{}", encoding="utf-8")
    with_project = open_cache(tree / CACHE_DIR_NAME, project_fingerprint="index-digest")
    assert with_project.fingerprint == rule_set_fingerprint("index-digest") != plain.fingerprint
    assert with_project.entries.is_dir() and not plain.entries.exists()


def test_a_cache_without_the_project_fingerprint_is_refused_with_a_project(tree) -> None:
    task = FileTask("svc.py", Settings(), cache=open_cache(tree / CACHE_DIR_NAME))
    with pytest.raises(ValueError, match="project's fingerprint"):
        list(check_files([task], project=object()))  # type: ignore[arg-type]  # any project without a fingerprint
    keyed = FileTask("svc.py", Settings(), cache=open_cache(tree / CACHE_DIR_NAME, project_fingerprint="digest"))
    assert list(check_files([keyed], project=None))[0].findings


def test_corrupted_entries_are_ignored_and_rewritten(tree, capsys) -> None:
    expected = run(capsys, "check", ".", "--format", "json")
    for number, entry in enumerate(entries(tree / CACHE_DIR_NAME)):
        entry.write_bytes([b"", b"{not json", b'{"format": 1, "key": "other"}', b"[1, 2]"][number % 4])
    assert run(capsys, "check", ".", "--format", "json") == expected  # served by the entries kept with the dependency table
    (table,) = (tree / CACHE_DIR_NAME).glob("*/dependencies-*.table")
    table.write_bytes(b"{not json")
    assert run(capsys, "check", ".", "--format", "json") == expected
    assert all(entry.read_bytes().startswith(b'{"format":2,') for entry in entries(tree / CACHE_DIR_NAME))
    assert run(capsys, "check", ".", "--format", "json") == expected


def test_fix_and_diff_do_not_use_the_cache(tree, capsys) -> None:
    run(capsys, "check", ".", "--diff")
    run(capsys, "check", ".", "--fix")
    assert not (tree / CACHE_DIR_NAME).exists()
    code, out, _ = run(capsys, "check", ".")
    assert "RV203" not in out  # fixed on disk, and the cache was empty


def test_fixes_are_computed_when_a_format_needs_them_and_then_cached(tree, capsys, no_analysis) -> None:
    run(capsys, "check", ".", "--format", "text")  # stores findings without fixes
    sarif = run(capsys, "check", ".", "--format", "sarif")
    assert '"fixes"' in sarif[1]
    no_analysis()
    assert run(capsys, "check", ".", "--format", "sarif") == sarif
    run(capsys, "check", ".", "--format", "text")


def test_cache_lives_at_the_root_of_the_governing_pyproject(write, tmp_path, capsys, monkeypatch) -> None:
    write("project/pyproject.toml", "[tool.review-ls]\n")
    write("project/src/app.py", LOOP_REQUESTS)
    monkeypatch.chdir(tmp_path / "project" / "src")
    run(capsys, "check", ".")
    assert entries(tmp_path / "project" / CACHE_DIR_NAME)
    assert not (tmp_path / "project" / "src" / CACHE_DIR_NAME).exists()


def test_cache_dir_option_and_unwritable_cache(tree, capsys) -> None:
    run(capsys, "check", ".", "--cache-dir", "elsewhere")
    assert entries(tree / "elsewhere") and not (tree / CACHE_DIR_NAME).exists()
    (tree / "a-file").write_text("", encoding="utf-8")
    code, out, err = run(capsys, "check", ".", "--cache-dir", "a-file/cache")
    assert code == 1 and "RV203" in out
    assert "warning: not caching results in a-file/cache" in err
    (tree / "src").mkdir()
    (tree / "src" / "keep.txt").write_text("keep", encoding="utf-8")
    code, out, err = run(capsys, "check", ".", "--cache-dir", "src")
    assert code == 1 and "RV203" in out
    assert "not caching results in src: it exists and is not a review-ls cache folder" in err
    assert sorted(p.name for p in (tree / "src").iterdir()) == ["keep.txt"]


def test_clean_removes_the_cache_and_nothing_else(tree, capsys) -> None:
    run(capsys, "check", ".")
    assert run(capsys, "clean")[0] == 0
    assert not (tree / CACHE_DIR_NAME).exists()
    code, _, err = run(capsys, "clean")
    assert code == 0 and "No cache" in err
    (tree / "precious").mkdir()
    (tree / "precious" / "keep.txt").write_text("keep", encoding="utf-8")
    code, _, err = run(capsys, "clean", "--cache-dir", "precious")
    assert code == 2 and "not a review-ls cache" in err
    assert (tree / "precious" / "keep.txt").exists()


def test_finding_round_trip_keeps_types() -> None:
    finding = Finding(
        code="RV201",
        name="client-in-loop",
        message="m",
        span=Span(1, 2, 3, 4),
        severity=Severity.HINT,
        statement_line=1,
        fixable=True,
        fix_title="t",
        data=(("a", (1, "x", None)), ("b", [1.5, True]), ("c", {"k": ("v",)}), ("d", None)),
        related=(RelatedLocation("o.py", Span(5, 0, 5, 1), "there"),),
        unnecessary=True,
        node_type="Call",
    )
    assert decode_finding(encode_finding(finding)) == finding


def test_values_without_a_json_form_are_not_cached(tmp_path) -> None:
    cache = open_cache(tmp_path / CACHE_DIR_NAME)
    odd = Finding("RV201", "n", "m", Span(1, 0, 1, 1), Severity.WARNING, 1, data=(("x", object()),))
    cache.store("k", CachedResult([odd], None, ()))
    assert cache.load("k", need_fixes=False) is None
    assert ResultCache(str(tmp_path / "missing"), "d" * 24).load("k", need_fixes=False) is None


def test_without_cross_file_rules_an_edit_reanalyses_only_the_edited_file(tree, capsys, monkeypatch) -> None:
    """With only single-file rules selected, entries are keyed per file: other files stay cached after an edit."""
    single_file = "RV1,RV203,RV301,RV501"
    run(capsys, "check", ".", "--select", single_file)
    (tree / "clean.py").write_text("x = 2\n", encoding="utf-8")
    analysed: list[str] = []
    def counting(text: str, path: str, *args: Any, **kwargs: Any) -> AnalysisResult:
        analysed.append(path)
        return analyse_source(text, path, *args, **kwargs)

    monkeypatch.setattr("review_ls.runner.analyse_source", counting)
    code, out, _ = run(capsys, "check", ".", "--select", single_file, "--jobs", "1")
    assert code == 1 and "RV203" in out
    assert analysed == ["clean.py"]


def test_with_cross_file_rules_an_edit_that_no_other_file_reads_reanalyses_only_that_file(tree, capsys, monkeypatch) -> None:
    """Entries record the facts of other files they read (dependency_cache.py): `clean.py` changes no fact anyone reads."""
    run(capsys, "check", ".")
    (tree / "clean.py").write_text("x = 2\n", encoding="utf-8")
    analysed: list[str] = []
    def counting(text: str, path: str, *args: Any, **kwargs: Any) -> AnalysisResult:
        analysed.append(path)
        return analyse_source(text, path, *args, **kwargs)

    monkeypatch.setattr("review_ls.runner.analyse_source", counting)
    run(capsys, "check", ".", "--jobs", "1")
    assert analysed == ["clean.py"]
