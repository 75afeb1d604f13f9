"""Fixtures of the command-line tests."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from review_ls.engine.analysis import analyse_source
from review_ls.engine.model import AnalysisResult


@pytest.fixture(autouse=True)
def _run_in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run each test from its tmp_path, so a result cache (at the current folder when no pyproject.toml
    governs the files) is written there and never into the checkout."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """A real git repository in tmp_path (branch main, one identity, no user or system config):
    git("commit", "-m", "x") runs git there and returns its output."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / ".no-global-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for variable in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(variable, raising=False)

    def run_git(*arguments: str, cwd: Path = tmp_path) -> str:
        completed = subprocess.run(("git", *arguments), cwd=cwd, capture_output=True, text=True, check=True)
        return completed.stdout

    run_git("init", "--quiet", "--initial-branch=main")
    run_git("config", "user.name", "Review Tester")
    run_git("config", "user.email", "tester@example.com")
    run_git("config", "commit.gpgsign", "false")
    return run_git


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files a run analyses (not served from the cache), in order."""
    paths: list[str] = []

    def counting(text: str, path: str, *args: Any, **kwargs: Any) -> AnalysisResult:
        paths.append(Path(path).name)
        return analyse_source(text, path, *args, **kwargs)

    monkeypatch.setattr("review_ls.runner.analyse_source", counting)
    return paths
