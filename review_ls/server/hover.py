"""Hover over a flagged range: what the rule found, the chain that leads to it, why it matters and how to fix it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import from_fs_path

from review_ls.engine.model import Finding, Span
from review_ls.links import rule_url
from review_ls.rules import rule_class

if TYPE_CHECKING:
    from review_ls.server.session import Session


async def hover(session: Session, params: types.HoverParams) -> types.Hover | None:
    """The explanation of every finding under the cursor."""
    outcome = await session.current_outcome(params.text_document.uri)
    if outcome is None or outcome.result is None:
        return None
    mapper = session.mapper(outcome.lines)
    line, column = mapper.point(params.position)
    cursor = Span(line, column, line, column)
    found = [f for f in outcome.findings if f.span.contains(cursor)]
    if not found:
        return None
    markdown = session.features.markdown_hover
    text = "\n\n---\n\n".join(finding_explanation(f, markdown) for f in found)
    kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText
    return types.Hover(contents=types.MarkupContent(kind=kind, value=text), range=mapper.range(found[0].span))


def finding_explanation(finding: Finding, markdown: bool = True) -> str:
    """A finding's message, its rule's docs and its quick fix, as Markdown (or plain text)."""
    rule = rule_class(finding.code)
    parts = [f"**{finding.code} {finding.name}**: {finding.message}" if markdown else f"{finding.code} {finding.name}: {finding.message}"]
    if finding.related:
        parts.append(related_chain(finding, markdown))
    if rule is not None:
        parts.append(rule.docs.markdown())
    if finding.fix_title:
        parts.append(f"**Quick fix:** {finding.fix_title}" if markdown else f"Quick fix: {finding.fix_title}")
    parts.append(f"[Documentation]({rule_url(finding.code)})" if markdown else f"Documentation: {rule_url(finding.code)}")
    text = "\n\n".join(parts)
    return text if markdown else text.replace("**", "")


def related_chain(finding: Finding, markdown: bool = True) -> str:
    """The finding's related locations in order (a cross-file chain: each function called, then the call that blocks), one numbered line each."""
    lines = ["**Chain:**" if markdown else "Chain:"]
    for number, related in enumerate(finding.related, start=1):
        place = f"{Path(related.path).name}:{related.span.line}"
        uri = from_fs_path(related.path)
        link = f"[{place}]({uri}#L{related.span.line})" if markdown and uri else place
        lines.append(f"{number}. {related.message} ({link})")
    return "\n".join(lines)
