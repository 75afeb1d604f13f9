"""Untrusted workspaces: nothing in a checkout makes review-ls run its code or touch files outside it.

A workspace is poisoned with a module named after every module review-ls imports after start-up
(each one writes a marker when imported) and a pyproject that asks for plugins; review-ls is then
run the way an editor and a CI job run it, with the workspace as the current folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from review_ls.config import ConfigError, parse_config_table

LOOP_REQUESTS = "import requests\n\ndef notify(hooks):\n    for hook in hooks:\n        requests.post(hook)\n"

# Keys other tools use to load code or name paths; review-ls must reject each as unknown.
CODE_LOADING_KEYS = {
    "plugins": ["evil"],
    "load-plugins": ["evil"],
    "plugin-paths": ["."],
    "extend-rules": ["evil:Rule"],
    "rules-path": "evil_rules",
    "init-hook": "import evil",
    "python": "./.venv/bin/python",
    "python-path": ["."],
    "environment": ".venv",
    "src": ["."],
    "cache-dir": "../../etc",
}

_IMPORTED_AFTER_START = """
import sys
before = set(sys.modules)
from review_ls.cli import main
from review_ls.project.jedi_adapter import adapter_for
main(["check", sys.argv[1], "--diff", "--no-cache"])
main(["check", sys.argv[1], "--format", "json", "--no-cache"])
try:
    import jedi
    jedi.Script("import os\\nos.path", path=sys.argv[1] + "/svc.py").infer(2, 4)
except Exception:
    pass
names = {name.split(".")[0] for name in set(sys.modules) - before}
sys.stderr.write("\\n".join(sorted(names)))
"""


@pytest.fixture(scope="module")
def imported_module_names(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Top-level modules review-ls (and jedi) import after interpreter start-up, while checking and fixing."""
    folder = tmp_path_factory.mktemp("probe")
    (folder / "svc.py").write_text(LOOP_REQUESTS)
    (folder / ".gitignore").write_text("build/\n")  # so that the .gitignore reader is loaded too
    completed = subprocess.run([sys.executable, "-c", _IMPORTED_AFTER_START, str(folder)], capture_output=True, text=True, cwd=folder)
    names = [n for n in completed.stderr.splitlines() if n.isidentifier() and n not in ("review_ls", "__main__")]
    assert {"libcst", "pathspec", "json"} <= set(names), completed.stderr[-2000:]
    return names


def _poisoned_workspace(root: Path, module_names: list[str], markers: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    markers.mkdir(exist_ok=True)
    for name in [*module_names, "sitecustomize", "usercustomize", "evil", "evil_rules", "conftest", "setup"]:
        (root / f"{name}.py").write_text(f"open({str(markers / name)!r}, 'w').write('imported')\n")
    (root / "svc.py").write_text(LOOP_REQUESTS)
    (root / ".jedi").mkdir()
    (root / ".jedi" / "project.json").write_text(json.dumps({"environment_path": str(root / "fake-python")}))
    fake_python = root / "fake-python"
    fake_python.write_text(f"#!/bin/sh\ntouch {markers / 'fake-python'}\n")
    fake_python.chmod(0o755)
    return root


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


@pytest.mark.parametrize("key", sorted(CODE_LOADING_KEYS))
def test_config_keys_that_would_load_code_or_name_paths_are_unknown(key: str) -> None:
    before = set(sys.modules)
    with pytest.raises(ConfigError) as caught:
        parse_config_table({key: CODE_LOADING_KEYS[key]}, root=Path("/workspace"), source="pyproject.toml")
    assert caught.value.key == key and "unknown key" in caught.value.problem
    assert not {name for name in set(sys.modules) - before if name.startswith("evil")}


def test_known_config_keys_name_no_code_and_no_files() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config_table({"no-such-key": 1}, root=Path("/workspace"), source="pyproject.toml")
    known = caught.value.problem.split("known keys: ", 1)[1].rstrip(")").split(", ")
    suspicious = ("plugin", "python", "path", "module", "import", "hook", "exec", "env", "dir", "src", "load", "command")
    assert known and not [key for key in known if any(word in key for word in suspicious)], known


def test_a_poisoned_workspace_runs_none_of_its_code(tmp_path: Path, imported_module_names: list[str]) -> None:
    markers = tmp_path / "markers"
    workspace = _poisoned_workspace(tmp_path / "workspace", imported_module_names, markers)
    (workspace / "pyproject.toml").write_text('[tool.review-ls]\nper-file-ignores = { "../**" = ["RV2"] }\nexclude = ["/etc/*", "../*"]\n')
    review_ls = shutil.which("review-ls") or str(Path(sys.executable).with_name("review-ls"))
    runs = [
        [sys.executable, "-m", "review_ls", "check", "."],
        [sys.executable, "-m", "review_ls", "check", ".", "--diff"],
        [sys.executable, "-m", "review_ls", "check", "svc.py", "--format", "json", "--no-cache"],
        [review_ls, "check", "."],
        [sys.executable, "-m", "review_ls", "fix", "."],
    ]
    for argv in runs:
        completed = _run(argv, workspace)
        assert completed.returncode in (0, 1), (argv, completed.stderr[-3000:])
        assert sorted(p.name for p in markers.iterdir()) == [], (argv, "workspace code ran")
    assert "session.post(hook)" in (workspace / "svc.py").read_text()


def test_a_pyproject_asking_for_plugins_is_an_error_and_imports_nothing(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    workspace = _poisoned_workspace(tmp_path / "workspace", [], markers)
    (workspace / "pyproject.toml").write_text('[tool.review-ls]\nplugins = ["evil"]\nplugin-paths = ["."]\n')
    completed = _run([sys.executable, "-m", "review_ls", "check", "."], workspace)
    assert completed.returncode == 2 and "plugins: unknown key" in completed.stderr
    assert list(markers.iterdir()) == []


def test_config_paths_only_filter_files_inside_the_workspace(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text(LOOP_REQUESTS)
    workspace = tmp_path / "workspace"
    (workspace / "pkg").mkdir(parents=True)
    (workspace / "pkg" / "svc.py").write_text(LOOP_REQUESTS)
    (workspace / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [tool.review-ls]
            extend-exclude = ["../*", "/etc", "../../**"]
            per-file-ignores = { "../outside.py" = ["RV2"], "/**" = ["RV2"] }
            """
        )
    )
    completed = _run([sys.executable, "-m", "review_ls", "check", ".", "--format", "json", "--no-cache"], workspace)
    reported = {Path(item["filename"]).name for item in json.loads(completed.stdout)}
    assert reported == {"svc.py"}


def _workspace_with_cache_link(tmp_path: Path, target: Path) -> Path:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "pyproject.toml").write_text("[tool.review-ls]\n")
    (workspace / "svc.py").write_text(LOOP_REQUESTS)
    (workspace / ".review-ls-cache").symlink_to(target, target_is_directory=True)
    return workspace


def test_a_cache_folder_symlinked_to_a_folder_outside_is_left_alone(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    victim = outside / ("a" * 24)
    victim.mkdir(parents=True)
    (victim / "precious.txt").write_text("keep me")
    workspace = _workspace_with_cache_link(tmp_path, outside)
    completed = _run([sys.executable, "-m", "review_ls", "check", "."], workspace)
    assert completed.returncode == 1
    assert (victim / "precious.txt").read_text() == "keep me"
    assert sorted(p.name for p in outside.iterdir()) == [victim.name]


def test_a_cache_folder_symlinked_to_a_missing_folder_outside_is_not_created(tmp_path: Path) -> None:
    outside = tmp_path / "outside" / "autostart"
    workspace = _workspace_with_cache_link(tmp_path, outside)
    completed = _run([sys.executable, "-m", "review_ls", "check", "."], workspace)
    assert completed.returncode == 1
    assert not outside.exists()


def test_cache_entries_shipped_with_a_checkout_cannot_hide_findings(tmp_path: Path) -> None:
    attacker = tmp_path / "attacker"
    attacker.mkdir()
    (attacker / "pyproject.toml").write_text("[tool.review-ls]\n")
    (attacker / "svc.py").write_text(LOOP_REQUESTS)
    assert _run([sys.executable, "-m", "review_ls", "check", "."], attacker).returncode == 1
    for entry in (attacker / ".review-ls-cache").rglob("*.json"):
        forged = json.loads(entry.read_text())
        forged["findings"], forged["fixes"] = [], None
        entry.write_text(json.dumps(forged))
    checkout = tmp_path / "checkout"
    shutil.copytree(attacker, checkout, symlinks=True)
    completed = _run([sys.executable, "-m", "review_ls", "check", "."], checkout)
    assert completed.returncode == 1 and "RV203" in completed.stdout
