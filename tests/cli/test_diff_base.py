"""`review-ls check --diff-base REV` on real temporary git repositories, and the diff parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from review_ls.cli import main
from review_ls.gitdiff import parse_unified_diff, unquote_path

ONE_LOOP = """\
import requests


def notify(hooks):
    for hook in hooks:
        requests.post(hook)
"""

TWO_LOOPS = ONE_LOOP + """

def alert(hooks):
    for hook in hooks:
        requests.post(hook)
"""


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[tuple[str, int]], str]:
    """Run `check --format json-lines`; return the exit code, (file, line) of each finding, and stderr."""
    code = main(["check", *argv, "--format", "json-lines"])
    out, err = capsys.readouterr()
    found = [(Path(o["filename"]).as_posix(), o["location"]["row"]) for o in map(json.loads, out.splitlines())]
    return code, found, err


def put(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def branch(git, tmp_path: Path):
    """main has one loop in svc.py and an untouched legacy.py with a finding; branch `feature` starts there."""
    put(tmp_path / "svc.py", ONE_LOOP)
    put(tmp_path / "legacy.py", ONE_LOOP)
    git("add", ".")
    git("commit", "--quiet", "-m", "base")
    git("switch", "--quiet", "-c", "feature")
    return tmp_path


def test_only_findings_on_lines_changed_since_the_base_are_reported(branch, git, capsys) -> None:
    put(branch / "svc.py", TWO_LOOPS)
    git("commit", "--quiet", "-am", "add alert")
    code, found, _ = check(capsys, ".", "--diff-base", "main")
    assert code == 1
    assert found == [("svc.py", 11)]  # not svc.py:6 nor legacy.py:6, which were there before
    assert sorted(check(capsys, ".", "--no-cache")[1]) == [("legacy.py", 6), ("svc.py", 6), ("svc.py", 11)]


def test_uncommitted_staged_and_untracked_changes_count(branch, git, capsys) -> None:
    put(branch / "svc.py", TWO_LOOPS)  # unstaged
    put(branch / "pkg" / "new.py", ONE_LOOP)  # untracked
    put(branch / "staged.py", ONE_LOOP)
    git("add", "staged.py")
    _, found, _ = check(capsys, ".", "--diff-base", "main")
    assert sorted(found) == [("pkg/new.py", 6), ("staged.py", 6), ("svc.py", 11)]


def test_ignored_files_do_not_count_as_new(branch, capsys) -> None:
    put(branch / ".gitignore", "generated/\n")
    put(branch / "generated" / "gen.py", ONE_LOOP)
    assert check(capsys, "generated/gen.py", "--diff-base", "main")[1] == []


def test_the_base_is_the_merge_base_so_later_commits_on_main_do_not_count(branch, git, capsys) -> None:
    put(branch / "svc.py", TWO_LOOPS)
    git("commit", "--quiet", "-am", "feature work")
    git("switch", "--quiet", "main")
    put(branch / "legacy.py", TWO_LOOPS)
    git("commit", "--quiet", "-am", "main moves on")
    git("switch", "--quiet", "feature")
    assert check(capsys, ".", "--diff-base", "main")[1] == [("svc.py", 11)]


def test_a_change_inside_a_multi_line_finding_keeps_it(branch, git, capsys) -> None:
    put(branch / "call.py", "import requests\n\n\ndef notify(hooks):\n    for hook in hooks:\n        requests.post(\n            hook,\n        )\n")
    git("add", "call.py")
    git("commit", "--quiet", "-m", "call")
    git("switch", "--quiet", "-c", "tweak")
    text = (branch / "call.py").read_text(encoding="utf-8")
    put(branch / "call.py", text.replace("            hook,\n", "            hook, timeout=5,\n"))
    assert check(capsys, ".", "--diff-base", "feature")[1] == [("call.py", 6)]


def test_renamed_file_reports_only_its_changed_lines(branch, git, capsys) -> None:
    git("mv", "svc.py", "service.py")
    put(branch / "service.py", TWO_LOOPS)
    git("commit", "--quiet", "-am", "rename and extend")
    assert check(capsys, ".", "--diff-base", "main")[1] == [("service.py", 11)]


def test_no_changes_means_no_findings(branch, capsys) -> None:
    code, found, _ = check(capsys, ".", "--diff-base", "main")
    assert (code, found) == (0, [])


def test_paths_from_a_subfolder_and_explicit_files(branch, git, capsys, monkeypatch) -> None:
    put(branch / "pkg" / "mod.py", TWO_LOOPS)
    git("add", ".")
    git("commit", "--quiet", "-m", "pkg")
    put(branch / "pkg" / "mod.py", TWO_LOOPS + "\n\ndef again(hooks):\n    for hook in hooks:\n        requests.post(hook)\n")
    monkeypatch.chdir(branch / "pkg")
    assert check(capsys, ".", "--diff-base", "HEAD")[1] == [("mod.py", 16)]
    assert check(capsys, "mod.py", "../svc.py", "--diff-base", "HEAD")[1] == [("mod.py", 16)]


def test_fixes_stay_with_their_findings(branch, git, capsys) -> None:
    put(branch / "svc.py", TWO_LOOPS)
    main(["check", ".", "--diff-base", "main", "--format", "sarif"])
    (result,) = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 11
    replacement = result["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["deletedRegion"]["startLine"] == 10  # the fix of the alert() loop, not of notify()


def test_outside_a_git_repository_is_a_clear_error(write, capsys) -> None:
    write("a.py", ONE_LOOP)
    code, found, err = check(capsys, ".", "--diff-base", "main")
    assert code == 2 and found == []
    assert err.strip() == "review-ls: error: a.py: not inside a git repository (--diff-base compares with a git revision)"


def test_unknown_revision_is_a_clear_error(branch, capsys) -> None:
    code, _, err = check(capsys, ".", "--diff-base", "no-such-branch")
    assert code == 2
    (line,) = err.strip().splitlines()
    assert line.startswith("review-ls: error: --diff-base no-such-branch: ") and "no-such-branch" in line[40:]


def test_diff_base_with_fix_is_a_usage_error(branch, capsys) -> None:
    assert main(["check", ".", "--diff-base", "main", "--fix"]) == 2
    assert "--diff-base" in capsys.readouterr().err


DIFF = r"""diff --git a/a.py b/a.py
index 1..2 100644
--- a/a.py
+++ b/a.py
@@ -3,0 +4,2 @@ def f():
+++ not a header: an added line that starts with "++ "
+x = 1
@@ -10 +12 @@
-old
+new
@@ -20,3 +23,0 @@
-gone
-gone
-gone
@@ -30 +30 @@
-last
\ No newline at end of file
+last
\ No newline at end of file
diff --git a/gone.py b/gone.py
deleted file mode 100644
--- a/gone.py
+++ /dev/null
@@ -1 +0,0 @@
-x
diff --git a/old.py b/new.py
similarity index 100%
rename from old.py
rename to new.py
diff --git "a/caf\303\251 \"x\".py" "b/caf\303\251 \"x\".py"
--- "a/caf\303\251 \"x\".py"
+++ "b/caf\303\251 \"x\".py"
@@ -0,0 +1 @@
+y = 2
"""


def test_parse_unified_diff() -> None:
    assert dict(parse_unified_diff(DIFF)) == {
        "a.py": frozenset({4, 5, 12, 30}),
        'café "x".py': frozenset({1}),
    }


def test_unquote_path() -> None:
    assert unquote_path("b/plain.py") == "b/plain.py"
    assert unquote_path(r'"b/tab\there\\.py"') == "b/tab\there\\.py"
    assert unquote_path(r'"b/\346\227\245.py"') == "b/日.py"


def test_a_checkouts_git_config_cannot_run_code(branch, git, capsys, tmp_path: Path) -> None:
    """core.fsmonitor, hooks, pager and diff.external from the repository's own config never run."""
    marker = tmp_path.parent / f"{tmp_path.name}-ran"
    script = tmp_path.parent / f"{tmp_path.name}-hook.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n", encoding="utf-8")
    script.chmod(0o755)
    for key in ("core.fsmonitor", "core.pager", "diff.external"):
        git("config", key, str(script))
    put(branch / "svc.py", TWO_LOOPS)
    code, found, err = check(capsys, ".", "--diff-base", "main")
    assert (code, found, err) == (1, [("svc.py", 11)], "")
    assert not marker.exists()
