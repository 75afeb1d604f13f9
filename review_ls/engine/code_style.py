"""The project's code style as fixes need it: line length and isort sections, from pyproject.toml.

`line-length` comes from `[tool.ruff]`, else `[tool.black]` (default 88). First-party modules are
`known-first-party` of `[tool.ruff.lint.isort]` / `[tool.ruff.isort]` / `[tool.isort]`, plus the
project's own top-level packages and modules (at its root and under `src/`).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from review_ls.deferred_dataclass import dataclass
from review_ls.toml_parser import toml_parser

FUTURE, STDLIB, THIRD_PARTY, FIRST_PARTY, LOCAL = range(5)
DEFAULT_LINE_LENGTH = 88


@dataclass(frozen=True)
class CodeStyle:
    """Line length and import sections of one project."""

    line_length: int = DEFAULT_LINE_LENGTH
    first_party: frozenset[str] = frozenset()

    def section(self, module: str) -> int:
        """The isort section of an imported module: future, stdlib, third party, first party or local (relative)."""
        if module.startswith("."):
            return LOCAL
        top = module.split(".", 1)[0]
        if top == "__future__":
            return FUTURE
        if top in self.first_party:
            return FIRST_PARTY
        if top in sys.stdlib_module_names:
            return STDLIB
        return THIRD_PARTY


def code_style_for(path: str | Path | None) -> CodeStyle:
    """The code style that governs the file at `path` (the defaults when no pyproject.toml says otherwise)."""
    if path is None:
        return CodeStyle()
    file = Path(path).absolute()
    own_package = _top_package(file)
    for folder in file.parents:
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            tomllib = toml_parser()
            try:
                table = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                break
            tool = table.get("tool", {}) if isinstance(table.get("tool"), dict) else {}
            first_party = _known_first_party(tool) | _own_packages(folder) | own_package
            return CodeStyle(_line_length(tool), frozenset(first_party))
    return CodeStyle(first_party=frozenset(own_package))


def _line_length(tool: Mapping[str, Any]) -> int:
    for table in (tool.get("ruff"), tool.get("black")):
        if isinstance(table, dict) and isinstance(table.get("line-length"), int) and table["line-length"] > 0:
            return int(table["line-length"])
    return DEFAULT_LINE_LENGTH


def _known_first_party(tool: Mapping[str, Any]) -> set[str]:
    ruff: Mapping[str, Any] = tool["ruff"] if isinstance(tool.get("ruff"), dict) else {}
    lint: Mapping[str, Any] = ruff["lint"] if isinstance(ruff.get("lint"), dict) else {}
    names: set[str] = set()
    for table, key in ((lint.get("isort"), "known-first-party"), (ruff.get("isort"), "known-first-party"), (tool.get("isort"), "known_first_party")):
        if isinstance(table, dict) and isinstance(table.get(key), list):
            names.update(str(name) for name in table[key])
    return names


def _own_packages(root: Path) -> set[str]:
    """Top-level packages and modules at the project root and under `src/`."""
    names: set[str] = set()
    for folder in (root, root / "src"):
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir() and (entry / "__init__.py").is_file():
                names.add(entry.name)
            elif entry.suffix == ".py" and entry.stem.isidentifier() and entry.stem not in ("setup", "conftest", "noxfile"):
                names.add(entry.stem)
    return names


def _top_package(file: Path) -> set[str]:
    """The top-level package that holds `file` (walking up through `__init__.py` folders)."""
    folder, top = file.parent, None
    while (folder / "__init__.py").is_file():
        top, folder = folder.name, folder.parent
    return {top} if top else set()
