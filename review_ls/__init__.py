"""review-ls: a language server and linter that reviews Python code the way a senior reviewer does."""

import os as _os
import sys as _sys

if _sys.argv[:1] == ["-m"] and _sys.path[:1] in ([""], [_os.getcwd()]):
    # `python -m review_ls[.server]` puts the current folder first on sys.path, and an editor starts
    # the server in the workspace: files there (a `libcst.py`, a `tomllib/`) must never be imported
    # in place of review-ls's own dependencies. Drop that entry before anything else is imported.
    del _sys.path[0]

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from review_ls.engine.analysis import analyse_source
    from review_ls.engine.fixes import FixContext, compute_fix, fix_source
    from review_ls.engine.model import AnalysisResult, Applicability, Finding, Fix, Severity, Span, TextEdit
    from review_ls.engine.rule import Invalid, Option, Rule, RuleDocs, Valid

__version__ = "0.1.0"

# The public API is imported on first use: `review-ls serve` and `check` import only what they need
# (the language server must answer `initialize` quickly; see benchmarks/startup.py).
_PUBLIC = {
    "analyse_source": "review_ls.engine.analysis",
    "FixContext": "review_ls.engine.fixes",
    "compute_fix": "review_ls.engine.fixes",
    "fix_source": "review_ls.engine.fixes",
    "AnalysisResult": "review_ls.engine.model",
    "Applicability": "review_ls.engine.model",
    "Finding": "review_ls.engine.model",
    "Fix": "review_ls.engine.model",
    "Severity": "review_ls.engine.model",
    "Span": "review_ls.engine.model",
    "TextEdit": "review_ls.engine.model",
    "Invalid": "review_ls.engine.rule",
    "Option": "review_ls.engine.rule",
    "Rule": "review_ls.engine.rule",
    "RuleDocs": "review_ls.engine.rule",
    "Valid": "review_ls.engine.rule",
}


def __getattr__(name: str) -> Any:
    """A public name of the API, imported from its module on first use."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'review_ls' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

__all__ = [
    "AnalysisResult",
    "Applicability",
    "Finding",
    "Fix",
    "FixContext",
    "Invalid",
    "Option",
    "Rule",
    "RuleDocs",
    "Severity",
    "Span",
    "TextEdit",
    "Valid",
    "__version__",
    "analyse_source",
    "compute_fix",
    "fix_source",
]


def __dir__() -> list[str]:
    """The module's names, the public API's included before its first use."""
    return sorted({*globals(), *_PUBLIC})
