"""SARIF 2.1.0 output (GitHub code scanning, Azure DevOps, IDE SARIF viewers), with rule metadata and fixes.

Regions are 1-based lines and 1-based columns counted in Unicode code points (the run says so with
`columnKind: unicodeCodePoints`; SARIF's default would be UTF-16 code units); end columns are exclusive.
Relative file paths are written relative to `%SRCROOT%`, the current directory.
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from review_ls import __version__
from review_ls.docs import rule_markdown, rule_summary
from review_ls.engine.model import Finding, Fix, Severity, Span
from review_ls.engine.rule import Rule
from review_ls.links import PROJECT_URL, rule_url
from review_ls.rules import rule_class
from review_ls.runner import FileReport

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.HINT: "note"}


def render(reports: Sequence[FileReport]) -> str:
    """Render the reports as one SARIF log with a single run."""
    return json.dumps(sarif_log(reports), indent=2, ensure_ascii=False) + "\n"


def sarif_log(reports: Sequence[FileReport]) -> dict[str, Any]:
    """The SARIF log object of the reports."""
    codes = sorted({f.code for r in reports for f in r.findings})
    rule_index = {code: index for index, code in enumerate(codes)}
    results = [
        result_object(r.path, finding, r.fixes.get(i), rule_index[finding.code])
        for r in reports
        for i, finding in enumerate(r.findings)
    ]
    run = {
        "tool": {
            "driver": {
                "name": "review-ls",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": PROJECT_URL,
                "rules": [rule_descriptor(code) for code in codes],
            }
        },
        "originalUriBaseIds": {SOURCE_ROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def rule_descriptor(code: str) -> dict[str, Any]:
    """A SARIF reportingDescriptor for the rule `code`: descriptions, help, docs link, default level."""
    rule = rule_class(code)
    if rule is None:
        return {"id": code, "helpUri": rule_url(code)}
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule_summary(rule)},
        "fullDescription": {"text": _plain(rule.docs.what)},
        "help": {"text": _help_text(rule), "markdown": rule_markdown(rule)},
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"tags": [rule.code[:3]], "fixable": rule.fixable()},
    }


def result_object(path: str, finding: Finding, fix: Fix | None, rule_index: int) -> dict[str, Any]:
    """A SARIF result for one finding (with its fix, when one was computed)."""
    artifact = artifact_location(path)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region(finding.span)}}],
    }
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": index,
                "physicalLocation": {"artifactLocation": artifact_location(related.path), "region": region(related.span)},
                "message": {"text": related.message},
            }
            for index, related in enumerate(finding.related)
        ]
    if fix is not None and fix.edits:
        result["fixes"] = [fix_object(artifact, fix)]
    return result


def fix_object(artifact: dict[str, str], fix: Fix) -> dict[str, Any]:
    """A SARIF fix: the finding's edits as replacements of regions of its file."""
    return {
        "description": {"text": fix.title},
        "artifactChanges": [
            {
                "artifactLocation": artifact,
                "replacements": [
                    {"deletedRegion": region(edit.span), "insertedContent": {"text": edit.content}} for edit in fix.edits
                ],
            }
        ],
        "properties": {"applicability": fix.applicability.value},
    }


def region(span: Span) -> dict[str, int]:
    """A SARIF region: 1-based lines, 1-based code-point columns, exclusive end column."""
    return {"startLine": span.line, "startColumn": span.col + 1, "endLine": span.end_line, "endColumn": span.end_col + 1}


def artifact_location(path: str) -> dict[str, str]:
    """A SARIF artifactLocation: a relative URI under %SRCROOT%, or a file: URI for paths outside it."""
    candidate = Path(path)
    if not candidate.is_absolute():
        relative = os.path.normpath(path).replace(os.sep, "/")
        if relative != ".." and not relative.startswith("../"):
            return {"uri": quote(relative), "uriBaseId": SOURCE_ROOT}
        candidate = Path.cwd() / candidate
    return {"uri": Path(os.path.normpath(candidate)).as_uri()}


def _plain(text: str) -> str:
    return textwrap.dedent(text).strip()


def _help_text(rule: type[Rule]) -> str:
    return "\n\n".join((_plain(rule.docs.what), "Why: " + _plain(rule.docs.why), "Fix: " + _plain(rule.docs.fix)))
