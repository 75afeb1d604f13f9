"""Value types shared by the engine, the CLI and the server.

Positions: lines are 1-based (as in `ast`), columns are 0-based counts of Unicode code points
in the line (Python `str` indices). `positions.py` converts `ast` byte offsets into these; the
server converts these into LSP positions with pygls's codec; the CLI prints columns + 1.
"""

from __future__ import annotations

import enum
from dataclasses import field, replace
from typing import Any

from review_ls.deferred_dataclass import dataclass


class Severity(enum.Enum):
    """How loudly a finding is reported."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Return the severity named by `text` (case-insensitive); raise ValueError if unknown."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None


class Applicability(enum.Enum):
    """Whether a fix may be applied without a human looking at it."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, order=True)
class Span:
    """A range of source text: 1-based lines, 0-based code-point columns, end exclusive."""

    line: int
    col: int
    end_line: int
    end_col: int

    def shifted(self, lines: int) -> Span:
        """Return the same span moved down by `lines` lines."""
        return Span(self.line + lines, self.col, self.end_line + lines, self.end_col)

    def contains(self, other: Span) -> bool:
        """Return True when `other` lies within this span."""
        return (self.line, self.col) <= (other.line, other.col) and (other.end_line, other.end_col) <= (
            self.end_line,
            self.end_col,
        )


@dataclass(frozen=True)
class RelatedLocation:
    """Another place a finding points at (LSP relatedInformation)."""

    path: str
    span: Span
    message: str

    def shifted(self, lines: int, path: str | None) -> RelatedLocation:
        """Shift the location when it lies in the same file as the finding."""
        return RelatedLocation(self.path, self.span.shifted(lines), self.message) if self.path == path else self


@dataclass(frozen=True)
class Finding:
    """One problem a rule found.

    `node_span` is the span of the `ast` node the rule reported (used to find it again when a
    fix is computed); `statement_line` is the first line of the innermost enclosing statement,
    where a suppression comment may also stand.
    """

    code: str
    name: str
    message: str
    span: Span
    severity: Severity
    statement_line: int
    fixable: bool = False
    fix_title: str | None = None
    data: tuple[tuple[str, Any], ...] = ()
    related: tuple[RelatedLocation, ...] = ()
    unnecessary: bool = False
    node_type: str = ""

    def shifted(self, lines: int, path: str | None = None) -> Finding:
        """Return this finding moved down by `lines` lines (incremental re-use)."""
        if lines == 0:
            return self
        return replace(
            self,
            span=self.span.shifted(lines),
            statement_line=self.statement_line + lines,
            related=tuple(r.shifted(lines, path) for r in self.related),
        )

    def with_severity(self, severity: Severity) -> Finding:
        """Return this finding with another severity."""
        return self if severity is self.severity else replace(self, severity=severity)

    @property
    def data_dict(self) -> dict[str, Any]:
        """The rule's extra data as a dict."""
        return dict(self.data)


@dataclass(frozen=True)
class TextEdit:
    """Replace the text in `span` with `content` (positions as in `Span`)."""

    span: Span
    content: str


@dataclass(frozen=True)
class Fix:
    """A rewrite that resolves a finding: one or more non-overlapping edits of one file."""

    title: str
    applicability: Applicability
    edits: tuple[TextEdit, ...]

    @property
    def is_safe(self) -> bool:
        """True when the fix may be applied without review."""
        return self.applicability is Applicability.SAFE


@dataclass(frozen=True)
class AnalysisResult:
    """Everything the engine says about one source text."""

    findings: tuple[Finding, ...]
    syntax_error: Finding | None = None
    internal_errors: tuple[str, ...] = field(default=())

    @property
    def all_findings(self) -> tuple[Finding, ...]:
        """Findings including the syntax-error finding, in source order."""
        if self.syntax_error is None:
            return self.findings
        return tuple(sorted((*self.findings, self.syntax_error), key=lambda f: (f.span, f.code)))
