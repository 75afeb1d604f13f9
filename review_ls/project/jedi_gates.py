"""When a type-aware rule's answer could still change: cheap checks made before asking jedi (or the facts).

jedi is the slowest step of the RV7 rules, and most of its answers change nothing: the object turns
out to be a dict, a library class, or a project class that cannot make the rule report. The checks
here look at what *any* class of the project (or of the analysed file) declares, so they are
supersets of what a definite answer could lead to: skipping the question when they say no never
changes a finding.

- `may_misspell_enum_value(resolver, literal)`: some class declares a string value spelt like
  `literal` except for case (RV701 reports only such literals).
- `may_be_model_field(resolver, name)`: some pydantic model, dataclass or named tuple has a field
  or annotated attribute `name`, its bases included (RV702 reports only such subscripts).
- `may_pass_misspelt_enum_value(resolver, called, key, literal)`: some parameter, of a function,
  method or class of the project called `called`, that the argument `key` (a keyword, or a position)
  can fill is annotated with an enum that declares a str value spelt like `literal` except for case
  (RV701 checks a literal argument only against the annotation of the parameter it fills).
- `may_drop_defaulted_parameter(resolver, called, names)`: some function, method or class of the
  project called `called` has a parameter (or field) with a default named one of `names` (RV703
  reports only those).

The project-wide sets are kept by `ProjectTypes.summary` until a file's facts change; the analysed
file's own classes are added per analysis (its text may be newer than the index's).

The last two bound what the callee jedi finds can declare. `TypeResolver.callee_with_jedi` asks jedi only about
`obj.name(...)` calls, and makes a `Callee` only of a function, a method (bound) or a class of a module the resolver
has facts for (the index's, or the analysed file's), found under the name of jedi's definition. jedi's goto follows
imports (not assignments: `name = f` is a statement, which makes no `Callee`), so that name is `name` itself unless an
import binds `name` (`from m import f as name`, chained, or two imports of one name in `try`/`if` branches): when any
top-level import of the project binds `name`, the gates answer True. (Imports in class bodies bind attributes too; the
facts do not record them, and none of the corpus's 4,615 files has one.) `_possible_callees` makes every `Callee` of
the index with a name, and the passes read its parameters (`Callee.parameters`) and resolve each annotation where it
is written (`Callee.annotation_module`), as the rules do. They run per callee name, on the first question about it:
a check of the application corpus asks about 20 and 9 names, and the passes over every callee of the project cost its
parent ~0.25 s before the workers could start; only where each name is defined is found for the whole project. That holds for the resolver of an analysis when the analysed
file's facts are the index's (`_index_view_holds`): it then sees every module as the pass does. When they are not (an
edited, unsaved document in the editor, or a file outside the index), the gates answer True and jedi is asked.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from review_ls.project.inference import Callee, ResolvedClass, TypeResolver
    from review_ls.project.types import FunctionFacts, ModuleTypeFacts, ProjectTypes

    # Where a callee is defined: its module; its function's facts, or its class's name; whether it is a method (bound).
    _CalleePlace = tuple[ModuleTypeFacts, FunctionFacts | str, bool]

_SPELLINGS_KEY = "jedi_gates.enum-spellings"
_MODEL_FIELDS_KEY = "jedi_gates.model-fields"
_ANNOTATED_SPELLINGS_KEY = "jedi_gates.annotated-enum-spellings"  # (per callee name: `:name` appended)
_DEFAULTED_NAMES_KEY = "jedi_gates.defaulted-parameters"  # (per callee name: `:name` appended)
_CALLEE_PLACES_KEY = "jedi_gates.callee-places"
_INDEX_VIEW_KEY = "jedi_gates.index-view-holds"
_IMPORTED_NAMES_KEY = "jedi_gates.imported-names"

# The parameter kinds a positional argument fills (`Callee.parameters`).
POSITIONAL_KINDS = frozenset({"positional-only", "positional"})


def may_misspell_enum_value(resolver: TypeResolver, literal: str) -> bool:
    """True when a class of the project or of this file declares a str value equal to `literal` ignoring case only."""
    folded = literal.casefold()
    for spellings in (_local_spellings(resolver), _project_spellings(resolver.project_types)):
        if any(spelling != literal for spelling in spellings.get(folded, ())):
            return True
    return False


def may_be_model_field(resolver: TypeResolver, name: str) -> bool:
    """True when a model class (pydantic, dataclass, named tuple) of the project or of this file has a field `name`."""
    types = resolver.project_types
    if types is not None and name in types.summary(_MODEL_FIELDS_KEY, _project_model_fields):
        return True
    return name in _local_model_fields(resolver)


def may_pass_misspelt_enum_value(resolver: TypeResolver, called: str, key: str | int, literal: str) -> bool:
    """True when a parameter of a function, method or class named `called` of the project, that an argument `key` (a
    keyword's name, or a positional argument's index) can fill, is annotated with an enum declaring a str value equal to
    `literal` ignoring case only (or when an import binds `called`, or the analysed text's facts are not the index's)."""
    types = resolver.project_types
    if types is None or not _index_view_holds(resolver):
        return True
    if called in types.summary(_IMPORTED_NAMES_KEY, _imported_names):
        return True  # jedi's goto may follow the import to a definition of another name
    spellings = types.summary(f"{_ANNOTATED_SPELLINGS_KEY}:{called}", lambda t: _annotated_enum_spellings(t, called)).get(key, {})
    return any(spelling != literal for spelling in spellings.get(literal.casefold(), ()))


def may_drop_defaulted_parameter(resolver: TypeResolver, called: str, names: Iterable[str]) -> bool:
    """True when a function, method or class named `called` of the project has a parameter with a default named one of
    `names` (or when an import binds `called`, or the analysed text's facts are not the index's)."""
    types = resolver.project_types
    if types is None or not _index_view_holds(resolver):
        return True
    if called in types.summary(_IMPORTED_NAMES_KEY, _imported_names):
        return True  # jedi's goto may follow the import to a definition of another name
    defaulted = types.summary(f"{_DEFAULTED_NAMES_KEY}:{called}", lambda t: _defaulted_names(t, called))
    return any(name in defaulted for name in names)


def build_project_sets(types: ProjectTypes, jedi: bool = True) -> None:
    """Build the project-wide sets the gates read (kept by `ProjectTypes.summary`), e.g. before a check forks its
    workers: the enum spellings, which RV701 checks its literals against with or without jedi, and with `jedi` the
    sets read only before asking jedi (without jedi: 1.7 MB of the application corpus's parent, copied into a worker)."""
    _project_spellings(types)
    if jedi:
        types.summary(_MODEL_FIELDS_KEY, _project_model_fields)
        types.summary(_IMPORTED_NAMES_KEY, _imported_names)
        types.summary(_CALLEE_PLACES_KEY, _callee_places)


def _index_view_holds(resolver: TypeResolver) -> bool:
    """True when the index holds the analysed file with the very facts of the analysed text (so the resolver of the
    analysis resolves every name as a resolver over the index alone does)."""
    holds: bool | None = resolver.derived.get(_INDEX_VIEW_KEY)
    if holds is None:
        types = resolver.project_types
        indexed = types.for_path(resolver.path) if types is not None and resolver.path is not None else None
        holds = resolver.derived[_INDEX_VIEW_KEY] = indexed is not None and _same_facts(indexed, resolver.local)
    return holds


def _same_facts(a: ModuleTypeFacts, b: ModuleTypeFacts) -> bool:
    """Field by field (`ModuleTypeFacts` compares by identity)."""
    return a is b or all(getattr(a, name) == getattr(b, name) for name in _FACT_FIELDS)


_FACT_FIELDS = (
    "module", "path", "is_package", "imports", "classes", "functions", "literal_values", "literal_returns", "enum_values", "field_names",
    "optional_fields",
)  # fmt: skip


def _annotated_enum_spellings(types: ProjectTypes, name: str) -> dict[str | int, dict[str, frozenset[str]]]:
    """Argument key (a parameter's name or a positional parameter's index) -> casefolded str value -> its spellings, over
    the enums annotating the parameters of every callee named `name` that `callee_with_jedi` can return."""
    resolver = _index_resolver(types)
    spellings: dict[str | int, dict[str, set[str]]] = {}
    members_of: dict[tuple[str | None, int], tuple[tuple[str, str], ...] | None] = {}  # (annotated name, id of its module)
    for callee in _possible_callees(resolver, types, name):
        params = callee.parameters() or ()
        positional = [param for param in params if param.kind in POSITIONAL_KINDS]
        for param in params:
            if param.annotation is None:
                continue
            module = callee.annotation_module(param)
            written = (param.annotation.name, id(module))  # (the members depend on the name and where it is written only)
            if written in members_of:
                members = members_of[written]
            else:
                value_type = resolver.from_annotation(param.annotation, module)
                members = members_of[written] = value_type.cls.str_enum_members() if value_type is not None and value_type.cls is not None else None
            if not members:
                continue
            keys: list[str | int] = [param.name, *(index for index, p in enumerate(positional) if p is param)]
            for key in keys:
                for _, value in members:
                    spellings.setdefault(key, {}).setdefault(value.casefold(), set()).add(value)
    return {key: {folded: frozenset(values) for folded, values in by_value.items()} for key, by_value in spellings.items()}


def _imported_names(types: ProjectTypes) -> frozenset[str]:
    """Every name an import binds at the top level of a module of the project (`from m import f as g`: g)."""
    return frozenset(local for module in types.modules() for local in module.imports)


def _callee_places(types: ProjectTypes) -> dict[str, tuple[_CalleePlace, ...]]:
    """Name -> where every callee that `TypeResolver.callee_with_jedi` can make under that name is defined (the name jedi
    found it by): a module's function, a class's method, a class; in the project's module order."""
    places: dict[str, list[_CalleePlace]] = {}
    for module in types.modules():
        for function in module.functions.values():
            places.setdefault(function.name, []).append((module, function, False))
        for name, facts in module.classes.items():
            for method_name, method in facts.methods:
                places.setdefault(method_name, []).append((module, method, True))
            places.setdefault(name, []).append((module, name, False))
    return {name: tuple(found) for name, found in places.items()}


def _possible_callees(resolver: TypeResolver, types: ProjectTypes, name: str) -> Iterator[Callee]:
    """Every `Callee` named `name` that `TypeResolver.callee_with_jedi` can make: a module's function, a class's method
    (bound), a class (when it resolves)."""
    from review_ls.project.inference import Callee

    for module, defined, bound in types.summary(_CALLEE_PLACES_KEY, _callee_places).get(name, ()):
        if isinstance(defined, str):  # a class
            cls = resolver.resolve_class_in(module, defined)
            if cls is not None:
                yield Callee(None, cls, module, bound=False)
        else:
            yield Callee(defined, None, module, bound=bound)


def _defaulted_names(types: ProjectTypes, name: str) -> frozenset[str]:
    """The names of the parameters with a default of every callee named `name` that `callee_with_jedi` can return."""
    return frozenset(param.name for callee in _possible_callees(_index_resolver(types), types, name) for param in callee.parameters() or () if param.has_default)


def _index_resolver(types: ProjectTypes) -> TypeResolver:
    """A resolver over the index's own facts, with no analysed text in front of them."""
    from review_ls.project.inference import TypeResolver  # (inference loads only when a rule asks for types)

    resolver = TypeResolver(ast.Module(body=[], type_ignores=[]), None, (), None)
    resolver.project_types = types
    return resolver


def _project_spellings(types: ProjectTypes | None) -> Mapping[str, frozenset[str]]:
    if types is None:
        return {}
    return types.summary(_SPELLINGS_KEY, lambda t: _spellings(t.modules()))


def _local_spellings(resolver: TypeResolver) -> Mapping[str, frozenset[str]]:
    # (kept on the resolver: it lives exactly as long as the analysis and its text)
    found: Mapping[str, frozenset[str]] | None = resolver.derived.get(_SPELLINGS_KEY)
    if found is None:
        found = resolver.derived[_SPELLINGS_KEY] = _spellings([resolver.local])
    return found


def _spellings(modules: Iterable[ModuleTypeFacts]) -> dict[str, frozenset[str]]:
    """Casefolded string value -> its spellings, over every member assignment of every class."""
    spellings: dict[str, set[str]] = {}
    for module in modules:
        for cls in module.classes.values():
            for _, value in cls.members:
                if isinstance(value, str):
                    spellings.setdefault(value.casefold(), set()).add(value)
    return {folded: frozenset(values) for folded, values in spellings.items()}


def _project_model_fields(types: ProjectTypes) -> frozenset[str]:
    """Field and attribute names of every model class of the project, inherited ones included."""
    return _model_fields(_index_resolver(types), types.modules())


def _local_model_fields(resolver: TypeResolver) -> frozenset[str]:
    found: frozenset[str] | None = resolver.derived.get(_MODEL_FIELDS_KEY)
    if found is None:
        found = resolver.derived[_MODEL_FIELDS_KEY] = _model_fields(resolver, [resolver.local])
    return found


def _model_fields(resolver: TypeResolver, modules: Iterable[ModuleTypeFacts]) -> frozenset[str]:
    names: set[str] = set()
    for module in modules:
        for class_name, facts in module.classes.items():
            if not (facts.fields or facts.attributes or facts.bases):
                continue  # nothing declared and nothing inherited
            cls = resolver.resolve_class_in(module, class_name)
            if cls is not None and cls.is_model:
                names.update(_declared_in_chain(cls))
    return frozenset(names)


def _declared_in_chain(cls: ResolvedClass) -> Iterable[str]:
    """The field and attribute names `cls.field()` can find: its own and every base's."""
    pending, seen = [cls], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield from (f.name for f in (*current.facts.fields, *current.facts.attributes))
        pending.extend(current.bases)
