"""The `review-ls` entry points collect young objects less often and leave the objects of a run out of the collection the
interpreter runs at exit (cli_gc.py); `main`, which tests and launchers call in long-lived processes, does neither
(only a project index it builds is kept out of collections, as in the server: ProjectIndex.build)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROGRAM = """
import gc, sys
default_threshold, frozen_before = gc.get_threshold()[0], gc.get_freeze_count()  # (3.13's default is 2000; 3.12.1 counts 375 frozen)
from review_ls.cli import {entry}
sys.argv = ["review-ls", "check", "--no-cache", "small.py", *{options}]
code = {entry}() if "{entry}" == "run" else main(sys.argv[1:])
threshold = gc.get_threshold()[0]
print("exit", code, "froze", gc.get_freeze_count() > frozen_before, "young threshold", "default" if threshold == default_threshold else threshold)
"""


def _run(entry: str, cwd: Path, options: tuple[str, ...] = ()) -> list[str]:
    return subprocess.run([sys.executable, "-c", PROGRAM.format(entry=entry, options=list(options))], capture_output=True, text=True, check=True, cwd=cwd).stdout.splitlines()


def test_the_command_exempts_what_is_left_from_the_exit_collection_after_writing_its_report(tmp_path: Path) -> None:
    (tmp_path / "small.py").write_text("x = 1\n", encoding="utf-8")
    assert _run("run", tmp_path) == ["No findings in 1 file.", "exit 0 froze True young threshold 50000"]


def test_main_leaves_the_collector_alone(tmp_path: Path) -> None:
    (tmp_path / "small.py").write_text("x = 1\n", encoding="utf-8")
    only_file_rules = ("--select", "RV501")  # no rule that needs the project index
    assert _run("main", tmp_path, only_file_rules) == ["No findings in 1 file.", "exit 0 froze False young threshold default"]


def test_python_m_review_ls_writes_its_whole_report_and_exit_code(tmp_path: Path) -> None:
    (tmp_path / "loop.py").write_text("import httpx\n\n\ndef poll(urls):\n    for url in urls:\n        httpx.Client().get(url)\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "review_ls", "check", "--no-cache", "loop.py"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "loop.py:6:9: RV201 [client-in-loop] httpx.Client is constructed on every iteration of the loop; create it once and reuse it",
        "Found 1 finding in 1 of 1 file.",
    ]
