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

The project-wide sets are kept by `ProjectTypes.summary` until a file's facts change; the analysed
file's own classes are added per analysis (its text may be newer than the index's).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from review_ls.project.inference import ResolvedClass, TypeResolver
    from review_ls.project.types import ModuleTypeFacts, ProjectTypes

_SPELLINGS_KEY = "jedi_gates.enum-spellings"
_MODEL_FIELDS_KEY = "jedi_gates.model-fields"


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
    from review_ls.project.inference import TypeResolver  # (inference loads only when a rule asks for types)

    resolver = TypeResolver(ast.Module(body=[], type_ignores=[]), None, (), None)
    resolver.project_types = types  # the index's own facts, no analysed text in front of them
    return _model_fields(resolver, types.modules())


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
