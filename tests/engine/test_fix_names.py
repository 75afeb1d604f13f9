"""Fixes that add module-level names get them from one allocator: unique, descriptive, shared by value."""

from __future__ import annotations

import ast
import textwrap
from types import SimpleNamespace

from review_ls.config import Settings
from review_ls.engine.fixes import fix_source
from review_ls.engine.names import NameAllocator, bound_names
from review_ls.patterns.regex_names import regex_constant_name

TWO_PATTERNS = textwrap.dedent(
    '''\
    import re


    def columns(lines):
        out = []
        for line in lines:
            out.append(re.split("\\t", line))
        return out


    def strip_tags(lines):
        out = []
        for line in lines:
            out.append(re.sub("<[^<]+?>", "", line))
        return out
    '''
)


def _run(source: str) -> SimpleNamespace:
    namespace: dict[str, object] = {}
    exec(compile(source, "<fixed>", "exec"), namespace)  # noqa: S102 - the module under test
    return SimpleNamespace(**namespace)


def test_two_patterns_in_two_functions_keep_their_behaviour() -> None:
    fixed = fix_source(TWO_PATTERNS, "parser.py", Settings(select=("RV104",))).source
    assert fixed != TWO_PATTERNS
    lines = ["a\tb<i>c</i>", "<b>x</b>\ty"]
    before, after = _run(TWO_PATTERNS), _run(fixed)
    assert after.columns(lines) == before.columns(lines)
    assert after.strip_tags(lines) == before.strip_tags(lines)
    assert "_TAB_RE = re.compile(" in fixed and "_HTML_TAG_RE = re.compile(" in fixed


def test_identical_patterns_share_one_constant() -> None:
    source = textwrap.dedent(
        """\
        import re


        def first(lines):
            return [re.findall(r"\\d+", line) for line in lines]


        def second(lines):
            return [re.findall(r"\\d+", line) for line in lines]
        """
    )
    fixed = fix_source(source, "m.py", Settings(select=("RV104",))).source
    assert fixed.count("re.compile(") == 1
    assert fixed.count("_DIGITS_RE.findall(line)") == 2
    assert _run(fixed).first(["a1b22"]) == _run(source).first(["a1b22"])


def test_new_name_avoids_every_binding_of_the_module() -> None:
    source = textwrap.dedent(
        """\
        import re


        def helper():
            _TAB_RE = "local"
            return _TAB_RE


        def columns(lines):
            return [re.split("\\t", line) for line in lines]
        """
    )
    fixed = fix_source(source, "m.py", Settings(select=("RV104",))).source
    assert "_TAB_RE_2 = re.compile(" in fixed
    namespace = _run(fixed)
    assert namespace.helper() == "local"
    assert namespace.columns(["a\tb"]) == [["a", "b"]]


def test_an_added_import_does_not_rebind_a_name_the_code_uses() -> None:
    source = textwrap.dedent(
        """\
        from mylib import re


        def columns(lines):
            import re as real
            return [real.split("\\t", line) for line in lines]
        """
    )
    allocator = NameAllocator(source)
    assert not allocator.is_free("re") and allocator.allocate("re") == "re_2"


def test_allocator_rollback_releases_names_and_values() -> None:
    allocator = NameAllocator("x = 1\n")
    allocator.begin()
    assert allocator.allocate("_A_RE", "v") == "_A_RE"
    allocator.rollback()
    allocator.begin()
    assert allocator.allocate("_B_RE", "v") == "_B_RE" and not allocator.shared_with_pending
    allocator.commit()
    allocator.begin()
    assert allocator.allocate("_C_RE", "v") == "_B_RE" and allocator.shared_with_pending


def test_bound_names_covers_every_scope() -> None:
    module = ast.parse("import a.b\nfrom c import d as e\ndef f(g, *h, **i):\n    j = 1\n    class K: pass\n    try: pass\n    except E as l: pass\n")
    assert bound_names(module) >= {"a", "e", "f", "g", "h", "i", "j", "K", "l"}


def test_regex_constant_names_say_what_the_pattern_matches() -> None:
    assert regex_constant_name("\t") == "_TAB_RE"
    assert regex_constant_name("<[^<]+?>") == "_HTML_TAG_RE"
    assert regex_constant_name(r"ERROR: (.*)") == "_ERROR_RE"
    assert regex_constant_name(r"\s+") == "_WHITESPACE_RE"
    assert regex_constant_name(r"[#@]{2}", "parse_header") == "_PARSE_HEADER_RE"
    assert regex_constant_name(r"[#@]{2}") == "_PATTERN_RE"
