"""The project index: cross-file facts that single-file rules read through `ctx.project`.

Built once per CLI run (`build_index`) and kept current by the server (`update_file` with an open
document's unsaved text, `remove_file`). Each file is parsed with `ast` once; its facts
(`file_facts.py`) and its type facts (`types.py`, for the type rules) are stored per path, under
the path exactly as the caller spells it (the same spelling analysis passes as `path`).

`fingerprint` changes whenever a fact that other files' findings depend on changes: a settings
field, a model's fields, a route registration, a client class, a heavy import. It ignores line
numbers, so typing that only moves code keeps it (a related location that points into another
file may then be a few lines off until that file's facts change); a cache of findings that read
the index must be keyed by it. The type facts (`types`) have their own `types.fingerprint`.
Lookups are derived lazily from a snapshot (`views.py`, `duplicates.py`) and rebuilt on first
use after any change, positions included.
"""

from __future__ import annotations

import ast
import gc
import os
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from review_ls.config import ConfigResolver
from review_ls.engine.gc_pause import garbage_collector_paused, kept_out_of_collections
from review_ls.files import SourceReadError, discover_python_files, read_source
from review_ls.project.call_facts import ModuleCallFacts, module_call_facts
from review_ls.project.configured_entry_points import ConfiguredEntryPoints
from review_ls.project.file_facts import FileFacts, facts_of_module
from review_ls.project.function_memo import ExtractionStopped, FileMemos, FunctionMemo
from review_ls.project.import_statements import module_import_bindings
from review_ls.project.modules import ModuleNamer, is_package_file, normalise
from review_ls.project.types import ModuleTypeFacts, ProjectTypes, module_type_facts
from review_ls.project.view_memo import ViewMemo
from review_ls.project.views import (
    ProjectClass,
    ProjectViews,
    SettingsTarget,
    is_settings_named,
)

if TYPE_CHECKING:
    import multiprocessing.context

    from review_ls.engine.walker import Context
    from review_ls.project.call_graph import BlockingChain, CallGraph
    from review_ls.project.client_summary import ClientSummaries
    from review_ls.project.duplicates import Duplicate, FieldVariant
    from review_ls.project.model_update import FileDependencies
    from review_ls.project.per_invocation import PerInvocation
    from review_ls.project.query_summary import QuerySummary
    from review_ls.project.state_summary import ProcessStateSummary
    from review_ls.project.taint import SinkChain, TaintSummaries

# The call graph, the summaries along it and the duplicate models are derived on first use: their
# modules are imported there, so a run whose rules ask only for the file facts never loads them.

# Below this many files, starting worker processes costs more than it saves: a spawned worker
# imports review-ls anew (~0.5 s), a forked one starts in milliseconds.
_PARALLEL_THRESHOLD = 1000
_FORKED_PARALLEL_THRESHOLD = 200


def _pool_context() -> multiprocessing.context.BaseContext:
    """How to start index workers: fork only a single-threaded process (forking a threaded one can deadlock).

    Spawned workers start from a fresh interpreter: multiprocessing points their stdin at /dev/null,
    and they exit when the pool's pipe to the parent closes, so they never outlive it.
    """
    import multiprocessing  # (loaded only when a large index is built in processes)

    single_threaded = threading.active_count() == 1
    if single_threaded and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _parallel_context(files: int, workers: int, parallel_threshold: int | None) -> multiprocessing.context.BaseContext | None:
    """How to start the workers that index `files` files, or None to index them in this process (multiprocessing loads only then)."""
    if workers <= 1 or files < min(parallel_threshold or _FORKED_PARALLEL_THRESHOLD, _PARALLEL_THRESHOLD):
        return None
    context = _pool_context()
    if parallel_threshold is None:
        parallel_threshold = _FORKED_PARALLEL_THRESHOLD if context.get_start_method() == "fork" else _PARALLEL_THRESHOLD
    return context if files >= parallel_threshold else None


class ProjectIndex:
    """Facts about every Python file of a workspace, updated file by file."""

    def __init__(self, roots: Iterable[str | os.PathLike[str]] = ()) -> None:
        self.roots = tuple(normalise(os.fspath(r)) for r in roots)
        self.types = ProjectTypes()
        self.fingerprint = 0
        self._files: dict[str, FileFacts] = {}
        self._calls: dict[str, ModuleCallFacts] = {}
        self._contributions: dict[str, int] = {}
        self._init_files: set[str] = set()
        self.entry_points = ConfiguredEntryPoints()
        self._generation = 0
        self._derived: _Derived | None = None
        self._base: _Derived | None = None  # the last derived views; the next ones carry what a change leaves valid
        self._changed: set[str] | None = set()  # files changed since `_base` (None: derive everything again)
        self._view_memo = ViewMemo()
        self._function_memos = FileMemos()  # per-function facts of the files updated one by one
        self._lock = threading.Lock()

    # -- building and updating ----------------------------------------------------------------
    @classmethod
    def from_sources(cls, sources: Mapping[str, str], roots: Iterable[str] = ()) -> ProjectIndex:
        """An index of in-memory files (path -> text), e.g. an example or a test project."""
        index = cls(roots)
        index._init_files.update(normalise(p) for p in sources if is_package_file(p))
        for path, text in sources.items():
            index.update_file(path, text)
        return index

    @classmethod
    def build(
        cls,
        files: Sequence[str | os.PathLike[str]],
        roots: Iterable[str | os.PathLike[str]] = (),
        jobs: int | None = None,
        parallel_threshold: int | None = None,
    ) -> ProjectIndex:
        """Read and index `files` (unreadable ones have no facts), in `jobs` processes from `parallel_threshold` files on
        (by default 200 files when workers can be forked, else 1000)."""
        index = cls(roots)
        paths = [os.fspath(f) for f in files]
        index._init_files.update(normalise(p) for p in paths if is_package_file(p))
        namer = index._namer()
        work = [(path, namer.module_name(path)) for path in paths]
        workers = jobs or os.cpu_count() or 1
        with kept_out_of_collections():  # the index lives as long as its workspace: full collections need not walk it again
            context = _parallel_context(len(work), workers, parallel_threshold)
            if context is not None:
                from concurrent.futures import ProcessPoolExecutor

                from review_ls.check_order import shrinking_chunks
                from review_ls.project.interning import InterningTable
                from review_ls.worker_lifetime import map_in_pool  # stops the pool at once on Ctrl-C

                chunks = [work[chunk.start : chunk.stop] for chunk in shrinking_chunks([_size_of(path) for path in paths], workers)]
                pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_index_worker, initargs=(os.getpid(),))
                table = InterningTable()  # equal names made in different workers become one object
                results = (result for data in map_in_pool(pool, _read_and_extract_pickled, chunks) for result in table.loads(data))
            else:
                results = (_read_and_extract(item) for item in work)
            for path, result in zip(paths, results, strict=True):
                index._store(path, *result)
        return index

    def update_file(
        self, path: str | os.PathLike[str], text: str, tree: ast.Module | None = None, should_stop: Callable[[], bool] | None = None
    ) -> bool:
        """Re-extract one file's facts from `text`; return True when any fact changed.

        Pass `tree` (the text already parsed, e.g. by the analysis) to skip the parse. Text that
        does not parse (an edit in progress) keeps the file's last facts. `should_stop` is asked
        between the steps of the extraction (before each function): when it says True, the update
        raises `ExtractionStopped` and the file keeps its last facts.
        """
        key = os.fspath(path)
        if should_stop is not None and should_stop():
            raise ExtractionStopped()
        new_package = is_package_file(key) and normalise(key) not in self._init_files
        if new_package:
            self._init_files.add(normalise(key))
            self._bump(None)
        module = self._namer().module_name(key)
        with garbage_collector_paused(), self._function_memos.extracting(key, text, should_stop) as memo:
            if tree is None:
                extracted = _extract(text, key, module, memo)
            else:
                extracted = _facts_of_tree(tree, text, key, module, memo)
            memo.check()
        if extracted is None:
            if key in self._files:
                return new_package
            extracted = FileFacts(), None, ModuleCallFacts(module)
        return self._store(key, *extracted) or new_package

    def remove_file(self, path: str | os.PathLike[str]) -> bool:
        """Forget one file (deleted, or no longer part of the workspace); return True when facts changed."""
        key = os.fspath(path)
        with self._lock:
            facts = self._files.pop(key, None)
            self._calls.pop(key, None)
            contribution = self._contributions.pop(key, 0)
            self._init_files.discard(normalise(key))
            self.types.remove(key)
            self._function_memos.forget(key)
            if facts is None:
                return False
            self.fingerprint ^= contribution
            self._bump(key)
            return contribution != 0

    def _store(self, key: str, facts: FileFacts, types: ModuleTypeFacts | None, calls: ModuleCallFacts) -> bool:
        """Store one file's facts; True when the position-free facts (and so the fingerprint) changed."""
        contribution = 0
        if not facts.is_empty or is_package_file(key) or calls.functions:
            contribution = hash((key, facts.position_free, calls.position_free)) or 1
        with self._lock:
            if types is not None:
                self.types.update(types, (types.module,) if types.module else ())
            else:
                self.types.remove(key)
            if self._files.get(key) != facts or self._calls.get(key) != calls:
                self._bump(key)  # the derived lookups hold positions: rebuild them even if only lines moved
            self._files[key] = facts
            self._calls[key] = calls
            previous = self._contributions.get(key)
            self._contributions[key] = contribution
            if previous == contribution:
                return False
            self.fingerprint ^= (previous or 0) ^ contribution
            return True

    def configure_entry_points(self, entries: Iterable[str]) -> bool:
        """Take the `entry-points` of the configuration (`module:function`, `module:*`); True when they changed."""
        configured = ConfiguredEntryPoints.parse(entries)
        with self._lock:
            if configured == self.entry_points:
                return False
            self.fingerprint ^= hash(self.entry_points) ^ hash(configured)
            self.entry_points = configured
            self._bump(None)
            return True

    def _bump(self, path: str | None) -> None:
        """Facts of the file at `path` changed (None: something every derivation reads)."""
        self._generation += 1
        self._derived = None
        if path is None:
            self._changed = None
        elif self._changed is not None:
            self._changed.add(path)

    def _namer(self) -> ModuleNamer:
        packages = frozenset(self._init_files)
        cached = self.__dict__.get("_cached_namer")
        if cached is None or cached[0] != packages:
            cached = self.__dict__["_cached_namer"] = (packages, ModuleNamer(self.roots, packages))
        return cached[1]

    # -- what rules read ----------------------------------------------------------------------
    def _views(self) -> _Derived:
        derived = self._derived
        if derived is None:
            with self._lock:
                generation = self._generation
                snapshot = dict(self._files)
                calls = dict(self._calls)
                base, changed = self._base, None if self._changed is None else frozenset(self._changed)
            previous = None if base is None or changed is None or not _same_paths(base.views.files, snapshot, changed) else base.views
            derived = _Derived(ProjectViews(snapshot, self.roots, self._view_memo, previous, changed), calls, self.entry_points)
            if base is not None and changed is not None:
                derived.carry_from(base, changed)
            with self._lock:
                if self._generation == generation:
                    self._derived = self._base = derived
                    self._changed = set()
        return derived

    @property
    def paths(self) -> frozenset[str]:
        """Every indexed path."""
        return frozenset(self._files)

    def facts(self, path: str) -> FileFacts | None:
        """The stored facts of one file."""
        return self._files.get(path)

    @property
    def client_class_names(self) -> frozenset[str]:
        """Names of the project's own classes named `*Client`/`*Session` (read by patterns/clients.py)."""
        return self._views().views.client_class_names

    @property
    def route_handler_names(self) -> frozenset[tuple[str, str]]:
        """(path, function name) of functions registered as route handlers by a call (read by patterns/frameworks.py)."""
        return self._views().views.route_handler_names

    def module_name(self, path: str) -> str:
        """The dotted module name of the file at `path`."""
        views = self._views().views
        return views.modules.get(path) or views.namer.module_name(path)

    def is_project_module(self, qualified: str) -> bool:
        """True when the module (or name) `qualified` is defined in this project."""
        return self._views().views.is_project_module(qualified)

    def path_of_module(self, module: str) -> str | None:
        """The file that `import <module>` loads, when the project has it."""
        return self._views().views.paths_by_module.get(module)

    def imports_of(self, module: str) -> frozenset[str]:
        """The project modules that importing `module` imports directly (module-level imports, not TYPE_CHECKING)."""
        return self._views().views.import_graph.imports_of(module)

    def reaches(self, importer: str, imported: str) -> bool:
        """True when importing the module `importer` imports the module `imported`, directly or transitively."""
        return self._views().views.import_graph.reaches(importer, imported)

    @property
    def top_level_packages(self) -> frozenset[str]:
        """The first component of every project module's dotted name (first-party imports for fixes)."""
        names = {self.module_name(path).split(".", 1)[0] for path in self.paths}
        return frozenset(name for name in names if name.isidentifier())

    def has_settings_for(self, path: str) -> bool:
        """True when the project holding `path` has a settings object: a `BaseSettings` class, or a
        config module setting names from the environment. (Each workspace root is its own project.)"""
        return self._views().views.has_settings_for(path)

    def settings_home_for(self, path: str) -> str | None:
        """The module name where the settings of the project holding `path` are defined."""
        return self._views().views.settings_home_for(path)

    def is_settings_module(self, path: str) -> bool:
        """True for the module(s) where settings are defined: reading the environment belongs there."""
        return is_settings_named(path) or path in self._views().views.settings_paths

    def settings_targets_for(self, path: str) -> tuple[SettingsTarget, ...]:
        """Every field reachable through a module-level settings object or factory of the project holding `path`."""
        return self._views().views.settings_targets_for(path)

    def settings_for_env(self, name: str, path: str) -> SettingsTarget | None:
        """The settings field that the environment variable `name` fills, in the project holding `path`."""
        return next((t for t in self.settings_targets_for(path) if t.matches_env(name)), None)

    def imports_heavy_at_top(self, package: str, path: str) -> bool:
        """True when a module of the project holding `path` imports the heavy `package` at its top:
        the package is a hard dependency, so importing it lazily saves nothing."""
        return self._views().views.imports_heavy_at_top(package, path)

    @property
    def classes(self) -> tuple[ProjectClass, ...]:
        """Every class whose kind is known (settings, pydantic, dataclass, ORM models)."""
        return self._views().views.classes

    def kind_at(self, path: str, line: int) -> str | None:
        """The kind (`views.Kind`) of the class whose name is on `line` of `path`, if known."""
        return self._views().views.kinds_at.get((path, line))

    def duplicate_of(self, path: str, line: int) -> Duplicate | None:
        """The duplicate record of the model whose name is on `line` of `path` (None for originals)."""
        return self._views().duplicates.get((path, line))

    def field_variants(self, path: str, line: int) -> tuple[FieldVariant, ...]:
        """Fields of the model on `line` of `path` named differently from the same concept elsewhere in its API."""
        return self._views().variants.get((path, line), ())

    # -- the application model: call graph, summaries, entry points -----------------------------
    @property
    def call_graph(self) -> CallGraph:
        """The project-wide call graph of the current facts (rebuilt lazily after a change)."""
        return self._views().call_graph

    def blocking_chain(self, target: str) -> BlockingChain | None:
        """How calling the sync project function named `target` (absolute dotted name) blocks the event loop, or None."""
        return self.call_graph.blocking_chain(target)

    def taint_sink_chain(self, target: str, slot: int | str, kind: str | None = None) -> SinkChain | None:
        """How an argument passed at `slot` to the project function `target` reaches a file or URL sink, or None."""
        return self._views().taint.sink_chain(target, slot, kind)

    def taint_returns(self, target: str, slot: int | str) -> bool:
        """True when an argument passed at `slot` to the project function `target` flows to its return value."""
        return self._views().taint.returns(target, slot)

    @property
    def client_summaries(self) -> ClientSummaries:
        """Which project functions and classes build a network client per call, with the chain (memoised per graph)."""
        return self._views().client_summaries

    @property
    def per_invocation(self) -> PerInvocation:
        """Which project functions run once per invocation, reached from which entry point (memoised per graph)."""
        return self._views().per_invocation

    @property
    def process_state(self) -> ProcessStateSummary:
        """Which process-wide objects the project's entry points write (rebuilt lazily after a change)."""
        return self._views().process_state

    @property
    def queries(self) -> QuerySummary:
        """Which project functions run a database query, directly or through the functions they call."""
        return self._views().queries

    def call_facts(self, path: str) -> ModuleCallFacts | None:
        """The stored call facts (functions, calls, roles) of one file."""
        return self._calls.get(path)

    # -- pickling (the CLI hands the index to worker processes) ------------------------------
    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_derived"] = None
        state["_base"] = None
        state["_changed"] = None
        del state["_lock"]
        del state["_view_memo"]
        del state["_function_memos"]
        state.pop("_cached_namer", None)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._view_memo = ViewMemo()
        self._function_memos = FileMemos()
        self._lock = threading.Lock()


class _Derived:
    """The views of one snapshot plus the model comparisons made from them."""

    def __init__(self, views: ProjectViews, calls: dict[str, ModuleCallFacts], entry_points: ConfiguredEntryPoints) -> None:
        self.views = views
        self.calls = calls
        self.entry_points = entry_points
        self.dependencies: FileDependencies | None = None  # known once a change was carried over
        self._kept: dict[str, object] = {}  # summaries of the previous snapshot that stay valid, by summary

    def carry_from(self, base: _Derived, changed: frozenset[str]) -> None:
        """Start from the call graph and summaries of `base` (the previous snapshot), where `changed` files cannot affect them."""
        self._carry_duplicates(base, changed)
        if "call_graph" not in base.__dict__ or base.entry_points != self.entry_points or base.calls.keys() != self.calls.keys():
            return
        from review_ls.project.model_update import FileDependencies, carry_model
        before = {path: base.calls[path] for path in changed if path in base.calls and base.calls[path] is not self.calls.get(path)}
        views, old_views = self.views, base.views
        dependencies = base.dependencies or FileDependencies.of(base.calls, base.call_graph, old_views.paths_by_module, old_views.import_graph.imports_of)
        carried = carry_model(base.call_graph, dependencies, before, self.calls, views.paths_by_module, views.import_graph.imports_of)
        if carried is None:
            return
        graph = carried.call_graph
        graph.keep_blocking(carried.kept(base.call_graph.blocking_memo()))
        self.__dict__["call_graph"] = graph
        self.dependencies = carried.dependencies
        computed = base.__dict__
        if "taint" in computed:
            self._kept["taint"] = carried.kept(base.taint.memo())
        if "client_summaries" in computed:
            produced, built = base.client_summaries.memo()
            self._kept["client_summaries"] = (carried.kept(produced), carried.kept(built))
        if "queries" in computed:
            self._kept["queries"] = (carried.kept(base.queries.memo()), base.queries, before)
        if "per_invocation" in computed:
            callers = carried.stale if carried.callers_stale is None else carried.callers_stale  # (resolved callees: names only)
            self._kept["per_invocation"] = (carried.kept(base.per_invocation.memo(), holds_lines=False, stale=callers), base.per_invocation, callers)
        if "process_state" in computed and carried.keep_state:
            effects = base.process_state.memo()
            seeds = carried.callers_stale
            cutoff = None if seeds is None else (carried.kept(effects, stale=seeds), seeds, effects)
            self._kept["process_state"] = (base.process_state, frozenset(before), carried.kept(effects), cutoff)

    def _carry_duplicates(self, base: _Derived, changed: frozenset[str]) -> None:
        """Keep the duplicate models and field variants when no changed file's classes changed but in lines (`ClassMoves`); when
        imports changed too, keep the copies found (they read the imports only through how often each copy is imported) and
        mark cycles again."""
        old_files, files = base.views.files, self.views.files
        if old_files.keys() != files.keys() or any(path not in files for path in changed):
            return
        same_imports = all(old_files[path].imports == files[path].imports for path in changed)
        moved = [path for path in changed if old_files[path].classes != files[path].classes]
        from review_ls.project.moved_classes import ClassMoves

        moves = ClassMoves.of(moved, old_files, files) if moved else None
        if moved and moves is None:
            return
        computed = base.__dict__
        if "copies" in computed:
            self.__dict__["copies"] = moves.copies(base.copies) if moves is not None else base.copies
        if "variants" in computed:
            self.__dict__["variants"] = moves.variants(base.variants) if moves is not None else base.variants
        if "duplicates" in computed and same_imports and moves is None:
            self.__dict__["duplicates"] = base.duplicates
        if not same_imports and "copies" in computed:
            read = {(ref.module, ref.name) for found in base.copies.values() for ref in (found.copy, found.canonical, *found.copies)}
            if read and any(self.views.name_importers.get(key, 0) != base.views.name_importers.get(key, 0) for key in read):  # the canonical copy may change
                del self.__dict__["copies"]

    @cached_property
    def call_graph(self) -> CallGraph:
        """The project's call graph (summaries are memoised in it)."""
        from review_ls.project.call_graph import CallGraph

        return CallGraph(self.calls.items(), self.entry_points)

    @cached_property
    def taint(self) -> TaintSummaries:
        """The project's taint summaries combined along the call graph (memoised in it)."""
        from review_ls.project.taint import TaintSummaries

        taint = TaintSummaries(self.call_graph)
        taint.keep(self._kept.pop("taint", {}))  # type: ignore[arg-type]
        return taint

    @cached_property
    def client_summaries(self) -> ClientSummaries:
        """The client summaries of the call graph."""
        from review_ls.project.client_summary import ClientSummaries

        summaries = ClientSummaries(self.call_graph)
        summaries.keep(self._kept.pop("client_summaries", ({}, {})))  # type: ignore[arg-type]
        return summaries

    @cached_property
    def per_invocation(self) -> PerInvocation:
        """What the entry points of the call graph reach."""
        from review_ls.project.per_invocation import PerInvocation

        reached = PerInvocation(self.call_graph)
        kept = self._kept.pop("per_invocation", None)
        if kept is not None:
            reached.keep(*kept)  # type: ignore[misc]
        return reached

    @cached_property
    def process_state(self) -> ProcessStateSummary:
        """The process-state summary of this snapshot."""
        from review_ls.project.state_summary import ProcessStateSummary, runs_outside_service

        kept = self._kept.pop("process_state", None)
        if kept is None:
            return ProcessStateSummary(self.calls, self.call_graph, self.views.route_handler_names, runs_outside_service)
        base, changed, memo, cutoff = cast(tuple[ProcessStateSummary, frozenset[str], dict[str, Any], Any], kept)
        summary = ProcessStateSummary(self.calls, self.call_graph, self.views.route_handler_names, runs_outside_service, base, changed)
        if summary.instance_classes == base.instance_classes:  # else a re-export changed what a module-level instance is
            summary.keep(memo, base)
            if cutoff is not None:
                summary.keep_if_unchanged(*cutoff)
        return summary

    @cached_property
    def queries(self) -> QuerySummary:
        """The query summary of this snapshot."""
        from review_ls.project.query_summary import QuerySummary

        memo, base, before = cast(tuple[dict[Any, Any], Any, Any], self._kept.pop("queries", ({}, None, None)))
        summary = QuerySummary(self.calls, self.call_graph, base, before)
        summary.keep(memo)
        return summary

    @cached_property
    def copies(self) -> dict[tuple[str, int], Duplicate]:
        """Copies of models, by (path, line), before import cycles are marked."""
        from review_ls.project.duplicates import find_duplicates

        return find_duplicates(self.views.classes, self.views)

    @cached_property
    def duplicates(self) -> dict[tuple[str, int], Duplicate]:
        """Copies of models, by (path, line)."""
        from review_ls.project.duplicates import mark_import_cycles

        return mark_import_cycles(self.copies, self.views.import_graph)

    @cached_property
    def variants(self) -> dict[tuple[str, int], tuple[FieldVariant, ...]]:
        """Differently named fields, by (path, line)."""
        from review_ls.project.duplicates import find_field_variants

        return find_field_variants(self.views.classes)




def _same_paths(before: Mapping[str, object], after: Mapping[str, object], changed: frozenset[str]) -> bool:
    """True when `after` holds the paths of `before`, knowing that only paths of `changed` were added or removed since."""
    return len(before) == len(after) and all((path in before) == (path in after) for path in changed)


def _extract(text: str, path: str, module: str, memo: FunctionMemo | None = None) -> tuple[FileFacts, ModuleTypeFacts | None, ModuleCallFacts] | None:
    """Parse one file's text and extract both kinds of facts (None when it does not parse; `memo`: see `function_memo.py`)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return _facts_of_tree(tree, text, path, module, memo)


def _facts_of_tree(tree: ast.Module, text: str, path: str, module: str, memo: FunctionMemo | None) -> tuple[FileFacts, ModuleTypeFacts | None, ModuleCallFacts]:
    """Both kinds of facts of one parsed file; the call facts first, as they set the memo's context for this text.
    (The module's import statements are read once for the three: `import_statements.py`.)"""
    bindings = module_import_bindings(tree)
    calls = module_call_facts(tree, module, is_package_file(path), memo, bindings)
    if memo is not None:
        memo.check()
    types = module_type_facts(tree, module, path, text, bindings)
    if memo is not None:
        memo.check()
    return facts_of_module(tree, text, memo, bindings), types, calls


def _start_index_worker(parent_pid: int) -> None:
    """An index worker dies with the process that started it, leaves Ctrl-C to it (which stops the pool) and never runs the collector."""
    from review_ls.worker_lifetime import die_with_parent  # only index workers load the process-pool machinery

    die_with_parent(parent_pid)
    gc.disable()


def _read_and_extract(item: tuple[str, str]) -> tuple[FileFacts, ModuleTypeFacts | None, ModuleCallFacts]:
    """Read and extract one file for `build` (an unreadable or unparsable file has empty facts)."""
    path, module = item
    try:
        text = read_source(path).text
    except SourceReadError:
        return FileFacts(), None, ModuleCallFacts(module)
    return _extract(text, path, module) or (FileFacts(), None, ModuleCallFacts(module))


def _read_and_extract_pickled(chunk: list[tuple[str, str]]) -> bytes:
    """`_read_and_extract` of each file of a chunk, in an index worker, pickled together for the parent's `InterningTable` (`interning.py`)."""
    from review_ls.project.interning import dumps

    return dumps([_read_and_extract(item) for item in chunk])


def _size_of(path: str) -> int:
    """The file's size in bytes, which the pool's chunks are sized by (0 when it cannot be read: reading it reports why)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def build_index(paths: Sequence[Path], resolver: ConfigResolver | None = None, jobs: int | None = None) -> ProjectIndex:
    """Index the Python files under `paths` (files or folders), found as `review-ls check` finds them.

    Folders among `paths` (and the folders of files) are the roots that name modules outside packages.
    """
    files = [str(p) for p in discover_python_files(paths, resolver or ConfigResolver())]
    roots = [p if p.is_dir() else p.parent for p in paths]
    return ProjectIndex.build(files, roots, jobs)


_SINGLE_FILE_INDEX = "review_ls.project.single-file-index"


def project_for(ctx: Context) -> ProjectIndex:
    """The workspace index the analysis was given, or else an index of just the file being analysed.

    Rules that read the index use this, so that without a workspace (an API call, an example, a
    file outside any project) they still see the file's own settings classes and models. The
    single-file index is built once per analysis, on first use.
    """
    if isinstance(ctx.project, ProjectIndex):
        return ctx.project
    index = ctx.memo.get(_SINGLE_FILE_INDEX)
    if index is None:
        path = ctx.path or "<unknown>.py"
        index = ProjectIndex()
        module = ctx.parents[0] if ctx.parents and isinstance(ctx.parents[0], ast.Module) else None
        index.update_file(path, "\n".join(ctx.lines.lines), tree=module)
        ctx.memo[_SINGLE_FILE_INDEX] = index
    return index
