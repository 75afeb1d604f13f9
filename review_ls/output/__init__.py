"""Output formats of `review-ls check`: each module renders a list of file reports as text.

Format modules are imported only when chosen, so a run pays for the one it prints.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from review_ls.runner import FileReport

Formatter = Callable[[Sequence["FileReport"]], str]

# Format name -> the module (in this package) whose `render` prints it.
FORMAT_MODULES: dict[str, str] = {
    "text": "text_format",
    "json": "json_format",
    "json-lines": "json_lines_format",
    "sarif": "sarif_format",
    "github": "github_format",
    "gitlab": "gitlab_format",
    "junit": "junit_format",
}

# Formats that print each finding's fix, so the runner must compute fixes eagerly.
FORMATS_WITH_FIXES = frozenset({"json", "json-lines", "sarif"})


def formatter(name: str) -> Formatter:
    """The `render` function of the format `name`."""
    module = importlib.import_module(f"{__name__}.{FORMAT_MODULES[name]}")
    render: Formatter = module.render
    return render
