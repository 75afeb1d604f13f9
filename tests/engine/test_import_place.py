"""Added imports go where isort/ruff put them; the project's style comes from its pyproject.toml."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from review_ls.config import Settings
from review_ls.engine.code_style import FIRST_PARTY, LOCAL, STDLIB, THIRD_PARTY, CodeStyle, code_style_for
from review_ls.engine.fixes import fix_source
from review_ls.engine.import_place import import_sites, place_import

MODULE = textwrap.dedent(
    """\
    \"\"\"Service.\"\"\"
    import json
    import time

    import httpx
    from fastapi import APIRouter

    from app.db import session
    from .service import x
    """
)


def _place(statement: str, style: CodeStyle) -> tuple[int, str, str]:
    place = place_import(statement, import_sites(ast.parse(MODULE), style), style, "\n")
    assert place is not None
    return place.line, place.before, place.after


def test_an_import_goes_into_its_section_in_order() -> None:
    style = CodeStyle(first_party=frozenset({"app"}))
    assert _place("import asyncio", style) == (2, "", "")  # before json, not after `.service`
    assert _place("import re", style) == (3, "", "")  # between json and time
    assert _place("import zlib", style) == (4, "", "")  # after time, still in stdlib
    assert _place("from fastapi import Depends", style) == (7, "", "")  # after the `from fastapi` line
    assert _place("import requests", style) == (6, "", "")  # plain imports before `from` imports
    assert _place("from app.config import settings", style) == (8, "", "")


def test_a_missing_section_is_opened_with_a_blank_line() -> None:
    style = CodeStyle(first_party=frozenset({"app"}))
    module = ast.parse("import os\nfrom .x import y\n")
    place = place_import("import httpx", import_sites(module, style), style, "\n")
    assert place is not None and (place.line, place.before, place.after) == (2, "", "\n")
    module = ast.parse("import os\n")
    place = place_import("from app import z", import_sites(module, style), style, "\n")
    assert place is not None and (place.line, place.before, place.after) == (2, "\n", "")


def test_fix_adds_asyncio_in_the_stdlib_section(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        import time

        from .service import notify


        async def wait():
            time.sleep(0.5)
            notify()
        """
    )
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    fixed = fix_source(source, str(tmp_path / "pkg" / "jobs.py"), Settings(select=("RV302",))).source
    assert fixed.startswith("import asyncio\nimport time\n\nfrom .service import notify\n"), fixed


def test_style_reads_line_length_and_known_first_party(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ruff]\nline-length = 100\n[tool.ruff.lint.isort]\nknown-first-party = ["corelib"]\n'
    )
    (tmp_path / "src" / "myapp").mkdir(parents=True)
    (tmp_path / "src" / "myapp" / "__init__.py").write_text("")
    style = code_style_for(tmp_path / "src" / "myapp" / "views.py")
    assert style.line_length == 100
    assert style.section("corelib.x") == FIRST_PARTY and style.section("myapp.models") == FIRST_PARTY
    assert style.section("os.path") == STDLIB and style.section("httpx") == THIRD_PARTY and style.section(".x") == LOCAL


def test_style_defaults_and_black_line_length(tmp_path: Path) -> None:
    assert code_style_for(tmp_path / "m.py").line_length == 88
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 79\n[tool.isort]\nknown_first_party = ['x']\n")
    style = code_style_for(tmp_path / "m.py")
    assert style.line_length == 79 and style.section("x.y") == FIRST_PARTY
