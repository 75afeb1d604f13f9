"""Cheap type facts from `ast`: enums and their member values, models and their fields, signatures.

One pass over a module's top-level statements and the bodies of its top-level classes; no
inference. What a class *is* (a pydantic model, a dataclass, a str-valued Enum) is decided here
from its bases and decorators as written, resolved through the module's imports; bases defined in
other modules are followed by `TypeLookup` (see `inference.py`) through `ProjectTypes`.

The project index stores one `ModuleTypeFacts` per file (`module_type_facts(tree, module, path)`)
in a `ProjectTypes`, which answers lookups by module name and by path.
"""

from __future__ import annotations

import ast
import enum
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import field
from pathlib import Path
from typing import TypeGuard, TypeVar

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.facts import dotted_name, qualify_dotted
from review_ls.engine.text_digest import text_digest
from review_ls.project.annotation_text import annotation_text
from review_ls.project.import_statements import ImportBindings, bindings_of
from review_ls.project.literal_facts import module_literals

T = TypeVar("T")


class ClassKind(enum.Enum):
    """What a class is, as far as the RV7 rules care."""

    PYDANTIC = "pydantic model"
    DATACLASS = "dataclass"
    NAMED_TUPLE = "named tuple"
    TYPED_DICT = "TypedDict"
    ENUM = "enum"
    OTHER = "class"


# Model kinds: instances have fields read as attributes and cannot be indexed by field name.
MODEL_KINDS = frozenset({ClassKind.PYDANTIC, ClassKind.DATACLASS, ClassKind.NAMED_TUPLE})

_BASE_KINDS: dict[str, ClassKind] = {
    "pydantic.BaseModel": ClassKind.PYDANTIC,
    "pydantic.main.BaseModel": ClassKind.PYDANTIC,
    "pydantic.v1.BaseModel": ClassKind.PYDANTIC,
    "pydantic.BaseSettings": ClassKind.PYDANTIC,
    "pydantic_settings.BaseSettings": ClassKind.PYDANTIC,
    "sqlmodel.SQLModel": ClassKind.PYDANTIC,
    "typing.NamedTuple": ClassKind.NAMED_TUPLE,
    "typing_extensions.NamedTuple": ClassKind.NAMED_TUPLE,
    "typing.TypedDict": ClassKind.TYPED_DICT,
    "typing_extensions.TypedDict": ClassKind.TYPED_DICT,
    "enum.Enum": ClassKind.ENUM,
    "enum.StrEnum": ClassKind.ENUM,
    "enum.IntEnum": ClassKind.ENUM,
    "enum.Flag": ClassKind.ENUM,
    "enum.IntFlag": ClassKind.ENUM,
}
_STR_ENUM_BASES = frozenset({"enum.StrEnum", "str"})
_DATACLASS_DECORATORS = frozenset(
    {
        "dataclasses.dataclass",
        "pydantic.dataclasses.dataclass",
        "attr.s",
        "attr.attrs",
        "attr.define",
        "attr.frozen",
        "attr.mutable",
        "attr.dataclass",
        "attrs.define",
        "attrs.frozen",
        "attrs.mutable",
    }
)
_OPTIONAL_NAMES = frozenset({"Optional"})
_UNION_NAMES = frozenset({"Union"})
_WRAPPER_NAMES = frozenset({"Annotated", "Final", "Required", "NotRequired", "ReadOnly"})
_CLASSVAR_NAMES = frozenset({"ClassVar", "InitVar"})
_LIST_LIKE = frozenset(
    {
        "list",
        "List",
        "Sequence",
        "MutableSequence",
        "Iterable",
        "Collection",
        "set",
        "Set",
        "frozenset",
        "FrozenSet",
        "AbstractSet",
        "MutableSet",
        "tuple",
        "Tuple",
    }
)
_DICT_LIKE = frozenset({"dict", "Dict", "Mapping", "MutableMapping", "OrderedDict", "defaultdict", "DefaultDict"})


@dataclass(frozen=True, slots=True)
class TypeRef:
    """What an annotation says, reduced to what the rules need.

    `name` is the dotted name of the one non-None type as written (`Part`, `models.Part`, `list`),
    None when the annotation is a union of several types or not understood; `optional` says None
    is allowed (`Optional[X]`, `X | None`, `Union[X, None]`); `args` are the type arguments.
    """

    name: str | None
    optional: bool = False
    args: tuple[TypeRef, ...] = ()
    text: str = ""

    @property
    def short_name(self) -> str | None:
        """The last segment of `name` (`typing.List` -> 'List')."""
        return None if self.name is None else self.name.rsplit(".", 1)[-1]

    @property
    def container(self) -> str | None:
        """'list' for list-like, 'dict' for mapping types, else None."""
        short = self.short_name
        if short in _LIST_LIKE:
            return "list"
        if short in _DICT_LIKE:
            return "dict"
        return None

    @property
    def item(self) -> TypeRef | None:
        """The element type of a homogeneous list-like container (`list[Part]` -> Part)."""
        if self.container == "list" and len(self.args) == 1:
            return self.args[0]
        if self.container == "list" and self.short_name in ("tuple", "Tuple") and len(self.args) == 2 and self.args[1].name == "...":
            return self.args[0]
        return None


_NONE = TypeRef(name="None")


def parse_annotation(node: ast.expr | None) -> TypeRef | None:
    """Reduce an annotation expression to a `TypeRef` (None when there is none or it is not understood)."""
    if node is None:
        return None
    kind = type(node)
    if kind is ast.Name or kind is ast.Attribute:  # the common case, made at once: its text is its dotted name
        name = dotted_name(node)
        return TypeRef(name, False, (), name) if name else None
    ref = _parse(node, depth=0)
    if ref is None:
        return None
    text = _unparse(node)
    return TypeRef(ref.name, ref.optional, ref.args, text)


def _unparse(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    text = annotation_text(node)
    if text is not None:
        return text
    try:
        return ast.unparse(node)
    except (ValueError, AttributeError, RecursionError):  # pragma: no cover - unparse handles all parsed trees
        return ""


def _parse(node: ast.expr, depth: int) -> TypeRef | None:
    if depth > 8:
        return None
    if isinstance(node, ast.Constant):
        if node.value is None:
            return _NONE
        if node.value is Ellipsis:
            return TypeRef("...")
        if isinstance(node.value, str):
            try:
                inner = ast.parse(node.value.strip(), mode="eval").body
            except SyntaxError:
                return None
            return _parse(inner, depth + 1)
        return None
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = dotted_name(node)
        return TypeRef(name) if name else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union([_parse(part, depth + 1) for part in _flatten_bitor(node)])
    if isinstance(node, ast.Subscript):
        base = dotted_name(node.value)
        if base is None:
            return None
        short = base.rsplit(".", 1)[-1]
        elements: list[ast.expr] = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if short in _OPTIONAL_NAMES:
            optional = _parse(elements[0], depth + 1)
            return _union([optional, _NONE])
        if short in _UNION_NAMES:
            return _union([_parse(e, depth + 1) for e in elements])
        if short in _WRAPPER_NAMES:
            return _parse(elements[0], depth + 1)
        args = tuple(_parse(e, depth + 1) or TypeRef(None) for e in elements)
        return TypeRef(base, args=args)
    return None


def _flatten_bitor(node: ast.expr) -> Iterator[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        yield from _flatten_bitor(node.left)
        yield from _flatten_bitor(node.right)
    else:
        yield node


def _union(members: list[TypeRef | None]) -> TypeRef | None:
    optional = any(m is not None and (m.name == "None" or m.optional) for m in members)
    rest = [m for m in members if m is None or m.name != "None"]
    if len(rest) == 1 and rest[0] is not None:
        only = rest[0]
        return TypeRef(only.name, optional or only.optional, only.args)
    return TypeRef(None, optional)


@dataclass(frozen=True, slots=True)
class FieldFacts:
    """A field of a model (or an annotated attribute of any class)."""

    name: str
    annotation: TypeRef | None
    line: int
    has_default: bool = False
    default_is_none: bool = False


@dataclass(frozen=True, slots=True)
class ParamFacts:
    """A parameter of a function."""

    name: str
    kind: str  # 'positional-only', 'positional', 'keyword-only', 'var-positional', 'var-keyword'
    has_default: bool
    annotation: TypeRef | None


@dataclass(frozen=True, slots=True)
class FunctionFacts:
    """A function's signature as written."""

    name: str
    line: int
    params: tuple[ParamFacts, ...]
    returns: TypeRef | None
    decorators: tuple[str, ...] = ()

    @property
    def is_static(self) -> bool:
        """True for `@staticmethod` functions (no bound first parameter)."""
        return any(d.rsplit(".", 1)[-1] == "staticmethod" for d in self.decorators)

    def bound_params(self) -> tuple[ParamFacts, ...]:
        """The parameters a caller passes when the function is called as a bound method."""
        if self.is_static or not self.params or self.params[0].kind not in ("positional-only", "positional"):
            return self.params
        return self.params[1:]


@dataclass(frozen=True, slots=True)
class ClassFacts:
    """A top-level class: what it derives from, its fields or enum members, its methods."""

    name: str
    line: int
    col: int
    bases: tuple[str, ...]  # qualified through the module's imports where possible
    local_kind: ClassKind  # from bases/decorators resolvable within the module
    str_enum_base: bool  # derives from `str` or `StrEnum` directly
    fields: tuple[FieldFacts, ...] = ()
    members: tuple[tuple[str, object], ...] = ()  # enum members: (name, literal value or a non-str marker)
    attributes: tuple[FieldFacts, ...] = ()  # `self.x: T = ...` / `self.x = T(...)` in __init__
    methods: tuple[tuple[str, FunctionFacts], ...] = ()
    defines_getitem: bool = False

    def method(self, name: str) -> FunctionFacts | None:
        """The method defined in this class body with this name."""
        for method_name, facts in self.methods:
            if method_name == name:
                return facts
        return None

    def field(self, name: str) -> FieldFacts | None:
        """The field (or annotated attribute) declared in this class body with this name."""
        for candidate in (*self.fields, *self.attributes):
            if candidate.name == name:
                return candidate
        return None


@dataclass(frozen=True, eq=False, slots=True)
class ModuleTypeFacts:
    """The type facts of one module."""

    module: str
    path: str | None
    is_package: bool
    imports: Mapping[str, str]  # local name -> absolute qualified name (relative imports resolved when possible)
    classes: Mapping[str, ClassFacts]
    functions: Mapping[str, FunctionFacts]
    # (name, kind) by name (`literal_facts.py`; pairs, not a dict: most modules have none, and `()` is one shared object)
    literal_values: tuple[tuple[str, str], ...]  # module-level names that only ever hold a builtin literal
    literal_returns: tuple[tuple[str, str], ...]  # module-level functions a call of which returns a builtin literal
    fingerprint: int = 0
    enum_values: frozenset[str] = field(default=frozenset())  # casefolded member values of str-valued enums
    field_names: frozenset[str] = field(default=frozenset())  # fields of classes that may be models
    optional_fields: frozenset[str] = field(default=frozenset())  # those of them annotated as optional
    text_digest: bytes = b""  # `text_digest` of the text the facts were extracted from (b"": not known)

    def qualified(self, local: str) -> str:
        """The qualified name of a name defined in this module."""
        return f"{self.module}.{local}" if self.module else local


def module_type_facts(
    tree: ast.Module, module: str = "", path: str | None = None, text: str | None = None, bindings: ImportBindings | None = None
) -> ModuleTypeFacts:
    """Extract the type facts of a parsed module (`module` is its dotted name, '' when unknown; `text`, its source, when
    known, spares walks: `module_literals`; `bindings`: its import statements' bindings, when the caller read them already)."""
    is_package = path is not None and os.path.basename(path) == "__init__.py"
    imports: dict[str, str] = {}
    for statement in _top_level_statements(tree.body):
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            for local, target in bindings_of(statement, bindings):
                imports[local] = absolute_import(target, module, is_package)
    classes: dict[str, ClassFacts] = {}
    functions: dict[str, FunctionFacts] = {}
    for statement in _top_level_statements(tree.body):
        if isinstance(statement, ast.ClassDef):
            classes[statement.name] = class_facts(statement, imports)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[statement.name] = function_facts(statement)
    enum_values = frozenset(
        value.casefold()
        for cls in classes.values()
        if cls.local_kind is ClassKind.ENUM or (cls.local_kind is ClassKind.OTHER and may_be_enum(cls.bases))
        for _, value in cls.members
        if isinstance(value, str)
    )
    maybe_models = [cls for cls in classes.values() if cls.local_kind in MODEL_KINDS or (cls.local_kind is ClassKind.OTHER and cls.bases)]
    field_names = frozenset(f.name for cls in maybe_models for f in cls.fields)
    optional_fields = frozenset(f.name for cls in maybe_models for f in cls.fields if f.annotation is not None and f.annotation.optional)
    literals, returns = module_literals(tree, text)
    values, returned = tuple(sorted(literals.items())), tuple(sorted(returns.items()))
    fingerprint = hash((module, tuple(sorted(imports.items())), tuple(classes.values()), tuple(functions.values()), values, returned))
    digest = text_digest(text) if text is not None else b""
    return ModuleTypeFacts(
        module, path, is_package, imports, classes, functions, values, returned, fingerprint, enum_values, field_names, optional_fields, digest
    )


@dataclass(frozen=True)
class DeclaredNames:
    """What a module's classes declare, found by a quick scan: a superset of what `module_type_facts` finds.

    The type-aware rules use these as pre-filters, so a file whose classes cannot matter costs no more.
    """

    enum_values: frozenset[str]  # casefolded string values assigned in class bodies
    field_names: frozenset[str]  # annotated attributes of classes that may be models (have bases or decorators)
    optional_fields: frozenset[str]  # those of them whose annotation mentions None/Optional


def declared_names(tree: ast.Module) -> DeclaredNames:
    """Scan the top-level classes of a module for the names and values the rules pre-filter on."""
    enum_values: set[str] = set()
    field_names: set[str] = set()
    optional_fields: set[str] = set()
    for statement in _top_level_statements(tree.body):
        if not _may_declare(statement):
            continue
        enum_values.update(_enum_values_of(statement))
        for member in statement.body:
            if isinstance(member, ast.AnnAssign) and isinstance(member.target, ast.Name):
                field_names.add(member.target.id)
                if _mentions_none(member.annotation):
                    optional_fields.add(member.target.id)
    return DeclaredNames(frozenset(enum_values), frozenset(field_names), frozenset(optional_fields))


def declared_enum_values(statements: Iterable[ast.stmt]) -> frozenset[str]:
    """`declared_names(...).enum_values` of a module of `statements`, without scanning the classes' fields."""
    return frozenset(value for statement in _top_level_statements(statements) if _may_declare(statement) for value in _enum_values_of(statement))


def _may_declare(statement: ast.stmt) -> TypeGuard[ast.ClassDef]:
    """True for a class with bases or decorators (the classes `declared_names` scans)."""
    return isinstance(statement, ast.ClassDef) and bool(statement.bases or statement.decorator_list)


def _enum_values_of(cls: ast.ClassDef) -> Iterator[str]:
    """The casefolded str values assigned in the body of `cls` when it may be an enum (none otherwise)."""
    if not may_be_enum(dotted_name(base) or "" for base in cls.bases):
        return
    for member in cls.body:
        if isinstance(member, ast.Assign) and isinstance(member.value, ast.Constant) and isinstance(member.value.value, str):
            yield member.value.value.casefold()


def may_be_enum(bases: Iterable[str]) -> bool:
    """True when a class with these bases may be an enum: a base named like `*Enum`/`*Flag` (the
    standard ones, or a project's member-less enum base such as `BaseStrEnum`)."""
    return any(base.rsplit(".", 1)[-1].endswith(("Enum", "Flag")) for base in bases)


def _mentions_none(annotation: ast.expr) -> bool:
    for node in ast.walk(annotation):
        if isinstance(node, ast.Constant) and (node.value is None or (isinstance(node.value, str) and ("None" in node.value or "Optional" in node.value))):
            return True
        if isinstance(node, (ast.Name, ast.Attribute)) and (node.id if isinstance(node, ast.Name) else node.attr) == "Optional":
            return True
    return False


def _top_level_statements(body: Iterable[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, including those inside `if`/`try` blocks (e.g. TYPE_CHECKING imports)."""
    for statement in body:
        if isinstance(statement, (ast.If, ast.Try)) or type(statement).__name__ == "TryStar":
            yield from _top_level_statements(getattr(statement, "body", ()))
            yield from _top_level_statements(getattr(statement, "orelse", ()))
            for handler in getattr(statement, "handlers", ()):
                yield from _top_level_statements(handler.body)
        else:
            yield statement


def absolute_import(target: str, module: str, is_package: bool) -> str:
    """Resolve a relative import target (`.models.Part`) against the importing module's name."""
    if not target.startswith("."):
        return target
    level = len(target) - len(target.lstrip("."))
    rest = target[level:]
    if not module:
        return target
    package_parts = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 > len(package_parts):
        return target
    base = package_parts[: len(package_parts) - (level - 1)]
    return ".".join([*base, rest] if rest else base)


def class_facts(node: ast.ClassDef, imports: Mapping[str, str]) -> ClassFacts:
    """Extract the facts of one class definition."""
    bases = tuple(_qualify(dotted_name(base) or "", imports) for base in node.bases if dotted_name(base))
    decorators = tuple(_qualify(dotted_name(_decorator_target(d)) or "", imports) for d in node.decorator_list)
    kind = ClassKind.OTHER
    for base in bases:
        kind = _BASE_KINDS.get(base, kind)
        if kind is not ClassKind.OTHER:
            break
    if kind is ClassKind.OTHER and any(d in _DATACLASS_DECORATORS for d in decorators):
        kind = ClassKind.DATACLASS
    fields: list[FieldFacts] = []
    members: list[tuple[str, object]] = []
    methods: list[tuple[str, FunctionFacts]] = []
    attributes: list[FieldFacts] = []
    defines_getitem = False
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            annotation = parse_annotation(statement.annotation)
            if annotation is not None and annotation.short_name in _CLASSVAR_NAMES:
                continue
            value = statement.value
            fields.append(
                FieldFacts(
                    statement.target.id,
                    annotation,
                    statement.lineno,
                    has_default=value is not None and not _is_required_marker(value),
                    default_is_none=_default_is_none(value),
                )
            )
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name) and not target.id.startswith("_"):
                    members.append((target.id, _member_value(statement.value, target.id, bases)))
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            facts = function_facts(statement)
            methods.append((statement.name, facts))
            defines_getitem = defines_getitem or statement.name == "__getitem__"
            if statement.name == "__init__":
                attributes.extend(_init_attributes(statement))
    is_str_enum_base = any(base in _STR_ENUM_BASES for base in bases)
    return ClassFacts(
        name=node.name,
        line=node.lineno,
        col=node.col_offset,
        bases=bases,
        local_kind=kind,
        str_enum_base=is_str_enum_base,
        fields=tuple(fields),
        members=tuple(members),
        attributes=tuple(attributes),
        methods=tuple(methods),
        defines_getitem=defines_getitem,
    )


def _decorator_target(decorator: ast.expr) -> ast.expr:
    return decorator.func if isinstance(decorator, ast.Call) else decorator


def _qualify(dotted: str, imports: Mapping[str, str]) -> str:
    """A dotted name resolved through `imports`, as written when its head is not imported."""
    return qualify_dotted(dotted, imports) or dotted


def _is_required_marker(value: ast.expr) -> bool:
    """`Field(...)` / `Field()` without a default is still required."""
    if not isinstance(value, ast.Call):
        return False
    callee = (dotted_name(value.func) or "").rsplit(".", 1)[-1]
    if callee not in ("Field", "field", "attrib", "ib"):
        return False
    has_default = any(k.arg in ("default", "default_factory", "factory") for k in value.keywords)
    first = value.args[0] if value.args else None
    if callee == "Field" and first is not None and not (isinstance(first, ast.Constant) and first.value is Ellipsis):
        has_default = True
    return not has_default


def _default_is_none(value: ast.expr | None) -> bool:
    if value is None:
        return False
    if isinstance(value, ast.Constant):
        return value.value is None
    if isinstance(value, ast.Call) and (dotted_name(value.func) or "").rsplit(".", 1)[-1] in ("Field", "field"):
        for keyword in value.keywords:
            if keyword.arg == "default":
                return isinstance(keyword.value, ast.Constant) and keyword.value.value is None
        if value.args:
            first = value.args[0]
            return isinstance(first, ast.Constant) and first.value is None
    return False


class NotAString:
    """Marker for an enum member whose value is not a string literal."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<not a str>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NotAString)

    def __hash__(self) -> int:
        return 0x5EED


NOT_A_STRING = NotAString()


def _member_value(value: ast.expr, name: str, bases: tuple[str, ...]) -> object:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ast.Call) and (dotted_name(value.func) or "").rsplit(".", 1)[-1] == "auto" and "enum.StrEnum" in bases:
        return name.lower()
    return NOT_A_STRING


def _init_attributes(init: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[FieldFacts]:
    """`self.x: T = ...` and `self.x = T(...)` assignments directly in `__init__`'s body."""
    params = {arg.arg: parse_annotation(arg.annotation) for arg in (*init.args.posonlyargs, *init.args.args, *init.args.kwonlyargs)}
    for statement in init.body:
        if isinstance(statement, ast.AnnAssign) and _is_self_attribute(statement.target):
            yield FieldFacts(statement.target.attr, parse_annotation(statement.annotation), statement.lineno)  # type: ignore[union-attr]
        elif isinstance(statement, ast.Assign) and len(statement.targets) == 1 and _is_self_attribute(statement.targets[0]):
            target: ast.Attribute = statement.targets[0]  # type: ignore[assignment]
            value = statement.value
            if isinstance(value, ast.Call) and dotted_name(value.func):
                yield FieldFacts(target.attr, TypeRef(dotted_name(value.func), text=dotted_name(value.func) or ""), statement.lineno)
            elif isinstance(value, ast.Name) and params.get(value.id) is not None:
                yield FieldFacts(target.attr, params[value.id], statement.lineno)


def _is_self_attribute(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def function_facts(node: ast.FunctionDef | ast.AsyncFunctionDef) -> FunctionFacts:
    """Extract the signature of one function definition."""
    args = node.args
    params: list[ParamFacts] = []
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    for index, arg in enumerate(positional):
        kind = "positional-only" if index < len(args.posonlyargs) else "positional"
        params.append(ParamFacts(arg.arg, kind, index >= first_default, parse_annotation(arg.annotation)))
    if args.vararg is not None:
        params.append(ParamFacts(args.vararg.arg, "var-positional", False, None))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        params.append(ParamFacts(arg.arg, "keyword-only", default is not None, parse_annotation(arg.annotation)))
    if args.kwarg is not None:
        params.append(ParamFacts(args.kwarg.arg, "var-keyword", False, None))
    decorators = tuple(dotted_name(_decorator_target(d)) or "" for d in node.decorator_list)
    return FunctionFacts(node.name, node.lineno, tuple(params), parse_annotation(node.returns), decorators)


# -- module names -----------------------------------------------------------------------------------

def module_names_for(path: Path, root: Path) -> tuple[str, ...]:
    """The dotted names a file may be imported by: its package chain name, and its root-relative name.

    `root/src/app/models.py` with `app/__init__.py` -> ('app.models', 'src.app.models').
    """
    path = path.resolve()
    names: list[str] = []
    parts = [path.stem] if path.name != "__init__.py" else []
    directory = path.parent
    while (directory / "__init__.py").is_file() and directory != directory.parent:
        parts.insert(0, directory.name)
        directory = directory.parent
    if parts:
        names.append(".".join(parts))
    try:
        relative = path.relative_to(root.resolve()).with_suffix("")
    except ValueError:
        return tuple(names)
    relative_parts = [p for p in relative.parts if p]
    if relative_parts and relative_parts[-1] == "__init__":
        relative_parts.pop()
    if relative_parts:
        dotted = ".".join(relative_parts)
        if dotted not in names:
            names.append(dotted)
        if relative_parts[0] == "src" and len(relative_parts) > 1:
            stripped = ".".join(relative_parts[1:])
            if stripped not in names:
                names.append(stripped)
    return tuple(names)


def _absolute(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


class ProjectTypes:
    """Type facts of every module of a project, by module name and by path.

    Updated per file (`update`, `remove`); a module name claimed by two different files is
    ambiguous and resolves to nothing.
    """

    def __init__(self) -> None:
        self._by_path: dict[str, tuple[ModuleTypeFacts, tuple[str, ...]]] = {}
        self._by_module: dict[str, list[str]] = {}
        self._by_absolute_path: dict[str, str] = {}  # absolute, normalised spelling -> key
        self._derived: tuple[frozenset[str], frozenset[str], frozenset[str]] | None = None
        self._summaries: dict[str, object] = {}  # what `summary` computed from the current facts

    def __getstate__(self) -> dict[str, object]:
        """The facts without what `summary` derived from them (recomputed on first use; the index is pickled for every worker)."""
        state = dict(self.__dict__)
        state["_summaries"] = {}
        return state

    @classmethod
    def from_files(cls, root: Path, paths: Iterable[Path]) -> ProjectTypes:
        """Build the facts of the given files (unparsable and unreadable files are skipped)."""
        types = cls()
        for path in paths:
            types.update_file(path, root)
        return types

    def update_file(self, path: Path, root: Path, source: str | None = None) -> ModuleTypeFacts | None:
        """Read (or take `source`), parse and store one file's facts; None when it cannot be parsed."""
        try:
            text = source if source is not None else path.read_text(encoding="utf-8")
            tree = ast.parse(text)
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
            self.remove(str(path))
            return None
        names = module_names_for(path, root)
        facts = module_type_facts(tree, names[0] if names else path.stem, str(path.resolve()), text)
        self.update(facts, names)
        return facts

    def update(self, facts: ModuleTypeFacts, names: Iterable[str] = ()) -> None:
        """Store the facts of one file, importable under `names` (default: its own module name)."""
        key = facts.path or facts.module
        self.remove(key)
        module_names = tuple(names) or ((facts.module,) if facts.module else ())
        self._by_path[key] = (facts, module_names)
        self._by_absolute_path[_absolute(key)] = key
        for name in module_names:
            self._by_module.setdefault(name, []).append(key)
        self._derived = None
        self._summaries = {}

    def remove(self, path: str) -> None:
        """Forget the facts of one file."""
        key = path if path in self._by_path else self._by_absolute_path.get(_absolute(path), path)
        entry = self._by_path.pop(key, None)
        if entry is None:
            return
        self._by_absolute_path.pop(_absolute(key), None)
        for name in entry[1]:
            keys = self._by_module.get(name, [])
            if key in keys:
                keys.remove(key)
            if not keys:
                self._by_module.pop(name, None)
        self._derived = None
        self._summaries = {}

    def module(self, name: str) -> ModuleTypeFacts | None:
        """The facts of the module importable as `name` (None if unknown or ambiguous)."""
        keys = self._by_module.get(name)
        if not keys or len(keys) != 1:
            return None
        return self._by_path[keys[0]][0]

    def for_path(self, path: str | Path) -> ModuleTypeFacts | None:
        """The facts of the file at `path` (spelt as stored, or any spelling of the same absolute path)."""
        entry = self._by_path.get(str(path))
        if entry is None:
            key = self._by_absolute_path.get(_absolute(str(path))) or self._by_absolute_path.get(os.path.realpath(path))
            entry = self._by_path.get(key) if key is not None else None
        return entry[0] if entry else None

    def modules(self) -> Iterator[ModuleTypeFacts]:
        """Every module's facts."""
        return (facts for facts, _ in self._by_path.values())

    def _derive(self) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        derived = self._derived
        if derived is None:
            enum_values: set[str] = set()
            field_names: set[str] = set()
            optional_fields: set[str] = set()
            for facts, _ in self._by_path.values():
                enum_values |= facts.enum_values
                field_names |= facts.field_names
                optional_fields |= facts.optional_fields
            derived = self._derived = (frozenset(enum_values), frozenset(field_names), frozenset(optional_fields))
        return derived

    def summary(self, key: str, compute: Callable[[ProjectTypes], T]) -> T:
        """`compute(self)`, kept under `key` until the facts of a file change."""
        if key not in self._summaries:
            self._summaries[key] = compute(self)
        return self._summaries[key]  # type: ignore[return-value]

    @property
    def enum_values(self) -> frozenset[str]:
        """Casefolded member values of every enum of the project (a cheap pre-filter)."""
        return self._derive()[0]

    @property
    def field_names(self) -> frozenset[str]:
        """Names of every field of every class of the project (a cheap pre-filter)."""
        return self._derive()[1]

    @property
    def optional_fields(self) -> frozenset[str]:
        """Names of every field annotated as optional in the project (a cheap pre-filter)."""
        return self._derive()[2]

    @property
    def fingerprint(self) -> int:
        """Changes whenever any module's type facts change."""
        return hash(tuple(sorted((key, facts.fingerprint) for key, (facts, _) in self._by_path.items())))
