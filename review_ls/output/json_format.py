"""JSON output in the shape ruff's JSON users already parse (1-based rows and columns)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from review_ls.engine.model import Finding, Fix, Span
from review_ls.links import rule_url
from review_ls.runner import FileReport


def render(reports: Sequence[FileReport]) -> str:
    """Render every finding as one object in a JSON list."""
    return json.dumps([finding_object(r.path, f, r.fixes.get(i)) for r in reports for i, f in enumerate(r.findings)], indent=2) + "\n"


def finding_object(path: str, finding: Finding, fix: Fix | None) -> dict[str, Any]:
    """One finding as a JSON-ready dict."""
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "severity": finding.severity.value,
        "filename": path,
        "location": _start(finding.span),
        "end_location": _end(finding.span),
        "fix": None if fix is None else fix_object(fix),
        "url": rule_url(finding.code),
    }


def fix_object(fix: Fix) -> dict[str, Any]:
    """A fix as a JSON-ready dict (ruff's shape)."""
    return {
        "applicability": fix.applicability.value,
        "message": fix.title,
        "edits": [{"content": e.content, "location": _start(e.span), "end_location": _end(e.span)} for e in fix.edits],
    }


def _start(span: Span) -> dict[str, int]:
    return {"row": span.line, "column": span.col + 1}


def _end(span: Span) -> dict[str, int]:
    return {"row": span.end_line, "column": span.end_col + 1}
