"""Install review-ls and its dependencies into the VS Code extension's bundled/libs for one platform.

Usage: python3 scripts/bundle_libs.py [--target linux-x64] [--pythons 3.10 3.11 3.12 3.13]
                                      [--wheel dist/review_ls-*.whl] [--out vscode-client/bundled/libs]

The extension runs `python -I bundled/tool/server.py`, which puts bundled/libs first on sys.path, so
any Python 3.10+ interpreter runs the server with nothing installed. libcst (and PyYAML) ship native
code built per CPython version and platform, so one bundle is made per VS Code target (`vsce package
--target`) and holds the wheels of every Python version in --pythons side by side: the extension
modules' file names carry their version tag (native.cpython-312-x86_64-linux-gnu.so), and each
interpreter imports its own.

Versions: each dependency is pinned to the version installed in the Python running this script (what
the test suite ran with), else the newest release within pyproject.toml's range. Dependencies are
resolved per Python version and platform here, because `pip install --python-version` evaluates
environment markers (`exceptiongroup; python_version < "3.11"`) for the running interpreter instead.
Wheels are fetched with `pip download` (the package index or pip's cache); the resolved libraries are
cached by target, versions and pins in ${XDG_CACHE_HOME:-~/.cache}/review-ls-bundle, so a rebuild
with unchanged dependencies only reinstalls review-ls itself.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

try:
    from packaging.markers import Marker
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name, parse_wheel_filename
except ImportError:  # pytest brings it along in the test environment; scripts/build.sh installs it
    raise SystemExit("bundle_libs: needs the `packaging` package (python3 -m pip install packaging)") from None

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "vscode-client" / "bundled" / "libs"
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
MANIFEST = "review_ls_bundle.json"  # read by bundled/tool/server.py to name what the bundle supports


@dataclass(frozen=True)
class Platform:
    """A VS Code target: the wheel platform tags pip may pick, and the marker values of that platform."""

    wheel_tags: tuple[str, ...]
    sys_platform: str
    platform_system: str
    os_name: str
    platform_machine: str


def _tags(prefixes: tuple[str, ...], arch: str) -> tuple[str, ...]:
    return tuple(f"{prefix}_{arch}" for prefix in prefixes)


_MANYLINUX = ("manylinux_2_28", "manylinux_2_17", "manylinux2014", "manylinux_2_12", "manylinux2010", "manylinux_2_5", "manylinux1")
_MACOS_X64 = tuple(f"macosx_10_{minor}" for minor in range(9, 16)) + ("macosx_11_0", "macosx_12_0")
_MACOS_ARM = ("macosx_11_0", "macosx_12_0", "macosx_13_0", "macosx_14_0")

# The VS Code targets (https://code.visualstudio.com/api/working-with-extensions/publishing-extension#platformspecific-extensions).
PLATFORMS = {
    "linux-x64": Platform(_tags(_MANYLINUX, "x86_64"), "linux", "Linux", "posix", "x86_64"),
    "linux-arm64": Platform(_tags(_MANYLINUX[:4], "aarch64"), "linux", "Linux", "posix", "aarch64"),
    "alpine-x64": Platform(_tags(("musllinux_1_2", "musllinux_1_1"), "x86_64"), "linux", "Linux", "posix", "x86_64"),
    "alpine-arm64": Platform(_tags(("musllinux_1_2", "musllinux_1_1"), "aarch64"), "linux", "Linux", "posix", "aarch64"),
    "darwin-x64": Platform(_tags(_MACOS_X64, "x86_64") + _tags(_MACOS_X64, "universal2"), "darwin", "Darwin", "posix", "x86_64"),
    "darwin-arm64": Platform(_tags(_MACOS_ARM, "arm64") + _tags(_MACOS_ARM, "universal2"), "darwin", "Darwin", "posix", "arm64"),
    "win32-x64": Platform(("win_amd64",), "win32", "Windows", "nt", "AMD64"),
    "win32-arm64": Platform(("win_arm64",), "win32", "Windows", "nt", "ARM64"),
}


class BundleError(Exception):
    """A step of the bundling failed; the message is one line for the user."""


def host_target() -> str:
    """The VS Code target of this machine (linux-x64, darwin-arm64, ...)."""
    import platform

    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform, sys.platform)
    if system == "linux" and platform.libc_ver()[0] != "glibc":
        system = "alpine"
    return f"{system}-{arch}"


def marker_environment(platform: Platform, python: str) -> dict[str, str]:
    """The values environment markers are evaluated with for `python` (e.g. "3.10") on `platform`."""
    return {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": platform.sys_platform,
        "platform_system": platform.platform_system,
        "os_name": platform.os_name,
        "platform_machine": platform.platform_machine,
        "extra": "",
    }


def wheel_requirements(wheel: Path) -> list[Requirement]:
    """The Requires-Dist entries of a wheel's METADATA."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    return [Requirement(line) for line in metadata.get_all("Requires-Dist") or []]


def applies(requirement: Requirement, environment: dict[str, str]) -> bool:
    """Whether a requirement's marker holds in `environment` (extras are never requested)."""
    return requirement.marker is None or Marker(str(requirement.marker)).evaluate(environment)


def installed_pins(wheel: Path) -> dict[str, str]:
    """name -> version of every distribution of review-ls's dependency closure installed here."""
    pins: dict[str, str] = {}
    pending = [r for r in wheel_requirements(wheel) if applies(r, _default_environment())]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in pins:
            continue
        try:
            distribution = importlib.metadata.distribution(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            continue
        pins[name] = distribution.version
        pending.extend(r for r in map(Requirement, distribution.requires or []) if applies(r, _default_environment()))
    return dict(sorted(pins.items()))


def _default_environment() -> dict[str, str]:
    """The marker values of the running interpreter."""
    from packaging.markers import default_environment

    return {**{key: str(value) for key, value in default_environment().items()}, "extra": ""}


def wheel_selection(platform: Platform, python: str) -> list[str]:
    """pip's options that accept exactly the wheels `python` can import on `platform`."""
    options = ["--only-binary=:all:", "--implementation", "cp", "--python-version", python]
    options += ["--abi", f"cp{python.replace('.', '')}", "--abi", "abi3", "--abi", "none"]
    for tag in (*platform.wheel_tags, "any"):
        options += ["--platform", tag]
    return options


def download(requirements: list[str], platform: Platform, python: str, wheels: Path) -> dict[str, Path]:
    """Fetches the best wheel of each requirement for `python` on `platform` into `wheels`: name -> path."""
    with tempfile.TemporaryDirectory(dir=wheels) as fresh:  # pip's HTTP cache makes a repeated fetch cheap
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", fresh, *wheel_selection(platform, python)]
        result = subprocess.run([*command, *requirements], capture_output=True, text=True)
        if result.returncode != 0:
            reason = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
            raise BundleError(f"cannot fetch the wheels of {' '.join(requirements)} for Python {python}: {reason}")
        fetched = {}
        for wheel in Path(fresh).glob("*.whl"):
            fetched[str(parse_wheel_filename(wheel.name)[0])] = Path(shutil.move(str(wheel), str(wheels / wheel.name)))
        return fetched


def fetch_level(specs: dict[str, tuple[str, str]], platform: Platform, python: str, wheels: Path) -> dict[str, Path]:
    """The wheels of `specs` (name -> (pinned, range)): the pinned versions, else for each pin that has
    no wheel for this Python and platform the newest within range that has one (libcst 1.9.0 has no
    macOS x86_64 wheels; 1.8.6 does)."""
    try:
        return download([pinned for pinned, _ in specs.values()], platform, python, wheels)
    except BundleError:
        fetched: dict[str, Path] = {}
        for name, (pinned, ranged) in specs.items():
            try:
                fetched.update(download([pinned], platform, python, wheels))
            except BundleError:
                fetched.update(download([ranged], platform, python, wheels))
                print(f"bundle_libs: no wheel of {pinned} for Python {python} here; bundling {fetched[name].name}", file=sys.stderr)
        return fetched


def resolve(wheel: Path, platform: Platform, python: str, pins: dict[str, str], wheels: Path) -> list[Path]:
    """The wheels of review-ls's dependency closure for `python` on `platform` (not review-ls itself), one pip call per level."""
    environment = marker_environment(platform, python)
    chosen: dict[str, Path] = {}
    level = [r for r in wheel_requirements(wheel) if applies(r, environment)]
    while level:
        specs: dict[str, tuple[str, str]] = {}  # name -> (pinned, the range the requirement allows)
        for requirement in level:
            name = canonicalize_name(requirement.name)
            if name not in chosen:
                ranged = f"{requirement.name}{requirement.specifier}"
                specs.setdefault(name, (f"{requirement.name}=={pins[name]}" if name in pins else ranged, ranged))
        if not specs:
            break
        fetched = fetch_level(specs, platform, python, wheels)
        missing = set(specs) - set(fetched)
        if missing:
            raise BundleError(f"pip fetched no wheel of {', '.join(sorted(missing))} for Python {python}")
        chosen.update(fetched)
        level = [r for name in specs for r in wheel_requirements(fetched[name]) if applies(r, environment)]
    return sorted(chosen.values())


def install(wheels: list[Path], target: Path, selection: list[str]) -> None:
    """Installs wheels (already resolved) into `target` without resolving again."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile", "--upgrade", "--ignore-requires-python", "--target", str(target), *selection]
    result = subprocess.run([*command, *map(str, wheels)], capture_output=True, text=True)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise BundleError(f"installing into {target} failed: {reason}")


def cache_root() -> Path:
    """Where fetched wheels and resolved dependency folders are kept between builds."""
    import os

    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "review-ls-bundle"


def dependencies_folder(wheel: Path, target: str, pythons: list[str]) -> Path:
    """A folder with the dependencies of every Python in `pythons` for `target`, from the cache when it is there."""
    pins = installed_pins(wheel)
    requirements = sorted(str(r) for r in wheel_requirements(wheel))
    key = hashlib.sha256(json.dumps([target, pythons, pins, requirements]).encode()).hexdigest()[:16]
    folder = cache_root() / f"deps-{target}-{key}"
    if (folder / MANIFEST).is_file():
        return folder
    wheels = cache_root() / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"deps-{target}-", dir=cache_root()))
    try:
        versions: dict[str, dict[str, str]] = {}
        for python in pythons:
            resolved = resolve(wheel, PLATFORMS[target], python, pins, wheels)
            # pip --target replaces a package's folder: install each version apart, then merge, so
            # that the native modules of every version end up side by side.
            alone = staging / f"python{python}"
            install(resolved, alone, wheel_selection(PLATFORMS[target], python))
            shutil.copytree(alone, staging / "merged", dirs_exist_ok=True)
            shutil.rmtree(alone)
            versions[python] = {w.name.split("-")[0]: w.name.split("-")[1] for w in resolved}
        merged = staging / "merged"
        (merged / MANIFEST).write_text(json.dumps({"target": target, "pythons": pythons, "dependencies": versions}, indent=1) + "\n")
        shutil.rmtree(folder, ignore_errors=True)
        merged.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def build_wheel(destination: Path) -> Path:
    """Builds the review-ls wheel of this checkout into `destination`."""
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(destination), str(ROOT)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BundleError(f"building the review-ls wheel failed: {(result.stderr.strip().splitlines() or ['pip failed'])[-1]}")
    return next(destination.glob("review_ls-*.whl"))


def bundle(target: str, pythons: list[str], wheel: Path | None, out: Path) -> Path:
    """Fills `out` with review-ls and its dependencies for `target`; returns `out`."""
    with tempfile.TemporaryDirectory(prefix="review-ls-wheel-") as scratch:
        wheel = wheel or build_wheel(Path(scratch))
        dependencies = dependencies_folder(wheel, target, pythons)
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(dependencies, out, ignore=shutil.ignore_patterns("__pycache__"))
        install([wheel], out, [])
    for leftover in out.glob("bin"):  # console scripts of the wheels: not used from a bundle
        shutil.rmtree(leftover)
    return out


def folder_size(folder: Path) -> int:
    """The total size in bytes of the files under `folder`."""
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; exits 2 with one line on failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default=host_target(), choices=sorted(PLATFORMS), help="VS Code target (default: this machine)")
    parser.add_argument("--pythons", nargs="+", default=list(SUPPORTED_PYTHONS), help="CPython versions to bundle native wheels for")
    parser.add_argument("--wheel", type=Path, help="the review-ls wheel (default: build one from this checkout)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the folder to fill (replaced)")
    args = parser.parse_args(argv)
    try:
        out = bundle(args.target, args.pythons, args.wheel, args.out)
    except BundleError as error:
        print(f"bundle_libs: {error}", file=sys.stderr)
        return 2
    print(f"bundle_libs: {out} for {args.target}, Python {', '.join(args.pythons)}: {folder_size(out) / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
