"""`review-ls check`: exit codes, formats, configuration, suppressions, fixing, bad input."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from review_ls.cli import main

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


def test_clean_tree_exits_zero(write, tmp_path, capsys) -> None:
    write("a.py", "x = 1\n")
    code, out, _ = run(capsys, "check", str(tmp_path))
    assert code == 0
    assert out.strip() == "No findings in 1 file."


def test_findings_print_location_code_name_and_exit_one(write, tmp_path, capsys) -> None:
    path = write("svc.py", LOOP_REQUESTS)
    code, out, _ = run(capsys, "check", str(tmp_path))
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"{path}:5:9: RV203 [*] [requests-without-session-in-loop] requests.post()")
    assert out.splitlines()[-1].startswith("Found 1 finding in 1 of 1 file")


def test_json_format_has_ruff_shape_with_fix(write, tmp_path, capsys) -> None:
    write("svc.py", LOOP_REQUESTS)
    code, out, _ = run(capsys, "check", str(tmp_path), "--format", "json")
    assert code == 1
    (item,) = json.loads(out)
    assert item["code"] == "RV203" and item["name"] == "requests-without-session-in-loop"
    assert item["location"] == {"row": 5, "column": 9}
    assert item["end_location"]["row"] == 5
    assert item["severity"] == "hint"  # RV203 is a hint (docs/precision.md)
    assert item["url"].endswith("/RV203.md")
    assert item["fix"]["applicability"] == "safe"
    assert item["fix"]["edits"] and {"content", "location", "end_location"} <= set(item["fix"]["edits"][0])


def test_unknown_select_code_is_a_usage_error(write, tmp_path, capsys) -> None:
    write("a.py", "x = 1\n")
    code, _, err = run(capsys, "check", "--select", "RV999", str(tmp_path))
    assert code == 2
    assert err.strip() == "review-ls: error: --select: unknown rule code or prefix 'RV999'"


def test_missing_path_is_a_usage_error(tmp_path, capsys) -> None:
    code, _, err = run(capsys, "check", str(tmp_path / "nope"))
    assert code == 2
    assert "no such file or directory" in err and len(err.strip().splitlines()) == 1


def test_invalid_config_names_file_and_key(write, tmp_path, capsys) -> None:
    write("pyproject.toml", '[tool.review-ls]\nselect = ["RV2"]\nseverity = { RV201 = "loud" }\n')
    write("a.py", "x = 1\n")
    code, _, err = run(capsys, "check", str(tmp_path))
    assert code == 2
    (line,) = err.strip().splitlines()
    assert "pyproject.toml" in line and "severity.RV201" in line and "loud" in line


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('colour = "red"', "colour"),
        ('select = "RV2"', "select"),
        ('ignore = ["XX1"]', "ignore"),
        ("[tool.review-ls.options.RV201]\nnope = 1", "options.RV201.nope"),
        ("[tool.review-ls.per-file-ignores]\n'x.py' = ['RV77']", "per-file-ignores"),
    ],
)
def test_config_errors_are_one_line(write, tmp_path, capsys, table, key) -> None:
    write("pyproject.toml", f"[tool.review-ls]\n{table}\n")
    write("a.py", "x = 1\n")
    code, _, err = run(capsys, "check", str(tmp_path))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and key in err


def test_malformed_toml_is_reported(write, tmp_path, capsys) -> None:
    write("pyproject.toml", "[tool.review-ls\nselect = [\n")
    write("a.py", "x = 1\n")
    code, _, err = run(capsys, "check", str(tmp_path))
    assert code == 2 and "not valid TOML" in err


def test_configuration_select_ignore_severity_and_per_file_ignores(write, tmp_path, capsys) -> None:
    write(
        "pyproject.toml",
        """
        [tool.review-ls]
        select = ["RV2"]
        ignore = ["RV201"]
        severity = { RV203 = "error" }

        [tool.review-ls.per-file-ignores]
        "scripts/*.py" = ["RV203"]
        """,
    )
    write("svc.py", LOOP_REQUESTS)
    write("scripts/tool.py", LOOP_REQUESTS)
    code, out, _ = run(capsys, "check", str(tmp_path), "--format", "json")
    assert code == 1
    items = json.loads(out)
    assert [(Path(i["filename"]).name, i["code"], i["severity"]) for i in items] == [("svc.py", "RV203", "error")]


def test_cli_ignore_extends_configuration(write, tmp_path, capsys) -> None:
    write("svc.py", LOOP_REQUESTS)
    code, _, _ = run(capsys, "check", str(tmp_path), "--ignore", "RV2")
    assert code == 0


def test_exclude_and_gitignore_are_honoured(write, tmp_path, capsys) -> None:
    write("pyproject.toml", '[tool.review-ls]\nextend-exclude = ["generated"]\n')
    write(".gitignore", "ignored_dir/\n*_skip.py\n")
    write("generated/a.py", LOOP_REQUESTS)
    write("ignored_dir/b.py", LOOP_REQUESTS)
    write("c_skip.py", LOOP_REQUESTS)
    write("kept.py", LOOP_REQUESTS)
    code, out, _ = run(capsys, "check", str(tmp_path), "--format", "json")
    assert code == 1
    assert [Path(i["filename"]).name for i in json.loads(out)] == ["kept.py"]


def test_explicit_file_is_checked_even_if_excluded(write, tmp_path, capsys) -> None:
    write("pyproject.toml", '[tool.review-ls]\nextend-exclude = ["generated"]\n')
    path = write("generated/a.py", LOOP_REQUESTS)
    code, _, _ = run(capsys, "check", str(path))
    assert code == 1


def test_suppressions(write, tmp_path, capsys) -> None:
    write(
        "a.py",
        """
        import requests

        def notify(hooks):
            for hook in hooks:
                requests.post(hook)  # review: ignore[RV203]
            for hook in hooks:
                requests.post(  # review: ignore
                    hook,
                )
            for hook in hooks:
                requests.put(hook)  # review: ignore[RV201, RV999]
        """,
    )
    code, out, _ = run(capsys, "check", str(tmp_path), "--format", "json")
    items = json.loads(out)
    assert code == 1
    assert sorted((i["code"], i["location"]["row"]) for i in items) == [("RV001", 11), ("RV203", 11)]
    assert "RV999" in next(i["message"] for i in items if i["code"] == "RV001")


def test_syntax_error_is_one_finding_and_run_continues(write, tmp_path, capsys) -> None:
    write("broken.py", "def f(:\n    pass\n")
    write("svc.py", LOOP_REQUESTS)
    code, out, _ = run(capsys, "check", str(tmp_path), "--format", "json")
    assert code == 1
    items = json.loads(out)
    assert sorted((Path(i["filename"]).name, i["code"]) for i in items) == [("broken.py", "RV000"), ("svc.py", "RV203")]
    assert next(i for i in items if i["code"] == "RV000")["location"]["row"] == 1


def test_non_utf8_file_is_a_clear_error_and_others_still_checked(write, tmp_path, capsys) -> None:
    (tmp_path / "latin.py").write_bytes(b"x = '\xff\xfe'\n")
    write("svc.py", LOOP_REQUESTS)
    code, out, err = run(capsys, "check", str(tmp_path))
    assert code == 2
    assert "latin.py: cannot decode: not valid utf-8 (byte 0xff at offset 5)" in err
    assert "Traceback" not in err
    assert "RV203" in out


def test_pep263_encoding_is_honoured(tmp_path, capsys) -> None:
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9'\n")
    code, out, _ = run(capsys, "check", str(tmp_path))
    assert code == 0, out


def test_folder_without_python_files_warns(tmp_path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("hi")
    code, _, err = run(capsys, "check", str(tmp_path))
    assert code == 0 and "no Python files found" in err


def test_fix_applies_safe_fixes_keeps_mode_and_is_stable(write, tmp_path, capsys) -> None:
    path = write("svc.py", LOOP_REQUESTS)
    path.chmod(0o640)
    code, out, err = run(capsys, "check", "--fix", str(tmp_path))
    assert code == 0 and "Fixed 1 finding" in err
    text = path.read_text()
    assert "with requests.Session() as session:" in text and "session.post(hook)" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    code, _, _ = run(capsys, "check", "--fix", str(tmp_path))
    assert code == 0 and path.read_text() == text
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_fix_keeps_crlf_line_endings(tmp_path, capsys) -> None:
    path = tmp_path / "svc.py"
    path.write_bytes(LOOP_REQUESTS.lstrip("\n").replace("\n", "\r\n").encode())
    code, _, _ = run(capsys, "fix", str(tmp_path))
    assert code == 0
    data = path.read_bytes()
    assert b"session.post(hook)" in data
    assert data.count(b"\n") == data.count(b"\r\n")


def test_unsafe_fixes_need_the_flag(write, tmp_path, capsys) -> None:
    path = write(
        "api.py",
        """
        import httpx
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/x")
        async def x():
            async with httpx.AsyncClient() as client:
                return (await client.get("https://example.com")).json()
        """,
    )
    before = path.read_text()
    code, _, _ = run(capsys, "check", "--extend-select", "RV202", "--fix", str(tmp_path))
    assert code == 1 and path.read_text() == before
    code, _, _ = run(capsys, "check", "--extend-select", "RV202", "--fix", "--unsafe-fixes", str(tmp_path))
    assert code == 0 and "functools.cache" in path.read_text()


def test_diff_shows_changes_and_writes_nothing(write, tmp_path, capsys) -> None:
    path = write("svc.py", LOOP_REQUESTS)
    before = path.read_text()
    code, out, _ = run(capsys, "check", "--diff", str(tmp_path))
    assert code == 1
    assert "+    with requests.Session() as session:" in out and out.startswith("--- a/")
    assert path.read_text() == before


def test_parallel_run_matches_serial_run(write, tmp_path, capsys) -> None:
    for index in range(40):
        write(f"m{index:02d}.py", LOOP_REQUESTS if index % 3 == 0 else "x = 1\n")
    _, serial, _ = run(capsys, "check", str(tmp_path), "--jobs", "1", "--format", "json")
    _, parallel, _ = run(capsys, "check", str(tmp_path), "--jobs", "2", "--format", "json")
    assert json.loads(serial) == json.loads(parallel)
    assert len(json.loads(serial)) == 14


def test_rules_table_and_explain(capsys) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == 0
    assert out.splitlines()[0].split() == ["code", "name", "fix", "severity", "default"]
    assert any(line.split()[:3] == ["RV201", "client-in-loop", "safe"] for line in out.splitlines())
    code, out, _ = run(capsys, "explain", "client-in-loop")
    assert code == 0 and out.startswith("# RV201 client-in-loop") and "After the fix:" in out
    code, _, err = run(capsys, "explain", "RV999")
    assert code == 2 and "unknown rule" in err


def test_console_script_and_module_entry_point(write, tmp_path) -> None:
    write("svc.py", LOOP_REQUESTS)
    completed = subprocess.run([sys.executable, "-m", "review_ls", "check", str(tmp_path)], capture_output=True, text=True)
    assert completed.returncode == 1 and "RV203" in completed.stdout
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    completed = subprocess.run(["review-ls", "--version"], capture_output=True, text=True, env=env)
    assert completed.returncode == 0 and completed.stdout.startswith("review-ls ")
