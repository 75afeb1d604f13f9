"""Shared fixtures."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def write(tmp_path: Path):
    """Write dedented files under tmp_path: write("pkg/a.py", "...") -> Path."""

    def _write(relative: str, text: str) -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        content = textwrap.dedent(text)
        if content.startswith("\n"):
            content = content[1:]
        path.write_text(content, encoding="utf-8")
        return path

    return _write
