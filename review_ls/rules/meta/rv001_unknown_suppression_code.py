"""RV001 unknown-suppression-code: RV001: a `# review: ignore[...]` comment names a code that does not exist."""

from __future__ import annotations

from review_ls.engine.roles import ALL_ROLES
from review_ls.engine.rule import Invalid, Rule, RuleDocs


class UnknownSuppressionRule(Rule):
    """RV001: a `# review: ignore[...]` comment names a code that does not exist."""

    code = "RV001"
    name = "unknown-suppression-code"
    applies_to = ALL_ROLES  # reported by the engine itself, for every file
    message = "unknown rule code in suppression"
    docs = RuleDocs(
        what="Reports a `# review: ignore[...]` comment that names a code no rule has.",
        why="A mistyped code suppresses nothing, so the finding it was meant to silence still shows (or a later one is silenced by a bare ignore).",
        fix="Use the code shown with the finding (`review-ls rules` lists them), or remove the comment.",
    )
    valid = ("x = 1  # review: ignore[RV201]\n", "x = 1  # review: ignore\n")
    invalid = (Invalid("x = 1  # review: ignore[RV999]\n", line=1),)
