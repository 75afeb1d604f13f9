"""JSON Lines: one finding per line, each the same object as in the JSON format (streams well into log tools)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from review_ls.output.json_format import finding_object
from review_ls.runner import FileReport


def render(reports: Sequence[FileReport]) -> str:
    """Render each finding as a compact JSON object on its own line."""
    return "".join(
        json.dumps(finding_object(r.path, f, r.fixes.get(i)), ensure_ascii=False) + "\n"
        for r in reports
        for i, f in enumerate(r.findings)
    )
