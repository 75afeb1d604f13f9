"""review-ls: a language server and linter that reviews Python code the way a senior reviewer does."""

import os as _os
import sys as _sys

if _sys.argv[:1] == ["-m"] and _sys.path[:1] in ([""], [_os.getcwd()]):
    # `python -m review_ls[.server]` puts the current folder first on sys.path, and an editor starts
    # the server in the workspace: files there (a `libcst.py`, a `tomllib/`) must never be imported
    # in place of review-ls's own dependencies. Drop that entry before anything else is imported.
    del _sys.path[0]

from review_ls.engine.analysis import analyse_source
from review_ls.engine.fixes import FixContext, compute_fix, fix_source
from review_ls.engine.model import AnalysisResult, Applicability, Finding, Fix, Severity, Span, TextEdit
from review_ls.engine.rule import Invalid, Option, Rule, RuleDocs, Valid

__version__ = "0.1.0"

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
