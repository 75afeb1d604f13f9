"""Neovim's built-in LSP client, headless, against the real server: diagnostics, quick fix, shutdown.

`nvim_quickfix_check.lua` drives the session and writes a JSON result; these tests read it. Neovim
comes from Debian (`scripts/ensure_test_tools.sh` installs it); without it the tests are skipped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
SCRIPT = HERE / "nvim_quickfix_check.lua"
FIXTURES = HERE / "fixtures"
SERVER_COMMAND = [sys.executable, "-m", "review_ls", "serve"]
NVIM = shutil.which("nvim")
MINIMUM_NVIM = (0, 7)
# vim.diagnostic.severity values
SEVERITY_ERROR = 1
SEVERITY_WARNING = 2
SEVERITY_HINT = 4


def nvim_version(executable: str) -> tuple[int, int]:
    """(major, minor) of the `nvim` executable."""
    first_line = subprocess.run([executable, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"NVIM v(\d+)\.(\d+)", first_line)
    assert match, f"unexpected `nvim --version` output: {first_line!r}"
    return int(match.group(1)), int(match.group(2))


def skip_reason() -> str | None:
    """Why the Neovim tests cannot run here, or None when they can."""
    if NVIM is None:
        return "nvim is not on PATH (scripts/ensure_test_tools.sh installs Debian's neovim with apt-get)"
    if nvim_version(NVIM) < MINIMUM_NVIM:
        return f"nvim {nvim_version(NVIM)} is older than 0.7, the first release with vim.diagnostic and Lua autocommands"
    return None


SKIP_REASON = skip_reason()
pytestmark = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")


@dataclass(frozen=True)
class NeovimSession:
    """What one headless Neovim run reported."""

    result: dict[str, Any]
    returncode: int
    stderr: str
    lsp_log: str

    def explain(self) -> str:
        """Everything needed to debug a failed run, for assertion messages."""
        return (
            f"nvim exit code {self.returncode}\nresult: {json.dumps(self.result, indent=2)}\n"
            f"stderr:\n{self.stderr}\nlsp.log (tail):\n{self.lsp_log[-4000:]}"
        )


def run_neovim(
    tmp_path: Path,
    fixture: str,
    code: str,
    *,
    init_options: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    severity: int | None = None,
) -> NeovimSession:
    """Copy `fixture` into an empty project, run the Lua session on it and return its result.

    `init_options` go out as initializationOptions, `settings` answer workspace/configuration, and
    with `severity` the session waits for the diagnostic to have that severity.
    """
    project = tmp_path / "project"
    project.mkdir()
    source = project / fixture
    shutil.copyfile(FIXTURES / fixture, source)
    result_file = tmp_path / "result.json"
    home = tmp_path / "nvim-home"
    env = {
        **os.environ,
        "REVIEW_LS_CMD": json.dumps(SERVER_COMMAND),
        "REVIEW_LS_FIXTURE": str(source),
        "REVIEW_LS_EXPECT_CODE": code,
        "REVIEW_LS_INIT_OPTIONS": json.dumps(init_options or {}),
        "REVIEW_LS_SETTINGS": json.dumps(settings or {}),
        "REVIEW_LS_EXPECT_SEVERITY": "" if severity is None else str(severity),
        "REVIEW_LS_RESULT": str(result_file),
        # Keep Neovim away from the user's configuration, plugins, shada and logs.
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    completed = subprocess.run(
        [NVIM or "nvim", "--headless", "--clean", "-n", "-u", str(SCRIPT)],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    logs = [path.read_text(errors="replace") for path in home.rglob("lsp.log")]
    result = json.loads(result_file.read_text()) if result_file.exists() else {"error": "no result file written"}
    return NeovimSession(result, completed.returncode, completed.stderr, "\n".join(logs))


def expected_text(name: str) -> str:
    """The content of a fixture file."""
    return (FIXTURES / name).read_text()


def test_quick_fix_from_a_real_neovim_client(tmp_path: Path) -> None:
    session = run_neovim(tmp_path, "client_in_loop.py", "RV201")

    assert session.result.get("ok") is True, session.explain()
    assert session.returncode == 0, session.explain()
    assert "RV201" in session.result["codes"]
    assert session.result["diagnostic"]["source"] == "review-ls"
    assert session.result["diagnostic"]["line"] == 6  # 0-based: `with httpx.Client() as client:`
    assert session.result["diagnostic"]["severity"] == SEVERITY_WARNING
    assert session.result["applied_title"] == "Hoist httpx.Client out of the loop"
    assert session.result["text"] == expected_text("client_in_loop.fixed.py")
    assert session.result["cleared"] is True, session.explain()
    assert session.result["stopped"] is True and session.result["exit_code"] == 0, session.explain()


def test_initialization_options_reach_the_server(tmp_path: Path) -> None:
    session = run_neovim(tmp_path, "client_in_loop.py", "RV201", init_options={"severity": {"RV201": "error"}}, severity=SEVERITY_ERROR)

    assert session.result.get("ok") is True, session.explain()
    assert session.result["diagnostic"]["severity"] == SEVERITY_ERROR
    assert session.result["messages"] == []  # no "invalid settings" warning


def test_client_settings_reach_the_server(tmp_path: Path) -> None:
    session = run_neovim(tmp_path, "client_in_loop.py", "RV201", settings={"review-ls": {"severity": {"RV2": "hint"}}}, severity=SEVERITY_HINT)

    assert session.result.get("ok") is True, session.explain()
    assert session.result["diagnostic"]["severity"] == SEVERITY_HINT
    assert session.result["messages"] == []
