"""File discovery decides per folder (configuration, excludes, .gitignore) what it used to decide per file."""

from __future__ import annotations

import os
from pathlib import Path

from review_ls.config import ConfigResolver
from review_ls.files import discover_python_files


def found(*roots: Path) -> list[str]:
    """The files discovered under `roots`, relative to the current folder."""
    resolver = ConfigResolver()
    return [os.path.relpath(path) for path in discover_python_files(list(roots), resolver)]


def test_a_nested_project_excludes_by_its_own_root_and_patterns(write, tmp_path: Path) -> None:
    write("pyproject.toml", '[tool.review-ls]\nextend-exclude = ["gen"]\n')
    write("app/gen/a.py", "")
    write("sub/pyproject.toml", '[tool.review-ls]\nextend-exclude = ["out/*.py"]\n')
    write("sub/gen/b.py", "")  # the nested project's own exclude replaces nothing: `gen` is the parent's pattern
    write("sub/out/c.py", "")
    write("sub/src/out/d.py", "")  # `out/*.py` is anchored at sub/
    write("sub/notools/pyproject.toml", "[project]\nname = 'x'\n")  # no [tool.review-ls]: sub's configuration governs
    write("sub/notools/out/e.py", "")
    assert found(Path(".")) == ["sub/gen/b.py", "sub/notools/out/e.py", "sub/src/out/d.py"]
    resolver = ConfigResolver()
    list(discover_python_files([Path(".")], resolver))
    assert resolver.config_for(Path("sub/notools/out/e.py")).root == (tmp_path / "sub").resolve()
    assert resolver.config_for(Path("sub/src/out/d.py")).root == (tmp_path / "sub").resolve()


def test_a_gitignore_in_a_subfolder_matches_relative_to_its_folder(write, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # a repository: a walk of pkg/ also honours the .gitignore above it
    write(".gitignore", "*.tmp.py\n")
    write("pkg/.gitignore", "/local.py\nbuild/\n")
    for name in ("local.py", "pkg/local.py", "pkg/deep/local.py", "pkg/build/x.py", "pkg/keep.py", "pkg/x.tmp.py"):
        write(name, "")
    assert found(Path(".")) == ["local.py", "pkg/keep.py", "pkg/deep/local.py"]
    assert found(Path("pkg")) == ["pkg/keep.py", "pkg/deep/local.py"]


def test_links_to_files_are_checked_once_and_links_to_folders_are_not_followed(write, tmp_path: Path) -> None:
    write("real/a.py", "")
    (tmp_path / "alias.py").symlink_to(tmp_path / "real" / "a.py")
    (tmp_path / "linked").symlink_to(tmp_path / "real", target_is_directory=True)
    assert found(Path(".")) == ["alias.py"]  # the same file: yielded once, under the first name met
    assert found(Path("real"), Path(".")) == ["real/a.py"]


def test_a_walk_through_a_linked_root_uses_the_real_project(write, tmp_path: Path) -> None:
    write("project/pyproject.toml", '[tool.review-ls]\nextend-exclude = ["skip"]\n')
    write("project/skip/a.py", "")
    write("project/b.py", "")
    (tmp_path / "via").symlink_to(tmp_path / "project", target_is_directory=True)
    assert found(Path("via")) == ["via/b.py"]
