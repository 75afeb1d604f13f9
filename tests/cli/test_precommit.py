"""The pre-commit hooks: each hook's `entry` run the way pre-commit runs it, on the staged files of a real repository.

pre-commit installs the package into a virtualenv, puts its scripts folder first on PATH, picks the staged
files whose type matches `types`, and runs `entry` followed by those file names from the repository root.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sysconfig
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent

LOOP_REQUESTS = """\
import requests


def notify(hooks):
    for hook in hooks:
        requests.post(hook)
"""

FIXED = """\
import requests


def notify(hooks):
    with requests.Session() as session:
        for hook in hooks:
            session.post(hook)
"""


def hooks() -> dict[str, dict]:
    """The hooks of .pre-commit-hooks.yaml by id."""
    return {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}


def staged_python_files(git) -> list[str]:
    """The staged files a `types: [python]` hook receives (added, copied, modified or renamed .py files)."""
    names = git("diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z").split("\0")
    return [name for name in names if name.endswith(".py")]


def run_hook(hook_id: str, files: list[str], repo: Path) -> subprocess.CompletedProcess[str]:
    """Run a hook's entry with the file names appended, as pre-commit does."""
    environment = dict(os.environ, PATH=sysconfig.get_path("scripts") + os.pathsep + os.environ.get("PATH", ""))
    command = [*shlex.split(hooks()[hook_id]["entry"]), *files]
    return subprocess.run(command, cwd=repo, env=environment, capture_output=True, text=True, stdin=subprocess.DEVNULL)


@pytest.fixture
def repo(git, tmp_path: Path) -> Path:
    """A repository whose configuration excludes tests/, with a finding staged in app.py and in tests/."""
    (tmp_path / "pyproject.toml").write_text('[tool.review-ls]\nextend-exclude = ["tests"]\n', encoding="utf-8")
    (tmp_path / "app.py").write_text(LOOP_REQUESTS, encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text(LOOP_REQUESTS, encoding="utf-8")
    (tmp_path / "clean.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not python\n", encoding="utf-8")
    git("add", ".")
    return tmp_path


def test_hooks_are_declared_for_python_files() -> None:
    declared = hooks()
    assert set(declared) == {"review-ls", "review-ls-fix"}
    for hook in declared.values():
        assert hook["language"] == "python" and hook["types"] == ["python"]
        assert shlex.split(hook["entry"])[:2] == ["review-ls", "check"]
    assert "--fix" in shlex.split(declared["review-ls-fix"]["entry"])


def test_check_hook_fails_on_a_staged_finding_and_honours_excludes(repo, git) -> None:
    files = staged_python_files(git)
    assert sorted(files) == ["app.py", "clean.py", "tests/test_app.py"]
    completed = run_hook("review-ls", files, repo)
    assert completed.returncode == 1, completed.stderr
    assert "app.py:6:9: RV203" in completed.stdout
    assert "tests/test_app.py" not in completed.stdout  # excluded by the project, even when named
    untracked = [line for line in git("status", "--porcelain", "--untracked-files=all").splitlines() if line.startswith("??")]
    assert untracked == []  # the cache keeps itself out of git
    assert (repo / ".review-ls-cache" / ".gitignore").is_file()


def test_check_hook_passes_on_clean_files(repo, git) -> None:
    completed = run_hook("review-ls", ["clean.py"], repo)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "No findings in 1 file."


def test_fix_hook_rewrites_the_staged_file_then_the_check_hook_passes(repo, git) -> None:
    files = staged_python_files(git)
    completed = run_hook("review-ls-fix", files, repo)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Fixed 1 finding." in completed.stderr
    assert (repo / "app.py").read_text(encoding="utf-8") == FIXED
    assert (repo / "tests" / "test_app.py").read_text(encoding="utf-8") == LOOP_REQUESTS
    assert git("diff", "--name-only").split() == ["app.py"]  # pre-commit fails the commit: files were modified
    git("add", "app.py")
    assert run_hook("review-ls", staged_python_files(git), repo).returncode == 0
