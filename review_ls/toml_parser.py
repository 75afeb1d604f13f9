"""The TOML parser, imported when a file is first read: a run in a folder without a pyproject.toml never loads it."""

from __future__ import annotations

import sys
from types import ModuleType


def toml_parser() -> ModuleType:
    """The standard `tomllib` module (`tomli` before Python 3.11): `load`, `loads`, `TOMLDecodeError`."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli  # pragma: no cover - exercised on 3.10 only

    return tomli  # pragma: no cover
