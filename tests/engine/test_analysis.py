"""analyse_source: syntax errors, suppressions, severities, selection; fixes stay local."""

from __future__ import annotations

import gc
import textwrap

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.fixes import apply_edits, compute_fix
from review_ls.engine.model import Severity
from review_ls.project import ProjectIndex

LOOP = textwrap.dedent(
    """
    import requests

    def notify(hooks):
        for hook in hooks:
            requests.post(hook)
    """
).lstrip()


def codes(source: str, settings: Settings | None = None) -> list[tuple[str, int]]:
    return [(f.code, f.span.line) for f in analyse_source(source, "m.py", settings).all_findings]


def test_syntax_error_becomes_one_rv000_with_location() -> None:
    result = analyse_source("x = 1\ndef f(:\n", "m.py")
    assert result.findings == ()
    assert result.syntax_error is not None
    assert (result.syntax_error.code, result.syntax_error.span.line) == ("RV000", 2)
    assert result.syntax_error.message.startswith("syntax error:")


def test_syntax_errors_can_be_turned_off() -> None:
    assert codes("def f(:\n", Settings(report_syntax_errors=False)) == []
    assert codes("def f(:\n", Settings(ignore=("RV000",))) == []


def test_nul_byte_and_huge_nesting_are_syntax_errors_not_crashes() -> None:
    assert codes("x = 1\x00\n") == [("RV000", 1)]
    assert codes("x = " + "(" * 300 + ")" * 300 + "\n")[0][0] == "RV000"


def test_suppression_on_first_line_of_multiline_statement() -> None:
    source = LOOP.replace("requests.post(hook)", "requests.post(  # review: ignore[RV203]\n            hook,\n        )")
    assert codes(source) == []


def test_suppression_inside_a_string_does_not_count() -> None:
    source = LOOP.replace("requests.post(hook)", 'requests.post(hook, data="# review: ignore")')
    assert codes(source) == [("RV203", 5)]


def test_more_specific_selector_wins() -> None:
    assert codes(LOOP, Settings(select=("RV203",), ignore=("RV2",))) == [("RV203", 5)]
    assert codes(LOOP, Settings(select=("RV2",), ignore=("RV203",))) == []
    assert codes(LOOP, Settings(select=("RV1",))) == []


def test_severity_override_by_prefix_and_code() -> None:
    settings = Settings(severity=(("RV2", Severity.INFO), ("RV203", Severity.ERROR)))
    (finding,) = analyse_source(LOOP, "m.py", settings).findings
    assert finding.severity is Severity.ERROR
    (finding,) = analyse_source(LOOP, "m.py", Settings(severity=(("RV2", Severity.HINT),))).findings
    assert finding.severity is Severity.HINT


def test_fix_edits_only_touch_the_enclosing_statement_and_imports() -> None:
    untouched = "\n\ndef other():\n    return 42  # keep   this   exactly\n"
    source = LOOP + untouched
    (finding,) = analyse_source(source, "m.py").findings
    fix = compute_fix(source, finding, "m.py")
    assert fix is not None
    fixed = apply_edits(source, fix.edits)
    assert fixed.endswith(untouched)
    assert all(edit.span.line >= 4 for edit in fix.edits)


def test_fix_inside_a_class_method_uses_the_method_as_scope() -> None:
    source = textwrap.dedent(
        '''
        import requests


        class Notifier:
            """Doc."""

            def first(self):
                return 1

            def notify(self, hooks):
                for hook in hooks:
                    requests.post(hook)
        '''
    ).lstrip()
    (finding,) = analyse_source(source, "m.py").findings
    fix = compute_fix(source, finding, "m.py")
    assert fix is not None
    fixed = apply_edits(source, fix.edits)
    assert "        with requests.Session() as session:\n            for hook in hooks:\n                session.post(hook)\n" in fixed
    assert all(edit.span.line >= 11 for edit in fix.edits)


def test_stale_finding_gets_no_fix() -> None:
    (finding,) = analyse_source(LOOP, "m.py").findings
    assert compute_fix("x = 1\n" * 3 + "y = 2\n" * 3, finding, "m.py") is None


CYCLE_PRONE = """\
import requests


async def fetch(url):
    return requests.get(url).json()


class Client:
    async def load(self, url):
        def parse(body):
            return body.strip()
        return parse(requests.get(url).text)
"""


def test_an_analysis_leaves_no_reference_cycle_behind() -> None:
    # RV302 keeps a judge per function in the walk's memo that calls back into the context (a cycle): unbroken, every
    # analysed tree stayed alive until a garbage collection, and a check's collections each freed ~50,000 such objects.
    project = ProjectIndex.from_sources({"service.py": CYCLE_PRONE})
    settings = Settings(select=("ALL",))
    assert [f.code for f in analyse_source(CYCLE_PRONE, "service.py", settings, project).findings].count("RV302") == 2
    gc.collect()  # (what the first analysis loaded and keeps: rules, lazily defined classes)
    gc.disable()
    try:
        analyse_source(CYCLE_PRONE, "service.py", settings, project)
        assert gc.collect() == 0
    finally:
        gc.enable()
