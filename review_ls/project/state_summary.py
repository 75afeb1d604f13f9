"""The process-state summary: which process-wide objects each function writes, directly or through
the project functions and methods it calls, and which entry points reach those writes.

Built from every module's state facts (`state_facts.py`) and the call graph. A write counts when
its target is (or is inside) a state object: a module-level container, a class-level container,
a module-level instance of a project class, or a `__new__`/`_instance` singleton class. Writes to
`self` count when the method runs on such an instance (`manager.connect(ws)` where `connect` does
`self.active.append(ws)`, or any method of a singleton class called from outside it). Method calls
on a project instance whose method is not in the project (inherited from a library) count when the
method's name says it mutates (`register`, `add_*`, `subscribe`, ...). Cached functions stop the
search (their body runs once per argument set). A constructor's writes to module-level state count
where the class is constructed (per request, or at import for module-level instances, which no
entry point reaches); its writes to its own `self` never do. Each function is summarised once: inside a call cycle, a function
summarised while its caller is still open misses that caller's writes. Entry points in tests, scripts and migrations are not counted.
After an edit, the effects of the functions that do not read the changed files are kept; so are those of the
functions that read them, when every function of the changed files writes what it wrote before (`keep_if_unchanged`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

from review_ls.deferred_dataclass import dataclass
from review_ls.patterns.roles import MIGRATION_DIRECTORIES
from review_ls.patterns.scripts import is_script_path, is_test_path, path_parts
from review_ls.project.call_facts import FunctionCallFacts, ModuleCallFacts
from review_ls.project.call_graph import CallGraph, ChainStep
from review_ls.project.carried_memo import CarriedMemo, adopted
from review_ls.project.state_facts import CLASS_CONTAINER, CONTAINER, INSTANCE, SINGLETON_CLASS, ClassStateFacts, FunctionStateFacts, StateObject, StateWrite

_MAX_DEPTH = 12
_MAX_ALIAS_HOPS = 8
_MUTATING_VERBS = (
    "add", "append", "remove", "discard", "pop", "clear", "set", "put", "register", "unregister", "connect", "disconnect",
    "subscribe", "unsubscribe", "update", "insert", "delete", "store", "save", "track", "push", "enqueue", "join", "leave",
    "attach", "detach", "reset", "increment", "incr", "record",
)
# Instances of these classes are connections, pools, locks or configuration, not service state.
_NOT_STATE_SUFFIXES = ("Client", "Session", "Lock", "Semaphore", "Limiter", "Logger", "Event", "Executor", "Pool", "Settings", "Config", "Engine")


@dataclass(frozen=True)
class StateChain:
    """How a function writes a state object: the functions called in turn (`steps`, caller first),
    then the write (`write`, as shown) on `line` of the last step's file."""

    steps: tuple[ChainStep, ...]
    write: str
    line: int

    def describe(self) -> str:
        """`join -> Hub.register -> self.members.append` (short names)."""
        return " -> ".join([*(short_name(s.qualname) for s in self.steps), self.write])

    def prefixed(self, step: ChainStep) -> StateChain:
        """The same chain reached from `step`."""
        return StateChain((step, *self.steps), self.write, self.line)


@dataclass(frozen=True)
class StateMutator:
    """An entry point (`chain.steps[0]`, with its role) that writes a state object, and how."""

    role: str
    chain: StateChain


@dataclass(frozen=True)
class _Effects:
    """What calling a function writes: state objects (by name) and attributes of its `self`."""

    state: Mapping[str, StateChain]
    self_attributes: Mapping[str, StateChain]


_NO_EFFECTS = _Effects({}, {})


@dataclass(frozen=True)
class _Cutoff:
    """Effects kept on condition (`ProcessStateSummary.keep_if_unchanged`)."""

    memo: CarriedMemo[str, _Effects]
    seeds: frozenset[str]
    before: Mapping[str, _Effects] | CarriedMemo[str, _Effects]
    previous: ProcessStateSummary | None


class ProcessStateSummary:
    """State objects of the project and the entry points that write them, derived once per snapshot."""

    def __init__(
        self,
        modules: Mapping[str, ModuleCallFacts],
        graph: CallGraph,
        route_handlers: Iterable[tuple[str, str]],
        excluded: Callable[[str], bool],
        base: ProcessStateSummary | None = None,
        changed: Iterable[str] = (),
    ) -> None:
        """Index the state objects and classes of `modules`; with `base` (the summary of a snapshot that differs only in the
        `changed` files, which define the same state objects and classes), patch its indexes instead of reading every module."""
        self._graph = graph
        self._functions_by_path: dict[str, dict[str, FunctionStateFacts]] = {}  # indexed on first use, per file
        self._aliases = graph.aliases  # the same re-exports, merged in the same file order
        self._modules = modules
        self._route_handlers = frozenset(route_handlers)
        self._excluded = excluded
        patched = None if base is None else base._patched_indexes(modules, changed)
        if patched is not None:
            self._module_names, self._objects, self._classes = patched
            self._defined_twice: frozenset[str] = base._defined_twice  # type: ignore[union-attr]
        else:
            self._module_names = frozenset(facts.module for facts in modules.values())  # a submodule wins over a same-named re-export
            self._objects, self._classes = {}, {}
            twice: set[str] = set()
            for path, facts in modules.items():
                state = facts.state
                if state is None:
                    continue
                for cls in state.classes:
                    if cls.qualname in self._classes:
                        twice.add(cls.qualname)
                    self._classes[cls.qualname] = cls
                for obj in state.objects:
                    if obj.qualname in self._objects:
                        twice.add(obj.qualname)
                    self._objects[obj.qualname] = (path, obj)
            self._defined_twice = frozenset(twice)  # which definition wins depends on file order: a patch cannot tell
        # Each module-level instance and the class it is an instance of; a singleton class -> the instance it is exported as.
        self.instance_classes: tuple[tuple[str, str], ...]
        self._exported_instance: dict[str, str]
        self._alias_reads: frozenset[str]
        if patched is not None and base is not None and _same_instances(base._modules, modules, changed, base._alias_reads):
            self.instance_classes = base.instance_classes  # the same names resolve through the same re-exports
            self._exported_instance = base._exported_instance
            self._alias_reads = base._alias_reads
        else:
            tried: set[str] = set()
            self.instance_classes = tuple((name, self._canonical(obj.detail, tried)) for name, (_, obj) in self._objects.items() if obj.kind == INSTANCE)
            self._exported_instance = {cls: name for name, cls in self.instance_classes}
            self._alias_reads = frozenset(tried)  # the re-exported names that resolving the instances' classes looked up
        same_handlers = base is not None and base._route_handlers is self._route_handlers
        self._handler_paths: frozenset[str] = base._handler_paths if same_handlers else frozenset(path for path, _ in self._route_handlers)  # type: ignore[union-attr]
        self._changed = frozenset(changed)
        self._graph_entries: tuple[tuple[str, FunctionCallFacts], ...] | None = None  # the graph's entry points `_entries` came from
        self._memo: CarriedMemo[str, _Effects] = CarriedMemo()  # function -> what calling it writes
        self._mutators: dict[str, tuple[StateMutator, ...]] | None = None
        self._entries: tuple[tuple[str, str, str], ...] | None = None  # (path, name, role) of the entry points the mutators read
        self._previous: tuple[ProcessStateSummary, CarriedMemo[str, _Effects]] | None = None  # an earlier summary, the effects kept from it
        self._cutoff: _Cutoff | None = None  # more effects kept, valid when the changed files' functions write what they wrote

    def _patched_indexes(
        self, modules: Mapping[str, ModuleCallFacts], changed: Iterable[str]
    ) -> tuple[frozenset[str], dict[str, tuple[str, StateObject]], dict[str, ClassStateFacts]] | None:
        """This summary's module names, objects and classes with those of the `changed` files replaced by theirs in
        `modules`; None when a changed file's object or class is defined elsewhere too (file order decides the winner)."""
        objects, classes = dict(self._objects), dict(self._classes)
        for path in changed:
            facts = modules.get(path)
            if facts is None or facts.module not in self._module_names:
                return None
            for obj in facts.state.objects if facts.state is not None else ():
                known = objects.get(obj.qualname)
                if known is None or known[0] != path or obj.qualname in self._defined_twice:
                    return None
                objects[obj.qualname] = (path, obj)
            for cls in facts.state.classes if facts.state is not None else ():
                if cls.qualname not in classes or cls.qualname in self._defined_twice:
                    return None
                classes[cls.qualname] = cls
        return self._module_names, objects, classes

    def memo(self) -> CarriedMemo[str, _Effects]:
        """The effects computed so far, by function (to carry into the next snapshot's summary)."""
        return self._memo

    def keep(self, memo: Mapping[str, _Effects] | CarriedMemo[str, _Effects], previous: ProcessStateSummary | None = None) -> None:
        """Start with the effects of an earlier snapshot that this snapshot's changes cannot affect; with that snapshot's
        summary (`previous`), reuse its mutators when the entry points and their effects come out the same."""
        self._memo = adopted(self._memo, memo)
        if previous is not None and previous._mutators is not None:
            self._previous = previous, self._memo.carried(())  # (a copy: the names kept, before any is derived here)

    def keep_if_unchanged(self, memo: CarriedMemo[str, _Effects], seeds: frozenset[str], before: Mapping[str, _Effects] | CarriedMemo[str, _Effects]) -> None:
        """Also offer `memo`, which keeps the effects of every function but the `seeds` (the changed files' functions, the only
        ones whose facts or resolved callees changed): it holds when each seed's effects come out as `before` held them, since
        then every other function's callees write what they wrote. Checked on first use; else the effects `keep` gave hold."""
        self._cutoff = _Cutoff(memo, seeds, before, self._previous[0] if self._previous is not None else None)

    # -- what rules read ----------------------------------------------------------------------
    def state_object(self, qualname: str) -> tuple[str, StateObject] | None:
        """(path, object) of the state object named `qualname`, when it is one."""
        return self._objects.get(qualname) if self._is_state(qualname) else None

    def mutators(self, qualname: str) -> tuple[StateMutator, ...]:
        """The entry points that write the state object `qualname` (directly or through calls), in path/line order."""
        if self._mutators is None:
            self._mutators = self._all_mutators()
        return self._mutators.get(qualname, ())

    # -- resolution -----------------------------------------------------------------------------
    def _canonical(self, name: str, tried: set[str] | None = None) -> str:
        """`name` with re-exported prefixes replaced by what they name (each re-exported name looked up added to `tried`)."""
        for _ in range(_MAX_ALIAS_HOPS):
            if name in self._objects:
                return name
            parts = name.split(".")
            for cut in range(len(parts), 0, -1):
                prefix = ".".join(parts[:cut])
                if tried is not None:
                    tried.add(prefix)
                target = None if prefix in self._module_names else self._aliases.get(prefix)
                if target is not None:
                    name = ".".join([target, *parts[cut:]])
                    break
            else:
                return name
        return name

    def _is_state(self, qualname: str) -> bool:
        found = self._objects.get(qualname)
        if found is None:
            return False
        obj = found[1]
        if obj.kind == INSTANCE:
            cls = self._canonical(obj.detail)
            return cls in self._classes and not cls.rsplit(".", 1)[-1].endswith(_NOT_STATE_SUFFIXES)
        return obj.kind in (CONTAINER, CLASS_CONTAINER, SINGLETON_CLASS)

    def _state_of(self, written: str) -> str | None:
        """The state object that `written` (an absolute name as written) is, or is inside."""
        name = self._canonical(written)
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            prefix = ".".join(parts[:cut])
            if self._is_state(prefix):
                cls = self._class_of(prefix)
                if cls is not None and (cut == len(parts) or parts[cut] not in self._container_attributes(cls)):
                    return None  # `service.update(...)` is a method call; `db.session.add(...)` not one of its containers
                return self._exported_instance.get(prefix, prefix)
        return None

    def _class_chain(self, cls: str) -> list[ClassStateFacts]:
        """The project class `cls` and its project base classes, nearest first."""
        chain: list[ClassStateFacts] = []
        queue = [cls]
        while queue and len(chain) < _MAX_DEPTH:
            found = self._classes.get(self._canonical(queue.pop(0)))
            if found is not None and found not in chain:
                chain.append(found)
                queue.extend(found.bases)
        return chain

    def _container_attributes(self, cls: str) -> frozenset[str]:
        return frozenset().union(*(c.container_attributes for c in self._class_chain(cls)))

    def _method(self, cls: str, method: str) -> tuple[str, FunctionCallFacts] | None:
        """The project function a method call on an instance of `cls` runs (inherited ones included)."""
        for found in self._class_chain(cls):
            function = self._graph.function(f"{found.qualname}.{method}")
            if function is not None:
                return function
        return None

    def _class_of(self, state: str) -> str | None:
        """The class whose methods run on the state object `state` (an instance or a singleton class)."""
        obj = self._objects[state][1]
        if obj.kind == INSTANCE:
            return self._canonical(obj.detail)
        return state if obj.kind == SINGLETON_CLASS else None

    # -- effects ------------------------------------------------------------------------------
    def _effects(self, qualname: str, visiting: set[str], depth: int) -> _Effects:
        if qualname in self._memo:
            return self._memo[qualname]
        found = self._graph.function(qualname)
        if found is None or qualname in visiting or depth > _MAX_DEPTH:
            return _NO_EFFECTS
        path, call_facts = found
        if call_facts.cached:
            return _NO_EFFECTS
        step = ChainStep(qualname, path, call_facts.line)
        state: dict[str, StateChain] = {}
        own: dict[str, StateChain] = {}
        facts = self._state_facts(path, qualname)
        if facts is not None:
            self._direct(step, facts, state, own)
        visiting.add(qualname)
        if facts is not None:
            for call in facts.method_calls:
                self._method_call(step, call.receiver, call.method, call.line, state, visiting, depth)
        owner = _owner(qualname)
        for site in (*call_facts.calls, *call_facts.awaited):
            callee = self._graph.function(site.target)
            if callee is None:
                continue
            effects = self._effects(callee[1].qualname, visiting, depth + 1)
            for name, chain in effects.state.items():
                state.setdefault(name, chain.prefixed(step))
            if effects.self_attributes:
                callee_owner = _owner(callee[1].qualname)
                if callee_owner == owner and callee_owner is not None:
                    for attribute, chain in effects.self_attributes.items():
                        own.setdefault(attribute, chain.prefixed(step))
                elif callee_owner is not None and self._is_state(callee_owner):
                    first = next(iter(effects.self_attributes.values()))
                    state.setdefault(self._exported_instance.get(callee_owner, callee_owner), first.prefixed(step))
        visiting.discard(qualname)
        result = self._memo[qualname] = _Effects(state, own)  # memoised even inside a cycle: each function is summarised once
        return result

    def _state_facts(self, path: str, qualname: str) -> FunctionStateFacts | None:
        """What the function `qualname`, defined in the file at `path`, writes."""
        functions = self._functions_by_path.get(path)
        if functions is None:
            module = self._modules.get(path)
            state = module.state if module is not None else None
            functions = self._functions_by_path[path] = {f.qualname: f for f in state.functions} if state is not None else {}
        return functions.get(qualname)

    def _direct(self, step: ChainStep, facts: FunctionStateFacts, state: dict[str, StateChain], own: dict[str, StateChain]) -> None:
        """The writes a function makes itself."""
        for write in facts.writes:
            name = self._state_of(write.target)
            if name is not None:
                state.setdefault(name, _chain(step, write))
        for write in facts.self_writes:
            own.setdefault(write.target, _chain(step, write))

    def _method_call(self, step: ChainStep, receiver: str, method: str, line: int, state: dict[str, StateChain], visiting: set[str], depth: int) -> None:
        """`manager.connect(ws)`: a method of a state object's class that writes its `self`."""
        canonical = self._canonical(receiver)
        if not self._is_state(canonical):
            return
        cls = self._class_of(canonical)
        if cls is None:
            return
        name = self._exported_instance.get(canonical, canonical)
        found = self._method(cls, method)
        if found is None:
            known = self._classes.get(cls)
            if known is not None and not known.bases and _is_mutating_verb(method):  # no base class the method could come from
                state.setdefault(name, StateChain((step,), f"{short_name(receiver)}.{method}()", line))
            return
        effects = self._effects(found[1].qualname, visiting, depth + 1)
        for written, chain in effects.state.items():
            state.setdefault(written, chain.prefixed(step))
        if effects.self_attributes:
            state.setdefault(name, next(iter(effects.self_attributes.values())).prefixed(step))

    def _take_cutoff(self) -> None:
        """Use the memo of `keep_if_unchanged` when the seeds' effects are those of the previous snapshot."""
        cutoff, self._cutoff = self._cutoff, None
        if cutoff is None:
            return
        strict, self._memo = self._memo, cutoff.memo
        kept = cutoff.memo.carried(())
        before = cutoff.before
        if all(self._effects(seed, set(), 0) == before[seed] for seed in cutoff.seeds if seed in before):
            if cutoff.previous is not None:
                self._previous = cutoff.previous, kept
        else:
            self._memo = strict

    def _all_mutators(self) -> dict[str, tuple[StateMutator, ...]]:
        self._take_cutoff()
        previous, self._previous = self._previous, None
        graph_entries = self._graph.entry_point_tuple()
        self._graph_entries = graph_entries
        last = previous[0] if previous is not None else None
        if (
            last is not None
            and last._entries is not None
            and last._route_handlers is self._route_handlers
            and not self._changed & self._handler_paths
            and (last._graph_entries is graph_entries or last._graph_entries == graph_entries)
        ):
            entries = last._entries  # the same entry points and route handlers in the same files
        else:
            entries = tuple((path, facts.qualname, facts.role or "route") for path, facts in self._entry_points() if not self._excluded(path))
        self._entries = entries
        if previous is not None and previous[0]._entries == entries and previous[0]._mutators is not None:
            summary, kept = previous
            if all(self._effects(name, set(), 0) == summary._memo.get(name) for name in kept.missing(name for _, name, _ in entries)):
                return summary._mutators  # type: ignore[return-value]
        by_state: dict[str, list[StateMutator]] = {}
        for _, name, role in entries:
            effects = self._effects(name, set(), 0)
            for state, chain in effects.state.items():
                by_state.setdefault(state, []).append(StateMutator(role, chain))
        return {name: tuple(sorted(found, key=lambda m: (m.chain.steps[0].path, m.chain.steps[0].line))) for name, found in by_state.items()}

    def _entry_points(self) -> Iterable[tuple[str, FunctionCallFacts]]:
        seen: set[str] = set()
        for path, facts in self._graph.entry_points():
            seen.add(facts.qualname)
            yield path, facts
        for path, name in self._route_handlers:
            module = self._modules.get(path)
            if module is None:
                continue
            for function in module.functions:
                if function.qualname.rsplit(".", 1)[-1] == name and function.qualname not in seen:
                    seen.add(function.qualname)
                    yield path, function


def _same_instances(before: Mapping[str, ModuleCallFacts], after: Mapping[str, ModuleCallFacts], changed: Iterable[str], alias_reads: frozenset[str]) -> bool:
    """True when the `changed` files define the same module-level objects (name, kind, detail) as before, and no re-export
    they added, removed or redirected is one that resolving the instances' classes looked up (`alias_reads`)."""
    for path in changed:
        old, new = before.get(path), after.get(path)
        if old is None or new is None or _objects_of(old) != _objects_of(new):
            return False
        if old.flat_alias_pairs != new.flat_alias_pairs and any(name in alias_reads for name, _ in set(old.aliases) ^ set(new.aliases)):
            return False
    return True


def _objects_of(facts: ModuleCallFacts) -> tuple[tuple[str, str, str], ...]:
    return tuple((o.qualname, o.kind, o.detail) for o in facts.state.objects) if facts.state is not None else ()


@lru_cache(maxsize=65536)
def runs_outside_service(path: str) -> bool:
    """True for tests, scripts and migrations: their entry points do not serve requests."""
    return is_test_path(path) or is_script_path(path) or any(part in MIGRATION_DIRECTORIES for part in path_parts(path)[:-1])


def _chain(step: ChainStep, write: StateWrite) -> StateChain:
    return StateChain((step,), write.text, write.line)


def _owner(qualname: str) -> str | None:
    """The class prefix of a method's qualname (`pkg.mod.Class`), or None for a function of a module."""
    owner = qualname.rsplit(".", 1)[0] if "." in qualname else ""
    return owner if owner and owner.rsplit(".", 1)[-1][:1].isupper() else None


def short_name(qualname: str) -> str:
    """How a chain shows a function: `Class.method` for methods, `function` for functions."""
    parts = qualname.split(".")
    if len(parts) >= 2 and parts[-2][:1].isupper():
        return ".".join(parts[-2:])
    return parts[-1]


def _is_mutating_verb(method: str) -> bool:
    return any(method == verb or method.startswith(verb + "_") for verb in _MUTATING_VERBS)
