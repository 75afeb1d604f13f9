"""review-ls: a language server and linter that reviews Python code the way a senior reviewer does."""

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
