"""What one module contributes to the process-state summary: the objects that live for the whole
process (module-level containers, class-level containers, module-level instances of project
classes, `__new__`/`_instance` singleton classes) and, per function, the writes it makes to such
objects, to its own `self`, and the method calls it makes on module-level objects.

Facts are frozen values extracted with `ast` only, per file (like `call_facts.py`). Object names are
absolute dotted names as written (`pkg.state.SUBSCRIBERS`, `pkg.ws.manager.active`); which prefix
is a state object is decided project-wide by `state_summary.py`, which also follows re-exports.
Names that say the object is a cache or a telemetry buffer (`cache`, `memo`, `lru`, `metrics`, ...)
are not state: losing them is fine. Writes keyed by the connection being served (`by_sid[sid] = ...`)
are not counted: only that connection's handlers, in the process that holds it, read them.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.facts import MUTABLE_FACTORIES, dotted_name, qualify_dotted, short_source
from review_ls.patterns.blocking import own_nodes

if TYPE_CHECKING:
    from review_ls.project.function_memo import FunctionMemo

_STATEMENTS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# Each function's own nodes by `id` of its node, when the caller has walked them already.
OwnNodes = dict[int, list[ast.AST]]

CONTAINER, CLASS_CONTAINER, INSTANCE, SINGLETON_CLASS = "container", "class container", "instance", "singleton class"

# Methods that change a container in place.
CONTAINER_MUTATORS = frozenset(
    {"append", "extend", "insert", "add", "update", "pop", "popitem", "remove", "discard", "clear", "setdefault",
     "appendleft", "extendleft", "popleft", "put_nowait"}
)
# Names of state that is fine to lose or to keep per process: caches, and telemetry/metrics buffers.
_CACHE_NAME = re.compile(r"cache|memo|lru|telemetry|metrics|stats", re.IGNORECASE)
# Keys naming the connection a handler serves: only that connection's handlers (in the process holding it) read them.
_CONNECTION_KEY = re.compile(r"^(sid|socket_id|sock_id|ws_id|websocket_id|connection_id|conn_id|channel_name)$|_sid$")
_WEAK_OR_LOCAL = frozenset({"weakref.WeakValueDictionary", "weakref.WeakKeyDictionary", "weakref.WeakSet", "threading.local"})
_SINGLETON_ATTRIBUTES = frozenset({"_instance", "__instance", "_instances", "instance"})


@dataclass(frozen=True, slots=True)
class StateObject:
    """An object that lives as long as the process: `qualname` is absolute, `kind` one of the kinds above,
    `detail` what it is (`dict`, `defaultdict`, the class of an instance)."""

    qualname: str
    line: int
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class StateWrite:
    """A write in place to the object named `target` (absolute, as written), shown as `text`, on `line`."""

    target: str
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class MethodCall:
    """A call of `method` on the module-level object named `receiver` (absolute, as written)."""

    receiver: str
    method: str
    line: int


@dataclass(frozen=True, slots=True)
class FunctionStateFacts:
    """What one function (absolute `qualname`) writes: module-level objects (`writes`), attributes of
    its own `self` (`self_writes`, by attribute name), and which methods of module-level objects it calls."""

    qualname: str
    writes: tuple[StateWrite, ...] = ()
    self_writes: tuple[StateWrite, ...] = ()
    method_calls: tuple[MethodCall, ...] = ()


@dataclass(frozen=True, slots=True)
class ClassStateFacts:
    """A class of the module: absolute `qualname`, its `bases` (absolute, as written) and the attributes its
    methods (or its body) set to a container (`self.active = {}`): writes to those are writes to state."""

    qualname: str
    bases: tuple[str, ...] = ()
    container_attributes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ModuleStateFacts:
    """The state facts of one module."""

    objects: tuple[StateObject, ...] = ()
    functions: tuple[FunctionStateFacts, ...] = ()
    classes: tuple[ClassStateFacts, ...] = ()

    @property
    def position_free(self) -> tuple[object, ...]:
        """The facts without line numbers (what other files' findings depend on)."""
        objects = tuple((o.qualname, o.kind, o.detail) for o in self.objects)
        functions = tuple(
            (f.qualname, tuple((w.target, w.text) for w in f.writes), tuple((w.target, w.text) for w in f.self_writes),
             tuple((c.receiver, c.method) for c in f.method_calls))
            for f in self.functions
        )
        return (objects, functions, tuple((c.qualname, c.bases, tuple(sorted(c.container_attributes))) for c in self.classes))


def module_state_facts(
    module: ast.Module, module_name: str, imports: dict[str, str], own: OwnNodes | None = None, memo: FunctionMemo | None = None
) -> ModuleStateFacts:
    """Extract the state facts of a parsed module (`imports`: local name -> absolute name; `own`: each
    function's own nodes when the caller has them already, by `id` of the function node; `memo`: the
    scans of the unchanged functions, from the last extraction of the file)."""
    own = own if own is not None else {}
    prefix = f"{module_name}." if module_name else ""
    module_names = _module_level_names(module)

    def scan_of(function: ast.FunctionDef | ast.AsyncFunctionDef, owner: tuple[str, frozenset[str]] | None) -> _FunctionScan:
        if memo is None:
            return _scan_function(function, _nodes(function, own), owner, imports, module_names, prefix)
        return memo.reuse("state", function, (owner, memo.names_in(function, module_names)),
                          lambda: _scan_function(function, memo.own_nodes(function, own), owner, imports, module_names, prefix))
    objects: list[StateObject] = []
    functions: list[FunctionStateFacts] = []
    classes: list[ClassStateFacts] = []
    for statement in module.body:
        named = _assignment(statement)
        if named is not None:
            name, value = named
            found = _state_object(value, imports, module_names, prefix)
            if found is not None and not _CACHE_NAME.search(name):
                objects.append(StateObject(f"{prefix}{name}", statement.lineno, *found))
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scan = scan_of(statement, None)
            functions.append(scan.facts(f"{prefix}{statement.name}", frozenset()))
        elif isinstance(statement, ast.ClassDef):
            class_name = f"{prefix}{statement.name}"
            containers = _class_containers(statement, imports)
            objects.extend(StateObject(f"{class_name}.{attr}", line, CLASS_CONTAINER, detail) for attr, (line, detail) in containers.items())
            if _is_singleton_class(statement):
                objects.append(StateObject(class_name, statement.lineno, SINGLETON_CLASS, statement.name))
            owner = (class_name, frozenset(containers))
            methods = [(m, scan_of(m, owner)) for m in statement.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
            attributes = frozenset(containers).union(*(scan.container_attributes for _, scan in methods))
            bases = tuple(b for b in (_absolute_name(dotted_name(base), imports, module_names, prefix) for base in statement.bases) if b and b != "object")
            classes.append(ClassStateFacts(class_name, bases, attributes))
            functions.extend(scan.facts(f"{class_name}.{method.name}", attributes) for method, scan in methods)
    kept = tuple(f for f in functions if f.writes or f.self_writes or f.method_calls)
    return ModuleStateFacts(tuple(objects), kept, tuple(classes))


def _assignment(statement: ast.stmt) -> tuple[str, ast.expr] | None:
    """(name, value) of `NAME = value` / `NAME: T = value` at module level."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id, statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value is not None:
        return statement.target.id, statement.value
    return None


def _module_level_names(module: ast.Module) -> frozenset[str]:
    names: set[str] = set()
    for statement in module.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
        named = _assignment(statement)
        if named is not None:
            names.add(named[0])
    return frozenset(names)


def _container_kind(value: ast.expr, imports: dict[str, str]) -> str | None:
    """`dict`, `defaultdict`, ... when `value` builds a mutable container, else None."""
    if isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)):
        return type(value).__name__.lower().removesuffix("comp")
    if isinstance(value, ast.Call):
        written = dotted_name(value.func) or ""
        qualified = qualify_dotted(written, imports) or written
        if qualified in _WEAK_OR_LOCAL:
            return None
        if qualified in MUTABLE_FACTORIES or written in MUTABLE_FACTORIES:
            return qualified.rsplit(".", 1)[-1]
    return None


def _state_object(value: ast.expr, imports: dict[str, str], module_names: frozenset[str], prefix: str) -> tuple[str, str] | None:
    """(kind, detail) when a module-level value is a container or an instance of a (possibly project) class."""
    container = _container_kind(value, imports)
    if container is not None:
        return CONTAINER, container
    if isinstance(value, ast.Call):
        written = dotted_name(value.func)
        if written is None or not written.rsplit(".", 1)[-1][:1].isupper():
            return None
        head = written.split(".", 1)[0]
        qualified = f"{prefix}{written}" if head in module_names else qualify_dotted(written, imports)
        return (INSTANCE, qualified) if qualified else None
    return None


def _class_containers(cls: ast.ClassDef, imports: dict[str, str]) -> dict[str, tuple[int, str]]:
    """Class-level containers (attribute -> (line, kind)): plain or `ClassVar`-annotated, not fields of a model."""
    found: dict[str, tuple[int, str]] = {}
    for statement in cls.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            name, value = statement.targets[0].id, statement.value
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value is not None:
            if _container_kind(statement.value, imports) is None or "ClassVar" not in ast.unparse(statement.annotation):
                continue  # a field of a dataclass/pydantic model: copied per instance
            name, value = statement.target.id, statement.value
        else:
            continue
        kind = _container_kind(value, imports)
        if kind is not None and not name.startswith("__") and not _CACHE_NAME.search(name):
            found[name] = (statement.lineno, kind)
    return found


def _absolute_name(written: str | None, imports: dict[str, str], module_names: frozenset[str], prefix: str) -> str | None:
    """The absolute name of a name as written in the module (None when it is neither defined nor imported)."""
    if written is None:
        return None
    if written.split(".", 1)[0] in module_names:
        return f"{prefix}{written}"
    return qualify_dotted(written, imports)


def _is_singleton_class(cls: ast.ClassDef) -> bool:
    """True for a class that hands out one shared instance: `__new__` returning `cls._instance`, or an `_instance` class attribute."""
    for statement in cls.body:
        if isinstance(statement, ast.FunctionDef) and statement.name == "__new__":
            return any(isinstance(n, ast.Attribute) and n.attr in _SINGLETON_ATTRIBUTES for n in ast.walk(statement))
        named = statement.target if isinstance(statement, ast.AnnAssign) else statement.targets[0] if isinstance(statement, ast.Assign) and len(statement.targets) == 1 else None
        if isinstance(named, ast.Name) and named.id in ("_instance", "__instance"):
            return True
    return False


_STATEMENT_TYPES = frozenset(_STATEMENTS)
# The node types `_FunctionScan.scan` sorts (the others are skipped at once).
_SCANNED_TYPES = frozenset({ast.Name, ast.Call, ast.Compare, ast.alias, ast.Global, ast.Nonlocal, *_STATEMENTS, *_DEFINITIONS})


class _FunctionScan:
    """Collects one function's writes and method calls on module-level objects and on `self`, in one pass over its own nodes."""

    def __init__(self, function: ast.FunctionDef | ast.AsyncFunctionDef, nodes: list[ast.AST], owner: tuple[str, frozenset[str]] | None,
                 imports: dict[str, str], module_names: frozenset[str], prefix: str) -> None:
        self.imports = imports
        self.module_names = module_names
        self.prefix = prefix
        self.owner = owner
        self.constructing = function.name in ("__init__", "__new__", "__init_subclass__")  # sets up its own instance
        arguments = function.args
        parameters = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
        parameters |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
        self.self_name = next(iter(a.arg for a in (*arguments.posonlyargs, *arguments.args)), None) if owner else None
        self.parameters = parameters
        self.locals: set[str] = set(parameters)
        self.writes: list[StateWrite] = []
        self.self_writes: list[StateWrite] = []
        self.method_calls: list[MethodCall] = []
        self.container_attributes: set[str] = set()

    def shifted(self, delta: int) -> _FunctionScan:
        """This scan with its lines moved by `delta` (the function moved; see `line_shift`)."""
        moved = copy.copy(self)
        moved.writes = [replace(w, line=w.line + delta) for w in self.writes]
        moved.self_writes = [replace(w, line=w.line + delta) for w in self.self_writes]
        moved.method_calls = [replace(c, line=c.line + delta) for c in self.method_calls]
        return moved

    def facts(self, qualname: str, container_attributes: frozenset[str]) -> FunctionStateFacts:
        """The function's facts; writes to `self` count for the class's container attributes only, and never in a constructor."""
        self_writes = () if self.constructing else tuple(w for w in self.self_writes if w.target in container_attributes or w.text.endswith("+="))
        return FunctionStateFacts(qualname, tuple(self.writes), self_writes, tuple(self.method_calls))

    def scan(self, nodes: list[ast.AST]) -> None:
        """Record the writes and calls among the function's own `nodes`: one pass sorts them (local names,
        keys looked up, candidate writes and calls), then the few candidates are judged."""
        bound: set[str] = set()
        declared: set[str] = set()
        looked_up: set[str] = set()
        candidates: list[ast.AST] = []
        scanned, statements = _SCANNED_TYPES, _STATEMENT_TYPES
        name_type, load_type, call_type, attribute_type = ast.Name, ast.Load, ast.Call, ast.Attribute
        for node in nodes:
            kind = type(node)
            if kind not in scanned:
                continue
            if kind is name_type:
                if type(node.ctx) is not load_type:  # type: ignore[attr-defined]
                    bound.add(node.id)  # type: ignore[attr-defined]
            elif kind is call_type:
                func = node.func  # type: ignore[attr-defined]
                if type(func) is attribute_type:
                    candidates.append(node)
                    if func.attr == "get":
                        looked_up.add(dotted_name(func.value) or "")
            elif kind in statements:
                candidates.append(node)
            elif kind is ast.Compare:
                if any(type(op) in (ast.In, ast.NotIn) for op in node.ops):  # type: ignore[attr-defined]
                    looked_up.update(dotted_name(c) or "" for c in node.comparators)  # type: ignore[attr-defined]
            elif kind in _DEFINITIONS:
                bound.add(node.name)  # type: ignore[attr-defined]
            elif kind is ast.alias:
                bound.add((node.asname or node.name).split(".", 1)[0])  # type: ignore[attr-defined]
            elif kind in (ast.Global, ast.Nonlocal):
                declared.update(node.names)  # type: ignore[attr-defined]
        self.locals |= bound - declared
        looked_up.discard("")
        for node in candidates:
            if isinstance(node, ast.Call):
                self._call(node, node.func)  # type: ignore[arg-type]
                continue
            if isinstance(node, ast.Assign) and self._memoises(node, looked_up):
                continue
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and self.self_name is not None:
                self._note_container_attribute(node)
            if isinstance(node, (ast.Assign, ast.Delete)):
                for target in node.targets:
                    self._store(target, node.lineno, augmented=False)
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                self._store(node.target, node.lineno, augmented=isinstance(node, ast.AugAssign))

    def _note_container_attribute(self, node: ast.Assign | ast.AnnAssign) -> None:
        """`self.active = {}` (or `cls._instance.jobs = []`): the attribute holds a container."""
        if node.value is None or _container_kind(node.value, self.imports) is None:
            return
        for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
            if isinstance(target, ast.Attribute) and (dotted_name(target.value) or "").split(".", 1)[0] == self.self_name:
                self.container_attributes.add(target.attr)

    def _memoises(self, node: ast.Assign, looked_up: set[str]) -> bool:
        """`D[key] = made` after `D.get(key)`/`key in D`, storing something built here: a get-or-create cache."""
        target = node.targets[0] if len(node.targets) == 1 else None
        if not isinstance(target, ast.Subscript) or dotted_name(target.value) not in looked_up:
            return False
        value = node.value
        return isinstance(value, (ast.Call, ast.Await)) or (isinstance(value, ast.Name) and value.id in self.locals - self.parameters)

    def _call(self, node: ast.Call, func: ast.Attribute) -> None:
        if func.attr in CONTAINER_MUTATORS:
            self._write(func.value, node.lineno, f"{_shown(func.value)}.{func.attr}")
        receiver = dotted_name(func.value)
        if receiver is None:
            return
        head = receiver.split(".", 1)[0]
        if head == self.self_name or head in self.locals or self.imports.get(head) == head:
            return  # a local, or a module imported whole (`json.loads`): no project object of this module
        absolute = self._absolute(receiver)
        if absolute is not None:
            self.method_calls.append(MethodCall(absolute, func.attr, node.lineno))

    def _store(self, target: ast.expr, line: int, augmented: bool) -> None:
        if isinstance(target, ast.Subscript) and _CONNECTION_KEY.search((dotted_name(target.slice) or "").rsplit(".", 1)[-1]):
            return  # `sessions[sid] = ...`: per connection, and the connection lives in this process
        if isinstance(target, ast.Subscript):
            self._write(target.value, line, f"{_shown(target.value)}[...]")
        elif isinstance(target, ast.Attribute):
            base = dotted_name(target.value)
            if base is not None and base.split(".", 1)[0] == self.self_name and "." not in base and augmented:
                self.self_writes.append(StateWrite(target.attr, line, f"{_shown(target)} +="))
            elif base is not None and base.split(".", 1)[0] != self.self_name:
                self._write(target, line, f"{_shown(target)} {'+=' if augmented else '='}")

    def _write(self, obj: ast.expr, line: int, text: str) -> None:
        """A write in place to `obj` (subscripts stripped: `X[k].append` writes X)."""
        while isinstance(obj, ast.Subscript):
            obj = obj.value
        written = dotted_name(obj)
        if written is None:
            return
        head, _, rest = written.partition(".")
        if head == self.self_name and self.owner is not None:
            attribute = rest.split(".", 1)[0]
            if not attribute:
                return
            class_name, class_containers = self.owner
            if attribute in class_containers:
                self.writes.append(StateWrite(f"{class_name}.{attribute}", line, text))
            else:
                self.self_writes.append(StateWrite(attribute, line, text))
            return
        if head in ("cls",) and self.owner is not None and rest:
            self.writes.append(StateWrite(f"{self.owner[0]}.{rest}", line, text))
            return
        if head in self.locals:
            return
        absolute = self._absolute(written)
        if absolute is not None:
            self.writes.append(StateWrite(absolute, line, text))

    def _absolute(self, written: str) -> str | None:
        return _absolute_name(written, self.imports, self.module_names, self.prefix)


def _scan_function(function: ast.FunctionDef | ast.AsyncFunctionDef, nodes: list[ast.AST], owner: tuple[str, frozenset[str]] | None,
                   imports: dict[str, str], module_names: frozenset[str], prefix: str) -> _FunctionScan:
    scan = _FunctionScan(function, nodes, owner, imports, module_names, prefix)
    scan.scan(nodes)
    return scan


def _nodes(function: ast.FunctionDef | ast.AsyncFunctionDef, own: OwnNodes) -> list[ast.AST]:
    """The function's own nodes (not those of nested functions and classes), from `own` when known."""
    nodes = own.get(id(function))
    return nodes if nodes is not None else list(own_nodes(function.body))


def _shown(node: ast.expr) -> str:
    """A short text of an expression for messages (`_subscribers`, `self.active`)."""
    written = dotted_name(node)
    if written is not None:
        return written
    return short_source(node)
