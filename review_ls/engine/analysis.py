"""`analyse_source`: text + settings in, findings out. Shared by the CLI and the server."""

from __future__ import annotations

import ast
import functools
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from review_ls.config import Settings
from review_ls.deferred_dataclass import dataclass
from review_ls.engine.facts import ModuleFacts
from review_ls.engine.model import AnalysisResult, Finding, Severity, Span
from review_ls.engine.positions import LineIndex, split_lines
from review_ls.engine.project_model import ProjectModel
from review_ls.engine.rule import Rule
from review_ls.engine.suppressions import apply_suppressions, find_suppressions, unknown_codes
from review_ls.engine.walker import Context, Walker

SYNTAX_ERROR = ("RV000", "syntax-error")
UNKNOWN_SUPPRESSION = ("RV001", "unknown-suppression-code")


@dataclass(frozen=True)
class RuleSet:
    """The enabled rules for one `Settings`, with the walker that dispatches to them."""

    settings: Settings
    rules: tuple[Rule, ...]
    walker: Walker
    known_codes: frozenset[str]

    def rule(self, code: str) -> Rule | None:
        """The enabled rule instance with this code."""
        for rule in self.rules:
            if rule.code == code:
                return rule
        return None


@functools.lru_cache(maxsize=64)
def rule_set_for(settings: Settings) -> RuleSet:
    """Instantiate the rules `settings` enables (cached per settings value)."""
    from review_ls.rules import file_role, known_codes, rules_for

    enabled = rules_for(code for code in known_codes() if settings.is_enabled(code) and code not in _META_CODES)
    rules = tuple(cls(settings.options_for(cls.code)) for cls in enabled)
    return RuleSet(settings=settings, rules=rules, walker=Walker(rules, file_role), known_codes=known_codes())


_META_CODES = frozenset({SYNTAX_ERROR[0], UNKNOWN_SUPPRESSION[0]})


def parse_module(source: str, path: str | None, lines: LineIndex) -> ast.Module | Finding:
    """Parse `source`; on failure return the RV000 finding that describes why."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences etc. are not our findings
            # Never the real file name: CPython would then compute the error's column from the line on disk, not in `source`.
            return ast.parse(source, filename="<unknown>")
    except SyntaxError as exc:
        return syntax_error_finding(exc, lines)
    except UnicodeEncodeError as exc:  # a lone surrogate (e.g. "\\udcff" sent by an editor): not encodable
        before = split_lines(source[: exc.start])
        where = Span(len(before), len(before[-1]), len(before), len(before[-1]) + 1)
        return _meta_finding(SYNTAX_ERROR, "source contains a lone surrogate, which is not valid Unicode text", where)
    except (ValueError, RecursionError, MemoryError) as exc:
        reason = "source contains a NUL byte" if isinstance(exc, ValueError) else "source is nested too deeply to parse"
        return _meta_finding(SYNTAX_ERROR, reason, Span(1, 0, 1, 0))


def parse_or_none(source: str) -> ast.Module | None:
    """`source` parsed as `parse_module` parses it, or None when it does not parse (analysis then reports why)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source, filename="<unknown>")
    except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeEncodeError):
        return None


def syntax_error_finding(exc: SyntaxError, lines: LineIndex) -> Finding:
    """Turn a SyntaxError into one RV000 finding at its location."""
    line = max(exc.lineno or 1, 1)
    text = lines.line_text(line)
    col = min(max((exc.offset or 1) - 1, 0), len(text))
    end_line = exc.end_lineno or line
    end_col = min((exc.end_offset or 0) - 1, len(lines.line_text(end_line)))  # 3.12+ may point past the line
    if end_line < line or (end_line == line and end_col <= col):
        end_line, end_col = line, min(col + 1, max(len(text), col))
    from review_ls.engine.newer_syntax import needs_newer_python_message, newer_syntax_on  # (its patterns compile only for a file that does not parse)

    newer = newer_syntax_on(text)
    message = f"syntax error: {exc.msg}" if newer is None else f"syntax error: {needs_newer_python_message(newer)}"
    return _meta_finding(SYNTAX_ERROR, message, Span(line, col, end_line, max(end_col, 0)))


def _meta_finding(code_and_name: tuple[str, str], message: str, span: Span, severity: Severity = Severity.ERROR) -> Finding:
    code, name = code_and_name
    return Finding(code=code, name=name, message=message, span=span, severity=severity, statement_line=span.line)


def analyse_source(
    source: str,
    path: str | None = None,
    settings: Settings | None = None,
    project: ProjectModel | None = None,
    module: ast.Module | None = None,
) -> AnalysisResult:
    """Analyse one file's text with the rules `settings` enable and return its findings.

    `module` is `source` already parsed by the caller (so a tree is shared with fixes, not parsed twice).
    """
    settings = settings or Settings()
    rule_set = rule_set_for(settings)
    lines = LineIndex.from_source(source)
    parsed = module if module is not None else parse_module(source, path, lines)
    if isinstance(parsed, Finding):
        return AnalysisResult((), syntax_error=parsed if settings.is_enabled(SYNTAX_ERROR[0]) and settings.report_syntax_errors else None)
    facts = ModuleFacts.from_module(parsed)
    errors: list[str] = []
    raw = walk_statements(rule_set, parsed, parsed.body, lines, facts, path, project, errors)
    return AnalysisResult(tuple(finish_findings(raw, lines, rule_set)), internal_errors=tuple(errors))


def walk_statements(
    rule_set: RuleSet,
    module: ast.Module,
    statements: Sequence[ast.stmt],
    lines: LineIndex,
    facts: ModuleFacts,
    path: str | None,
    project: ProjectModel | None,
    errors: list[str],
    memo: dict[object, Any] | None = None,
) -> list[Finding]:
    """Run the rules over some top-level statements of `module` (all of them, or the changed ones).

    `memo` shares `Context.memo` between the walks of one analysis (the incremental analyser walks
    statement by statement); without it, the walk's own memo is emptied when the walk ends.
    """
    ctx = Context(path, lines, facts, project)
    if memo is not None:
        ctx.memo = memo
    ctx.parents.append(module)
    try:
        return rule_set.walker.walk(statements, ctx, errors)
    finally:
        if memo is None:
            # What rules keep there may point back at the context (a closure over `ctx`): left as it is, that cycle
            # would keep the context, the tree and everything derived from it alive until a garbage collection; on
            # the application corpus, the collections of a check's processes each freed ~50,000 objects of such trees.
            ctx.memo.clear()


def finish_findings(raw: Iterable[Finding], lines: LineIndex, rule_set: RuleSet) -> list[Finding]:
    """Apply suppression comments and severity overrides, add RV001 for bad suppressions, sort."""
    suppressions = find_suppressions(lines.lines)
    findings = apply_suppressions(raw, suppressions)
    settings = rule_set.settings
    if settings.is_enabled(UNKNOWN_SUPPRESSION[0]):
        for suppression in suppressions.values():
            unknown = unknown_codes(suppression, rule_set.known_codes)
            if unknown:
                message = f"unknown rule code{'s' if len(unknown) > 1 else ''} in suppression: {', '.join(unknown)}"
                findings.append(_meta_finding(UNKNOWN_SUPPRESSION, message, suppression.span, Severity.WARNING))
    if settings.severity:
        findings = [f.with_severity(settings.severity_for(f.code, f.severity)) for f in findings]
    findings.sort(key=lambda f: (f.span, f.code))
    return findings
