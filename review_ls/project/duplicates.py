"""Duplicated models across the project, and one concept named differently in models of one API.

Two pydantic models (or two dataclasses) are copies of one model when they have the same name and
the same field names, or when they declare the same fields with the same annotations (at least
three) under names that differ only by a role (`User`, `UserOut`, `UserResponse`, `UserDTO`):
models of different concepts may share a shape (`Point` and `Velocity`) and are left alone.
Left alone too, because those copies are deliberate: models in tests, scripts and docs; frozen
copies in database migrations (alembic `versions/`, Django `migrations/`); copies that live in
different API versions (`v1/` vs `v2/`); and a model that inherits from the other (`class
PromptUpdate(PromptBase)` is its own schema, not a copy).

Of each group of copies one is canonical, chosen deterministically: one that other classes inherit
from (a base cannot be replaced by an import or a subclass), then the one that other modules of the
project already import by name most often, then one in a `models`/`schemas` module, then the first
by path and line. The others are reported, pointing at it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from review_ls.deferred_dataclass import dataclass
from review_ls.patterns.migrations import is_migration_path
from review_ls.patterns.scripts import is_script_path, is_test_path
from review_ls.project.import_graph import ImportGraph
from review_ls.project.views import VALUE_MODEL_KINDS, ClassRef, ProjectClass, ProjectViews

MIN_SHARED_FIELDS = 3
_CANONICAL_MODULE_NAMES = frozenset({"models", "model", "schemas", "schema"})
_VERSION = re.compile(r"(?:^|[^a-z0-9])(v\d+)(?=$|[^a-z0-9])")
# Suffixes that decorate a field name without changing the concept (`metadata` vs `metadata_vars`).
FIELD_NAME_DECORATIONS = ("vars", "dict", "data", "map", "mapping", "list", "info", "obj", "json", "str", "values", "items")
MIN_CONCEPT_LENGTH = 4
_ROLE_SUFFIX = re.compile(
    r"(In|Out|Input|Output|Request|Response|Create|Update|Read|Base|Schema|Model|DTO|Dto|Data|Payload|Body|Params|Public|Record|Entity|Item|Result)$"
)

# The schemas of one resource that FastAPI/SQLModel projects keep side by side (`PromptBase`,
# `PromptCreate`, `PromptUpdate`, `PromptRead`): in one module they are a deliberate family, even
# when two of them have the same fields today.
_CRUD_FAMILY = re.compile(r"(Base|Create|Update|Patch|Read)$")


@dataclass(frozen=True)
class Duplicate:
    """A model (`copy`) that copies another: the canonical definition, every other copy, and whether it is exact."""

    copy: ClassRef
    canonical: ClassRef
    copies: tuple[ClassRef, ...]
    exact: bool
    import_cycle: bool = False  # importing the canonical model into the copy's module would close an import cycle


@dataclass(frozen=True)
class FieldVariant:
    """A field of a model named differently from the same concept in another model of the same API."""

    field: str
    line: int
    other_field: str
    other: ClassRef
    other_line: int


def find_duplicates(classes: Iterable[ProjectClass], views: ProjectViews | None = None) -> dict[tuple[str, int], Duplicate]:
    """Each non-canonical copy's duplicate record, keyed by (path, line of its name).

    With the `views` of the project, a model is never a copy of a class it inherits from, and the
    canonical copy is the one the project imports most.
    """
    models = [c for c in classes if _comparable(c)]
    lineage = _Lineage(views)
    twins: dict[int, set[int]] = {}
    by_name: dict[str, list[int]] = {}
    by_shape: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for index, model in enumerate(models):
        by_name.setdefault(model.ref.name, []).append(index)
        if len(model.fact.fields) >= MIN_SHARED_FIELDS:
            by_shape.setdefault(model.fact.shape, []).append(index)
    for group in (*by_name.values(), *by_shape.values()):
        for position, first in enumerate(group):
            for second in group[position + 1 :]:
                if _copies(models[first], models[second]) and not lineage.related(models[first], models[second]):
                    twins.setdefault(first, set()).add(second)
                    twins.setdefault(second, set()).add(first)
    found: dict[tuple[str, int], Duplicate] = {}
    for index, others in twins.items():
        model = models[index]
        canonical = min((models[i] for i in (index, *others)), key=lineage.canonical_key)
        if canonical is model:
            continue
        exact = (
            model.kind == canonical.kind
            and model.fact.only_fields
            and canonical.fact.only_fields
            and model.fact.exact_shape == canonical.fact.exact_shape
        )
        copies = tuple(sorted((models[i].ref for i in others), key=lambda r: (r.path, r.span)))
        found[(model.ref.path, model.ref.span.line)] = Duplicate(model.ref, canonical.ref, copies, exact)
    return found


def mark_import_cycles(found: dict[tuple[str, int], Duplicate], graph: ImportGraph) -> dict[tuple[str, int], Duplicate]:
    """The duplicates, with `import_cycle` set where importing the canonical model into the copy's
    module would close an import cycle, counting the imports that the fixes of exact copies before
    it (by path) add in the same run."""
    exact = sorted((d for d in found.values() if d.exact and _imports_across(d)), key=lambda d: (d.copy.path, d.copy.span.line))
    accepted = graph.acyclic_additions((d.copy.module, d.canonical.module) for d in exact)
    marked: dict[tuple[str, int], Duplicate] = {}
    for key, duplicate in found.items():
        cycle = False
        if _imports_across(duplicate):
            if duplicate.exact:
                cycle = (duplicate.copy.module, duplicate.canonical.module) not in accepted
            else:
                cycle = graph.reaches(duplicate.canonical.module, duplicate.copy.module)
        marked[key] = replace(duplicate, import_cycle=cycle) if cycle else duplicate
    return marked


def _imports_across(duplicate: Duplicate) -> bool:
    """True when the copy and the canonical model live in two named modules (so one can import the other)."""
    return bool(duplicate.copy.module and duplicate.canonical.module) and duplicate.copy.module != duplicate.canonical.module


def find_field_variants(classes: Iterable[ProjectClass]) -> dict[tuple[str, int], tuple[FieldVariant, ...]]:
    """Fields named like a decorated form of a field of another model in the same package, keyed by model."""
    by_package: dict[str, list[ProjectClass]] = {}
    for model in classes:
        if _comparable(model):
            by_package.setdefault(os.path.dirname(model.ref.path), []).append(model)
    found: dict[tuple[str, int], list[FieldVariant]] = {}
    for models in by_package.values():
        holders: dict[str, list[tuple[ProjectClass, int]]] = {}
        for model in models:
            for field in model.fact.fields:
                holders.setdefault(field.name, []).append((model, field.line))
        for concept, plain in holders.items():
            if len(concept) < MIN_CONCEPT_LENGTH:
                continue
            for decoration in FIELD_NAME_DECORATIONS:
                for model, line in holders.get(f"{concept}_{decoration}", ()):
                    other = _first_without(plain, model, f"{concept}_{decoration}")
                    if other is None or concept in model.fact.field_names:
                        continue
                    variant = FieldVariant(f"{concept}_{decoration}", line, concept, other[0].ref, other[1])
                    found.setdefault((model.ref.path, model.ref.span.line), []).append(variant)
    return {key: tuple(value) for key, value in found.items()}


def _first_without(holders: Sequence[tuple[ProjectClass, int]], model: ProjectClass, variant: str) -> tuple[ProjectClass, int] | None:
    """The first other model holding the plain name that does not also hold the decorated one."""
    for holder, line in holders:
        if holder is not model and variant not in holder.fact.field_names:
            return holder, line
    return None


def _comparable(model: ProjectClass) -> bool:
    path = model.ref.path
    return model.kind in VALUE_MODEL_KINDS and bool(model.fact.fields) and not (is_test_path(path) or is_script_path(path) or is_migration_path(path))


class _Lineage:
    """What the project's views add to the comparison: inheritance, and how often a model is imported."""

    def __init__(self, views: ProjectViews | None) -> None:
        self.views = views
        self._bases: dict[tuple[str, int], frozenset[tuple[str, str]]] = {}

    def related(self, first: ProjectClass, second: ProjectClass) -> bool:
        """True when one of the two models inherits from the other."""
        return (second.ref.path, second.ref.name) in self._bases_of(first) or (first.ref.path, first.ref.name) in self._bases_of(second)

    def _bases_of(self, model: ProjectClass) -> frozenset[tuple[str, str]]:
        if self.views is None:
            return frozenset()
        key = (model.ref.path, model.ref.span.line)
        known = self._bases.get(key)
        if known is None:
            known = self._bases[key] = self.views.base_classes(model.ref.path, model.fact)
        return known

    def canonical_key(self, model: ProjectClass) -> tuple[int, int, int, str, int]:
        """Sorts the canonical copy first: a base of other classes, most imported by name, in a
        models/schemas module, first by path and line."""
        if self.views is None:
            return (0, 0, *_canonical_key(model))
        subclassed = (model.ref.path, model.ref.name) in self.views.subclassed
        imported = self.views.name_importers.get((model.ref.module, model.ref.name), 0)
        return (0 if subclassed else 1, -imported, *_canonical_key(model))


def _copies(first: ProjectClass, second: ProjectClass) -> bool:
    """True when two models are copies of one model (see the module docs)."""
    if first.kind != second.kind or _versions(first.ref.path) != _versions(second.ref.path):
        return False
    if first.ref.name == second.ref.name:
        return first.ref.path != second.ref.path and first.fact.field_names == second.fact.field_names
    if first.ref.path == second.ref.path and _CRUD_FAMILY.search(first.ref.name) and _CRUD_FAMILY.search(second.ref.name):
        return False  # one resource's Base/Create/Update/Read schemas in one module
    return len(first.fact.fields) >= MIN_SHARED_FIELDS and first.fact.shape == second.fact.shape and concept_of(first.ref.name) == concept_of(second.ref.name)


def concept_of(name: str) -> str:
    """A model's name without its role suffixes: `UserResponseDTO` -> 'User'."""
    stem = name.lstrip("_")
    while True:
        shorter = _ROLE_SUFFIX.sub("", stem)
        if shorter == stem or not shorter:
            return stem
        stem = shorter


def _versions(path: str) -> frozenset[str]:
    return frozenset(_VERSION.findall(path.lower().replace(os.sep, "/")))


def _canonical_key(model: ProjectClass) -> tuple[int, str, int]:
    parts = re.split(r"[\\/]", model.ref.path)
    stems = {parts[-1].rsplit(".", 1)[0], *parts[:-1]}
    return (0 if stems & _CANONICAL_MODULE_NAMES else 1, model.ref.path, model.ref.span.line)
