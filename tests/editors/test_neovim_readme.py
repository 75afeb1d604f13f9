"""The README's Neovim 0.7 snippet, extracted and run unchanged in headless Neovim (#17 item 3).

Two files of one project are opened: one server process must serve both, both get diagnostics and
a quick fix applies. `review-ls` on PATH is a shim that records each launch and runs this checkout.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_neovim import FIXTURES, SKIP_REASON  # same folder: pytest puts it on sys.path

HERE = Path(__file__).parent
README = HERE.parent.parent / "README.md"
SCRIPT = HERE / "nvim_readme_snippet_check.lua"
HEADING = "**Neovim 0.7 without plugins**"

pytestmark = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")


def readme_snippet(heading: str) -> str:
    """The first ```lua block after `heading` in README.md."""
    text = README.read_text(encoding="utf-8")
    start = text.index(heading)
    match = re.compile(r"```lua\n(.*?)```", re.DOTALL).search(text, start)
    assert match is not None, f"no ```lua block after {heading!r} in README.md"
    return match.group(1)


def review_ls_shim(folder: Path, launches: Path) -> None:
    """A `review-ls` executable that appends its pid to `launches`, then runs this checkout's review-ls."""
    folder.mkdir()
    shim = folder / "review-ls"
    shim.write_text(f'#!/bin/sh\necho $$ >> "{launches}"\nexec "{sys.executable}" -m review_ls "$@"\n')
    shim.chmod(0o755)


def test_readme_snippet_extracts_the_single_client_version() -> None:
    snippet = readme_snippet(HEADING)
    assert "vim.lsp.start_client" in snippet and "review_ls_clients[root]" in snippet


def test_the_readme_neovim_07_snippet_serves_two_files_with_one_server(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    files = [project / "first.py", project / "pkg" / "second.py"]
    for path in files:
        shutil.copyfile(FIXTURES / "client_in_loop.py", path)
    snippet = tmp_path / "snippet.lua"
    snippet.write_text(readme_snippet(HEADING))
    launches = tmp_path / "launches.txt"
    review_ls_shim(tmp_path / "bin", launches)
    result_file = tmp_path / "result.json"
    home = tmp_path / "nvim-home"
    env = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(README.parent), os.environ.get("PYTHONPATH", "")])),
        "REVIEW_LS_SNIPPET": str(snippet),
        "REVIEW_LS_FILES": json.dumps([str(path) for path in files]),
        "REVIEW_LS_EXPECT_CODE": "RV201",
        "REVIEW_LS_RESULT": str(result_file),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    completed = subprocess.run(
        [shutil.which("nvim") or "nvim", "--headless", "--clean", "-n", "-u", str(SCRIPT)],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    result = json.loads(result_file.read_text()) if result_file.exists() else {"error": "no result file"}
    explain = f"exit {completed.returncode}\nresult: {json.dumps(result, indent=2)}\nstderr:\n{completed.stderr}"

    assert result.get("ok") is True, explain
    assert [entry["has_code"] for entry in result["files"]] == [True, True], explain
    assert result["clients"] == 1, explain
    assert len(launches.read_text().split()) == 1, explain  # one server process for both files
    assert result["text"] == (FIXTURES / "client_in_loop.fixed.py").read_text(), explain
    assert result["cleared"] is True, explain
