"""The hover text of a finding: the chain of a cross-file finding comes right after its message."""

from __future__ import annotations

from review_ls.engine.model import Finding, RelatedLocation, Severity, Span
from review_ls.server.hover import finding_explanation


def _finding(related: tuple[RelatedLocation, ...]) -> Finding:
    return Finding(
        code="RV302",
        name="blocking-call-in-async",
        message="synthesize() blocks the event loop inside async def speak() (through synthesize -> requests.post)",
        span=Span(10, 11, 10, 27),
        severity=Severity.WARNING,
        statement_line=10,
        related=related,
    )


CHAIN = (
    RelatedLocation("/work/app/services/tts.py", Span(6, 0, 6, 0), "calls synthesize() (defined here)"),
    RelatedLocation("/work/app/services/tts.py", Span(8, 0, 8, 0), "requests.post() blocks here"),
)


def test_markdown_hover_lists_the_chain_in_order_with_links() -> None:
    text = finding_explanation(_finding(CHAIN))
    message, rest = text.split("\n\n", 1)
    assert message.startswith("**RV302 blocking-call-in-async**")
    assert rest.startswith(
        "**Chain:**\n"
        "1. calls synthesize() (defined here) ([tts.py:6](file:///work/app/services/tts.py#L6))\n"
        "2. requests.post() blocks here ([tts.py:8](file:///work/app/services/tts.py#L8))"
    )


def test_plain_text_hover_lists_the_chain_without_markup() -> None:
    text = finding_explanation(_finding(CHAIN), markdown=False)
    assert "Chain:\n1. calls synthesize() (defined here) (tts.py:6)\n2. requests.post() blocks here (tts.py:8)" in text
    assert "**" not in text and "](" not in text


def test_a_finding_without_related_locations_has_no_chain() -> None:
    assert "Chain" not in finding_explanation(_finding(()))
