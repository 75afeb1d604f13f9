"""RV000 syntax-error: RV000: the file does not parse."""

from __future__ import annotations

from review_ls.engine.model import Severity
from review_ls.engine.roles import ALL_ROLES
from review_ls.engine.rule import Invalid, Rule, RuleDocs


class SyntaxErrorRule(Rule):
    """RV000: the file does not parse."""

    code = "RV000"
    name = "syntax-error"
    applies_to = ALL_ROLES  # reported by the engine itself, for every file
    message = "syntax error"
    severity = Severity.ERROR
    docs = RuleDocs(
        what="Reports a file that Python cannot parse, at the place the parser gave up.",
        why="No other rule can look at a file that does not parse; the rest of the run goes on.",
        fix="Correct the syntax. In the editor, the last findings of the statements that still parse stay visible meanwhile.",
    )
    valid = ("x = 1\n",)
    invalid = (Invalid("def broken(:\n    pass\n", line=1),)
