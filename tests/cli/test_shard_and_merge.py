"""`--shard i/n` splits a run so that every file is in exactly one shard; `merge-sarif` joins the shards' SARIF logs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from review_ls.cli import main
from review_ls.shard import files_in_shard, parse_shard, shard_of

SARIF_SCHEMA = Path(__file__).resolve().parent.parent / "data" / "sarif-schema-2.1.0.json"
LOOP_REQUESTS = "import requests\n\ndef notify(hooks):\n    for hook in hooks:\n        requests.post(hook)\n"


@pytest.fixture
def project(write, tmp_path: Path) -> Path:
    write("pyproject.toml", "[tool.review-ls]\n")
    for index in range(24):
        write(f"pkg/sub{index % 3}/m{index:02d}.py", LOOP_REQUESTS if index % 2 == 0 else "x = 1\n")
    return tmp_path


def _json_paths(capsys, *argv: str) -> list[str]:
    main(["check", *argv, "--format", "json", "--no-cache"])
    return sorted({item["filename"] for item in json.loads(capsys.readouterr().out)})


def test_every_file_is_in_exactly_one_shard(project: Path) -> None:
    files = sorted(project.rglob("m*.py"))
    shards = [files_in_shard(files, parse_shard(f"{i}/4"), lambda _: project) for i in range(1, 5)]
    assert sorted(path for shard in shards for path in shard) == files
    assert all(shard for shard in shards)  # 24 files over 4 shards: none empty with this hash


def test_shard_depends_only_on_the_project_relative_path(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "src" / "x.py", tmp_path / "b" / "src" / "x.py"
    assert files_in_shard([a], parse_shard("1/1"), lambda _: tmp_path / "a") == [a]
    for count in (2, 3, 7):
        index = shard_of("src/x.py", count)
        assert files_in_shard([a], parse_shard(f"{index}/{count}"), lambda _: tmp_path / "a") == [a]
        assert files_in_shard([b], parse_shard(f"{index}/{count}"), lambda _: tmp_path / "b") == [b]
    assert shard_of("src/x.py", 1000) == 1 + int.from_bytes(__import__("hashlib").sha256(b"src/x.py").digest()[:8], "big") % 1000


def test_sharded_check_reports_the_union_of_the_whole_run(project: Path, capsys) -> None:
    whole = _json_paths(capsys, str(project))
    parts = [_json_paths(capsys, str(project), "--shard", f"{i}/3") for i in range(1, 4)]
    assert sorted(p for part in parts for p in part) == whole
    assert all(set(a).isdisjoint(b) for a in parts for b in parts if a is not b)


@pytest.mark.parametrize("option", ["0/3", "4/3", "1/0", "x/3", "2", "1/3/4", ""])
def test_bad_shard_is_a_usage_error(project: Path, capsys, option: str) -> None:
    assert main(["check", str(project), "--shard", option]) == 2
    err = capsys.readouterr().err
    assert err.startswith("review-ls: error: --shard") and err.count("\n") == 1


def _validate(log: dict) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    assert sorted(validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).iter_errors(log), key=str) == []


def _semantic(log: dict) -> list[tuple[str, str, int]]:
    """Each result as (rule id via its ruleIndex, file, line): what a viewer shows."""
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    return sorted(
        (rules[r["ruleIndex"]]["id"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in run["results"]
    )


def test_merged_shard_sarif_equals_the_unsharded_sarif_and_is_valid(project: Path, write, capsys) -> None:
    write("pkg/other.py", "import re\n\ndef f(xs):\n    for x in xs:\n        re.match('a+', x)\n")
    whole = project / "whole.sarif"
    main(["check", "pkg", "--format", "sarif", "--no-cache", "--extend-select", "RV104", "-o", str(whole)])  # RV104: off by default
    shards = [project / f"s{i}.sarif" for i in range(1, 4)]
    for index, path in enumerate(shards, start=1):
        main(["check", "pkg", "--format", "sarif", "--no-cache", "--extend-select", "RV104", "--shard", f"{index}/3", "-o", str(path)])
    merged = project / "merged.sarif"
    assert main(["merge-sarif", *map(str, shards), "-o", str(merged)]) == 0
    merged_log, whole_log = json.loads(merged.read_text()), json.loads(whole.read_text())
    _validate(merged_log)
    assert len(merged_log["runs"]) == 1
    assert _semantic(merged_log) == _semantic(whole_log)
    assert {r["id"] for r in merged_log["runs"][0]["tool"]["driver"]["rules"]} == {"RV104", "RV203"}


def test_merge_drops_duplicate_results(project: Path, capsys) -> None:
    log = project / "a.sarif"
    main(["check", "pkg", "--format", "sarif", "--no-cache", "-o", str(log)])
    assert main(["merge-sarif", str(log), str(log)]) == 0
    merged = json.loads(capsys.readouterr().out)
    assert len(merged["runs"][0]["results"]) == len(json.loads(log.read_text())["runs"][0]["results"]) == 12


def test_merge_rejects_what_is_not_sarif_in_one_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "bad.sarif").write_text("{\"version\": \"1.0\"}")
    (tmp_path / "broken.sarif").write_text("{")
    for name in ("bad.sarif", "broken.sarif", "missing.sarif"):
        assert main(["merge-sarif", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("review-ls: error: ") and name in err and err.count("\n") == 1
