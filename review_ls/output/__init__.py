"""Output formats of `review-ls check`: each module renders a list of file reports as text."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from review_ls.output import github_format, gitlab_format, json_format, json_lines_format, junit_format, sarif_format, text_format
from review_ls.runner import FileReport

Formatter = Callable[[Sequence[FileReport]], str]

FORMATTERS: dict[str, Formatter] = {
    "text": text_format.render,
    "json": json_format.render,
    "json-lines": json_lines_format.render,
    "sarif": sarif_format.render,
    "github": github_format.render,
    "gitlab": gitlab_format.render,
    "junit": junit_format.render,
}

# Formats that print each finding's fix, so the runner must compute fixes eagerly.
FORMATS_WITH_FIXES = frozenset({"json", "json-lines", "sarif"})
