"""The properties every analysis and every fix must keep, checked on one source text.

`check_source` returns the broken properties as `Violation`s (an empty list is a pass), so the
fast test slice, the slow run and `benchmarks/fuzz.py` share one definition of "correct".
`minimise` shrinks a failing input to a small reproducer for the report.
"""

from __future__ import annotations

import ast
import logging
import re
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.fixes import apply_edits, compute_fix, fix_source
from review_ls.engine.model import AnalysisResult, Finding, Fix, Span, TextEdit
from review_ls.engine.positions import split_lines, statement_start_line
from review_ls.rules import all_rules

ALL_RULES = Settings()
# Not failures, only counted: libcst cannot parse some code that CPython accepts (tab/space
# indentation that only lines up at tab stops of 8, a line continuation ending the scope), so no
# fix is offered there. The finding is still reported and the file is never touched.
TOLERATED = frozenset({"fix-unavailable"})
_NEWLINES = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Violation:
    """One broken property: its kind, the rule to blame (if any), and what happened."""

    kind: str
    detail: str
    rule: str | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        """What identifies the failure when shrinking its input: kind and rule."""
        return (self.kind, self.rule)

    def __str__(self) -> str:
        blame = f" [{self.rule}]" if self.rule else ""
        return f"{self.kind}{blame}: {self.detail}"


def parses(source: str) -> bool:
    """True when `ast.parse` accepts `source` (the engine's own notion of "parses")."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def check_source(source: str, path: str = "fuzz.py", settings: Settings = ALL_RULES) -> list[Violation]:
    """Analyse `source`, compute every fix of every finding, and return the properties it breaks."""
    try:
        result = analyse_source(source, path, settings)
    except Exception:
        return [Violation("analysis-raised", traceback.format_exc(limit=-3))]
    violations = [*_internal_error_violations(result), *_finding_violations(source, result)]
    try:
        again = analyse_source(source, path, settings)
    except Exception:
        return [*violations, Violation("analysis-raised", traceback.format_exc(limit=-3))]
    if again != result:
        violations.append(Violation("analysis-not-deterministic", "two analyses of the same text differ"))
    if not parses(source):
        violations.extend(_syntax_error_violations(source, path, settings, result))
        return violations
    module = ast.parse(source)
    fixable = [finding for finding in result.findings if finding.fixable]
    for finding in fixable:
        violations.extend(_fix_violations(source, path, settings, module, finding))
    if fixable:
        violations.extend(_fix_source_violations(source, path, settings))
    return violations


# -- analysis ---------------------------------------------------------------------------------------

def _rule_code_of(error: str) -> str | None:
    """The code of the rule an internal-error message names ('ClientInLoop.visit_Call at line 3: ...')."""
    class_name = error.split(".", 1)[0].split(" ", 1)[0]
    for rule in all_rules():
        if rule.__name__ == class_name:
            return rule.code
    return None


def _internal_error_violations(result: AnalysisResult) -> Iterator[Violation]:
    for error in result.internal_errors:
        yield Violation("rule-crashed", error, _rule_code_of(error))


def position_is_valid(lines: Sequence[str], line: int, col: int) -> bool:
    """True when (line, col) lies in a text of `lines` (1-based line, code-point column; end of line allowed)."""
    return 1 <= line <= len(lines) and 0 <= col <= len(lines[line - 1])


def span_is_valid(lines: Sequence[str], span: Span) -> bool:
    """True when both ends of `span` lie in the text and the start is not after the end."""
    return (
        position_is_valid(lines, span.line, span.col)
        and position_is_valid(lines, span.end_line, span.end_col)
        and (span.line, span.col) <= (span.end_line, span.end_col)
    )


def _finding_violations(source: str, result: AnalysisResult) -> Iterator[Violation]:
    lines = split_lines(source)
    for finding in result.all_findings:
        if not span_is_valid(lines, finding.span):
            yield Violation("finding-span-out-of-range", f"{finding.code} at {finding.span} ({len(lines)} lines)", finding.code)


def _syntax_error_violations(source: str, path: str, settings: Settings, result: AnalysisResult) -> Iterator[Violation]:
    codes = [finding.code for finding in result.all_findings]
    if codes != ["RV000"]:
        yield Violation("syntax-error-not-one-RV000", f"findings of an unparsable file: {codes}")
    outcome = fix_source(source, path, settings, unsafe=True)
    if outcome.source != source:
        yield Violation("unparsable-file-fixed", "fix_source changed a file that does not parse")


# -- fixes -----------------------------------------------------------------------------------------

class _RecordCollector(logging.Handler):
    """Collects the log records of one logger while installed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)


@contextmanager
def dropped_fixes() -> Iterator[list[logging.LogRecord]]:
    """Collect the warnings `compute_fix` logs when a rule's fix raised or produced unparsable code."""
    logger = logging.getLogger("review_ls.engine.fixes")
    collector = _RecordCollector()
    logger.addHandler(collector)
    try:
        yield collector.records
    finally:
        logger.removeHandler(collector)


def _fix_violations(source: str, path: str, settings: Settings, module: ast.Module, finding: Finding) -> Iterator[Violation]:
    where = f"{finding.code} at {finding.span.line}:{finding.span.col}"
    with dropped_fixes() as records:
        try:
            fix = compute_fix(source, finding, path, settings)
        except Exception:
            yield Violation("compute-fix-raised", f"{where}: {traceback.format_exc(limit=-3)}", finding.code)
            return
    for record in records:
        message = record.getMessage()
        kind = "fix-unavailable" if "ParserSyntaxError" in message else "fix-dropped"
        yield Violation(kind, f"{where}: {message}", finding.code)
    if fix is None:
        return
    for problem in fix_edit_problems(source, module, finding, fix):
        yield Violation("fix-edit-invalid", f"{where}: {problem}", finding.code)


def fix_edit_problems(source: str, module: ast.Module, finding: Finding, fix: Fix) -> list[str]:
    """What is wrong with a fix's edits: bad spans, overlaps, edits outside the finding's
    top-level statement (other than module-level insertions), changed text outside the edits,
    whole lines replaced by text without a line ending, unparsable result, line endings changed."""
    lines = split_lines(source)
    problems = [f"edit span out of range: {edit.span}" for edit in fix.edits if not span_is_valid(lines, edit.span)]
    if problems:
        return problems
    edits = sorted(fix.edits, key=lambda e: (e.span.line, e.span.col, e.span.end_line, e.span.end_col))
    for before, after in zip(edits, edits[1:]):
        if (before.span.end_line, before.span.end_col) > (after.span.line, after.span.col) or before.span == after.span:
            problems.append(f"edits overlap: {before.span} and {after.span}")
    problems.extend(_edits_outside_statement(module, finding, edits))
    for edit in edits:
        ends_at_line_start = edit.span.col == 0 and edit.span.end_col == 0
        if ends_at_line_start and edit.content and not edit.content.endswith(("\n", "\r")):
            problems.append(f"edit {edit.span} replaces whole lines with text that has no final line ending")
    fixed = apply_edits(source, fix.edits)
    if fixed != splice_edits(source, lines, edits):
        problems.append("apply_edits changed text outside the edits' spans")
    if not parses(fixed):
        problems.append("the fixed code does not parse")
    if source.endswith(("\n", "\r")) and not fixed.endswith(("\n", "\r")):
        problems.append("the fix removed the file's final line ending")
    styles = set(_NEWLINES.findall(source))
    if len(styles) == 1 and not set(_NEWLINES.findall(fixed)) <= styles:
        problems.append(f"the fix introduced other line endings than the file's {styles.pop()!r}")
    return problems


def _edits_outside_statement(module: ast.Module, finding: Finding, edits: Sequence[TextEdit]) -> Iterator[str]:
    statements = [(statement_start_line(s), s.end_lineno or s.lineno) for s in module.body]
    owner = next(((start, end) for start, end in statements if start <= finding.span.line <= end), None)
    if owner is None:
        yield f"no top-level statement holds line {finding.span.line}"
        return
    start, end = owner
    for edit in edits:
        span = edit.span
        inside = (start, 0) <= (span.line, span.col) and (span.end_line, span.end_col) <= (end + 1, 0)
        insertion = (span.line, span.col) == (span.end_line, span.end_col) and span.col == 0 and span.line <= start
        between_statements = not any(s < span.line <= e for s, e in statements)
        if not (inside or (insertion and between_statements)):
            yield f"edit {span} lies outside the statement on lines {start}-{end} and is not a module-level insertion"


def splice_edits(source: str, lines: Sequence[str], edits: Sequence[TextEdit]) -> str:
    """Apply sorted, valid, non-overlapping edits independently of `apply_edits` (the oracle)."""
    starts = [0]
    for match in re.finditer(r"[^\r\n]*(?:\r\n|\r|\n)", source):
        starts.append(match.end())
    pieces: list[str] = []
    cursor = 0
    for edit in edits:
        begin = starts[edit.span.line - 1] + edit.span.col
        end = starts[edit.span.end_line - 1] + edit.span.end_col
        pieces.append(source[cursor:begin])
        pieces.append(edit.content)
        cursor = end
    pieces.append(source[cursor:])
    return "".join(pieces)


def _fix_source_violations(source: str, path: str, settings: Settings) -> Iterator[Violation]:
    for unsafe in (False, True):
        label = "unsafe" if unsafe else "safe"
        with dropped_fixes():
            once = fix_source(source, path, settings, unsafe=unsafe)
            if once.source == source:
                continue
            if not parses(once.source):
                yield Violation("fixed-file-unparsable", f"fix_source ({label}) produced code that does not parse", _blame(once.applied))
                continue
            twice = fix_source(once.source, path, settings, unsafe=unsafe)
        if twice.source != once.source:
            yield Violation(
                "fix-not-idempotent",
                f"fix_source ({label}) changed its own output again: {twice.applied}",
                _blame(twice.applied),
            )


def _blame(applied: Sequence[tuple[str, str]]) -> str | None:
    codes = sorted({code for code, _ in applied})
    return ",".join(codes) or None


# -- shrinking -------------------------------------------------------------------------------------

def minimise(source: str, reproduces: Callable[[str], bool], budget: int = 400) -> str:
    """Shrink `source` while `reproduces` stays true: drop runs of lines, then single characters."""
    calls = 0

    def still_fails(candidate: str) -> bool:
        nonlocal calls
        calls += 1
        return reproduces(candidate)

    lines = source.splitlines(keepends=True)
    chunk = max(1, len(lines) // 2)
    while chunk >= 1 and calls < budget:
        index, shrunk = 0, False
        while index < len(lines) and calls < budget:
            candidate = lines[:index] + lines[index + chunk :]
            if still_fails("".join(candidate)):
                lines, shrunk = candidate, True
            else:
                index += chunk
        if not shrunk:
            chunk //= 2
    text = "".join(lines)
    index = 0
    while index < len(text) and len(text) <= 600 and calls < budget:
        shorter = text[:index] + text[index + 1 :]
        if still_fails(shorter):
            text = shorter
        else:
            index += 1
    return text


def reproducer(source: str, path: str, violation: Violation, settings: Settings = ALL_RULES) -> str:
    """A minimal input that still shows `violation`, as a report paragraph."""

    def same_failure(candidate: str) -> bool:
        return any(v.key == violation.key for v in check_source(candidate, path, settings))

    small = minimise(source, same_failure)
    return f"{violation}\n  path={path!r}\n  minimal source={small!r}"
