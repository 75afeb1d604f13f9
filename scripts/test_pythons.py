"""Run the core suite (everything but the editor tests in tests/editors) on the other supported Pythons.

Usage: python3 scripts/test_pythons.py [PYTEST ARGS...]

The versions are REVIEW_LS_PYTHONS ("3.10 3.13"; empty runs none), by default every supported
version but the one running this script (scripts/test.sh runs the whole suite on that one). The
versions run one after another, each with `pytest -n 2` in its own venv under
${XDG_CACHE_HOME:-~/.cache}/review-ls-venvs/<version>-<hash of pyproject.toml>: made on first use,
reused while pyproject.toml is unchanged. An interpreter is ~/.pyenv/versions/<version>.* (newest
patch first) or python<version> on PATH. Each version ends with one line: its pytest result, CPU
and wall time. Exit status: 0 when every version passed, 1 when one failed, 2 when an interpreter
or a venv is missing.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")
READY = ".review-ls-ready"  # written into a venv once its install finished; holds the checkout path
SUMMARY = re.compile(r"^=+ (?P<result>.*\d+ (passed|failed|error|errors|skipped|deselected).*) =+$")


@dataclass
class Outcome:
    """What one version's run ended with."""

    version: str
    status: int
    result: str
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0

    def line(self) -> str:
        """The one-line summary of this version."""
        verdict = "ok" if self.status == 0 else "FAILED"
        timing = f"; {self.cpu_seconds:.0f} s CPU, {self.wall_seconds:.0f} s wall" if self.wall_seconds else ""
        return f"test_pythons: Python {self.version}: {verdict} - {self.result}{timing}"


def requested_versions() -> list[str]:
    """REVIEW_LS_PYTHONS, or every supported version but the running one."""
    chosen = os.environ.get("REVIEW_LS_PYTHONS")
    if chosen is not None:
        return chosen.split()
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    return [version for version in SUPPORTED if version != running]


def _patch_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in path.name.split("."))


def find_interpreter(version: str) -> str | None:
    """A runnable interpreter for `version` (pyenv's first: its python3.X shims exist even when they cannot run)."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(pyenv.glob(f"{version}.*"), key=_patch_key, reverse=True) if pyenv.is_dir() else []
    candidates = [str(directory / "bin" / "python") for directory in found if re.fullmatch(r"[\d.]+", directory.name)]
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(on_path)
    for candidate in candidates:
        if os.access(candidate, os.X_OK) and subprocess.run([candidate, "-c", ""], capture_output=True).returncode == 0:
            return candidate
    return None


def cache_key() -> str:
    """The venvs' key: the hash of pyproject.toml (the dependencies)."""
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:12]


def _pip(venv: Path, *arguments: str) -> bool:
    """Run pip in the venv, its output into the venv's install log; print the log's end on failure."""
    log = venv / "review-ls-install.log"
    with log.open("a", encoding="utf-8") as handle:
        completed = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *arguments],
            cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT,
        )
    if completed.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
        print("\n".join(tail), file=sys.stderr)
    return completed.returncode == 0


def ensure_venv(interpreter: str, venv: Path) -> bool:
    """Make (or reuse) the venv with this checkout's test dependencies; one process at a time per venv."""
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.with_name(venv.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ready = venv / READY
        if not ready.is_file():
            shutil.rmtree(venv, ignore_errors=True)
            print(f"test_pythons: creating {venv}", flush=True)
            if subprocess.run([interpreter, "-m", "venv", str(venv)]).returncode != 0:
                return False
            if not _pip(venv, "-e", ".[test]"):
                return False
        elif ready.read_text(encoding="utf-8").strip() != str(ROOT):
            # Made from another checkout: point the editable install (and `review-ls`) here; the
            # dependencies are the same, pyproject.toml being the key.
            if not _pip(venv, "--no-deps", "-e", "."):
                return False
        ready.write_text(f"{ROOT}\n", encoding="utf-8")
    return True


def run_suite(version: str, venv: Path, pytest_arguments: list[str]) -> Outcome:
    """The core suite on the venv's Python, its output passed through."""
    environment = dict(os.environ, VIRTUAL_ENV=str(venv), PYTHONPATH=str(ROOT))
    environment["PATH"] = f"{venv / 'bin'}{os.pathsep}{environment.get('PATH', '')}"
    environment.pop("PYTHONHOME", None)
    command = [str(venv / "bin" / "python"), "-m", "pytest", "-n", "2", "-p", "no:cacheprovider", "--ignore=tests/editors", *pytest_arguments]
    full_version = subprocess.run([command[0], "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True).stdout.strip()
    print(f"== Python {full_version or version}: {' '.join(command[1:])}", flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    result = "no pytest summary line"
    with subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace") as process:
        assert process.stdout is not None
        for output_line in process.stdout:
            sys.stdout.write(output_line)
            match = SUMMARY.match(output_line.strip())
            if match:
                result = match.group("result")
        status = process.wait()
    sys.stdout.flush()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Outcome(full_version or version, status, result, cpu, time.monotonic() - started)


def main(pytest_arguments: list[str]) -> int:
    """Run every requested version and print one summary line per version; the worst status wins."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "review-ls-venvs"
    key = cache_key()
    outcomes: list[Outcome] = []
    for version in requested_versions():
        interpreter = find_interpreter(version)
        if interpreter is None:
            outcome = Outcome(version, 2, f"no interpreter (python{version} on PATH or ~/.pyenv/versions/{version}.*)")
        elif not ensure_venv(interpreter, cache / f"{version}-{key}"):
            outcome = Outcome(version, 2, f"could not make the venv {cache / f'{version}-{key}'}")
        else:
            outcome = run_suite(version, cache / f"{version}-{key}", pytest_arguments)
        print(outcome.line(), flush=True)
        outcomes.append(outcome)
    if len(outcomes) > 1:
        print("test_pythons: all versions:")
        for outcome in outcomes:
            print(outcome.line())
    if any(outcome.status == 2 for outcome in outcomes if outcome.wall_seconds == 0):
        return 2
    return 1 if any(outcome.status for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
