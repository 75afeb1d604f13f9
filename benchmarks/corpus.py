"""Materialise the pinned real-code corpus of `benchmarks/corpus.toml` into ~/.cache/review-ls-corpus.

Each project's Python files and configuration are extracted at its pinned commit into `<cache>/<name>/`
(with the repository layout, so that its pyproject.toml applies), from a local bare mirror when one exists (`--mirror DIR`, holding
`<owner>+<name>/repo`), else by a shallow fetch of that commit from GitHub. A project already
extracted at the right commit is left alone (`<cache>/<name>/.corpus-commit` records it).

    python benchmarks/corpus.py [--mirror /work/.mirror] [NAME ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib
from dataclasses import dataclass
from pathlib import Path

MANIFEST = Path(__file__).with_name("corpus.toml")
CACHE = Path(os.environ.get("REVIEW_LS_CORPUS", Path.home() / ".cache" / "review-ls-corpus"))


@dataclass(frozen=True)
class Project:
    """One pinned project of the corpus."""

    name: str
    repo: str
    commit: str
    subdir: str

    @property
    def root(self) -> Path:
        """Where the project's tree is extracted."""
        return CACHE / self.name

    @property
    def package(self) -> Path:
        """The application package the benchmarks analyse."""
        return self.root / self.subdir


def load_manifest(path: Path = MANIFEST) -> list[Project]:
    """The projects listed in the manifest."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Project(p["name"], p["repo"], p["commit"], p["subdir"]) for p in data["project"]]


def materialise(project: Project, mirror: Path | None) -> Path:
    """Extract `project` at its pinned commit (unless already there); return its root."""
    marker = project.root / ".corpus-commit"
    if marker.is_file() and marker.read_text().strip() == project.commit:
        return project.root
    git_dir = mirror / project.repo.replace("/", "+") / "repo" if mirror else None
    with tempfile.TemporaryDirectory() as scratch:
        if git_dir is None or not git_dir.is_dir():
            git_dir = Path(scratch) / "repo.git"
            subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], check=True)
            url = f"https://github.com/{project.repo}.git"
            subprocess.run(["git", f"--git-dir={git_dir}", "fetch", "-q", "--depth=1", url, project.commit], check=True)
        target = Path(scratch) / "tree"
        target.mkdir()
        archive = subprocess.run(
            ["git", f"--git-dir={git_dir}", "archive", project.commit, "--", *_wanted_files(git_dir, project.commit)],
            check=True,
            capture_output=True,
        )
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
        (target / ".corpus-commit").write_text(project.commit + "\n")
        if project.root.exists():
            shutil.rmtree(project.root)
        project.root.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(target), project.root)
    return project.root


def _wanted_files(git_dir: Path, commit: str) -> list[str]:
    """The Python sources and project configuration files of the tree (mirrors may omit large data files)."""
    listing = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "--name-only", commit], check=True, capture_output=True, text=True
    )
    return [
        name
        for name in listing.stdout.splitlines()
        if name.endswith((".py", ".pyi", "pyproject.toml", "setup.cfg", ".isort.cfg", "ruff.toml"))
    ]


def main(argv: list[str] | None = None) -> int:
    """Materialise the named projects (all by default) and print where they are."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=Path(os.environ.get("REVIEW_LS_MIRROR", "/work/.mirror")))
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    projects = [p for p in load_manifest() if not args.names or p.name in args.names]
    unknown = set(args.names) - {p.name for p in projects}
    if unknown:
        print(f"corpus: unknown project(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    for project in projects:
        root = materialise(project, args.mirror if args.mirror.is_dir() else None)
        print(f"{project.name}: {root / project.subdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
