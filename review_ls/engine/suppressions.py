"""`# review: ignore[RV201, RV202]` and bare `# review: ignore` comments.

A suppression applies to findings reported on its line, and to findings whose innermost
statement starts on its line (so a comment on the first line of a multi-line call covers it).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.model import Finding, Span

SUPPRESSION = re.compile(r"#\s*review:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_CODE = re.compile(r"^[A-Z]+[0-9]+$")


@dataclass(frozen=True)
class Suppression:
    """One suppression comment: its line, the codes it names (None = all) and its span."""

    line: int
    codes: frozenset[str] | None
    span: Span

    def covers(self, code: str) -> bool:
        """True when this comment suppresses `code`."""
        return self.codes is None or code in self.codes


def find_suppressions(lines: list[str]) -> dict[int, Suppression]:
    """Find the suppression comments of a source, keyed by 1-based line."""
    candidates: dict[int, Suppression] = {}
    for index in _lines_mentioning_review(lines):
        text = lines[index]
        match = SUPPRESSION.search(text)
        if match is None:
            continue
        raw = match.group("codes")
        codes = None if raw is None else frozenset(c.strip().upper() for c in raw.split(",") if c.strip())
        line = index + 1
        candidates[line] = Suppression(line, codes, Span(line, match.start(), line, match.end()))
    if candidates:
        comment_lines = _comment_lines(lines)
        if comment_lines is not None:
            candidates = {line: s for line, s in candidates.items() if line in comment_lines}
    return candidates


def _lines_mentioning_review(lines: list[str]) -> list[int]:
    """The 0-based indexes of the lines that contain "review", found by searching the joined text (in C)."""
    source = "\n".join(lines)
    found: list[int] = []
    position = source.find("review")
    line, counted = 0, 0
    while position >= 0:
        line += source.count("\n", counted, position)
        found.append(line)
        counted = source.find("\n", position)  # on to the next line
        if counted < 0:
            break
        position = source.find("review", counted)
    return found


def _comment_lines(lines: list[str]) -> set[int] | None:
    """Lines that hold a real comment token (None when the source cannot be tokenized)."""
    source = "\n".join(lines)
    found: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                found.add(token.start[0])
    except (tokenize.TokenError, SyntaxError):
        return None
    return found


def apply_suppressions(findings: Iterable[Finding], suppressions: dict[int, Suppression]) -> list[Finding]:
    """Drop the findings that a suppression comment covers."""
    if not suppressions:
        return list(findings)
    kept: list[Finding] = []
    for finding in findings:
        on_line = suppressions.get(finding.span.line)
        on_statement = suppressions.get(finding.statement_line)
        if (on_line and on_line.covers(finding.code)) or (on_statement and on_statement.covers(finding.code)):
            continue
        kept.append(finding)
    return kept


def unknown_codes(suppression: Suppression, known: frozenset[str]) -> list[str]:
    """Codes named by a suppression that are not rule codes."""
    if suppression.codes is None:
        return []
    return sorted(code for code in suppression.codes if code not in known or not _CODE.match(code))
