"""Everything the application model answers about a project, as one comparable value (tests and benchmarks)."""

from __future__ import annotations

from review_ls.project import ProjectIndex

_SLOTS = (0, 1, 2)
_SINK_KINDS = ("", "file", "url")


def observe(index: ProjectIndex) -> dict[str, object]:
    """Every summary and derived view of the model, for every function, class and state object of the project."""
    functions = sorted({f.qualname for path in index.paths for facts in (index.call_facts(path),) if facts for f in facts.functions})
    classes = sorted({c.qualname for path in index.paths for facts in (index.call_facts(path),) if facts for c in facts.classes})
    objects = sorted(
        {o.qualname for path in index.paths for facts in (index.call_facts(path),) if facts and facts.state for o in facts.state.objects}
    )
    clients = index.client_summaries
    views = index._views().views  # the lookups the views derive file by file (kept incrementally: compared too)
    return {
        "modules": {path: index.module_name(path) for path in sorted(index.paths)},
        "paths_by_module": views.paths_by_module,
        "imports": {module: index.imports_of(module) for module in sorted(views.paths_by_module)},
        "name_importers": views.name_importers,
        "classes_named": views.classes_named,
        "classes_in_file": {path: views._by_name_in_file.get(path) for path in sorted(index.paths)},
        "kinds_at": views.kinds_at,
        "blocking": {q: index.blocking_chain(q) for q in functions},
        "taint": {(q, slot, kind): index.taint_sink_chain(q, slot, kind or None) for q in functions for slot in _SLOTS for kind in _SINK_KINDS},
        "returns": {(q, slot): index.taint_returns(q, slot) for q in functions for slot in _SLOTS},
        "produced": {q: clients.produced_by(q) for q in (*functions, *classes)},
        "built": {q: clients.built_by(q) for q in (*functions, *classes)},
        "built_in": {q: clients.built_in(q) for q in functions},
        "queries": {q: index.queries.query_chain(q) for q in functions},
        "per_invocation": {q: index.per_invocation.path_to(q) for q in functions},
        "state": {name: (index.process_state.state_object(name), index.process_state.mutators(name)) for name in objects},
        "entry_points": sorted((path, facts.qualname, facts.role, facts.label) for path, facts in index.call_graph.entry_points()),
        "classes": index.classes,
        "duplicates": {(c.ref.path, c.ref.span.line): index.duplicate_of(c.ref.path, c.ref.span.line) for c in index.classes},
        "route_handlers": index.route_handler_names,
        "client_classes": index.client_class_names,
    }
