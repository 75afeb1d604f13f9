"""Module-wide facts computed from the top-level statements: imports and module-level names.

Facts are computed per top-level statement (so the incremental analyser can re-use them) and
merged. Their `fingerprint` ignores line numbers: an edit that only moves code keeps it stable,
an edit that changes an import or a module-level binding changes it.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from review_ls.deferred_dataclass import dataclass

_Answer = TypeVar("_Answer")

MUTABLE_FACTORIES = frozenset(
    {
        "dict",
        "list",
        "set",
        "collections.defaultdict",
        "collections.OrderedDict",
        "collections.deque",
        "collections.Counter",
        "defaultdict",
        "OrderedDict",
        "deque",
        "Counter",
    }
)


class BindingKind(enum.Enum):
    """What a module-level name is bound to."""

    IMPORT = "import"
    FUNCTION = "function"
    CLASS = "class"
    MUTABLE_CONTAINER = "mutable-container"
    INSTANCE = "instance"
    CONSTANT = "constant"
    OTHER = "other"


@dataclass(frozen=True)
class Binding:
    """A module-level name: what binds it, where, and (for instances and imports) the callee or target."""

    name: str
    kind: BindingKind
    line: int
    detail: str = ""


@dataclass(frozen=True)
class StatementFacts:
    """Facts contributed by one top-level statement."""

    imports: tuple[tuple[str, str], ...]
    bindings: tuple[Binding, ...]
    is_import: bool
    is_docstring_or_future: bool
    is_main_guard: bool


class ModuleFacts:
    """Imports, bindings and layout facts of a whole module."""

    __slots__ = ("imports", "bindings", "import_block_end", "header_end", "has_main_guard", "_fingerprint", "_contracts_of", "derived")

    def __init__(self, per_statement: Iterable[tuple[int, int, StatementFacts]], contracts_of: Sequence[ast.stmt] | None = None) -> None:
        """Merge the facts of the top-level statements. Without `contracts_of`, `per_statement` carry the contract digests
        and the fingerprint is computed now; with it, they were made without (`statement_facts(..., contracts=False)`)
        and the fingerprint is computed from these statements when first read."""
        self.imports: dict[str, str] = {}
        self.bindings: dict[str, Binding] = {}
        self.import_block_end = 0
        self.header_end = 0
        self.has_main_guard = False
        self.derived: dict[Any, Any] = {}  # values patterns compute once per module (see `memoised`)
        self._contracts_of = contracts_of
        key: list[object] | None = [] if contracts_of is None else None
        seen_code = False
        for start, end, facts in per_statement:
            self.imports.update(facts.imports)
            for binding in facts.bindings:
                self.bindings[binding.name] = binding
            if facts.is_import and not seen_code:
                self.import_block_end = end
            elif facts.is_docstring_or_future and not seen_code:
                self.header_end = end
            elif not facts.is_import:
                seen_code = True
            self.has_main_guard = self.has_main_guard or facts.is_main_guard
            if key is not None:
                key.append((facts.imports, tuple((b.name, b.kind, b.detail) for b in facts.bindings)))
        self.import_block_end = max(self.import_block_end, self.header_end)
        self._fingerprint = hash(tuple(key)) if key is not None else None

    def for_last_node(self, key: str, node: ast.AST, compute: Callable[[], _Answer]) -> _Answer:
        """`compute()`, kept under `key` for `node` until another node asks (a function's calls or statements ask in a
        row). For answers that depend on the node alone (told by identity); kept here, not in `ctx.memo`, because reading
        the memo marks a statement as reading the whole module."""
        last = self.derived.get(key)
        if last is not None and last[0] is node:
            kept: _Answer = last[1]
            return kept
        answer = compute()
        self.derived[key] = (node, answer)
        return answer

    @property
    def fingerprint(self) -> int:
        """A hash of the imports and module-level bindings with the contracts of the functions and classes (no line numbers)."""
        if self._fingerprint is None:
            statements = self._contracts_of or ()
            self._fingerprint = ModuleFacts((0, 0, statement_facts(stmt)) for stmt in statements).fingerprint
        return self._fingerprint

    @classmethod
    def from_module(cls, module: ast.Module) -> ModuleFacts:
        """Compute the facts of a parsed module (the contract digests that only the fingerprint reads wait until it is read:
        a check never reads it)."""
        statements = tuple(module.body)
        return cls(((stmt.lineno, stmt.end_lineno or stmt.lineno, statement_facts(stmt, contracts=False)) for stmt in statements), statements)

    def insertion_line(self) -> int:
        """The 1-based line before which a new module-level import or definition goes."""
        return self.import_block_end + 1

    def local_name_for(self, qualified: str) -> str | None:
        """Return the local name under which `qualified` (e.g. 'logging') is imported, if any."""
        for local, target in self.imports.items():
            if target == qualified:
                return local
        return None


def statement_facts(stmt: ast.stmt, contracts: bool = True) -> StatementFacts:
    """Compute what one top-level statement contributes to the module's facts (without `contracts`, a function's or
    class's binding has an empty `detail` instead of its contract digest, which only `ModuleFacts.fingerprint` reads)."""
    imports = tuple(_imports_of(stmt))
    bindings = tuple(_bindings_of(stmt, contracts))
    is_docstring = isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)
    is_future = isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
    return StatementFacts(
        imports=imports,
        bindings=bindings,
        is_import=isinstance(stmt, (ast.Import, ast.ImportFrom)) and not is_future,
        is_docstring_or_future=is_docstring or is_future,
        is_main_guard=is_main_guard(stmt),
    )


def is_main_guard(stmt: ast.stmt) -> bool:
    """True for `if __name__ == "__main__":`."""
    if not isinstance(stmt, ast.If) or not isinstance(stmt.test, ast.Compare):
        return False
    test = stmt.test
    operands = [test.left, *test.comparators]
    names = [o for o in operands if isinstance(o, ast.Name) and o.id == "__name__"]
    mains = [o for o in operands if isinstance(o, ast.Constant) and o.value == "__main__"]
    return bool(names and mains)


def import_bindings(stmt: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str]]:
    """Yield (local name, qualified name) for each name an import statement binds."""
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.asname:
                yield alias.asname, alias.name
            else:
                head = alias.name.split(".", 1)[0]
                yield head, head
        return
    if stmt.level:
        module = "." * stmt.level + (stmt.module or "")
    else:
        module = stmt.module or ""
    for alias in stmt.names:
        if alias.name == "*":
            continue
        yield alias.asname or alias.name, f"{module}.{alias.name}" if module else alias.name


def _imports_of(stmt: ast.stmt) -> Iterator[tuple[str, str]]:
    """Imports at module level, including those inside `try`/`if` blocks (but not in defs)."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        yield from import_bindings(stmt)
    elif isinstance(stmt, (ast.If, ast.Try, ast.With)) or type(stmt).__name__ == "TryStar":
        for field in ("body", "orelse", "finalbody"):
            for child in getattr(stmt, field, ()):
                yield from _imports_of(child)
        for handler in getattr(stmt, "handlers", ()):
            for child in handler.body:
                yield from _imports_of(child)


def _bindings_of(stmt: ast.stmt, contracts: bool = True) -> Iterator[Binding]:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        yield Binding(stmt.name, BindingKind.FUNCTION, stmt.lineno, contract_digest(stmt) if contracts else "")
    elif isinstance(stmt, ast.ClassDef):
        yield Binding(stmt.name, BindingKind.CLASS, stmt.lineno, contract_digest(stmt) if contracts else "")
    elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
        for local, target in import_bindings(stmt):
            yield Binding(local, BindingKind.IMPORT, stmt.lineno, target)
    elif isinstance(stmt, ast.Assign):
        kind, detail = classify_value(stmt.value)
        for assigned in stmt.targets:
            if isinstance(assigned, ast.Name):
                yield Binding(assigned.id, kind, stmt.lineno, detail)
    elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        kind, detail = classify_value(stmt.value) if stmt.value is not None else (BindingKind.OTHER, "")
        yield Binding(stmt.target.id, kind, stmt.lineno, detail)
    elif isinstance(stmt, (ast.If, ast.Try)):
        for field in ("body", "orelse"):
            for child in getattr(stmt, field, ()):
                yield from _bindings_of(child, contracts)


def classify_value(value: ast.expr) -> tuple[BindingKind, str]:
    """Classify the value bound to a module-level name."""
    if isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)):
        return BindingKind.MUTABLE_CONTAINER, type(value).__name__.lower()
    if isinstance(value, ast.Call):
        callee = dotted_name(value.func) or ""
        if callee in MUTABLE_FACTORIES:
            return BindingKind.MUTABLE_CONTAINER, callee
        return BindingKind.INSTANCE, callee
    if isinstance(value, ast.Constant) and type(value.value) in (int, float, bool):
        return BindingKind.CONSTANT, repr(value.value)  # the value itself: rules read numeric settings from it
    if isinstance(value, (ast.Constant, ast.Tuple, ast.JoinedStr, ast.BinOp, ast.UnaryOp)):
        return BindingKind.CONSTANT, ""
    return BindingKind.OTHER, ""


def short_source(node: ast.AST, limit: int = 40) -> str:
    """The source text of an expression for a message, cut to `limit` characters with `...`."""
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_NAME, _ATTRIBUTE = ast.Name, ast.Attribute
_CHAIN_TYPES = (ast.Name, ast.Attribute)


def dotted_name(node: ast.AST) -> str | None:
    """Return 'a.b.c' for a Name/Attribute chain, else None."""
    if type(node) is _NAME:  # the most common case, without building a list
        return node.id
    if type(node) is _ATTRIBUTE:  # (chains of two and three names are made at once too: `self.client`, `os.path.join`)
        value = node.value
        if type(value) is _NAME:
            return f"{value.id}.{node.attr}"
        if type(value) is _ATTRIBUTE and type(value.value) is _NAME:
            return f"{value.value.id}.{value.attr}.{node.attr}"
    elif not isinstance(node, _CHAIN_TYPES):  # a call, a subscript, a constant...: no chain
        return None
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def contract_digest(stmt: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
    """A digest of what other code relies on: a function's signature; a class's bases, decorators,
    fields, constant members and method signatures — not bodies. (Type-aware rules read these from
    other statements, so a change must change the module's fingerprint.)"""
    shape = _class_contract(stmt) if isinstance(stmt, ast.ClassDef) else _signature(stmt)
    return format(hash(shape) & 0xFFFFFFFFFFFF, "x")  # like `fingerprint`, stable within one process


def _class_contract(node: ast.ClassDef) -> tuple[object, ...]:
    members: list[object] = []
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign):
            members.append((_shape(statement.target), _shape(statement.annotation), _shape(statement.value)))
        elif isinstance(statement, ast.Assign):
            members.append((tuple(_shape(t) for t in statement.targets), _shape(statement.value)))
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            members.append(_signature(statement))
    return (
        tuple(_shape(b) for b in node.bases),
        tuple(_shape(k.value) for k in node.keywords),
        tuple(_shape(d) for d in node.decorator_list),
        tuple(members),
    )


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[object, ...]:
    args = node.args
    shape: list[object] = [node.name, len(args.posonlyargs), len(args.defaults), args.vararg is not None, args.kwarg is not None]
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        shape.append(arg.arg)
        if arg.annotation is not None:
            shape.append(_shape(arg.annotation))
    shape.extend(d is None for d in args.kw_defaults)
    if node.returns is not None:
        shape.append(_shape(node.returns))
    shape.extend(_shape(d) for d in node.decorator_list)
    if node.name == "__init__":  # assignments to self declare the instance's attributes
        for statement in node.body:
            if isinstance(statement, ast.Assign):
                shape.extend(_shape(t) for t in statement.targets)
                shape.append(_shape(statement.value))
            elif isinstance(statement, ast.AnnAssign):
                shape.extend((_shape(statement.target), _shape(statement.annotation)))
    return tuple(shape)


def _shape(node: ast.AST | None, depth: int = 0) -> object:
    """A small, position-free summary of an expression (names, attributes, constants, nesting)."""
    if isinstance(node, ast.Name):
        return node.id
    if node is None:
        return None
    if depth > 4:
        return "..."
    if isinstance(node, ast.Attribute):
        return (_shape(node.value, depth + 1), node.attr)
    if isinstance(node, ast.Constant):
        return repr(node.value)[:64]
    if isinstance(node, ast.Subscript):
        return ("[]", _shape(node.value, depth + 1), _shape(node.slice, depth + 1))
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_shape(e, depth + 1) for e in node.elts[:16])
    if isinstance(node, ast.BinOp):
        return (type(node.op).__name__, _shape(node.left, depth + 1), _shape(node.right, depth + 1))
    if isinstance(node, ast.Call):
        return (
            "()",
            _shape(node.func, depth + 1),
            tuple(_shape(a, depth + 1) for a in node.args[:4]),
            tuple((k.arg, _shape(k.value, depth + 1)) for k in node.keywords[:8]),
        )
    return type(node).__name__


# -- qualified names: the one place names are resolved through imports ------------------------


def qualify_dotted(dotted: str, imports: Mapping[str, str]) -> str | None:
    """Resolve a dotted name as written through `imports`: 'np.zeros' -> 'numpy.zeros' (None if the head is not imported)."""
    head, _, rest = dotted.partition(".")
    target = imports.get(head)
    if target is None:
        return None
    return f"{target}.{rest}" if rest else target


def resolve_through_imports(node: ast.AST, imports: Mapping[str, str]) -> str | None:
    """Resolve a Name/Attribute chain through `imports`: `AC` -> 'httpx.AsyncClient' (None if the head is not imported)."""
    dotted = dotted_name(node)
    return None if dotted is None else qualify_dotted(dotted, imports)


def imports_visible_at(node: ast.AST, ancestors: Sequence[ast.AST], module_imports: Mapping[str, str]) -> dict[str, str]:
    """The imports a name at `node` resolves through: the module's, then those made earlier in its
    enclosing functions (the same view the walker keeps as `Context.imports`)."""
    imports = dict(module_imports)
    position = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
    for function in ancestors:
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for statement in sorted(_imports_in_function(function), key=lambda s: (s.lineno, s.col_offset)):
                if (statement.lineno, statement.col_offset) < position:
                    imports.update(import_bindings(statement))
    return imports


def _imports_in_function(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements of a function's body, not entering nested functions."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            stack.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, ast.expr))
