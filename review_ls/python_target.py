"""Does the project's `requires-python` target a newer Python than the one running review-ls?"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from review_ls.toml_parser import toml_parser

_LOWER_BOUND = re.compile(r"(>=|==|~=|>)\s*(\d+)\.(\d+)")


def minimum_python(requires_python: str) -> tuple[int, int] | None:
    """The lowest (major, minor) a `requires-python` specifier allows, when it names one."""
    bounds = [(int(major), int(minor) + (1 if op == ">" else 0)) for op, major, minor in _LOWER_BOUND.findall(requires_python)]
    return max(bounds) if bounds else None


def requires_python_of(root: Path) -> str | None:
    """`[project] requires-python` of `root/pyproject.toml`, or None when absent or unreadable."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    tomllib = toml_parser()
    try:
        with pyproject.open("rb") as handle:
            value = tomllib.load(handle).get("project", {}).get("requires-python")
    except (OSError, tomllib.TOMLDecodeError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def newer_target_notice(root: Path, running: tuple[int, int] | None = None) -> str | None:
    """One line saying the project targets a newer Python than `running`, or None when it does not."""
    current = running or (sys.version_info.major, sys.version_info.minor)
    requires = requires_python_of(root)
    needed = minimum_python(requires) if requires else None
    if needed is None or needed <= current:
        return None
    version = f"{needed[0]}.{needed[1]}"
    return (
        f"{root} requires-python {requires!r} targets Python {version}, but review-ls runs on Python"
        f" {current[0]}.{current[1]}: syntax newer than {current[0]}.{current[1]} is reported as RV000;"
        f" run review-ls with Python {version} (e.g. `python{version} -m review_ls`)"
    )


def nearest_pyproject_folder(folder: Path) -> Path | None:
    """The closest folder at or above `folder` that holds a pyproject.toml."""
    for candidate in (folder, *folder.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    return None


def newer_target_notices(files: Iterable[Path], running: tuple[int, int] | None = None) -> list[str]:
    """One notice per project among `files` whose requires-python is newer than `running`."""
    folders = dict.fromkeys(Path(os.path.realpath(folder)) for folder in dict.fromkeys(os.path.dirname(os.path.abspath(path)) for path in files))
    found: dict[Path, Path | None] = {}  # folder -> its nearest pyproject folder (shared by the folders below it)
    roots = dict.fromkeys(root for folder in folders if (root := _nearest_pyproject_folder(folder, found)) is not None)
    return [notice for root in roots if (notice := newer_target_notice(root, running)) is not None]


def _nearest_pyproject_folder(folder: Path, found: dict[Path, Path | None]) -> Path | None:
    """`nearest_pyproject_folder`, remembering the answer for every folder on the way up."""
    visited = []
    answer: Path | None = None
    for candidate in (folder, *folder.parents):
        if candidate in found:
            answer = found[candidate]
            break
        visited.append(candidate)
        if (candidate / "pyproject.toml").is_file():
            answer = candidate
            break
    for candidate in visited:
        found[candidate] = answer
    return answer
