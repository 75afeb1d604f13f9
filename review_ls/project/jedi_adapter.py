"""The jedi adapter: the only module that imports jedi, and only on the first inference it runs.

Index bases: jedi lines are 1-based and its columns 0-based counts of code points in the line,
the same as `engine.model.Span` — callers convert `ast` byte offsets with `LineIndex` first.

One `JediAdapter` per workspace root (`adapter_for`) owns one `jedi.Project` (with the configured
Python environment, else the interpreter review-ls runs in) and one daemon thread that runs every
jedi call in order (jedi is not thread-safe). A call that outlives its time budget is interrupted
(an exception raised in that thread) and the analysis moves on with "don't know": left running,
it would hold the GIL and slow every analysis after it. Answers — "don't know" included — are
cached per (path, hash of the document text, project context, position), so a document open in
the editor is inferred from its unsaved text and a re-analysis of the same text costs nothing.
Only the first call of an adapter may exceed its budget, by `WARM_UP_SECONDS`: jedi's one-time
start-up (loading stubs and the project's imports) is not the analysed file's cost.

The budget is wall time by default (the editor waits on it). An adapter made with `cpu_budget=True` (the CLI's jedi
service) charges the CPU time of its jedi thread instead, so that what a check finds does not depend on what else the
machine runs: on a loaded machine a wall budget timed out more questions and the same check found less. Its wall
time is capped too (`_CPU_BUDGET_WALL_FACTOR`), for a call that waits without computing (jedi asking a subprocess
environment).

Each jedi Script makes its own inference state, and a fresh state re-infers everything a question touches: the builtins
and typing stubs, the project's modules and their imports (`'a'.upper()` costs 20–30 ms in a fresh state, 1–2 ms in a
warm one). An adapter made with `share_inference_state=True` (the CLI's jedi service, whose documents are the files it
read) lets the Scripts whose documents see the same import path (`sys.path`: jedi adds a script's parent folders without
`__init__.py`) infer in one state, until the Scripts are dropped (`drop_scripts`, before parso's trees are trimmed) or a
call is interrupted (the state may be half-updated). Only a document whose text is its file's on disk shares: another
text (an unsaved document, a fix not written yet) would be what the other documents see of that module, so it keeps a
state of its own, as every document does in the editor.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import queue
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.text_digest import text_digest

log = logging.getLogger(__name__)

# The first inference of a process loads jedi's stubs and the project's imports (~0.3–0.5 s);
# that one-time start-up is not the file's fault, so the first call may wait this much longer.
WARM_UP_SECONDS = 2.0
# With a CPU budget, a call may take this many times its allowance in wall time, plus a second, before it is stopped
# (the thread may get a third of a core on a loaded machine; a call waiting on a subprocess uses no CPU of its own).
_CPU_BUDGET_WALL_FACTOR = 4.0


@dataclass(frozen=True)
class InferredName:
    """One definition jedi found for an expression (what `infer` or `goto` returned)."""

    kind: str  # jedi's type: 'instance', 'class', 'function', 'module', 'statement', 'param', ...
    name: str
    full_name: str | None
    module_path: str | None
    line: int | None


class InferenceBudget:
    """The time one analysis of one file may spend waiting on jedi (shared by all its inferences)."""

    __slots__ = ("remaining",)

    def __init__(self, seconds: float) -> None:
        self.remaining = max(seconds, 0.0)

    @property
    def exhausted(self) -> bool:
        """True when no time is left."""
        return self.remaining <= 0.0

    def spend(self, seconds: float) -> None:
        """Take `seconds` off the remaining time."""
        self.remaining = max(self.remaining - seconds, 0.0)


class _Interrupted(BaseException):
    """Raised inside the jedi thread to stop a call whose caller stopped waiting (not an `Exception`,
    so jedi's own error handling does not swallow it)."""


def _raise_in_thread(ident: int, exception: type[BaseException]) -> None:
    """Make `exception` be raised in the thread `ident` at its next Python instruction (CPython)."""
    import ctypes  # (loaded when a call is first interrupted: `check` of a small file never needs it)

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(exception))


class _JediThread(threading.Thread):
    """One daemon thread that runs submitted calls in order, and can stop the one it is running.

    Stopping raises `_Interrupted` in the thread — except inside `shielded()` sections (importing
    jedi, writing a parso cache file), where it is deferred to the end of the section, so nothing
    is left half-imported or half-written.
    """

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        self._guard = threading.Lock()
        self._running: Future[Any] | None = None
        self._shield_depth = 0
        self._stop_requested = False
        self.start()

    def submit(self, call: Callable[[], Any]) -> Future[Any]:
        """Queue `call`; its future holds the result."""
        future: Future[Any] = Future()
        self._jobs.put((call, future))
        return future

    def stop(self, future: Future[Any]) -> None:
        """Drop a queued call, or interrupt it if it is running: its work would only slow everything else."""
        if future.cancel():
            return
        with self._guard:
            if self._running is not future:
                return
            if self._shield_depth:
                self._stop_requested = True
            elif self.ident is not None:
                _raise_in_thread(self.ident, _Interrupted)

    def idle(self) -> bool:
        """True when no call is queued or running."""
        with self._guard:
            return self._running is None and self._jobs.empty()

    @contextlib.contextmanager
    def shielded(self) -> Iterator[None]:
        """Defer a stop until the end of this section (run on this thread only)."""
        with self._guard:
            self._shield_depth += 1
        try:
            yield
        finally:
            with self._guard:
                self._shield_depth -= 1
                stop_now = self._shield_depth == 0 and self._stop_requested
                self._stop_requested = self._stop_requested and not stop_now
            if stop_now:
                raise _Interrupted

    def run(self) -> None:
        """Serve calls until the process ends."""
        while True:
            try:
                self._serve()
            except _Interrupted:  # arrived just as its call finished: nothing to stop any more
                with self._guard:
                    self._running = None

    def _serve(self) -> None:
        while True:
            call, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            with self._guard:
                self._running = future
                self._stop_requested = False
            try:
                result = call()
            except BaseException as exc:  # delivered to the waiting caller (if any), never raised here
                with self._guard:
                    self._running = None
                future.set_exception(exc)
            else:
                with self._guard:
                    self._running = None
                future.set_result(result)


def _shield_parso_cache_writes(parso_cache: Any) -> None:
    """Make parso write its cache files inside `shielded()` when on a jedi thread (once per process).

    parso pickles parsed modules to a cache folder shared with other tools; a write cut short would
    leave a truncated file that breaks every later inference of that module.
    """
    original = parso_cache._save_to_file_system
    if getattr(original, "review_ls_shielded", False):
        return

    def save_to_file_system(*args: Any, **kwargs: Any) -> Any:
        thread = threading.current_thread()
        if isinstance(thread, _JediThread):
            with thread.shielded():
                return original(*args, **kwargs)
        return original(*args, **kwargs)

    save_to_file_system.review_ls_shielded = True  # type: ignore[attr-defined]
    parso_cache._save_to_file_system = save_to_file_system


def _walk_used_names_iteratively(parso_tree: Any, parso_version: str) -> None:
    """Make parso's `Module.get_used_names` walk the tree with a stack instead of recursion (once per process).

    jedi asks it once per module tree it loads; the recursive walk (a Python call per node) was ~12% of the jedi
    service's CPU on the application corpus, the stack ~2.5 times faster. The mapping is the very same: the stack pops
    the nodes in the recursion's order (depth first, children left to right), so each name is inserted when the
    recursion inserted it and its list holds the same leaves in the same order; a leaf is told from a node as parso
    does (no `children` attribute). Only parso 0.8 is patched, whose walk this copies (jedi 0.19–0.20 requires it);
    any other version keeps its own.
    """
    module_class = parso_tree.Module
    original = module_class.get_used_names
    used_names_mapping = getattr(parso_tree, "UsedNamesMapping", None)
    if getattr(original, "review_ls_iterative", False) or used_names_mapping is None or not parso_version.startswith("0.8."):
        return

    def get_used_names(self: Any) -> Any:
        if self._used_names is None:
            found: dict[str, list[Any]] = {}
            pending = [self]
            while pending:
                node = pending.pop()
                try:
                    children = node.children
                except AttributeError:
                    if node.type == "name":
                        found.setdefault(node.value, []).append(node)
                else:
                    pending.extend(reversed(children))
            self._used_names = used_names_mapping(found)
        return self._used_names

    get_used_names.__doc__ = original.__doc__
    get_used_names.review_ls_iterative = True  # type: ignore[attr-defined]
    get_used_names.recursive = original  # type: ignore[attr-defined]
    module_class.get_used_names = get_used_names


_MISSING = object()


class _Document:
    """One document text: its jedi Script (made on first use) and the answers already computed."""

    __slots__ = ("source", "path", "script", "answers")

    def __init__(self, source: str, path: str | None) -> None:
        self.source = source
        self.path = path
        self.script: Any = None
        self.answers: dict[tuple[str, int, int], tuple[InferredName, ...] | None] = {}


class JediAdapter:
    """Inference on demand for one workspace root, cached per document text, within a time budget."""

    def __init__(
        self,
        root: Path | str,
        environment_path: str | None = None,
        max_documents: int = 32,
        warm_up_seconds: float = WARM_UP_SECONDS,
        max_scripts: int | None = None,
        cpu_budget: bool = False,
        share_inference_state: bool = False,
    ) -> None:
        self.root = Path(root)
        self.environment_path = environment_path
        self._max_documents = max_documents
        # jedi Scripts kept (each holds its own inference state): the newest documents' only; None keeps every cached document's
        self._max_scripts = max_scripts
        self._warm_up_seconds = warm_up_seconds
        self._cpu_budget = cpu_budget  # charge the jedi thread's CPU time, not wall time (module docstring)
        self._warm = False
        self._documents: OrderedDict[tuple[str | None, bytes, object], _Document] = OrderedDict()
        self._let_go: list[Any] = []  # inference states nothing infers with any more: the jedi thread empties them next
        self._share_inference_state = share_inference_state  # (module docstring)
        self._shared_states: dict[tuple[str, ...], Any] = {}  # import path -> the inference state its Scripts share
        self._lock = threading.Lock()
        self._thread: _JediThread | None = None
        self._project: Any = None
        self._environment: Any = None

    # -- public -----------------------------------------------------------------------------------
    def infer(
        self, source: str, path: str | None, line: int, column: int, budget: InferenceBudget, context: object = None
    ) -> tuple[InferredName, ...] | None:
        """What the name at (line, column) may be; None when jedi cannot tell within the budget.

        `context` (e.g. the project index's fingerprint) is part of the cache key: answers about
        the same text are not reused once the rest of the project changed.
        """
        return self._answer("infer", source, path, line, column, budget, context)

    def goto(
        self, source: str, path: str | None, line: int, column: int, budget: InferenceBudget, context: object = None
    ) -> tuple[InferredName, ...] | None:
        """Where the name at (line, column) is defined (imports followed); None when unknown in time."""
        return self._answer("goto", source, path, line, column, budget, context)

    def cached_documents(self) -> int:
        """How many document texts the cache holds."""
        with self._lock:
            return len(self._documents)

    def idle(self) -> bool:
        """True when no jedi call is queued or running (one interrupted for its budget may still be unwinding)."""
        thread = self._thread
        return thread is None or thread.idle()

    def drop_scripts(self) -> None:
        """Let go of every document's jedi Script (its answers stay cached; a new question makes a new Script).
        Call it between inferences, before `trim_parsed_modules`."""
        with self._lock:
            self._let_go_of_every_script()

    # -- cache ------------------------------------------------------------------------------------
    def _document(self, source: str, path: str | None, context: object) -> _Document:
        key = (path, text_digest(source), context)
        with self._lock:
            document = self._documents.get(key)
            if document is None:
                document = self._documents[key] = _Document(source, path)
                while len(self._documents) > self._max_documents:
                    self._let_go_of(self._documents.popitem(last=False)[1])
            else:
                self._documents.move_to_end(key)
            if self._max_scripts is not None:
                for older in list(self._documents.values())[: -self._max_scripts or None]:
                    self._let_go_of(older)  # its answers stay cached; a new question about it makes a new Script
            return document

    def _let_go_of(self, document: _Document) -> None:
        """Drop the document's Script (under `_lock`): the jedi thread empties its inference state before its next call,
        unless other Scripts share it (`_let_go_of_every_script` lets go of the shared states)."""
        if document.script is not None:
            state = document.script._inference_state
            if not any(state is shared for shared in self._shared_states.values()):
                self._let_go.append(state)
            document.script = None

    def _let_go_of_every_script(self) -> None:
        """Drop every document's Script and every shared inference state (under `_lock`)."""
        for document in self._documents.values():
            self._let_go_of(document)
        self._let_go.extend(self._shared_states.values())
        self._shared_states.clear()

    def _answer(
        self, operation: str, source: str, path: str | None, line: int, column: int, budget: InferenceBudget, context: object
    ) -> tuple[InferredName, ...] | None:
        document = self._document(source, path, context)
        position = (operation, line, column)
        with self._lock:
            cached = document.answers.get(position, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        if budget.exhausted:
            return None
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = _JediThread(f"review-ls-jedi:{self.root.name}")
        warming_up = not self._warm
        clock = _thread_cpu_clock(self._thread) if self._cpu_budget else time.perf_counter
        started = clock()
        future = self._thread.submit(functools.partial(self._compute, document, position))
        try:
            answer: tuple[InferredName, ...] | None = _result_within(future, budget.remaining + (self._warm_up_seconds if warming_up else 0.0), clock, started)
            self._warm = True
            if not warming_up:  # the start-up is not charged to the file
                budget.spend(clock() - started)
            return answer
        except FutureTimeout:
            self._thread.stop(future)
            with self._lock:
                document.answers.setdefault(position, None)  # this text's answer: "don't know"
            budget.spend(budget.remaining)
            return None
        except Exception as exc:  # jedi failed in a way _compute did not expect: don't know
            log.debug("jedi %s at %s:%d:%d failed: %r", operation, path, line, column, exc)
            budget.spend(clock() - started)
            return None

    # -- on the jedi thread ---------------------------------------------------------------------------
    def _compute(self, document: _Document, position: tuple[str, int, int]) -> tuple[InferredName, ...] | None:
        with self._lock:
            let_go, self._let_go = self._let_go, []
            cached = document.answers.get(position, _MISSING)
        for state in let_go:  # (no call of theirs runs any more: this thread runs one call at a time)
            _empty_inference_state(state)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        operation, line, column = position
        try:
            script = document.script
            if script is None:
                script = document.script = self._script(document)
            if operation == "infer":
                names = script.infer(line, column)
            else:
                names = script.goto(line, column, follow_imports=True)
            answer: tuple[InferredName, ...] | None = tuple(_inferred(name) for name in names)
        except _Interrupted:
            with self._lock:  # its inference state may be half-updated
                if self._share_inference_state:
                    self._let_go_of_every_script()
                else:
                    self._let_go_of(document)
            raise
        except Exception as exc:  # jedi's own errors on odd code: don't know
            log.debug("jedi %s at %s:%d:%d failed: %r", operation, document.path, line, column, exc)
            answer = None
        with self._lock:
            document.answers[position] = answer
        return answer

    def _script(self, document: _Document) -> Any:
        if self._project is None:
            assert self._thread is not None
            with self._thread.shielded():  # never leave jedi half-imported
                import jedi
                import parso.cache
                import parso.python.tree

                _shield_parso_cache_writes(parso.cache)
                _walk_used_names_iteratively(parso.python.tree, parso.__version__)
                jedi.settings.dynamic_params = False  # callers' arguments are guesses, not declared types
                self._environment = self._make_environment(jedi)
                self._project = jedi.Project(self.root, environment_path=self.environment_path)
        import jedi

        on_disk = False
        if document.path is not None:
            path = Path(document.path).absolute()
            on_disk = _is_the_file_text(document.source, path)
            if on_disk:
                _reuse_parsed_tree(self._environment.get_grammar(), document.source, path, jedi.settings.cache_directory)
        script = jedi.Script(document.source, path=document.path, project=self._project, environment=self._environment)
        if self._share_inference_state and on_disk:  # (a text other than the file's would be what the others see of it)
            self._share_state_of(script)
        return script

    def _share_state_of(self, script: Any) -> None:
        """Make `script` infer in the shared state of its import path (its own state becomes that state when it is the
        first of the path). jedi's Script reads its state only when it infers, after `__init__` (which only parses)."""
        own = script._inference_state
        import_path = tuple(own.get_sys_path())
        with self._lock:
            script._inference_state = self._shared_states.setdefault(import_path, own)

    def _make_environment(self, jedi: Any) -> Any:
        """The configured environment, else an active virtualenv other than ours, else this interpreter."""
        wanted = self.environment_path
        if wanted is None:
            active = os.environ.get("VIRTUAL_ENV")
            if active and os.path.realpath(active) != os.path.realpath(sys.prefix):
                wanted = active
        if wanted is not None:
            try:
                return jedi.create_environment(wanted, safe=False)
            except Exception as exc:  # an invalid path degrades to this interpreter's packages
                log.warning("review-ls: cannot use Python environment %r for inference (%s); using %s", wanted, exc, sys.executable)
        return jedi.InterpreterEnvironment()


def _is_the_file_text(source: str, path: Path) -> bool:
    """True when `source` is the text of the file at `path` as parso reads it (not an unsaved document's, nor a fixed
    text not written yet); reading costs ~0.1 ms a file (parsing ~25 ms)."""
    from parso.utils import python_bytes_to_unicode

    try:
        if not path.is_file():
            return False  # (a regular file only: reading a FIFO would wait for a writer, on the jedi thread, for ever)
        return bool(python_bytes_to_unicode(path.read_bytes()) == source)
    except (OSError, ValueError) as exc:  # unreadable or gone
        log.debug("jedi: cannot read %s: %r", path, exc)
        return False


def _reuse_parsed_tree(grammar: Any, source: str, path: Path, cache_directory: str) -> None:
    """Put the tree of `path`, whose text on disk is `source` (`_is_the_file_text`), in parso's memory cache (from its
    disk cache, else parsed and saved there), as jedi loads an imported module, so that the Script of the document
    takes that tree instead of parsing the text again (parso returns a cached tree whose lines equal the text as is).
    Parsing the analysed file was the largest part of a file's first jedi question; a later run loads the tree ~3×
    faster than it parses it. Nothing changes when the tree is already cached."""
    from parso.cache import parser_cache
    from parso.utils import split_lines

    trees = parser_cache.get(grammar._hashed, {})
    if path in trees or path.suffix != ".py":
        return  # jedi uses the tree it has (it loaded the module already); a stub is parsed with another grammar
    try:
        grammar.parse(path=path, cache=True, cache_path=cache_directory)
    except Exception as exc:  # unreadable or gone: jedi parses the text itself
        log.debug("jedi: no cached tree for %s: %r", path, exc)
        return
    trees = parser_cache.get(grammar._hashed, {})
    cached = trees.get(path)
    if cached is not None and cached.lines != split_lines(source, keepends=True):
        del trees[path]  # the file changed since it was read: jedi parses the document's text, as without this


def _thread_cpu_clock(thread: threading.Thread) -> Callable[[], float]:
    """The CPU time of `thread` in seconds, as a clock; wall time where the platform cannot read a thread's CPU time."""
    try:
        clock_id = time.pthread_getcpuclockid(thread.ident)  # type: ignore[arg-type]
        time.clock_gettime(clock_id)
    except (AttributeError, OSError, TypeError):  # (the call is missing on some platforms, e.g. Windows)
        return time.perf_counter
    return functools.partial(time.clock_gettime, clock_id)


def _result_within(future: Future[Any], allowance: float, clock: Callable[[], float], started: float) -> Any:
    """The future's result once it is done within `allowance` seconds of `clock` from `started`; raises `FutureTimeout`
    past it. A clock other than wall time is also bounded in wall time (`_CPU_BUDGET_WALL_FACTOR`)."""
    if clock is time.perf_counter:
        return future.result(timeout=allowance)
    wall_limit = time.perf_counter() + allowance * _CPU_BUDGET_WALL_FACTOR + 1.0
    while True:
        left = allowance - (clock() - started)
        wall_left = wall_limit - time.perf_counter()
        if left <= 0.0 or wall_left <= 0.0:
            if future.done():  # (it finished just as the time ran out)
                return future.result()
            raise FutureTimeout
        try:
            return future.result(timeout=min(left, wall_left))  # (the thread's CPU time grows at most as fast as wall time)
        except FutureTimeout:
            continue


# What a jedi inference state (jedi 0.19-0.20) fills as it infers: its memos, the modules, stubs and compiled objects it
# loaded, and their values (`InferenceState.__init__`).
_INFERENCE_STATE_CACHES = ("memoize_cache", "stub_module_cache", "compiled_cache", "mixed_cache", "access_cache", "inferred_element_counts", "analysis")


def _empty_inference_state(state: Any) -> None:
    """Empty the caches of an inference state no Script infers with any more, so that reference counting frees most of
    what it inferred at once. The values it cached point back to the state (a cycle): let go whole, the state stayed in
    memory until a collection of an older generation, and the collector of the service scanned it over and over until then."""
    module_cache = getattr(state, "module_cache", None)
    for cache in (*(getattr(state, name, None) for name in _INFERENCE_STATE_CACHES), getattr(module_cache, "_name_cache", None)):
        if isinstance(cache, (dict, list)):
            cache.clear()


def _inferred(name: Any) -> InferredName:
    module_path = name.module_path
    return InferredName(
        kind=name.type,
        name=name.name,
        full_name=name.full_name,
        module_path=str(module_path) if module_path is not None else None,
        line=name.line,
    )


def parsed_lines() -> int:
    """How many lines the module trees parso keeps in memory for jedi hold (0 when jedi never ran): a tree's memory
    grows with its lines (on the application corpus, about 1 KB of RSS a line), not with the number of trees."""
    parso_cache = sys.modules.get("parso.cache")
    if parso_cache is None:
        return 0
    return sum(len(item.lines) for modules in parso_cache.parser_cache.values() for item in modules.values())


def trim_parsed_modules(keep_lines: int) -> list[Any]:
    """Forget the least recently used module trees parso keeps in memory for jedi (shared by every adapter of the
    process, every grammar's table together), keeping the newest ones while their lines add up to at most `keep_lines`
    (jedi loads a forgotten module again from parso's disk cache, or parses it, when it needs it), and return the
    forgotten trees.
    Only when no jedi Script lives (`JediAdapter.drop_scripts`): a Script's inference reads the tree of every module
    it loaded from that cache, and fails (KeyError) once one is gone.
    Call it between inferences; nothing is loaded when jedi never ran."""
    parso_cache = sys.modules.get("parso.cache")
    if parso_cache is None:
        return []
    cached = [(item.last_used, path, modules) for modules in parso_cache.parser_cache.values() for path, item in modules.items()]
    cached.sort(key=lambda entry: entry[0], reverse=True)  # newest first
    forgotten, lines = [], 0
    for _, path, modules in cached:
        lines += len(modules[path].lines)
        if lines > keep_lines:  # this tree and every older one
            forgotten.append(modules.pop(path).node)
    return forgotten


def take_apart(tree: Any) -> None:
    """Unlink every node of a parso tree from its parent and its children, so that reference counting frees the nodes
    nothing else holds at once. A tree is a cycle (each child points to its parent): forgotten whole, it stays in memory
    until a full collection of the oldest generation, which a check's jedi service never runs.
    Only for a tree that nothing will read again: forgotten by parso's cache while no jedi Script lived and no inference
    ran (what a dropped inference state still holds is garbage)."""
    if hasattr(tree, "_used_names"):
        tree._used_names = None
    pending = [tree]
    while pending:
        node = pending.pop()
        node.parent = None
        children = getattr(node, "children", None)
        if children:
            pending.extend(children)
            children.clear()


@functools.lru_cache(maxsize=8)
def adapter_for(root: str, environment_path: str | None = None) -> JediAdapter:
    """The one adapter of a workspace root (per process), made on first use: in a parallel check's worker, one that asks the run's jedi service (`jedi_service.py`)."""
    from review_ls.project.jedi_service import remote_adapter

    return remote_adapter(Path(root), environment_path) or JediAdapter(Path(root), environment_path)
