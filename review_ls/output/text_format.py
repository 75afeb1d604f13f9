"""The human-readable format: `path:line:col: CODE [name] message`, then a summary line."""

from __future__ import annotations

from collections.abc import Sequence

from review_ls.engine.model import Applicability, Finding
from review_ls.rules import rule_class
from review_ls.runner import FileReport


def render(reports: Sequence[FileReport]) -> str:
    """Render findings one per line (columns 1-based), followed by a summary."""
    lines: list[str] = []
    findings = fixable = unsafe = files_with_findings = 0
    for report in reports:
        if report.findings:
            files_with_findings += 1
        for finding in report.findings:
            safe = finding.fixable and _safe_fix(finding)
            marker = " [*]" if safe else ""
            lines.append(
                f"{report.path}:{finding.span.line}:{finding.span.col + 1}: {finding.code}{marker} [{finding.name}] {finding.message}"
            )
            findings += 1
            fixable += safe
            unsafe += finding.fixable and not safe
    lines.append(summary(findings, fixable, unsafe, files_with_findings, len(reports)))
    return "\n".join(lines) + "\n"


def _safe_fix(finding: Finding) -> bool:
    rule = rule_class(finding.code)
    return rule is not None and rule.fix_applicability is Applicability.SAFE


def summary(findings: int, fixable: int, unsafe: int, files_with_findings: int, files: int) -> str:
    """The closing line: how many findings, in how many files, how many fixable (safe, and unsafe)."""
    checked = f"{files} file{'s' if files != 1 else ''}"
    if not findings:
        return f"No findings in {checked}."
    notes = []
    if fixable:
        notes.append(f"{fixable} fixable with --fix, marked [*]")
    if unsafe:
        notes.append(f"{unsafe} more with --fix --unsafe-fixes")
    fix_note = f" ({'; '.join(notes)})" if notes else ""
    return f"Found {findings} finding{'s' if findings != 1 else ''} in {files_with_findings} of {checked}{fix_note}."
