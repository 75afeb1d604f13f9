"""`review-ls check --statistics`: how many findings each rule produced and how many of them can be fixed."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from review_ls.deferred_dataclass import dataclass
from review_ls.runner import FileReport


@dataclass(frozen=True)
class RuleCount:
    """The findings of one rule: how many, and how many offer a fix (safe or unsafe)."""

    code: str
    name: str
    count: int
    fixable: int


def rule_counts(reports: Sequence[FileReport]) -> list[RuleCount]:
    """Count findings per rule, most frequent first (ties by code)."""
    counts: Counter[str] = Counter()
    fixable: Counter[str] = Counter()
    names: dict[str, str] = {}
    for report in reports:
        for finding in report.findings:
            counts[finding.code] += 1
            fixable[finding.code] += finding.fixable
            names[finding.code] = finding.name
    ordered = sorted(counts, key=lambda code: (-counts[code], code))
    return [RuleCount(code, names[code], counts[code], fixable[code]) for code in ordered]


def render_statistics(reports: Sequence[FileReport], output_format: str = "text") -> str:
    """The per-rule table (text, like `ruff --statistics`) or a JSON list of {code, name, count, fixable}."""
    rows = rule_counts(reports)
    if output_format == "json":
        return json.dumps([vars(row) for row in rows], indent=2) + "\n"
    if not rows:
        return "No findings.\n"
    count_width = max(len("count"), *(len(str(row.count)) for row in rows))
    code_width = max(len("code"), *(len(row.code) for row in rows))
    lines = [f"{'count':>{count_width}}  {'code':<{code_width}}  fixable  name"]
    for row in rows:
        fixable = str(row.fixable) if row.fixable else "-"
        lines.append(f"{row.count:>{count_width}}  {row.code:<{code_width}}  {fixable:>7}  {row.name}")
    total = sum(row.count for row in rows)
    total_fixable = sum(row.fixable for row in rows)
    lines.append(f"{total:>{count_width}}  {'total':<{code_width}}  {total_fixable or '-':>7}")
    return "\n".join(lines) + "\n"
