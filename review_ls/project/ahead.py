"""What a process prepares ahead of the analyses that read the project model, so that they do not each build it.

The language server (`derive_ahead`, `load_model_modules`):
The project model imports and derives its parts on first use: a `review-ls check` of one small file loads and builds only what its
rules ask for (tests/cli/test_check_imports.py). The server would pay for them inside the first analysis that asks, before it can
publish that document's diagnostics: ~10 ms of imports on any file, plus the class views, call graph and duplicate models of the
workspace (~40 ms on a 27 KLOC project; they grow with it). It prepares them in the background instead: the modules once it is
initialized, the derived parts right after each index build, before the new index is used.

A parallel check (`derive_for_workers`, called by `worker_start.py` before the workers fork): a forked worker shares the
parent's pages until it writes to them, and building a project-wide lookup in a worker writes to (the reference counts
of) every fact it reads: measured on the 509 KLOC application corpus, the first files a worker checked copied ~100 MB of
the index into it, each worker building the same views and summaries and paying for them in CPU too. The parent builds
them instead (every summary, and the type-aware rules' lookups when one is enabled); the workers read them as they are.
What each file asks later (a function's summary, a class's fields) is still derived in the worker that asks.
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
    for step in _first_read(index):
        if should_stop():
            return
        step()


def derive_for_workers(index: ProjectIndex, type_lookups: bool, jedi_lookups: bool) -> None:
    """Derive every project-wide part the rules read, in the parent of forked workers (with `type_lookups`, also the
    lookups the type-aware rules check; with `jedi_lookups`, those they check only before asking jedi)."""
    for step in (*_first_read(index), *_every_summary(index)):
        step()
    if type_lookups:
        _build_type_lookups(index, jedi_lookups)


def _first_read(index: ProjectIndex) -> tuple[Callable[[], object], ...]:
    """The parts nearly every analysis reads first."""
    return (
        lambda: index.classes,  # the snapshot's views: class kinds, settings, route handlers, import graph
        lambda: index.call_graph,
        lambda: index.process_state,
        lambda: index.duplicate_of("", 0),  # (every duplicate model is found at once)
        lambda: index.field_variants("", 0),
    )


def _every_summary(index: ProjectIndex) -> tuple[Callable[[], object], ...]:
    """The summaries the cross-file rules ask about functions and classes, each built whole on its first question."""
    return (
        lambda: index.top_level_packages,
        lambda: index.taint_returns("", 0),
        lambda: index.client_summaries,
        lambda: index.per_invocation,
        lambda: index.process_state.mutators(""),  # every entry point's effects
        lambda: index.queries.classes_named(""),  # the project's classes by snake-case name
    )


def _build_type_lookups(index: ProjectIndex, jedi_lookups: bool) -> None:
    """The project-wide sets the type-aware rules check (`jedi_gates.py`, `ProjectTypes`; with `jedi_lookups`, also
    those they check only before asking jedi)."""
    from review_ls.project import jedi_gates

    types = index.types
    types.enum_values  # noqa: B018
    jedi_gates.build_project_sets(types, jedi_lookups)
