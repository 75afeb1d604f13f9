"""Precision on real code: run `review-ls check` over popular open-source packages and count findings.

Installs a fixed, pinned list of packages (sources only, `--no-deps`) into a scratch virtualenv
under the cache folder (never into the running environment), runs
`python -m review_ls check PKG_DIRS --format json --no-cache` over their sources and prints, per
rule, the number of findings and findings per KLOC, then a sample of each rule's findings with the
flagged line, so a reviewer can judge whether the rule is mostly right or mostly noise.

    python benchmarks/real_code.py [--sample N] [--select CODES] [--cache-dir DIR] [--seed N]
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

# Pinned so that counts are comparable between runs (distribution name, import package folders).
PACKAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("httpx==0.27.2", ("httpx",)),
    ("starlette==0.41.3", ("starlette",)),
    ("fastapi==0.115.6", ("fastapi",)),
    ("requests==2.32.3", ("requests",)),
    ("aiohttp==3.11.11", ("aiohttp",)),
    ("rich==13.9.4", ("rich",)),
    ("sqlalchemy==2.0.36", ("sqlalchemy",)),
    ("pydantic==2.10.4", ("pydantic",)),
    ("pydantic-settings==2.7.1", ("pydantic_settings",)),
    ("celery==5.4.0", ("celery",)),
    ("flask==3.1.0", ("flask",)),
    ("django==5.1.4", ("django",)),
    # Applications (services), where the architecture and concurrency rules are meant to fire.
    ("datasette==0.65.1", ("datasette",)),
    ("chainlit==2.12.0", ("chainlit",)),
    ("flower==2.2.0", ("flower",)),
)


def default_cache_dir() -> Path:
    """Where the scratch virtualenv lives: $XDG_CACHE_HOME/review-ls/real-code (or the temp folder)."""
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache" if Path.home().exists() else tempfile.gettempdir())
    return Path(base) / "review-ls" / "real-code"


def ensure_packages(cache_dir: Path) -> Path:
    """Create the scratch virtualenv and install the pinned packages once; return its site-packages."""
    key = hashlib.sha256("\n".join(spec for spec, _ in PACKAGES).encode()).hexdigest()[:12]
    venv = cache_dir / f"venv-{key}"
    python = venv / "bin" / "python"
    marker = venv / "installed.ok"
    if not marker.exists():
        venv.parent.mkdir(parents=True, exist_ok=True)
        print(f"installing {len(PACKAGES)} packages into {venv} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        site = _site_packages(python)
        # pip from the running interpreter installs into the scratch venv's site-packages only.
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile", "--target", str(site), *(s for s, _ in PACKAGES)],
            check=True,
        )
        marker.write_text("\n".join(spec for spec, _ in PACKAGES) + "\n", encoding="utf-8")
    return _site_packages(python)


def _site_packages(python: Path) -> Path:
    completed = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], check=True, capture_output=True, text=True
    )
    return Path(completed.stdout.strip())


def package_dirs(site: Path) -> list[Path]:
    """The source folders of the pinned packages inside `site`."""
    folders = [site / folder for _, names in PACKAGES for folder in names]
    missing = [str(f) for f in folders if not f.is_dir()]
    if missing:
        sys.exit(f"missing package folders: {', '.join(missing)}")
    return folders


def count_kloc(folders: list[Path]) -> float:
    """Thousands of lines of Python under `folders`."""
    return sum(p.read_bytes().count(b"\n") for folder in folders for p in folder.rglob("*.py")) / 1000


def run_check(folders: list[Path], select: str | None, jobs: int | None) -> list[dict[str, object]]:
    """Run `review-ls check --format json` over `folders` and return its findings."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        output = Path(out.name)
    command = [sys.executable, "-m", "review_ls", "check", *map(str, folders), "--format", "json", "--no-cache", "-o", str(output)]
    if select:
        command += ["--select", select]
    if jobs:
        command += ["--jobs", str(jobs)]
    completed = subprocess.run(command, capture_output=True, text=True)
    try:
        if completed.returncode not in (0, 1):
            sys.exit(f"review-ls check failed ({completed.returncode}): {completed.stderr.strip()[-2000:]}")
        return json.loads(output.read_text(encoding="utf-8") or "[]")
    finally:
        output.unlink(missing_ok=True)


def source_line(filename: str, row: int) -> str:
    """The flagged line of a finding, stripped (empty when unreadable)."""
    try:
        lines = Path(filename).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return lines[row - 1].strip() if 0 < row <= len(lines) else ""


def report(findings: list[dict[str, object]], kloc: float, site: Path, sample: int, seed: int) -> str:
    """Per-rule counts, findings per KLOC and a sample of each rule's findings."""
    by_code: dict[str, list[dict[str, object]]] = collections.defaultdict(list)
    for finding in findings:
        by_code[str(finding["code"])].append(finding)
    lines = [f"corpus: {kloc:,.1f} KLOC in {len(PACKAGES)} packages; {len(findings)} findings", ""]
    lines.append(f"{'code':<6}  {'name':<36}  {'count':>6}  {'per KLOC':>8}  files")
    for code in sorted(by_code):
        group = by_code[code]
        files = len({f["filename"] for f in group})
        lines.append(f"{code:<6}  {group[0].get('name', '')!s:<36}  {len(group):>6}  {len(group) / kloc:>8.3f}  {files}")
    chooser = random.Random(seed)
    for code in sorted(by_code):
        group = by_code[code]
        picked = group if len(group) <= sample else chooser.sample(group, sample)
        lines += ["", f"== {code} {group[0].get('name', '')}: {len(picked)} of {len(group)}"]
        for finding in sorted(picked, key=lambda f: (str(f["filename"]), f["location"]["row"])):  # type: ignore[index]
            location = finding["location"]
            filename = str(finding["filename"])
            shown = os.path.relpath(filename, site) if filename.startswith(str(site)) else filename
            lines.append(f"{shown}:{location['row']}: [{finding.get('severity', '')}] {finding['message']}")  # type: ignore[index]
            lines.append(f"    {source_line(filename, int(location['row']))}")  # type: ignore[index]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Install the corpus if needed, run the check and print the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=10, help="findings shown per rule (default 10)")
    parser.add_argument("--select", help="rule codes or prefixes to run (default: all)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="where the scratch virtualenv is kept")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample choice")
    args = parser.parse_args()
    site = ensure_packages(args.cache_dir or default_cache_dir())
    folders = package_dirs(site)
    kloc = count_kloc(folders)
    findings = run_check(folders, args.select, args.jobs)
    sys.stdout.write(report(findings, kloc, site, args.sample, args.seed))


if __name__ == "__main__":
    main()
