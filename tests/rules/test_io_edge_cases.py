"""RV1 behaviour the examples cannot express: fixed code computes what the original did, options,
constant reuse across fixes, and the limits the docs state."""

from __future__ import annotations

import io
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.fixes import apply_edits, compute_fix, fix_source
from review_ls.engine.model import Finding


def _source(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


def _findings(source: str, code: str, options: dict[str, Any] | None = None, path: str = "module.py") -> list[Finding]:
    result = analyse_source(source, path, _settings(code, options))
    assert result.internal_errors == ()
    return [f for f in result.findings if f.code == code]


def _settings(code: str, options: dict[str, Any] | None = None) -> Settings:
    values = (((code, tuple(sorted(options.items()))),) if options else ())
    return Settings(select=(code,), options=values)


def _fixed(source: str, code: str, options: dict[str, Any] | None = None) -> str:
    """Apply the fix of the one finding of `code` in `source`."""
    (finding,) = _findings(source, code, options)
    fix = compute_fix(source, finding, "module.py", _settings(code, options))
    assert fix is not None
    return apply_edits(source, fix.edits)


def _function(source: str, name: str) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<fixed>", "exec"), namespace)
    return namespace[name]


# -- RV101 ---------------------------------------------------------------------------------------

_COLLECT_LINES = _source(
    """
    def collect(path):
        out = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            out.append((number, line))
        return out
    """
)


@pytest.mark.parametrize(
    "content",
    [b"", b"one", b"one\n", b"one\ntwo", b"one\r\ntwo\r\n", b"one\rtwo\r", b"\n\n", b"a\n\nb\n", "\u00e9t\u00e9\n".encode()],
    ids=["empty", "no-newline", "newline", "two", "crlf", "cr", "blank-lines", "blank-middle", "utf-8"],
)
def test_rv101_streamed_lines_equal_splitlines(tmp_path: Path, content: bytes) -> None:
    fixed = _fixed(_COLLECT_LINES, "RV101")
    path = tmp_path / "data.txt"
    path.write_bytes(content)
    assert _function(fixed, "collect")(path) == _function(_COLLECT_LINES, "collect")(path)


_ORDINARY_TEXT = st.text(
    alphabet=st.characters(exclude_characters="\v\f\x1c\x1d\x1e\x85\u2028\u2029", exclude_categories=("Cs",)),  # type: ignore[arg-type]  # the Literal category is not inferred
    max_size=60,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_ORDINARY_TEXT)
def test_rv101_streamed_lines_equal_splitlines_for_any_ordinary_text(tmp_path: Path, text: str) -> None:
    fixed = _fixed(_COLLECT_LINES, "RV101")
    path = tmp_path / "data.txt"
    path.write_bytes(text.encode("utf-8"))
    assert _function(fixed, "collect")(path) == _function(_COLLECT_LINES, "collect")(path)


def test_rv101_fix_is_unsafe_because_splitlines_also_splits_at_form_feeds(tmp_path: Path) -> None:
    fixed = _fixed(_COLLECT_LINES, "RV101")
    path = tmp_path / "data.txt"
    path.write_bytes(b"page one\x0cpage two\n")
    assert _function(fixed, "collect")(path) != _function(_COLLECT_LINES, "collect")(path)
    assert fix_source(_COLLECT_LINES, "module.py", _settings("RV101")).source == _COLLECT_LINES
    assert fix_source(_COLLECT_LINES, "module.py", _settings("RV101"), unsafe=True).source == fixed


def test_rv101_fix_keeps_crlf_line_endings() -> None:
    source = _COLLECT_LINES.replace("\n", "\r\n")
    fixed = _fixed(source, "RV101")
    assert "with path.open(encoding=\"utf-8\") as fh:\r\n" in fixed
    assert "\n" not in fixed.replace("\r\n", "")


def test_rv101_reads_with_a_file_name_argument_are_another_api() -> None:
    source = _source(
        """
        def entry_points(dist, name):
            for line in dist.read_text(name).splitlines():
                yield line
        """
    )
    assert _findings(source, "RV101") == []


# -- RV102 ---------------------------------------------------------------------------------------

_BUILD_ARCHIVE = _source(
    """
    import io
    import zipfile


    def build(members):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        return buffer.getvalue()
    """
)


def _members(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def test_rv102_spooled_archive_has_the_same_members_also_beyond_max_size() -> None:
    fixed = _fixed(_BUILD_ARCHIVE, "RV102", {"max_size": 64})
    assert "ARCHIVE_SPOOL_MAX_BYTES = 64\n" in fixed
    members = {f"file{index}.txt": bytes(range(256)) * 4 for index in range(5)}
    original = _function(_BUILD_ARCHIVE, "build")(members)
    spooled = _function(fixed, "build")(members)
    assert _members(spooled) == _members(original) == members


def test_rv102_fixes_share_one_size_constant() -> None:
    second = _BUILD_ARCHIVE.split("\n\n\n", 1)[1].replace("def build(", "def build_again(")
    source = _BUILD_ARCHIVE + "\n\n" + second
    fixed = fix_source(source, "module.py", _settings("RV102"), unsafe=True).source
    assert fixed.count("ARCHIVE_SPOOL_MAX_BYTES = 16 * 1024 * 1024") == 1
    assert fixed.count("max_size=ARCHIVE_SPOOL_MAX_BYTES") == 2
    assert _findings(fixed, "RV102") == []


def test_rv102_buffer_read_while_the_archive_is_open_gets_advice_only() -> None:
    source = _source(
        """
        import io
        import zipfile

        def build(paths):
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                for path in paths:
                    archive.write(path)
                data = buffer.getvalue()
            return data
        """
    )
    (finding,) = _findings(source, "RV102")
    assert not finding.fixable


# -- RV104 ---------------------------------------------------------------------------------------


def test_rv104_repeated_pattern_gets_one_constant_and_same_results() -> None:
    source = _source(
        """
        import re


        def clean(lines):
            out = []
            for line in lines:
                line = re.sub(r"\\s+", " ", line)
                words = re.split(r"\\s+", line, flags=re.ASCII)
                out.append((re.sub(r"\\s+", "", line), words))
            return out
        """
    )
    fixed = fix_source(source, "module.py", _settings("RV104")).source
    assert fixed.count('re.compile(r"\\s+")') == 1
    assert fixed.count('_WHITESPACE_ASCII_RE = re.compile(r"\\s+", re.ASCII)') == 1
    assert _findings(fixed, "RV104") == []
    lines = ["a  b\tc", "  x ", "", "\u00e9\u2003z"]
    assert _function(fixed, "clean")(lines) == _function(source, "clean")(lines)


def test_rv104_is_not_fixable_when_re_is_imported_after_the_function() -> None:
    source = _source(
        """
        def words(lines):
            return [re.findall(r"\\w+", line) for line in lines]

        import re
        """
    )
    (finding,) = _findings(source, "RV104")
    assert not finding.fixable


def test_rv104_follows_renamed_imports_and_ignores_other_modules() -> None:
    source = _source(
        """
        from re import sub as substitute
        import regex

        def clean(lines):
            for line in lines:
                yield substitute(r"\\s+", " ", line), regex.sub(r"\\s+", " ", line)
        """
    )
    (finding,) = _findings(source, "RV104")
    assert finding.span.col == source.splitlines()[5].index("substitute")
