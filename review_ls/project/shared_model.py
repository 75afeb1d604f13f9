"""The parts of the application model that every file's analysis reads, built once before worker processes fork.

A forked worker shares the parent's pages until it writes to them, and building a project-wide lookup in
a worker writes to (the reference counts of) every fact it reads: measured on the 509 KLOC application
corpus, the first files a worker checked copied ~100 MB of the index into it — each worker building the
same views and summaries, and paying for them in CPU too. `build_shared_model` builds them in the parent
instead; the workers then read them as they are. What each file asks later (a function's summary, a
class's fields) is still derived in the worker that asks.
"""

from __future__ import annotations

import ast

from review_ls.project.index import ProjectIndex


def build_shared_model(project: object, types: bool) -> None:
    """Build `project`'s derived views, call graph, summaries and project-wide lookups now (and, with `types`, the
    type facts' lookups of the type-aware rules); anything but a `ProjectIndex` is left as it is."""
    if not isinstance(project, ProjectIndex):
        return
    project.top_level_packages  # noqa: B018 (builds the views)
    derived = project._views()
    derived.views.classes  # noqa: B018
    derived.duplicates  # noqa: B018
    derived.variants  # noqa: B018
    derived.taint  # noqa: B018
    derived.client_summaries  # noqa: B018
    derived.per_invocation  # noqa: B018
    derived.process_state.mutators("")  # every entry point's effects, computed on the first question
    derived.queries.classes_named("")  # the project's classes by snake-case name
    if types:
        _build_type_lookups(project)


def _build_type_lookups(project: ProjectIndex) -> None:
    """The project-wide sets the type-aware rules check before asking jedi (`jedi_gates.py`, `ProjectTypes`)."""
    from review_ls.project import jedi_gates
    from review_ls.project.inference import TypeResolver

    types = project.types
    types.enum_values  # noqa: B018
    resolver = TypeResolver(ast.Module(body=[], type_ignores=[]), None, (), project)
    resolver.project_types = types
    jedi_gates.may_misspell_enum_value(resolver, "")
    jedi_gates.may_be_model_field(resolver, "")
