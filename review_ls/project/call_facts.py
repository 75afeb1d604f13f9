"""What one module contributes to the call graph: its functions, the calls each makes (resolved to
absolute dotted names where the module's own syntax allows), the blocking calls each makes
directly, each function's entry-point role, and the names the module re-exports by import.

Facts are frozen values extracted with `ast` only, per file, so the graph updates file by file.
Call targets are resolved through imports (relative ones too), module-level functions and classes,
`self`/`cls` methods of the enclosing class, and local variables built by a constructor
(`repo = Repo(); repo.get()` -> `pkg.repo.Repo.get`). What cannot be resolved is left out.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.facts import dotted_name, import_bindings, qualify_dotted
from review_ls.patterns.blocking import blocking_calls, module_object_kinds, object_making_names
from review_ls.patterns.node_walk import own_node_list, walk_nodes
from review_ls.project.client_facts import ClientSite, client_constructor_names, client_sites
from review_ls.project.entry_points import EntryRegistration, entry_label, function_role, registered_entry_points
from review_ls.project.flat_pairs import flat, pairs_of
from review_ls.project.import_statements import ImportBindings, bindings_of
from review_ls.project.query_facts import QuerySite, module_query_facts
from review_ls.project.state_facts import ModuleStateFacts, module_state_facts
from review_ls.project.taint_facts import FunctionTaint, function_taint

if TYPE_CHECKING:
    from review_ls.project.function_memo import FunctionMemo

# Decorators after which a function's body runs once per argument set, not on every call.
_CACHING_DECORATORS = frozenset({"cache", "lru_cache", "cached", "cached_property", "memoize", "memoized"})


@dataclass(frozen=True, slots=True)
class BlockingSite:
    """A blocking call made directly by a function: its name as shown and its line."""

    name: str
    line: int


@dataclass(frozen=True, slots=True)
class CallSite:
    """A call to a (possibly project) function: the absolute dotted target and the call's line."""

    target: str
    line: int


@dataclass(frozen=True, slots=True)
class FunctionCallFacts:
    """One function or method: `qualname` is absolute (`pkg.mod.Class.method`)."""

    qualname: str
    line: int
    is_async: bool
    role: str
    blocking: tuple[BlockingSite, ...]
    calls: tuple[CallSite, ...]
    cached: bool = False
    taint: FunctionTaint | None = None
    awaited: tuple[CallSite, ...] = ()  # awaited calls (not in `calls`: they do not block); state/query summaries follow them
    clients: tuple[ClientSite, ...] = ()
    label: str = ""  # an entry point's name in chains: `POST /speak`, the task's name


@dataclass(frozen=True, slots=True)
class ClassFacts:
    """A class of the module: absolute `qualname`, line, and its bases as absolute dotted names."""

    qualname: str
    line: int
    bases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ModuleCallFacts:
    """The call facts of one module."""

    module: str
    functions: tuple[FunctionCallFacts, ...] = ()
    # Re-exported names (imports and module-level instances) and what each names, laid flat: name, target, name, target,
    # ... (`flat_pairs.flat`; read as pairs: `aliases`). A tuple per pair held 35,000 tuples of the application corpus's index.
    flat_alias_pairs: tuple[str, ...] = ()
    registered: tuple[EntryRegistration, ...] = ()
    classes: tuple[ClassFacts, ...] = ()
    state: ModuleStateFacts | None = None
    queries: tuple[QuerySite, ...] = ()

    @property
    def aliases(self) -> tuple[tuple[str, str], ...]:
        """(re-exported name, the absolute name it names) pairs, sorted by name."""
        return pairs_of(self.flat_alias_pairs)

    @property
    def position_free(self) -> tuple[object, ...]:
        """The facts without line numbers (what other files' findings depend on)."""
        functions = tuple((f.qualname, f.is_async, f.role, f.cached, tuple(b.name for b in f.blocking), tuple(c.target for c in f.calls), _position_free_taint(f.taint)) for f in self.functions)
        clients = tuple((f.label, tuple(c.target for c in f.awaited), tuple((c.target, c.library, c.disposition, c.per_argument) for c in f.clients)) for f in self.functions)
        state = self.state.position_free if self.state else None
        queries = tuple((q.function, q.kind, q.call) for q in self.queries)
        return (self.module, functions, self.flat_alias_pairs, clients, self.registered, tuple((c.qualname, c.bases) for c in self.classes), state, queries)


def absolute_imports(module: ast.Module, module_name: str, is_package: bool, bindings: ImportBindings | None = None) -> dict[str, str]:
    """Local name -> absolute qualified name of the module-level imports (relative imports resolved; `bindings`:
    the import statements' bindings when the caller read them already, `import_statements.py`)."""
    imports: dict[str, str] = {}
    for statement in module.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            for local, target in bindings_of(statement, bindings):
                imports[local] = resolve_relative(target, module_name, is_package)
    return imports


def resolve_relative(target: str, module_name: str, is_package: bool) -> str:
    """`..x.y` seen from `module_name` -> `pkg.x.y` (absolute names are returned unchanged)."""
    level = len(target) - len(target.lstrip("."))
    if level == 0:
        return target
    parts = module_name.split(".") if module_name else []
    drop = level - 1 if is_package else level
    base = parts[: len(parts) - drop] if drop <= len(parts) else []
    rest = target[level:]
    return ".".join([*base, rest] if rest else base)


class CallResolver:
    """Resolves the callee of a call inside one function to an absolute dotted name."""

    def __init__(self, module_name: str, imports: dict[str, str], module_defs: frozenset[str], class_name: str | None) -> None:
        self.module_name = module_name
        self.imports = imports
        self.module_defs = module_defs
        self.class_name = class_name
        self.locals: dict[str, str] = {}
        self._relative_base = (module_name, False)

    def learn(self, nodes: Iterable[ast.AST]) -> None:
        """Remember local variables bound to a constructor call (`repo = Repo()`), and function-level imports, among a function's own `nodes`."""
        lessons = _LESSON_TYPES
        for node in nodes:
            if type(node) not in lessons:
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                imported = {local: resolve_relative(target, *self._relative_base) for local, target in import_bindings(node)}
                self.imports = {**self.imports, **imported}
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call):
                target = self.target(node.value.func)
                if target is not None and target.rsplit(".", 1)[-1][:1].isupper():
                    self.locals[node.targets[0].id] = target

    def target(self, func: ast.AST) -> str | None:
        """The absolute dotted name a callee expression refers to (None when unknown)."""
        dotted = dotted_name(func)
        if dotted is None:
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):  # `Service().run()`
                owner = self.target(func.value.func)
                return f"{owner}.{func.attr}" if owner is not None and owner.rsplit(".", 1)[-1][:1].isupper() else None
            return None
        head, _, rest = dotted.partition(".")
        if head in ("self", "cls") and self.class_name and rest and "." not in rest:
            return f"{self._prefix}{self.class_name}.{rest}"
        if head in self.locals:
            return f"{self.locals[head]}.{rest}" if rest else None
        if head in self.module_defs:
            return f"{self._prefix}{dotted}"
        return qualify_dotted(dotted, self.imports)

    def memoised_target(self) -> Callable[[ast.AST], str | None]:
        """`target`, answered once per node: for the readers of one function's calls once `learn` is done (learning changes the answers)."""
        known: dict[ast.AST, str | None] = {}
        unknown = _UNKNOWN

        def target(func: ast.AST) -> str | None:
            found = known.get(func, unknown)
            if found is unknown:
                found = known[func] = self.target(func)
            return found  # type: ignore[return-value]

        return target

    @property
    def _prefix(self) -> str:
        return f"{self.module_name}." if self.module_name else ""


_UNKNOWN = object()  # (no answer yet, in `memoised_target`)


_LESSON_TYPES = frozenset({ast.Import, ast.ImportFrom, ast.Assign})


def _is_call_assignment(node: ast.AST) -> bool:
    """`name = call(...)`: what `CallResolver.learn` reads besides imports (keep the two in step)."""
    return isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call)


def resolver_lessons(nodes: Iterable[ast.AST]) -> tuple[ast.AST, ...]:
    """The nodes among `nodes` that `CallResolver.learn` reads (imports and `name = call(...)`), in order."""
    return tuple(node for node in nodes if isinstance(node, (ast.Import, ast.ImportFrom)) or _is_call_assignment(node))


def module_call_facts(
    module: ast.Module, module_name: str, is_package: bool = False, memo: FunctionMemo | None = None, bindings: ImportBindings | None = None
) -> ModuleCallFacts:
    """Extract the call facts of a parsed module (`memo`: the facts of its unchanged functions, from the last extraction;
    `bindings`: its import statements' bindings, when the caller read them already)."""
    imports = absolute_imports(module, module_name, is_package, bindings)
    module_defs = frozenset(s.name for s in module.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))
    shadowed = frozenset(n for n in module_defs) | frozenset(_assigned_names(module))
    kinds = module_object_kinds(module, lambda node: qualify_dotted(dotted_name(node) or "", imports))
    prefix = f"{module_name}." if module_name else ""
    constructors = client_constructor_names(imports)
    object_makers = object_making_names(imports)
    if memo is not None:
        memo.use_context(module_name, imports, module_defs, shadowed, kinds, constructors)
    function_facts = _function_facts if memo is None else _memoised(memo)
    functions: list[FunctionCallFacts] = []
    classes: list[ClassFacts] = []
    own: dict[int, list[ast.AST]] = {}  # each function's own nodes, walked once for every kind of fact
    own_calls: dict[int, list[ast.Call]] = {}  # the calls among them, in order
    # Nodes that may register an entry point (`graph.add_node("x", fn)`), in groups with the class they are in.
    candidates: list[tuple[Sequence[ast.AST], str | None]] = []
    for statement in module.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.append(function_facts(statement, None, module_name, imports, module_defs, shadowed, kinds, own, constructors, own_calls, object_makers))
            candidates.append((own_calls[id(statement)], None))
        elif not isinstance(statement, ast.ClassDef):
            if type(statement) not in _NO_REGISTRATION_STATEMENTS:  # (an `Assign` registers only in a class)
                candidates.append((walk_nodes(statement), None))
        else:
            bases = tuple(dotted_name(b) or "" for b in statement.bases)
            resolver = CallResolver(module_name, imports, module_defs, None)
            classes.append(ClassFacts(f"{prefix}{statement.name}", statement.lineno, tuple(t for t in (resolver.target(b) for b in statement.bases) if t)))
            for member in statement.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    functions.append(function_facts(member, (statement.name, bases), module_name, imports, module_defs, shadowed, kinds, own, constructors, own_calls, object_makers))
                    candidates.append((own_calls[id(member)], statement.name))
                elif not isinstance(member, ast.ClassDef) and type(member) not in _NO_REGISTRATION_STATEMENTS:
                    candidates.append((walk_nodes(member), statement.name))
    instances = _module_instances(module, CallResolver(module_name, imports, module_defs, None))
    aliases = flat(sorted((f"{prefix}{local}", target) for local, target in {**imports, **instances}.items() if f"{prefix}{local}" != target))

    def resolve(node: ast.AST, owner: str | None) -> str | None:
        return CallResolver(module_name, imports, module_defs, owner).target(node)

    registered = registered_entry_points(candidates, resolve)
    state = module_state_facts(module, module_name, imports, own, memo)
    return ModuleCallFacts(module_name, tuple(functions), aliases, registered, tuple(classes), state, module_query_facts(module, module_name, own, memo, own_calls))


# Statements that hold no node `registered_entry_points` reads (calls, and assignments in classes), or are read on their own.
_NO_REGISTRATION_STATEMENTS = frozenset({ast.Import, ast.ImportFrom, ast.Pass, ast.Global, ast.Nonlocal})


# What `_function_facts` hands its readers instead of every node: the binding learners (`CallResolver.learn`,
# `BlockingCalls`), the client sites (calls, statements) and the light taint summary read only these.
_STRUCTURAL_TYPES = frozenset({kind for kind in vars(ast).values() if isinstance(kind, type) and issubclass(kind, ast.stmt)}
                              | {ast.Call, ast.Await, ast.NamedExpr, ast.ExceptHandler})


def _memoised(memo: FunctionMemo) -> Callable[..., FunctionCallFacts]:
    """`_function_facts` through `memo`: an unchanged function's facts and own nodes are taken from it."""

    def function_facts(
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        owner: tuple[str, tuple[str, ...]] | None,
        module_name: str,
        imports: dict[str, str],
        module_defs: frozenset[str],
        shadowed: frozenset[str],
        kinds: dict[str, str],
        own: dict[int, list[ast.AST]],
        constructors: frozenset[str],
        own_calls: dict[int, list[ast.Call]],
        object_makers: frozenset[str],
    ) -> FunctionCallFacts:
        entry = memo.get(function, owner)
        if entry is not None:
            facts, nodes = entry
            own[id(function)] = nodes  # (nodes that may hold other lines: readers of lines ask `memo.own_nodes`)
            own_calls[id(function)] = [node for node in nodes if type(node) is ast.Call]
            return facts  # type: ignore[no-any-return]
        facts = _function_facts(function, owner, module_name, imports, module_defs, shadowed, kinds, own, constructors, own_calls, object_makers)
        memo.put(function, owner, facts, own[id(function)])
        return facts

    return function_facts


def _function_facts(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    owner: tuple[str, tuple[str, ...]] | None,
    module_name: str,
    imports: dict[str, str],
    module_defs: frozenset[str],
    shadowed: frozenset[str],
    kinds: dict[str, str],
    own: dict[int, list[ast.AST]],
    constructors: frozenset[str],
    own_calls: dict[int, list[ast.Call]],
    object_makers: frozenset[str],
) -> FunctionCallFacts:
    """The call facts of one function; its own nodes go to `own`, and the calls among them to `own_calls` (by `id` of `function`)
    (`object_makers`: the bare names whose call makes a sync object, `object_making_names(imports)`)."""
    class_name = owner[0] if owner else None
    nodes = own[id(function)] = own_node_list(function.body)
    # One pass sorts out what the readers below look at: statements, calls, awaits, `:=` and `except` clauses,
    # in source order (`structural`), the calls among them, and the awaited values.
    structural: list[ast.AST] = []
    call_nodes: list[ast.Call] = []
    own_calls[id(function)] = call_nodes
    awaited: set[int] = set()
    keep, call_type, await_type = _STRUCTURAL_TYPES, ast.Call, ast.Await
    for node in nodes:
        kind = type(node)
        if kind in keep:
            structural.append(node)
            if kind is call_type:
                call_nodes.append(node)  # type: ignore[arg-type]
            elif kind is await_type:
                awaited.add(id(node.value))  # type: ignore[attr-defined]
    resolver = CallResolver(module_name, imports, module_defs, class_name)
    resolver.learn(structural)
    target_of = resolver.memoised_target()  # (the loop below, the taint summary and the client sites ask for the same calls)

    def qualify(node: ast.AST) -> str | None:
        return qualify_dotted(dotted_name(node) or "", imports)

    # (which calls block needs a judge: only when some call is not awaited; it learns the function's bindings only
    # when a name in it can hold a sync object)
    detector = blocking_calls(function, qualify, shadowed, kinds, structural, call_nodes, object_makers) if any(id(node) not in awaited for node in call_nodes) else None
    blocking: list[BlockingSite] = []
    calls: list[CallSite] = []
    awaited_calls: list[CallSite] = []
    for node in call_nodes:
        if id(node) in awaited:
            awaited_target = target_of(node.func)
            if awaited_target is not None:
                awaited_calls.append(CallSite(awaited_target, node.lineno))
            continue
        assert detector is not None  # (this call is not awaited)
        name = detector.blocking_name(node)
        if name is not None:
            if detector.is_local_file_io(node):
                continue  # local file work does not make a caller's chain block (see patterns/blocking.py)
            if len(blocking) < 3:
                blocking.append(BlockingSite(name, node.lineno))
            continue
        target = target_of(node.func)
        if target is not None:
            calls.append(CallSite(target, node.lineno))
    prefix = f"{module_name}." if module_name else ""
    qualname = f"{prefix}{class_name}.{function.name}" if class_name else f"{prefix}{function.name}"
    role = function_role(function, owner[1] if owner else None)
    cached = any((dotted_name(d.func if isinstance(d, ast.Call) else d) or "").rsplit(".", 1)[-1] in _CACHING_DECORATORS for d in function.decorator_list)
    taint = function_taint(function, qualify, target_of, structural, call_nodes, nodes)
    clients = client_sites(function, structural, qualify, target_of, constructors)
    label = entry_label(function, role) if role else ""
    return FunctionCallFacts(qualname, function.lineno, isinstance(function, ast.AsyncFunctionDef), role, tuple(blocking), tuple(calls), cached, taint, tuple(awaited_calls), clients, label)


def _position_free_taint(taint: FunctionTaint | None) -> object:
    """A taint summary without its line numbers."""
    if taint is None:
        return None
    return (taint.params, tuple((s.param, s.kind, s.sink, s.joined, s.url_part) for s in taint.sinks), tuple((c.param, c.target, c.slot) for c in taint.calls), taint.returns)


def _module_instances(module: ast.Module, resolver: CallResolver) -> dict[str, str]:
    """Module-level names bound to an instance of a class (`organization = OrganizationService()`) -> the class,
    so that `organization.get()` resolves to `OrganizationService.get`."""
    instances: dict[str, str] = {}
    for statement in module.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if isinstance(target, ast.Name) and isinstance(value, ast.Call):
            cls = resolver.target(value.func)
            if cls is not None and cls.rsplit(".", 1)[-1][:1].isupper():
                instances[target.id] = cls
    return instances


def _assigned_names(module: ast.Module) -> set[str]:
    names: set[str] = set()
    for statement in module.body:
        if isinstance(statement, ast.Assign):
            names.update(t.id for t in statement.targets if isinstance(t, ast.Name))
    return names
