"""GitLab Code Quality report (a JSON list of CodeClimate-style issues) for merge-request widgets.

Fingerprints hash the file path, rule code, message and the finding's ordinal among identical ones in
that file — not its line — so they stay the same across runs and when unrelated lines move.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Sequence
from typing import Any

from review_ls.engine.model import Finding, Severity
from review_ls.runner import FileReport

_SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "minor", Severity.HINT: "info"}


def render(reports: Sequence[FileReport]) -> str:
    """Render every finding as a Code Quality issue in one JSON list."""
    issues: list[dict[str, Any]] = []
    for report in reports:
        path = report_path(report.path)
        seen: Counter[tuple[str, str]] = Counter()
        for finding in report.findings:
            ordinal = seen[finding.code, finding.message]
            seen[finding.code, finding.message] += 1
            issues.append(issue_object(path, finding, fingerprint(path, finding, ordinal)))
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def issue_object(path: str, finding: Finding, fingerprint: str) -> dict[str, Any]:
    """One Code Quality issue."""
    return {
        "type": "issue",
        "check_name": finding.code,
        "description": f"{finding.code} {finding.name}: {finding.message}",
        "categories": ["Bug Risk"],
        "severity": _SEVERITIES[finding.severity],
        "fingerprint": fingerprint,
        "location": {"path": path, "lines": {"begin": finding.span.line, "end": finding.span.end_line}},
    }


def fingerprint(path: str, finding: Finding, ordinal: int) -> str:
    """A stable identity for a finding: the same issue gets the same fingerprint in every run."""
    key = "\0".join((path, finding.code, finding.message, str(ordinal)))
    return hashlib.sha256(key.encode("utf-8", errors="surrogatepass")).hexdigest()[:32]


def report_path(path: str) -> str:
    """The path GitLab expects: relative to the project directory, with forward slashes."""
    if os.path.isabs(path):
        try:
            path = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            return path.replace(os.sep, "/")
    return os.path.normpath(path).replace(os.sep, "/")
