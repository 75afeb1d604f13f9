"""Rewritten statements stay within the configured line length, wrapped the way black wraps calls."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from review_ls.config import Settings
from review_ls.engine.fixes import fix_source
from review_ls.engine.wrap import wrap_line


def test_short_lines_and_non_calls_are_left_alone() -> None:
    assert wrap_line("    x = f(a)", 88) == "    x = f(a)"
    long_string = "    x = '" + "a" * 100 + "'"
    assert wrap_line(long_string, 88) == long_string
    assert wrap_line("    if f(" + "a, " * 40 + "b):", 88).startswith("    if f(")  # compound headers stay


def test_arguments_that_fit_on_one_line_are_hugged() -> None:
    line = '        raise HTTPException(status_code=403, detail="Path is outside the allowed directory")'
    assert wrap_line(line, 88) == (
        "        raise HTTPException(\n"
        '            status_code=403, detail="Path is outside the allowed directory"\n'
        "        )"
    )


def test_arguments_that_do_not_fit_go_one_per_line_with_a_trailing_comma() -> None:
    line = "    return generate(prompt=request.prompt, max_tokens=request.max_tokens, temperature=request.temperature, *rest, **extra)"
    wrapped = wrap_line(line, 60)
    assert wrapped.splitlines() == [
        "    return generate(",
        "        prompt=request.prompt,",
        "        max_tokens=request.max_tokens,",
        "        temperature=request.temperature,",
        "        *rest,",
        "        **extra,",
        "    )",
    ]
    assert ast.dump(ast.parse(textwrap.dedent(wrapped))) == ast.dump(ast.parse(line.strip()))


def test_a_sole_generator_argument_keeps_its_form() -> None:
    line = "        await asyncio.gather(*(self.page.keyboard.down(modifier) for modifier in modifiers))"
    assert wrap_line(line, 60, "\r\n") == (
        "        await asyncio.gather(\r\n            *(self.page.keyboard.down(modifier) for modifier in modifiers)\r\n        )"
    )


def test_a_fix_keeps_the_projects_line_length(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 60\n")
    source = textwrap.dedent(
        """\
        import re


        def scan(lines):
            found = []
            for line in lines:
                found.append(re.findall(r"ERROR code=(\\d+) at module=(\\w+)", line, re.IGNORECASE))
            return found
        """
    )
    fixed = fix_source(source, str(tmp_path / "scan.py"), Settings(select=("RV104",))).source
    assert "re.findall(" not in fixed
    original = set(source.splitlines())
    assert [line for line in fixed.splitlines() if line not in original and len(line) > 60] == []
    namespace_before: dict[str, object] = {}
    namespace_after: dict[str, object] = {}
    exec(compile(source, "<before>", "exec"), namespace_before)  # noqa: S102 - the module under test
    exec(compile(fixed, "<after>", "exec"), namespace_after)  # noqa: S102
    data = ["error code=7 at module=db", "fine"]
    assert namespace_after["scan"](data) == namespace_before["scan"](data)  # type: ignore[operator]
