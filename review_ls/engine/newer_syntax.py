"""Names the newer-Python syntax behind a SyntaxError, so RV000 can say which Python a file needs."""

from __future__ import annotations

import re
import sys

from review_ls.deferred_dataclass import dataclass


@dataclass(frozen=True)
class NewerSyntax:
    """A syntax feature and the first Python version that parses it."""

    feature: str
    version: tuple[int, int]


# (pattern over the offending line, feature, version), most specific first.
_FEATURES: tuple[tuple[re.Pattern[str], NewerSyntax], ...] = (
    (re.compile(r"^\s*type\s+[A-Za-z_]\w*\s*(\[.*\])?\s*="), NewerSyntax("PEP 695 type statement", (3, 12))),
    (re.compile(r"^\s*(async\s+)?def\s+\w+\s*\["), NewerSyntax("PEP 695 type parameters", (3, 12))),
    (re.compile(r"^\s*class\s+\w+\s*\["), NewerSyntax("PEP 695 type parameters", (3, 12))),
    (re.compile(r"^\s*except\s*\*"), NewerSyntax("PEP 654 except*", (3, 11))),
    (re.compile(r"^\s*except\s+[\w.]+\s*,\s*[\w.]+(\s*,\s*[\w.]+)*\s*:"), NewerSyntax("PEP 758 except A, B without parens", (3, 14))),
    (re.compile(r"""(^|[^\w'"])[tT][rR]?['"]|(^|[^\w'"])[rR][tT]['"]"""), NewerSyntax("PEP 750 template string t\"...\"", (3, 14))),
)


def newer_syntax_on(line: str, running: tuple[int, int] | None = None) -> NewerSyntax | None:
    """The newer-Python feature `line` uses that the `running` Python cannot parse, if any."""
    current = running or (sys.version_info.major, sys.version_info.minor)
    for pattern, syntax in _FEATURES:
        if syntax.version > current and pattern.search(line):
            return syntax
    return None


def needs_newer_python_message(syntax: NewerSyntax, running: tuple[int, int] | None = None) -> str:
    """One line: the feature, the version it needs, the running version and how to use a newer one."""
    current = running or (sys.version_info.major, sys.version_info.minor)
    needed = f"{syntax.version[0]}.{syntax.version[1]}"
    return (
        f"{syntax.feature} needs Python {needed}+, but review-ls runs on Python {current[0]}.{current[1]}:"
        f" run it with Python {needed} or newer (e.g. `python{needed} -m review_ls check`, or install review-ls there)"
    )
