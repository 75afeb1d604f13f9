"""`workspace/executeCommand`: review-ls.fixAll, review-ls.explainRule, review-ls.scanWorkspace."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from review_ls.rules import rule_class
from review_ls.server.code_actions import fix_all_edit

if TYPE_CHECKING:
    from review_ls.server.session import Session

FIX_ALL = "review-ls.fixAll"
EXPLAIN_RULE = "review-ls.explainRule"
SCAN_WORKSPACE = "review-ls.scanWorkspace"
COMMANDS = (FIX_ALL, EXPLAIN_RULE, SCAN_WORKSPACE)


async def fix_all(session: Session, arguments: list[Any]) -> bool:
    """Apply every safe fix to a document (`[uri]` or `[{"uri": ..., "version": ...}]`) through `workspace/applyEdit`."""
    uri = _uri_argument(arguments)
    if uri is None:
        raise ValueError(f"{FIX_ALL} expects the document's URI")
    wanted = arguments[0].get("version") if isinstance(arguments[0], Mapping) else None
    outcome = await session.current_outcome(uri)
    if outcome is None or (wanted is not None and wanted != outcome.snapshot.version):
        return False
    edit = await fix_all_edit(session, outcome)
    if edit is None or session.version_of(uri) != outcome.snapshot.version:
        return False
    result = await session.server.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label="review-ls: fix all"))
    return bool(result and result.applied)


async def explain_rule(session: Session, arguments: list[Any]) -> str:
    """The documentation of a rule (`["RV201"]`), as Markdown."""
    code = arguments[0] if arguments and isinstance(arguments[0], str) else None
    if isinstance(arguments[0] if arguments else None, Mapping):
        code = arguments[0].get("code")
    if not isinstance(code, str):
        raise ValueError(f"{EXPLAIN_RULE} expects a rule code such as \"RV201\", got {shown(arguments[0] if arguments else None)}")
    rule = rule_class(code)
    if rule is None:
        raise ValueError(f"{EXPLAIN_RULE}: unknown rule {shown(code)}")
    from review_ls.docs import rule_markdown  # loaded on first use, not at start-up

    return rule_markdown(rule)


async def scan(session: Session, arguments: list[Any]) -> dict[str, Any]:
    """Scan the workspace (see `workspace_scan.py`) and return a summary once done."""
    from review_ls.server.workspace_scan import scan_workspace  # loaded on first use, not at start-up

    return await scan_workspace(session)


def shown(value: Any, limit: int = 80) -> str:
    """`value`'s repr cut to `limit` characters, so a huge argument is never echoed whole into a message or the log."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _uri_argument(arguments: list[Any]) -> str | None:
    if not arguments:
        return None
    first = arguments[0]
    if isinstance(first, str):
        return first
    if isinstance(first, Mapping) and isinstance(first.get("uri"), str):
        return str(first["uri"])
    return None


HANDLERS = {FIX_ALL: fix_all, EXPLAIN_RULE: explain_rule, SCAN_WORKSPACE: scan}
