"""scripts/bundle_libs.py: dependencies resolved per target Python and platform, and the bundle it builds
(vscode-client/bundled/libs, made by `npm run package`) runs on every Python it was built for."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = ROOT / "vscode-client" / "bundled" / "tool" / "server.py"
MANIFEST = ROOT / "vscode-client" / "bundled" / "libs" / "review_ls_bundle.json"


def _bundle_libs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bundle_libs", ROOT / "scripts" / "bundle_libs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bundle_libs"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bundle_libs = _bundle_libs()


def _wheel_requiring(tmp_path: Path, *requirements: str) -> Path:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    metadata = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n" + "".join(f"Requires-Dist: {r}\n" for r in requirements)
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo-1.0.dist-info/METADATA", metadata)
    return wheel


def test_markers_are_evaluated_for_the_target_python_and_platform_not_the_running_one(tmp_path: Path) -> None:
    wheel = _wheel_requiring(tmp_path, 'exceptiongroup>=1.1; python_version < "3.11"', 'pywin32; sys_platform == "win32"', "attrs>=23")

    def needed(target: str, python: str) -> list[str]:
        environment = bundle_libs.marker_environment(bundle_libs.PLATFORMS[target], python)
        return sorted(r.name for r in bundle_libs.wheel_requirements(wheel) if bundle_libs.applies(r, environment))

    assert needed("linux-x64", "3.10") == ["attrs", "exceptiongroup"]
    assert needed("linux-x64", "3.13") == ["attrs"]
    assert needed("win32-x64", "3.12") == ["attrs", "pywin32"]


def test_every_vs_code_target_has_wheel_platform_tags() -> None:
    assert set(bundle_libs.PLATFORMS) == {
        "linux-x64", "linux-arm64", "alpine-x64", "alpine-arm64", "darwin-x64", "darwin-arm64", "win32-x64", "win32-arm64",
    }
    assert "manylinux_2_28_x86_64" in bundle_libs.PLATFORMS["linux-x64"].wheel_tags
    assert "musllinux_1_2_aarch64" in bundle_libs.PLATFORMS["alpine-arm64"].wheel_tags
    assert bundle_libs.host_target() in bundle_libs.PLATFORMS


def _interpreter(version: str) -> str | None:
    pyenv = sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}"), reverse=True)
    return str(pyenv[0]) if pyenv else shutil.which(f"python{version}")


@pytest.mark.skipif(not MANIFEST.is_file(), reason="vscode-client/bundled/libs is not built (cd vscode-client && npm run package)")
def test_the_bundle_runs_on_every_python_it_was_built_for() -> None:
    manifest = json.loads(MANIFEST.read_text())
    interpreters = {version: _interpreter(version) for version in manifest["pythons"]}
    available = {version: python for version, python in interpreters.items() if python}
    if not available:
        pytest.skip(f"no interpreter of Python {', '.join(manifest['pythons'])} here")
    # One probe per version at once: each imports libcst's native module of its own version.
    probes = {
        version: subprocess.Popen([python, "-I", str(LAUNCHER), "--probe"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for version, python in available.items()
    }
    results = {version: probe.communicate(timeout=120) for version, probe in probes.items()}
    failed = {version: err.strip().splitlines()[-1:] for version, (out, err) in results.items() if probes[version].returncode != 0}
    assert failed == {}
    assert {out for out, _ in results.values()} == {_version()}


def _version() -> str:
    from review_ls import __version__

    return __version__
