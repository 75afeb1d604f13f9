"""What a long-running process (the language server) prepares ahead, so that the first document it opens does not wait for it.

The project model imports and derives its parts on first use: a `review-ls check` of one small file loads and builds only what its
rules ask for (tests/cli/test_check_imports.py). The server would pay for them inside the first analysis that asks, before it can
publish that document's diagnostics: ~10 ms of imports on any file, plus the class views, call graph and duplicate models of the
workspace (~40 ms on a 27 KLOC project; they grow with it). It prepares them in the background instead: the modules once it is
initialized, the derived parts right after each index build, before the new index is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from review_ls.project.index import ProjectIndex

# Loaded on first use by the index, the rules and the model update (jedi's adapter is not: it loads jedi, only for the rules that infer types).
MODEL_MODULES = (
    "review_ls.project.index",
    "review_ls.project.call_graph",
    "review_ls.project.client_summary",
    "review_ls.project.duplicates",
    "review_ls.project.inference",
    "review_ls.project.layered",
    "review_ls.project.model_update",
    "review_ls.project.moved_classes",
    "review_ls.project.per_invocation",
    "review_ls.project.query_summary",
    "review_ls.project.state_summary",
    "review_ls.project.taint",
)


def load_model_modules() -> None:
    """Import every module of the project model that loads on first use."""
    for name in MODEL_MODULES:
        importlib.import_module(name)


def derive_ahead(index: ProjectIndex, should_stop: Callable[[], bool] = lambda: False) -> None:
    """Derive the parts of the model that nearly every analysis reads: class views, call graph, duplicate models (stops early once `should_stop`)."""
    steps: tuple[Callable[[], object], ...] = (
        lambda: index.classes,  # the snapshot's views: class kinds, settings, route handlers, import graph
        lambda: index.call_graph,
        lambda: index.process_state,
        lambda: index.duplicate_of("", 0),  # (every duplicate model is found at once)
        lambda: index.field_variants("", 0),
    )
    for step in steps:
        if should_stop():
            return
        step()
