"""GitHub Actions workflow commands: one `::warning file=...::message` annotation per finding.

Escaping follows the workflow-commands spec (`@actions/core`'s `escapeData`/`escapeProperty`):
`%`, CR and LF in the message; additionally `:` and `,` in property values.
"""

from __future__ import annotations

from collections.abc import Sequence

from review_ls.engine.model import Finding, Severity
from review_ls.runner import FileReport

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice", Severity.HINT: "notice"}


def render(reports: Sequence[FileReport]) -> str:
    """Render one annotation command per finding (columns 1-based)."""
    return "".join(annotation(r.path, f) + "\n" for r in reports for f in r.findings)


def annotation(path: str, finding: Finding) -> str:
    """The workflow command that annotates one finding."""
    span = finding.span
    properties = {
        "file": path,
        "line": span.line,
        "col": span.col + 1,
        "endLine": span.end_line,
        "endColumn": span.end_col + 1,
        "title": f"{finding.code} {finding.name}",
    }
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{_COMMANDS[finding.severity]} {rendered}::{escape_data(finding.message)}"


def escape_data(text: str) -> str:
    """Escape a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property's value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
