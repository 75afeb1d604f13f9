"""What an expression is, for the type-aware rules: local facts first, then the project, then jedi.

Resolution order, cheapest first:
1. facts of the current file: parameter annotations (`def f(req: CreateRequest)`), assignments
   from constructors (`m = Model(...)`), annotated assignments, loops over annotated lists,
   `self` in a method and `self.x` declared by its class, calls of functions with a return
   annotation — matched against the classes of this file;
2. the same through the project's type facts (`ProjectTypes`) for names imported from other modules;
3. jedi (`jedi_adapter.py`), only when a project is present, the rule gave a time budget, and 1–2
   cannot decide.

Every answer is either a definite type or None ("don't know"): ambiguous answers (two different
classes, a union, a name bound in several ways) are None, and so are jedi's failures and timeouts.
A resolver lives for one analysis (it is kept in `Context.memo`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.facts import dotted_name, import_bindings, qualify_dotted
from review_ls.engine.project_model import ProjectModel
from review_ls.engine.text_digest import text_digest
from review_ls.patterns.node_walk import child_nodes as _child_nodes
from review_ls.project.index import ProjectIndex
from review_ls.project.literal_facts import ITEMS_ARE_DICTS, MIXED, literal_kind, literal_of
from review_ls.project.types import (
    MODEL_KINDS,
    ClassFacts,
    ClassKind,
    DeclaredNames,
    FieldFacts,
    FunctionFacts,
    ModuleTypeFacts,
    ParamFacts,
    ProjectTypes,
    TypeRef,
    absolute_import,
    declared_names,
    module_names_for,
    module_type_facts,
    parse_annotation,
)

if TYPE_CHECKING:
    from review_ls.engine.walker import Context
    from review_ls.project.jedi_adapter import InferenceBudget, InferredName, JediAdapter

_MAX_DEPTH = 6
_BUILTIN_TYPES = {
    "dict": "dict",
    "Dict": "dict",
    "Mapping": "dict",
    "MutableMapping": "dict",
    "OrderedDict": "dict",
    "defaultdict": "dict",
    "DefaultDict": "dict",
    "list": "list",
    "List": "list",
    "Sequence": "list",
    "MutableSequence": "list",
    "Iterable": "list",
    "Collection": "list",
    "set": "set",
    "Set": "set",
    "frozenset": "set",
    "FrozenSet": "set",
    "tuple": "tuple",
    "Tuple": "tuple",
    "str": "str",
    "bytes": "bytes",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "Any": "any",
    "object": "any",
}
# Methods of models whose result is a plain value, not the model.
_DUMP_METHODS = {"model_dump": "dict", "dict": "dict", "model_dump_json": "str", "json": "str", "asdict": "dict", "_asdict": "dict"}
_COPY_METHODS = frozenset({"model_copy", "copy", "_replace", "model_validate", "parse_obj", "model_construct"})
_DICT_FUNCTIONS = frozenset({"dict", "json.loads", "json.load", "dataclasses.asdict", "asdict", "copy.copy", "copy.deepcopy", "vars"})
_KNOWN_ROOTS = frozenset(
    {
        "object",
        "str",
        "int",
        "enum.Enum",
        "enum.StrEnum",
        "enum.IntEnum",
        "pydantic.BaseModel",
        "pydantic.main.BaseModel",
        "pydantic.v1.BaseModel",
        "pydantic.BaseSettings",
        "pydantic_settings.BaseSettings",
        "sqlmodel.SQLModel",
        "typing.NamedTuple",
        "typing_extensions.NamedTuple",
        "typing.TypedDict",
        "typing_extensions.TypedDict",
        "typing.Generic",
        "abc.ABC",
    }
)


@dataclass(frozen=True, eq=False)
class ResolvedClass:
    """A class of this file or of the project, with what following its bases told about it."""

    facts: ClassFacts
    module: ModuleTypeFacts
    kind: ClassKind
    complete: bool  # every base was resolved: nothing unknown is mixed in
    defines_getitem: bool
    bases: tuple[ResolvedClass, ...]

    @property
    def key(self) -> tuple[str | None, str, str]:
        """Identity of the class (its file, module and name)."""
        return (self.module.path, self.module.module, self.facts.name)

    @property
    def qualified_name(self) -> str:
        """`module.Class`."""
        return self.module.qualified(self.facts.name)

    def same_as(self, other: ResolvedClass) -> bool:
        """True when both are the same class."""
        return self.key == other.key

    def field(self, name: str) -> tuple[FieldFacts, ModuleTypeFacts] | None:
        """A field (or annotated attribute) of the class or its bases, with the module that declares it."""
        own = self.facts.field(name)
        if own is not None:
            return own, self.module
        if self.facts.method(name) is not None:
            return None  # a property or method here overrides an inherited field
        for base in self.bases:
            found = base.field(name)
            if found is not None:
                return found
        return None

    def method(self, name: str) -> tuple[FunctionFacts, ModuleTypeFacts] | None:
        """A method of the class or its bases, with the module that defines it."""
        own = self.facts.method(name)
        if own is not None:
            return own, self.module
        for base in self.bases:
            found = base.method(name)
            if found is not None:
                return found
        return None

    def model_fields(self) -> tuple[FieldFacts, ...]:
        """The model's fields in declaration order, inherited ones first (a redefinition replaces)."""
        seen: dict[str, FieldFacts] = {}
        for base in reversed(self.bases):
            for inherited in base.model_fields():
                seen[inherited.name] = inherited
        for own in self.facts.fields:
            seen.pop(own.name, None)
            seen[own.name] = own
        return tuple(seen.values())

    @property
    def is_model(self) -> bool:
        """A pydantic model, dataclass or named tuple whose every base is known."""
        return self.kind in MODEL_KINDS and self.complete

    def str_enum_members(self) -> tuple[tuple[str, str], ...] | None:
        """(member, value) of an enum whose members are all string literals, else None."""
        if self.kind is not ClassKind.ENUM or not self.facts.members:
            return None
        members: list[tuple[str, str]] = []
        for name, value in self.facts.members:
            if not isinstance(value, str):
                return None
            members.append((name, value))
        return tuple(members)


@dataclass(frozen=True)
class ValueType:
    """What an expression holds: an instance of a project class, or of a builtin type."""

    cls: ResolvedClass | None = None
    builtin: str | None = None  # 'dict', 'list', 'str', ... or 'foreign' (a class from outside the project)
    ref: TypeRef | None = None  # the annotation it came from (for item types)
    ref_module: ModuleTypeFacts | None = None
    optional: bool = False
    via_jedi: bool = False

    def same_as(self, other: ValueType) -> bool:
        """True when both describe the same type (ignoring where they came from)."""
        if self.cls is not None and other.cls is not None:
            return self.cls.same_as(other.cls)
        return self.cls is None and other.cls is None and self.builtin == other.builtin and self.builtin is not None


@dataclass(frozen=True)
class Callee:
    """What a call calls: a function (or bound method), or a class being constructed."""

    function: FunctionFacts | None
    cls: ResolvedClass | None
    module: ModuleTypeFacts
    bound: bool  # called as a bound method: the first parameter is not passed

    def parameters(self) -> tuple[ParamFacts, ...] | None:
        """The parameters a caller passes (None when not known, e.g. a class with an unknown __init__)."""
        if self.function is not None:
            return self.function.bound_params() if self.bound else self.function.params
        cls = self.cls
        if cls is None:
            return None
        init = cls.method("__init__")
        if init is not None:
            return init[0].bound_params()
        if cls.is_model:
            kind = "keyword-only" if cls.kind is ClassKind.PYDANTIC else "positional"
            return tuple(ParamFacts(f.name, kind, f.has_default, f.annotation) for f in cls.model_fields())
        return None

    def annotation_module(self, param: ParamFacts) -> ModuleTypeFacts:
        """The module in which a parameter's annotation is written."""
        if self.function is None and self.cls is not None and self.cls.method("__init__") is None:
            for base in (self.cls, *_all_bases(self.cls)):
                if base.facts.field(param.name) is not None:
                    return base.module
        if self.function is None and self.cls is not None:
            init = self.cls.method("__init__")
            if init is not None:
                return init[1]
        return self.module


def _all_bases(cls: ResolvedClass) -> Iterator[ResolvedClass]:
    for base in cls.bases:
        yield base
        yield from _all_bases(base)


_RESOLVER_KEY = "review_ls.project.inference.TypeResolver"
# How many distinct names `TypeResolver._imported_has` looks up in the imported modules one by one before uniting their names.
_PROBES_BEFORE_UNION = 16
# `ProjectTypes.summary` keys of the memos of `_module_containing` and `_imported_modules` (string keys: the facts are pickled with them).
_CONTAINING_KEY = "inference.module-containing"
_IMPORTED_BY_KEY = "inference.imported-by-module"


def _new_memo(_: ProjectTypes) -> dict[str, Any]:
    """An empty memo, kept by `ProjectTypes.summary` until the project's facts change."""
    return {}


class TypeResolver:
    """Answers "what is this expression?" for one analysis of one file."""

    def __init__(
        self,
        module: ast.Module,
        path: str | None,
        source_lines: Sequence[str],
        project: ProjectModel | None,
        imports: Mapping[str, str] | None = None,
    ) -> None:
        self.path = path
        self._imports = imports if imports is not None else {}
        self.project = project
        self.project_types: ProjectTypes | None = project_types_of(project)
        self._source_lines = source_lines
        self._module_ast = module
        self._local: ModuleTypeFacts | None = None
        self._visible: DeclaredNames | None = None
        self._own_declared: DeclaredNames | None = None
        self._imported_parts: dict[str, frozenset[str]] = {}  # `DeclaredNames` field -> its union over the imported modules
        self._imported_answers: dict[str, dict[str, bool]] = {}  # `DeclaredNames` field -> item -> whether an imported module has it
        self._visible_answers: dict[tuple[str, str], bool] = {}  # `_visible_has`'s answers (rules ask per node: the same names again)
        self._imported_list: list[ModuleTypeFacts] | None = None
        self._own_name: tuple[str, str | None] | None = None
        self._classes: dict[tuple[str | None, str, str], ResolvedClass | None] = {}
        self._scopes: dict[int, dict[str, list[tuple[str, Any]]]] = {}
        self._name_types: dict[tuple[int, str], ValueType | None] = {}
        self._source: str | None = None
        self._adapter: JediAdapter | None | bool = None
        self._budgets: dict[float, InferenceBudget] = {}
        self.derived: dict[str, Any] = {}  # what helpers computed for this analysis (see jedi_gates.py)

    @classmethod
    def for_context(cls, ctx: Context) -> TypeResolver:
        """The resolver of the analysis `ctx` belongs to (made on first use)."""
        resolver = ctx.memo.get(_RESOLVER_KEY)
        if resolver is None:
            module = ctx.parents[0]
            assert isinstance(module, ast.Module)
            resolver = ctx.memo[_RESOLVER_KEY] = cls(module, ctx.path, ctx.lines.lines, ctx.project, ctx.facts.imports)
        return resolver

    @property
    def local(self) -> ModuleTypeFacts:
        """The type facts of the analysed text: the index's when it holds this very text (a check of files on disk),
        else extracted on first use (an edited document, a file outside the index)."""
        if self._local is None:
            self._local = self._indexed_facts_of_this_text()
        if self._local is None:
            module_name, path = self._module_name(self.path)
            self._local = module_type_facts(self._module_ast, module_name, path, self.source())
        return self._local

    def _indexed_facts_of_this_text(self) -> ModuleTypeFacts | None:
        """The index's facts of the analysed file when they were extracted from the analysed text (same digest), as
        `local` would extract them: the same text, module name and path."""
        types = self.project_types
        indexed = types.for_path(self.path) if types is not None and self.path is not None else None
        if indexed is None or not indexed.text_digest or indexed.text_digest != text_digest(self.source()):
            return None
        return indexed

    def _module_name(self, path: str | None) -> tuple[str, str | None]:
        """The analysed file's module name and path as the index knows them (needed for relative imports)."""
        if self._own_name is None:
            self._own_name = self._find_module_name(path)
        return self._own_name

    def _find_module_name(self, path: str | None) -> tuple[str, str | None]:
        types = self.project_types
        if path is None or types is None:
            return "", path
        known = types.for_path(path)
        if known is not None:
            return known.module, known.path
        root = project_root_of(self.project, path)
        names = module_names_for(Path(path), root) if root else ()
        return (names[0] if names else Path(path).stem), str(Path(path).resolve())

    # -- cheap pre-filters ---------------------------------------------------------------------------
    def visible_names(self) -> DeclaredNames:
        """What the classes this file can see declare: its own, those of the project modules it
        imports, and those of the modules they import (one level of re-export)."""
        if self._visible is None:
            own = self._own_names()
            imported = self.imported_names()
            self._visible = DeclaredNames(
                own.enum_values | imported.enum_values,
                own.field_names | imported.field_names,
                own.optional_fields | imported.optional_fields,
            )
        return self._visible

    def imported_names(self) -> DeclaredNames:
        """What the classes of the project modules this file imports declare (and of the modules they
        import): `visible_names` without the file's own classes. Reads imports and the project only."""
        return DeclaredNames(self._imported_part("enum_values"), self._imported_part("field_names"), self._imported_part("optional_fields"))

    def imported_enum_values(self) -> frozenset[str]:
        """`imported_names().enum_values`, without uniting the other names."""
        return self._imported_part("enum_values")

    def may_import_enum_value(self, folded: str) -> bool:
        """`folded in imported_enum_values()`, answered by the project's enum values alone when none of them is `folded`."""
        return self._imported_has("enum_values", folded)

    def _own_names(self) -> DeclaredNames:
        if self._own_declared is None:
            self._own_declared = declared_names(self._module_ast)
        return self._own_declared

    def _imported_part(self, kind: str) -> frozenset[str]:
        """One field of `imported_names` (each united on first use: most analyses ask about one or two)."""
        found = self._imported_parts.get(kind)
        if found is None:
            found = self._imported_parts[kind] = frozenset().union(*(getattr(m, kind) for m in self._modules_imported()))
        return found

    def _modules_imported(self) -> list[ModuleTypeFacts]:
        if self._imported_list is None:
            self._imported_list = self._imported_modules()
        return self._imported_list

    def _imported_has(self, kind: str, item: str) -> bool:
        """`item in imported_names().<kind>`. The imported modules are project modules, so an item that no module of the
        project declares (`ProjectTypes.<kind>`, derived once per project) is not imported either: no union is built."""
        types = self.project_types
        if types is None or item not in getattr(types, kind):
            return False
        united = self._imported_parts.get(kind)
        if united is not None:
            return item in united
        # The first few items are looked up module by module (an analysis asks about a handful; uniting every imported
        # module's names costs more), then the names are united.
        answers = self._imported_answers.setdefault(kind, {})
        found = answers.get(item)
        if found is None:
            if len(answers) >= _PROBES_BEFORE_UNION:
                return item in self._imported_part(kind)
            found = answers[item] = any(item in getattr(module, kind) for module in self._modules_imported())
        return found

    def _visible_has(self, kind: str, item: str) -> bool:
        """`item in visible_names().<kind>`, uniting the imported names only when the project declares `item` somewhere."""
        key = (kind, item)
        found = self._visible_answers.get(key)
        if found is None:
            found = self._visible_answers[key] = item in getattr(self._own_names(), kind) or self._imported_has(kind, item)
        return found

    def _imported_modules(self) -> list[ModuleTypeFacts]:
        types = self.project_types
        if types is None or not self._imports:
            return []
        module_name, _ = self._module_name(self.path)
        is_package = self.path is not None and Path(self.path).name == "__init__.py"
        direct = {id(m): m for m in (self._module_containing(absolute_import(t, module_name, is_package)) for t in self._imports.values()) if m}
        found = dict(direct)
        # The modules each module imports, kept with the facts (by module, not per file: the files of a project import the same modules).
        reexported: dict[str, tuple[ModuleTypeFacts, ...]] = types.summary(_IMPORTED_BY_KEY, _new_memo)
        for module in direct.values():
            key = module.path or module.module
            inner_modules = reexported.get(key)
            if inner_modules is None:
                inner_modules = reexported[key] = tuple(inner for target in module.imports.values() if (inner := self._module_containing(target)) is not None)
            for inner in inner_modules:
                found.setdefault(id(inner), inner)
        return list(found.values())

    def _module_containing(self, qualified: str) -> ModuleTypeFacts | None:
        """The project module `qualified` names, or the one it names something in (`pkg.models.Part` -> pkg.models).

        Answers are kept with the project's facts (dropped when they change): every file asks about the same imports."""
        types = self.project_types
        assert types is not None
        known: dict[str, ModuleTypeFacts | None] = types.summary(_CONTAINING_KEY, _new_memo)
        if qualified in known:
            return known[qualified]
        found = None
        parts = qualified.split(".")
        for end in range(len(parts), 0, -1):
            found = types.module(".".join(parts[:end]))
            if found is not None:
                break
        known[qualified] = found
        return found

    def knows_enum_value(self, literal: str) -> bool:
        """True when an enum visible to this file may have a member value equal to `literal` ignoring case."""
        return self._visible_has("enum_values", literal.casefold())

    def knows_field(self, name: str) -> bool:
        """True when a model visible to this file may declare a field called `name`."""
        return self._visible_has("field_names", name)

    def knows_optional_field(self, name: str) -> bool:
        """True when a model visible to this file may declare `name` as an optional field."""
        return self._visible_has("optional_fields", name)

    def worth_inferring(self, expr: ast.expr, parents: Sequence[ast.AST], depth: int = 0) -> bool:
        """True when jedi may know what `expr` holds where the facts do not: the result of a project
        function without a return annotation, an attribute the facts cannot type, a module-level value
        imported from the project. Not for unannotated parameters (jedi does not guess them from call
        sites here), library calls (their types are not the project's models), literals or modules."""
        if depth > _MAX_DEPTH:
            return False
        if isinstance(expr, ast.Attribute):
            owner = self.type_of(expr.value, parents)
            if owner is not None:
                return owner.cls is not None
            return self.worth_inferring(expr.value, parents, depth + 1)
        if isinstance(expr, (ast.Await, ast.Subscript)):
            return self.worth_inferring(expr.value, parents, depth + 1)
        if isinstance(expr, ast.Call):
            return self._returns_unknown_project_value(expr.func, parents, depth + 1)
        if not isinstance(expr, ast.Name):
            return False
        if depth == 0 and self._bound_only_to_literals(expr.id, parents):
            return False  # (only for the asked name itself: what its items or attributes hold is another question)
        found = self._binding_sources(expr.id, parents)
        if found is None:
            return False
        scope, _, sources = found
        scope_parents = _parents_within(parents, None if scope is self._module_ast else scope)
        for kind, detail in sources:
            if kind in ("value", "iter") and self.worth_inferring(detail, scope_parents, depth + 1):
                return True
            if kind == "import" and self._imports_a_project_value(detail):
                return True
        return False

    def _returns_unknown_project_value(self, func: ast.expr, parents: Sequence[ast.AST], depth: int) -> bool:
        """True for a call of a project function (or a method of an object jedi may type) whose result the facts miss."""
        dotted = dotted_name(func)
        head = dotted.split(".", 1)[0] if dotted else None
        if dotted is not None and head is not None and not self._shadowed(head, parents):
            symbol = self.resolve_symbol(dotted, self.local)
            if symbol is not None:
                return not isinstance(symbol, ResolvedClass)
            local = self.local
            if head in local.imports or head in local.classes or head in local.functions or self._binding_sources(head, parents) is None:
                return False  # a library's callable, or a builtin
        if isinstance(func, ast.Attribute):
            return self.worth_inferring(func.value, parents, depth + 1)
        return False

    def _imports_a_project_value(self, qualified: str) -> bool:
        """True when `qualified` names a module-level value (not a module, class or function) of a project module."""
        if self.project_types is None:
            return False
        owner = self._defining_module(qualified)
        return owner is not None and owner[1] not in owner[0].classes and owner[1] not in owner[0].functions

    def _defining_module(self, qualified: str) -> tuple[ModuleTypeFacts, str] | None:
        """The project module whose module-level name `qualified` is, and that name; None when `qualified` is itself a
        module (`from pkg import sub` may import `pkg.sub`) or no project module defines it."""
        module_name, _, name = qualified.rpartition(".")
        module = self.module(module_name) if module_name else None
        if module is None or self.module(qualified) is not None:
            return None
        return module, name

    # -- modules and symbols -------------------------------------------------------------------------
    def module(self, name: str) -> ModuleTypeFacts | None:
        """The facts of a module by name (the current file's own text wins over the index)."""
        if name and name == self.local.module:
            return self.local
        if self.project_types is None:
            return None
        found = self.project_types.module(name)
        if found is not None and found.path is not None and found.path == self.local.path:
            return self.local
        return found

    def module_for_path(self, path: str) -> ModuleTypeFacts | None:
        """The facts of a file (the current file's own text wins over the index)."""
        local = self.local
        if local.path is not None and _same_path(path, local.path):
            return local
        return self.project_types.for_path(path) if self.project_types is not None else None

    def resolve_symbol(self, dotted: str, module: ModuleTypeFacts, depth: int = 0) -> ResolvedClass | tuple[FunctionFacts, ModuleTypeFacts] | None:
        """A class or function named `dotted` as written in `module` (through its imports)."""
        if depth > _MAX_DEPTH:
            return None
        head, _, rest = dotted.partition(".")
        if not rest:
            if head in module.classes:
                return self.resolve_class_in(module, head)
            if head in module.functions:
                return module.functions[head], module
        qualified = qualify_dotted(dotted, module.imports)
        return None if qualified is None else self.resolve_qualified(qualified, depth + 1)

    def resolve_qualified(self, qualified: str, depth: int = 0) -> ResolvedClass | tuple[FunctionFacts, ModuleTypeFacts] | None:
        """A class or function by its qualified name (`app.models.Part`), following re-exports."""
        if depth > _MAX_DEPTH:
            return None
        parts = qualified.split(".")
        for split in range(len(parts) - 1, 0, -1):
            module = self.module(".".join(parts[:split]))
            if module is not None:
                return self.resolve_symbol(".".join(parts[split:]), module, depth + 1)
        return None

    def resolve_class(self, dotted: str, module: ModuleTypeFacts) -> ResolvedClass | None:
        """The class named `dotted` as written in `module`."""
        found = self.resolve_symbol(dotted, module)
        return found if isinstance(found, ResolvedClass) else None

    def resolve_class_in(self, module: ModuleTypeFacts, name: str, depth: int = 0) -> ResolvedClass | None:
        """The class `name` defined in `module`, its bases followed (cached per analysis)."""
        key = (module.path, module.module, name)
        if key in self._classes:
            return self._classes[key]
        self._classes[key] = None  # a cycle in the bases resolves to "unknown"
        facts = module.classes.get(name)
        if facts is None or depth > _MAX_DEPTH:
            return None
        kind = facts.local_kind
        complete = True
        bases: list[ResolvedClass] = []
        for base_name in facts.bases:
            base: ResolvedClass | None = None
            if base_name in module.classes:
                base = self.resolve_class_in(module, base_name, depth + 1)
            elif base_name not in _KNOWN_ROOTS:
                found = self.resolve_qualified(base_name) if "." in base_name else self.resolve_symbol(base_name, module)
                base = found if isinstance(found, ResolvedClass) else None
            if base is not None:
                bases.append(base)
                complete = complete and base.complete
                if kind is ClassKind.OTHER:
                    kind = base.kind
            elif base_name not in _KNOWN_ROOTS:
                complete = False
        defines_getitem = facts.defines_getitem or any(b.defines_getitem for b in bases)
        resolved = ResolvedClass(facts, module, kind, complete, defines_getitem, tuple(bases))
        self._classes[key] = resolved
        return resolved

    # -- types of annotations ----------------------------------------------------------------------
    def from_annotation(self, ref: TypeRef | None, module: ModuleTypeFacts) -> ValueType | None:
        """The type an annotation written in `module` declares."""
        if ref is None or ref.name is None:
            return None
        short = ref.short_name or ""
        if "." not in ref.name or ref.name.startswith(("typing.", "collections.", "builtins.")):
            builtin = _BUILTIN_TYPES.get(short)
            if builtin is not None and short not in module.classes:
                return ValueType(builtin=builtin, ref=ref, ref_module=module, optional=ref.optional)
        cls = self.resolve_class(ref.name, module)
        if cls is None:
            return None
        return ValueType(cls=cls, ref=ref, ref_module=module, optional=ref.optional)

    def item_type(self, container: ValueType) -> ValueType | None:
        """The element type of a homogeneous list-like container type."""
        ref = container.ref
        if ref is None or container.ref_module is None or container.cls is not None:
            return None
        item = ref.item
        return self.from_annotation(item, container.ref_module) if item is not None else None

    # -- types of expressions (local facts) -------------------------------------------------------------
    def type_of(self, expr: ast.expr, parents: Sequence[ast.AST], depth: int = 0) -> ValueType | None:
        """What `expr` (visited under `parents`) holds, from the facts of the file and the project."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, ast.Name):
            return self._type_of_name(expr.id, parents, depth)
        if isinstance(expr, ast.Attribute):
            owner = self.type_of(expr.value, parents, depth + 1)
            if owner is None or owner.cls is None:
                return None
            found = owner.cls.field(expr.attr)
            if found is None:
                return None
            field, module = found
            return self.from_annotation(field.annotation, module)
        if isinstance(expr, ast.Await):
            return self.type_of(expr.value, parents, depth + 1)
        if isinstance(expr, ast.Call):
            return self._type_of_call(expr, parents, depth)
        if isinstance(expr, ast.Subscript):
            container = self.type_of(expr.value, parents, depth + 1)
            if container is None or isinstance(expr.slice, ast.Slice):
                return None
            return self.item_type(container)
        if isinstance(expr, (ast.Dict, ast.DictComp)):
            return ValueType(builtin="dict")
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            return literal_value_type(literal_kind(expr) or "", self.local)
        if isinstance(expr, ast.ListComp):
            return ValueType(builtin="list")
        if isinstance(expr, ast.SetComp):
            return ValueType(builtin="set")
        if isinstance(expr, ast.JoinedStr) or (isinstance(expr, ast.Constant) and isinstance(expr.value, str)):
            return ValueType(builtin="str")
        return None

    def _type_of_call(self, call: ast.Call, parents: Sequence[ast.AST], depth: int) -> ValueType | None:
        func = call.func
        if isinstance(func, ast.Attribute):
            if func.attr in _DUMP_METHODS:
                owner = self.type_of(func.value, parents, depth + 1)
                if owner is not None and owner.cls is not None and owner.cls.kind in MODEL_KINDS:
                    return ValueType(builtin=_DUMP_METHODS[func.attr])
            if func.attr in _COPY_METHODS:
                owner = self.type_of(func.value, parents, depth + 1)
                if owner is not None and owner.cls is not None and owner.cls.kind in MODEL_KINDS:
                    return ValueType(cls=owner.cls)
        name = dotted_name(func)
        if name is not None and (name in _DICT_FUNCTIONS or self._qualified_local(name) in _DICT_FUNCTIONS):
            if not self._shadowed(name.split(".", 1)[0], parents):
                return ValueType(builtin="dict")
        callee = self.callee(call, parents, depth + 1)
        if callee is None:
            return None
        if callee.cls is not None:
            return ValueType(cls=callee.cls)
        if callee.function is not None and callee.function.returns is not None:
            return self.from_annotation(callee.function.returns, callee.module)
        returned = _returned_literal(callee)
        return literal_value_type(returned, callee.module) if returned is not None else None

    def _qualified_local(self, dotted: str) -> str:
        return qualify_dotted(dotted, self.local.imports) or dotted

    def callee(self, call: ast.Call, parents: Sequence[ast.AST], depth: int = 0) -> Callee | None:
        """What `call` calls, from the facts (None when unknown)."""
        func = call.func
        if isinstance(func, ast.Name):
            if self._shadowed(func.id, parents):
                return None
            return self._callee_of_symbol(self.resolve_symbol(func.id, self.local))
        if isinstance(func, ast.Attribute):
            head = dotted_name(func)
            if head is not None and head.split(".", 1)[0] in self.local.imports and not self._shadowed(head.split(".", 1)[0], parents):
                return self._callee_of_symbol(self.resolve_symbol(head, self.local))
            owner = self.type_of(func.value, parents, depth + 1)
            if owner is not None and owner.cls is not None and not owner.optional:
                found = owner.cls.method(func.attr)
                if found is not None:
                    return Callee(found[0], None, found[1], bound=True)
        return None

    @staticmethod
    def _callee_of_symbol(symbol: ResolvedClass | tuple[FunctionFacts, ModuleTypeFacts] | None) -> Callee | None:
        if isinstance(symbol, ResolvedClass):
            return Callee(None, symbol, symbol.module, bound=False)
        if symbol is not None:
            function, module = symbol
            return Callee(function, None, module, bound=False)
        return None

    def _shadowed(self, name: str, parents: Sequence[ast.AST]) -> bool:
        """True when `name` is bound inside an enclosing function (so module-level facts do not apply)."""
        return any(name in self._scope_bindings(scope) for scope, _ in _function_chain(parents))

    def _binding_sources(self, name: str, parents: Sequence[ast.AST]) -> tuple[ast.AST, ast.ClassDef | None, list[tuple[str, Any]]] | None:
        """(scope, class the scope is a method of, bindings) of the innermost scope that binds `name`."""
        for function, method_of in reversed(_function_chain(parents)):
            sources = self._scope_bindings(function).get(name)
            if sources is not None:
                return function, method_of, sources
        sources = self._module_bindings().get(name)
        return (self._module_ast, None, sources) if sources is not None else None

    def _type_of_name(self, name: str, parents: Sequence[ast.AST], depth: int) -> ValueType | None:
        """The type every binding of `name` in its scope agrees on (cached per scope; a cycle is unknown)."""
        found = self._binding_sources(name, parents)
        if found is None:
            return None
        scope, owner_class, sources = found
        key = (id(scope), name)
        if key in self._name_types:
            return self._name_types[key]
        self._name_types[key] = None  # a binding that refers back to itself is unknown
        function_scope = None if scope is self._module_ast else scope
        scope_parents = parents if function_scope is not None else (self._module_ast,)
        resolved = self._agree(self._type_of_source(s, function_scope, owner_class, scope_parents, depth) for s in sources)
        self._name_types[key] = resolved
        return resolved

    @staticmethod
    def _agree(types: Iterator[ValueType | None]) -> ValueType | None:
        """The one type every binding agrees on, else None."""
        agreed: ValueType | None = None
        for value_type in types:
            if value_type is None:
                return None
            if agreed is None:
                agreed = value_type
            elif not agreed.same_as(value_type):
                return None
            elif value_type.optional and not agreed.optional:
                agreed = value_type
        return agreed

    def _type_of_source(
        self,
        source: tuple[str, Any],
        function: ast.AST | None,
        owner_class: ast.ClassDef | None,
        parents: Sequence[ast.AST],
        depth: int,
    ) -> ValueType | None:
        kind, value = source
        if kind == "annotation":
            return self.from_annotation(value, self.local)
        if kind == "builtin":
            return ValueType(builtin=value)
        if kind == "param":
            arg, is_first, is_static, is_classmethod = value
            if arg.annotation is not None:
                return self.from_annotation(parse_annotation(arg.annotation), self.local)
            if is_first and owner_class is not None and not is_static and not is_classmethod:
                cls = self.resolve_class_in(self.local, owner_class.name) if owner_class.name in self.local.classes else None
                return ValueType(cls=cls) if cls is not None else None
            return None
        if kind == "import":
            found = self.imported_literal(value)
            return literal_value_type(found[0], found[1]) if found is not None else None
        scope_parents = _parents_within(parents, function)
        if kind == "value":
            return self.type_of(value, scope_parents, depth + 1)
        if kind == "iter":
            container = self.type_of(value, scope_parents, depth + 1)
            return self.item_type(container) if container is not None else None
        return None  # opaque binding

    def imported_literal(self, qualified: str) -> tuple[str, ModuleTypeFacts] | None:
        """(`literal_facts` kind, defining module) of the project value `qualified` an import names, when every binding of
        it in its module is a builtin literal (not a module of that name: `_defining_module`)."""
        owner = self._defining_module(qualified)
        kind = literal_of(owner[0].literal_values, owner[1]) if owner is not None else None
        return (kind, owner[0]) if kind is not None and owner is not None else None

    def _bound_only_to_literals(self, name: str, parents: Sequence[ast.AST]) -> bool:
        """True when every binding of `name` in its scope imports a project value that only ever holds builtin literals,
        or is the result of a call of a project function that only returns them (`literal_facts`): jedi's answer is
        then builtin instances, which no RV7 rule reports on."""
        found = self._binding_sources(name, parents)
        if found is None:
            return False
        scope, _, sources = found
        scope_parents = _parents_within(parents, None if scope is self._module_ast else scope)
        for kind, detail in sources:
            if kind == "import" and self.imported_literal(detail) is not None:
                continue
            if kind == "value" and isinstance(detail, ast.Call):
                callee = self.callee(detail, scope_parents)
                if callee is not None and _returned_literal(callee) is not None:
                    continue
            return False
        return True

    def _scope_bindings(self, function: ast.AST) -> dict[str, list[tuple[str, Any]]]:
        key = id(function)
        bindings = self._scopes.get(key)
        if bindings is None:
            module_name, _ = self._module_name(self.path)
            is_package = self.path is not None and Path(self.path).name == "__init__.py"
            bindings = self._scopes[key] = _collect_function_bindings(function, module_name, is_package)
        return bindings

    def _module_bindings(self) -> dict[str, list[tuple[str, Any]]]:
        return self._scope_bindings(self._module_ast)

    # -- jedi -----------------------------------------------------------------------------------------------
    def budget(self, seconds: float) -> InferenceBudget:
        """The jedi budget of this analysis for rules configured with `seconds`."""
        from review_ls.project.jedi_adapter import InferenceBudget  # (jedi's adapter loads when a rule first falls back to jedi)

        budget = self._budgets.get(seconds)
        if budget is None:
            budget = self._budgets[seconds] = InferenceBudget(seconds)
        return budget

    def adapter(self) -> JediAdapter | None:
        """The jedi adapter of the project's root; None without a project (single-file analysis).

        The adapter infers with the environment `adapter_for` finds for the root, from the folder the root's package is
        imported from (`import_root`).
        """
        from review_ls.project.jedi_adapter import JediAdapter, adapter_for

        if self._adapter is None:
            root = project_root_of(self.project, self.path)
            adapter = adapter_for(str(import_root(root))) if root else None
            self._adapter = adapter if adapter is not None else False
        return self._adapter if isinstance(self._adapter, JediAdapter) else None

    def _project_fingerprint(self) -> object:
        return None if self.project is None else self.project.fingerprint

    def source(self) -> str:
        """The analysed text."""
        if self._source is None:
            self._source = "\n".join(self._source_lines)
        return self._source

    def infer_with_jedi(self, expr: ast.expr, parents: Sequence[ast.AST], lines: Any, budget: InferenceBudget) -> ValueType | None:
        """What jedi says a Name or Attribute holds, when every answer is the same type; else None."""
        position = _jedi_position(expr, lines)
        if position is None or budget.exhausted or not self.worth_inferring(expr, parents):
            return None
        adapter = self.adapter()
        if adapter is None:
            return None
        names = adapter.infer(self.source(), self.path, position[0], position[1], budget, self._project_fingerprint())
        if not names:
            return None
        return self._agree(self._type_of_inferred(name) for name in names)

    def callee_with_jedi(self, call: ast.Call, parents: Sequence[ast.AST], lines: Any, budget: InferenceBudget) -> Callee | None:
        """The method jedi says `call` calls on an object the facts cannot type (project code only); else None.

        Names and module attributes are left to the facts: what they miss lives outside the project.
        """
        func = call.func
        if not isinstance(func, ast.Attribute) or budget.exhausted or not self.worth_inferring(func.value, parents):
            return None
        position = _jedi_position(func, lines)
        adapter = self.adapter()
        if position is None or adapter is None:
            return None
        names = adapter.goto(self.source(), self.path, position[0], position[1], budget, self._project_fingerprint())
        if not names or len(names) != 1:
            return None
        name = names[0]
        module = self.module_for_path(name.module_path) if name.module_path else None
        if module is None:
            return None
        if name.kind == "class":
            cls = self.resolve_class_in(module, name.name) if name.name in module.classes else None
            return Callee(None, cls, module, bound=False) if cls is not None else None
        if name.kind != "function":
            return None
        function = module.functions.get(name.name)
        if function is not None and function.line == name.line:
            return Callee(function, None, module, bound=False)
        for class_facts in module.classes.values():
            method = class_facts.method(name.name)
            if method is not None and method.line == name.line:
                return Callee(method, None, module, bound=isinstance(call.func, ast.Attribute))
        return None

    def _type_of_inferred(self, name: InferredName) -> ValueType | None:
        if name.kind != "instance":
            return None
        if name.full_name and name.full_name.startswith("builtins."):
            builtin = _BUILTIN_TYPES.get(name.full_name[len("builtins.") :])
            return ValueType(builtin=builtin or "foreign", via_jedi=True)
        module = self.module_for_path(name.module_path) if name.module_path else None
        if module is None:
            return ValueType(builtin="foreign", via_jedi=True)
        facts = module.classes.get(name.name)
        if facts is None or facts.line != name.line:
            return None
        cls = self.resolve_class_in(module, name.name)
        return ValueType(cls=cls, via_jedi=True) if cls is not None else None


_DICT_REF = TypeRef("builtins.dict", text="dict")
# The annotation-like type of a display whose items are all dict displays (`TypeResolver.item_type` reads its item).
_ITEMS_ARE_DICTS_REFS = {
    "list": TypeRef("builtins.list", args=(_DICT_REF,), text="list[dict]"),
    "tuple": TypeRef("builtins.tuple", args=(_DICT_REF, TypeRef("...")), text="tuple[dict, ...]"),
    "set": TypeRef("builtins.set", args=(_DICT_REF,), text="set[dict]"),
}


def _returned_literal(callee: Callee) -> str | None:
    """The `literal_facts` kind of what a call of `callee` returns, when it is a module's plain function that only returns
    builtin literals (`ModuleTypeFacts.literal_returns`), else None."""
    function = callee.function
    if function is None or callee.bound or function.returns is not None:
        return None
    if callee.module.functions.get(function.name) is not function:
        return None  # a method
    return literal_of(callee.module.literal_returns, function.name)


def literal_value_type(kind: str, module: ModuleTypeFacts) -> ValueType | None:
    """The type of a builtin literal of `literal_facts` kind `kind` written in `module` (None for 'mixed' or no kind)."""
    if not kind or kind == MIXED:
        return None
    if kind.endswith(ITEMS_ARE_DICTS):
        container = kind.removesuffix(ITEMS_ARE_DICTS)
        return ValueType(builtin=container, ref=_ITEMS_ARE_DICTS_REFS[container], ref_module=module)
    return ValueType(builtin=kind)


# -- project access ------------------------------------------------------------------------------------------

def project_types_of(project: ProjectModel | None) -> ProjectTypes | None:
    """The project's type facts: the index's `types`, if the project is an index."""
    return project.types if isinstance(project, ProjectIndex) else None


def project_root_of(project: ProjectModel | None, path: str | None = None) -> Path | None:
    """The workspace root holding `path` (the index's longest matching root, else its first); None without one."""
    roots = [Path(r) for r in project.roots] if project is not None else []
    if not roots:
        return None
    if path is not None:
        resolved = Path(path).resolve()
        holding = [r for r in roots if resolved.is_relative_to(r.resolve())]
        if holding:
            return max(holding, key=lambda r: len(r.parts))
    return roots[0]


def import_root(root: Path) -> Path:
    """The folder that `root`'s package chain is imported from: `root` itself unless it is a package (`src/app`, with
    `app/__init__.py`, -> `src`), so that jedi resolves the project's absolute imports (`from app.models import ...`)
    as the index does (`module_names_for`)."""
    while (root / "__init__.py").is_file() and root != root.parent:
        root = root.parent
    return root


def _same_path(a: str, b: str) -> bool:
    return a == b or Path(a).resolve() == Path(b).resolve()


# -- scopes ----------------------------------------------------------------------------------------------------


def _function_chain(parents: Sequence[ast.AST]) -> list[tuple[ast.AST, ast.ClassDef | None]]:
    """The functions enclosing a node, outermost first, each with the class it is a method of."""
    chain: list[tuple[ast.AST, ast.ClassDef | None]] = []
    for index, node in enumerate(parents):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            owner = parents[index - 1] if index else None
            chain.append((node, owner if isinstance(owner, ast.ClassDef) and node in owner.body else None))
    return chain


def _parents_within(parents: Sequence[ast.AST], function: ast.AST | None) -> Sequence[ast.AST]:
    """The prefix of `parents` down to and including `function` (module level when None)."""
    if function is None:
        return parents[:1]
    for index, node in enumerate(parents):
        if node is function:
            return parents[: index + 1]
    return parents


def _collect_function_bindings(scope: ast.AST, module_name: str = "", is_package: bool = False) -> dict[str, list[tuple[str, Any]]]:
    """Every name a function (or the module) binds, with how and from what:
    'param' (the arg), 'annotation' (a TypeRef), 'value' / 'iter' (an expression), 'builtin' (a type
    name), 'import' (the absolute target), 'definition' (a def or class), 'opaque' (anything else)."""
    bindings: dict[str, list[tuple[str, Any]]] = {}

    def bind(name: str, kind: str, detail: Any = None) -> None:
        bindings.setdefault(name, []).append((kind, detail))

    body: list[ast.AST]
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = scope.args
        decorators = {(dotted_name(d) or "").rsplit(".", 1)[-1] for d in getattr(scope, "decorator_list", ())}
        positional = [*args.posonlyargs, *args.args]
        for index, arg in enumerate([*positional, *args.kwonlyargs]):
            bind(arg.arg, "param", (arg, index == 0 and arg in positional, "staticmethod" in decorators, "classmethod" in decorators))
        if args.vararg is not None:
            bind(args.vararg.arg, "builtin", "tuple")
        if args.kwarg is not None:
            bind(args.kwarg.arg, "builtin", "dict")
        body = [scope.body] if isinstance(scope, ast.Lambda) else list(scope.body)
    else:
        body = list(getattr(scope, "body", ()))
    stack = list(reversed(body))
    binding_types = _BINDING_NODE_TYPES
    while stack:
        node = stack.pop()
        if type(node) not in binding_types:  # most nodes bind nothing: only their children are looked at
            stack.extend(_child_nodes(node))
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(node.name, "definition")
            stack.extend(getattr(node, "decorator_list", ()))
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bind(target.id, "value", node.value)
                else:
                    _bind_opaque(target, bind)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            bind(node.target.id, "annotation", parse_annotation(node.annotation))
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            bind(node.target.id, "opaque")
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            if isinstance(node.target, ast.Name):
                bind(node.target.id, "iter", node.iter)
            else:
                _bind_opaque(node.target, bind)
        elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            bind(node.target.id, "value", node.value)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            _bind_opaque(node.optional_vars, bind)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for local, imported in import_bindings(node):
                bind(local, "import", absolute_import(imported, module_name, is_package))
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                bind(name, "opaque")
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bind(node.name, "opaque")
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bind(node.name, "opaque")
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bind(node.rest, "opaque")
        stack.extend(_child_nodes(node))
    return bindings


# The node types `_collect_function_bindings` learns a binding from (or stops at).
_BINDING_NODE_TYPES: frozenset[type] = frozenset(
    {
        ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor,
        ast.comprehension, ast.NamedExpr, ast.withitem, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.ExceptHandler,
        ast.MatchAs, ast.MatchStar, ast.MatchMapping,
    }
)


def _bind_opaque(target: ast.AST, bind: Any) -> None:
    """Bind the names an unpacking target assigns (not those read by `a.b = ...` or `a[i] = ...`)."""
    if isinstance(target, ast.Name):
        bind(target.id, "opaque")
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _bind_opaque(element, bind)
    elif isinstance(target, ast.Starred):
        _bind_opaque(target.value, bind)


def _jedi_position(expr: ast.expr, lines: Any) -> tuple[int, int] | None:
    """(line, code-point column) of the name jedi should infer: a Name's start, an Attribute's attribute."""
    if isinstance(expr, ast.Name):
        return expr.lineno, lines.column(expr.lineno, expr.col_offset)
    if isinstance(expr, ast.Attribute) and expr.end_lineno is not None and expr.end_col_offset is not None:
        end = lines.column(expr.end_lineno, expr.end_col_offset)
        return expr.end_lineno, max(end - len(expr.attr), 0)
    return None
