"""Codes the engine reports itself: syntax errors and suppressions that name unknown codes."""

from __future__ import annotations

from review_ls.engine.model import Severity
from review_ls.engine.rule import Invalid, Rule, RuleDocs


class SyntaxErrorRule(Rule):
    """RV000: the file does not parse."""

    code = "RV000"
    name = "syntax-error"
    message = "syntax error"
    severity = Severity.ERROR
    docs = RuleDocs(
        what="Reports a file that Python cannot parse, at the place the parser gave up.",
        why="No other rule can look at a file that does not parse; the rest of the run goes on.",
        fix="Correct the syntax. In the editor, the last findings of the statements that still parse stay visible meanwhile.",
    )
    valid = ("x = 1\n",)
    invalid = (Invalid("def broken(:\n    pass\n", line=1),)


class UnknownSuppressionRule(Rule):
    """RV001: a `# review: ignore[...]` comment names a code that does not exist."""

    code = "RV001"
    name = "unknown-suppression-code"
    message = "unknown rule code in suppression"
    docs = RuleDocs(
        what="Reports a `# review: ignore[...]` comment that names a code no rule has.",
        why="A mistyped code suppresses nothing, so the finding it was meant to silence still shows (or a later one is silenced by a bare ignore).",
        fix="Use the code shown with the finding (`review-ls rules` lists them), or remove the comment.",
    )
    valid = ("x = 1  # review: ignore[RV201]\n", "x = 1  # review: ignore\n")
    invalid = (Invalid("x = 1  # review: ignore[RV999]\n", line=1),)
