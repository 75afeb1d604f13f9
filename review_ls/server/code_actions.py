"""Code actions: a quick fix per fixable diagnostic, "suppress on this line", and `source.fixAll.review-ls`.

Quick fixes and fix-all are computed lazily in `codeAction/resolve` when the client supports it
(libcst runs only when the user picks the action); otherwise they are computed at once. Every edit is
a versioned `TextDocumentEdit` for the version the findings belong to; an action resolved after the
document changed gets no edit rather than a wrong one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from review_ls.engine.model import Applicability, Finding, TextEdit
from review_ls.rules import rule_class
from review_ls.server.diagnostics import SOURCE, FindingReference
from review_ls.server.documents import Outcome
from review_ls.server.edits import changed_lines_edit, workspace_edit
from review_ls.server.suppress import suppression_edit

if TYPE_CHECKING:
    from review_ls.server.session import Session

FIX_ALL_KIND = "source.fixAll.review-ls"
FIX_ALL_TITLE = "Fix all auto-fixable review-ls problems"


async def code_actions(session: Session, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    """The actions for the diagnostics in the request's context (and fix-all)."""
    uri = params.text_document.uri
    outcome = await session.current_outcome(uri)
    if outcome is None or outcome.result is None:
        return None
    only = params.context.only
    actions: list[types.CodeAction] = []
    for diagnostic in params.context.diagnostics:
        if diagnostic.source != SOURCE:
            continue
        finding = _finding_of(session, outcome, diagnostic)
        if finding is None:
            continue
        if finding.fixable and finding.fix_title and _wanted(types.CodeActionKind.QuickFix, only):
            action = await _quick_fix(session, outcome, finding, diagnostic)
            if action is not None:
                actions.append(action)
        if _wanted(types.CodeActionKind.QuickFix, only) and not finding.code.startswith("RV00"):
            suppress = _suppress_action(session, outcome, finding, diagnostic)
            if suppress is not None:
                actions.append(suppress)
    lazy = session.features.code_action_resolve
    if _wanted(FIX_ALL_KIND, only) and (lazy or only) and any(_safely_fixable(f) for f in outcome.findings):
        fix_all = await _fix_all_action(session, outcome)
        if fix_all is not None:
            actions.append(fix_all)
    return actions or None


async def resolve(session: Session, action: types.CodeAction) -> types.CodeAction:
    """Compute the edit of a quick fix or fix-all picked by the user (no edit when the document moved on)."""
    data = action.data if isinstance(action.data, dict) else {}
    uri = data.get("uri")
    if not isinstance(uri, str):
        return action
    outcome = await session.current_outcome(uri)
    if outcome is None or outcome.snapshot.version != data.get("version"):
        return action
    if data.get("action") == "fixAll":
        action.edit = await fix_all_edit(session, outcome)
    elif data.get("action") == "fix":
        reference = FindingReference.from_data(data)
        finding = None if reference is None else outcome.finding(reference.code, reference.span)
        if finding is not None:
            action.edit = await _fix_edit(session, outcome, finding)
    if session.version_of(uri) != outcome.snapshot.version:
        action.edit = None
    return action


async def fix_all_edit(session: Session, outcome: Outcome) -> types.WorkspaceEdit | None:
    """One edit applying every safe fix to the outcome's text (computed on a worker thread)."""
    from review_ls.engine.fixes import fix_source  # fixes load on first use, not at start-up

    snapshot = outcome.snapshot
    loop = asyncio.get_running_loop()
    fixed = await loop.run_in_executor(
        session.executor, lambda: fix_source(snapshot.text, snapshot.path, snapshot.settings, snapshot.project).source
    )
    edit = changed_lines_edit(snapshot.text, fixed)
    if edit is None:
        return None
    return workspace_edit(snapshot.uri, snapshot.version, [edit], session.mapper(outcome.lines), session.features)


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    return only is None or any(kind == wanted or kind.startswith(wanted + ".") for wanted in only)


def _safely_fixable(finding: Finding) -> bool:
    rule = rule_class(finding.code)
    return finding.fixable and rule is not None and rule.fix_applicability is Applicability.SAFE


def _finding_of(session: Session, outcome: Outcome, diagnostic: types.Diagnostic) -> Finding | None:
    """The finding a diagnostic shows: by its `data` when the client sent it back, else by code and range."""
    reference = FindingReference.from_data(diagnostic.data)
    if reference is not None:
        if reference.version != outcome.snapshot.version:
            return None
        return outcome.finding(reference.code, reference.span)
    mapper = session.mapper(outcome.lines)
    for finding in outcome.findings:
        if finding.code == diagnostic.code and mapper.range(finding.span) == diagnostic.range:
            return finding
    return None


def _action_data(outcome: Outcome, kind: str, finding: Finding | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"action": kind, "uri": outcome.snapshot.uri, "version": outcome.snapshot.version}
    if finding is not None:
        reference = FindingReference(outcome.snapshot.uri, outcome.snapshot.version, finding.code, finding.span, finding.node_type, True)
        data.update(reference.to_data())
    return data


async def _quick_fix(session: Session, outcome: Outcome, finding: Finding, diagnostic: types.Diagnostic) -> types.CodeAction | None:
    rule = rule_class(finding.code)
    action = types.CodeAction(
        title=finding.fix_title or f"Fix {finding.code}",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=rule is not None and rule.fix_applicability is Applicability.SAFE,
        data=_action_data(outcome, "fix", finding),
    )
    if session.features.code_action_resolve:
        return action
    action.edit = await _fix_edit(session, outcome, finding)
    return action if action.edit is not None else None


async def _fix_edit(session: Session, outcome: Outcome, finding: Finding) -> types.WorkspaceEdit | None:
    from review_ls.engine.fixes import compute_fix  # fixes load on first use, not at start-up

    snapshot = outcome.snapshot
    loop = asyncio.get_running_loop()
    fix = await loop.run_in_executor(
        session.executor, compute_fix, snapshot.text, finding, snapshot.path, snapshot.settings, snapshot.project
    )
    if fix is None:
        return None
    return workspace_edit(snapshot.uri, snapshot.version, list(fix.edits), session.mapper(outcome.lines), session.features)


def _suppress_action(session: Session, outcome: Outcome, finding: Finding, diagnostic: types.Diagnostic) -> types.CodeAction | None:
    edit: TextEdit | None = suppression_edit(outcome.lines, finding)
    if edit is None:
        return None
    snapshot = outcome.snapshot
    return types.CodeAction(
        title=f"Suppress {finding.code} on this line",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=workspace_edit(snapshot.uri, snapshot.version, [edit], session.mapper(outcome.lines), session.features),
    )


async def _fix_all_action(session: Session, outcome: Outcome) -> types.CodeAction | None:
    action = types.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL_KIND, data=_action_data(outcome, "fixAll"))
    if session.features.code_action_resolve:
        return action
    action.edit = await fix_all_edit(session, outcome)
    return action if action.edit is not None else None
