"""Where each rule's documentation lives (diagnostic `codeDescription`, JSON `url`)."""

from __future__ import annotations

PROJECT_URL = "https://github.com/review-ls/review-ls"
DOCS_BASE_URL = f"{PROJECT_URL}/blob/main/docs/rules"


def rule_url(code: str) -> str:
    """The URL of a rule's documentation page."""
    return f"{DOCS_BASE_URL}/{code}.md"
