"""Lookups derived from every file's facts: class kinds across files, settings, clients, route handlers.

`ProjectViews` is built from an immutable snapshot of the index (path -> FileFacts) when a rule
first asks after a change, so a burst of edits costs one rebuild, and a reader on another thread
always sees one consistent snapshot. Given the views of the previous snapshot and which files
changed since (`SnapshotDelta`), it re-derives only what those files can change.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import cached_property, partial
from itertools import chain, repeat

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.model import Span
from review_ls.patterns.clients import CLIENT_CLASS_SUFFIXES
from review_ls.project.file_facts import ClassFact, FieldFact, FileFacts
from review_ls.project.import_graph import ImportGraph, module_edges
from review_ls.project.modules import normalise
from review_ls.project.view_memo import SnapshotDelta, ViewMemo


class Kind:
    """What a class is, for the rules that read the index."""

    SETTINGS = "settings"
    PYDANTIC = "pydantic"
    DATACLASS = "dataclass"
    SQLALCHEMY = "sqlalchemy"
    SQLMODEL_TABLE = "sqlmodel-table"
    DJANGO = "django"


VALUE_MODEL_KINDS = frozenset({Kind.PYDANTIC, Kind.DATACLASS})

_SETTINGS_BASES = frozenset(
    {"pydantic.BaseSettings", "pydantic_settings.BaseSettings", "pydantic_settings.main.BaseSettings", "pydantic.v1.BaseSettings"}
)
_PYDANTIC_BASE_NAMES = frozenset({"BaseModel", "GenericModel", "RootModel"})
_SQLMODEL_BASES = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
_SQLALCHEMY_BASE_NAMES = frozenset({"DeclarativeBase", "DeclarativeBaseNoMeta", "MappedAsDataclass"})
_DATACLASS_DECORATOR_NAMES = frozenset({"dataclass", "define", "frozen", "attrs", "s", "mutable"})
_SETTINGS_STEMS = frozenset({"settings", "config", "conf", "configuration"})
_SETTINGS_SUFFIXES = ("_settings", "_config")


def is_settings_named(path: str) -> bool:
    """True for `settings.py`, `config.py`, `app_settings.py`, `settings/prod.py` and the like."""
    directory, filename = os.path.split(path)
    stem = filename.rsplit(".", 1)[0]
    if stem == "__init__":
        stem = os.path.basename(directory)
    return stem in _SETTINGS_STEMS or stem.endswith(_SETTINGS_SUFFIXES) or os.path.basename(directory) in _SETTINGS_STEMS


@dataclass(frozen=True)
class ClassRef:
    """Where a class is defined: its file, module and the span of its name."""

    path: str
    module: str
    name: str
    span: Span


@dataclass(frozen=True)
class ProjectClass:
    """A class of the project with what the index decided about it."""

    ref: ClassRef
    fact: ClassFact
    kind: str | None


@dataclass(frozen=True)
class SettingsTarget:
    """A settings field reachable from anywhere: `from <module> import <object_name>`, then `<object_name>.<field>`.

    `is_factory` says the object is a function returning the settings (`get_settings().<field>`).
    """

    path: str
    module: str
    object_name: str
    is_factory: bool
    field: str
    env_names: tuple[str, ...]
    case_sensitive: bool

    def matches_env(self, name: str) -> bool:
        """True when the environment variable `name` fills this field."""
        if self.case_sensitive:
            return name in self.env_names
        return name.upper() in self.env_names

    def expression(self, local_name: str) -> str:
        """The code that reads the field through the object imported as `local_name`."""
        return f"{local_name}().{self.field}" if self.is_factory else f"{local_name}.{self.field}"


class ProjectViews:
    """Everything derived from one snapshot of the index's facts."""

    def __init__(
        self,
        files: Mapping[str, FileFacts],
        roots: tuple[str, ...],
        memo: ViewMemo | None = None,
        previous: ProjectViews | None = None,
        changed: frozenset[str] | None = None,
    ) -> None:
        """The views of `files`; with the `previous` snapshot's views and the paths `changed` since (the same set of paths),
        only the changed files are derived again."""
        self.files = files
        self.roots = tuple(sorted(roots, key=len, reverse=True))
        self._memo = memo or ViewMemo()  # per-file derivations, shared with the views of earlier snapshots
        self._previous = previous
        self._delta = None if previous is None or changed is None else SnapshotDelta(previous.files, changed)
        if previous is not None:  # one snapshot back at most (its own lazy views then derive from scratch)
            previous._previous = previous._delta = None
        self.namer, self.modules = self._memo.module_names(files, tuple(roots), self._delta)
        if previous is not None and self._delta is not None and previous.namer is self.namer and previous.modules is self.modules:
            self.paths_by_module: dict[str, str] = previous.paths_by_module  # same paths, same names
        else:
            self.paths_by_module = {}
            for path in sorted(files):
                self.paths_by_module.setdefault(self.modules[path], path)
        # Each file's classes by name, and every project class by name (in path order).
        self._by_name_in_file, self.classes_named = self._memo.classes_by_name(files, self._delta)
        self._kind_memo, self._kinds_carried = self._memo.carried_kinds(files, self._delta)

    def root_of(self, path: str) -> str:
        """The workspace root that holds `path` ('' when none does): settings apply within one root."""
        full = normalise(path)
        return next((root for root in self.roots if full == root or full.startswith(root + os.sep)), "")

    # -- classes ------------------------------------------------------------------------------
    def absolute(self, qualified: str, path: str) -> str:
        """Resolve a relative import target against the module of `path`."""
        return self._memo.absolute(qualified, path, self.modules)

    def resolve_class(self, reference: str, path: str) -> tuple[str, ClassFact] | None:
        """The project class that `reference` (a base or callee as the file at `path` names it) means."""
        if "." not in reference:
            local = self._by_name_in_file.get(path, {}).get(reference)
            return (path, local) if local is not None else None
        module, _, name = self.absolute(reference, path).rpartition(".")
        target = self.paths_by_module.get(module)
        if target is not None:
            found = self._by_name_in_file.get(target, {}).get(name)
            if found is not None:
                return target, found
        candidates = self.classes_named.get(name, ())
        return candidates[0] if len(candidates) == 1 else None

    def kind_of(self, path: str, fact: ClassFact) -> str | None:
        """What the class is (a `Kind` value), following bases through the project; None for other classes."""
        key = (path, fact.name)
        if key in self._kind_memo:
            return self._kind_memo[key]
        self._kind_memo[key] = None  # guards against inheritance cycles
        kind = _own_kind(fact)
        for base in fact.bases:
            if kind is not None:
                break
            resolved = self.resolve_class(base, path)
            if resolved is not None and resolved[1] is not fact:
                kind = self.kind_of(*resolved)
            if kind is None:
                kind = _base_kind(base, fact)
        if kind is None and any(d.rsplit(".", 1)[-1] in _DATACLASS_DECORATOR_NAMES for d in fact.decorators):
            kind = Kind.DATACLASS
        self._kind_memo[key] = kind
        return kind

    @cached_property
    def classes(self) -> tuple[ProjectClass, ...]:
        """Every class of the project whose kind is known, in path and line order."""
        carried = self._kinds_carried
        by_path = self._memo.classes_since(carried[0]) if carried is not None and self._delta is not None else None
        ordered = self._memo.sorted_paths(self.files, self._delta)
        if by_path is not None and carried is not None:  # only the files whose classes' kinds may differ are visited
            for path in carried[1]:
                made = self._classes_of(path, self.files[path])
                if made:
                    by_path[path] = made
                else:
                    by_path.pop(path, None)
        else:
            by_path = {}
            for path in ordered:
                facts = self.files[path]
                if not facts.classes:
                    continue
                kept = None
                if carried is not None and path not in carried[1]:
                    kept = self._memo.unchanged_classes(path, facts, self.modules[path], carried[0], self.files)
                made = kept if kept is not None else self._classes_of(path, facts)
                if made:
                    by_path[path] = made
        self._memo.remember_kinds(self.files, self._kind_memo)
        self._memo.remember_classes(self.files, by_path)
        return tuple(chain.from_iterable(map(by_path.get, ordered, repeat(()))))

    def _classes_of(self, path: str, facts: FileFacts) -> tuple[ProjectClass, ...]:
        """The known classes of one file (their kinds derived), as made before when nothing they read changed."""
        if not facts.classes:
            return ()
        kinds = tuple(self.kind_of(path, fact) for fact in facts.classes)
        return self._memo.project_classes(path, (facts, self.modules[path], kinds), partial(self._known_classes, path, facts, kinds), self.files)

    def _known_classes(self, path: str, facts: FileFacts, kinds: tuple[str | None, ...]) -> tuple[ProjectClass, ...]:
        module = self.modules[path]
        return tuple(ProjectClass(ClassRef(path, module, fact.name, fact.span), fact, kind) for fact, kind in zip(facts.classes, kinds, strict=True) if kind is not None)

    @cached_property
    def kinds_at(self) -> dict[tuple[str, int], str]:
        """The kind of each known class by (path, line of its name)."""
        return {(c.ref.path, c.ref.span.line): c.kind for c in self.classes if c.kind is not None}

    def inherited_fields(self, path: str, fact: ClassFact, depth: int = 0) -> dict[str, tuple[FieldFact, ClassFact]]:
        """The class's fields including those of its project bases (a subclass's own fields win)."""
        fields: dict[str, tuple[FieldFact, ClassFact]] = {}
        if depth < 8:
            for base in reversed(fact.bases):
                resolved = self.resolve_class(base, path)
                if resolved is not None and resolved[1] is not fact:
                    fields.update(self.inherited_fields(*resolved, depth=depth + 1))
        fields.update({f.name: (f, fact) for f in fact.fields})
        return fields

    # -- settings -----------------------------------------------------------------------------
    @cached_property
    def settings_targets(self) -> tuple[SettingsTarget, ...]:
        """Every settings field reachable through a module-level settings object (objects before factories)."""
        targets: list[SettingsTarget] = []
        for is_factory in (False, True):
            for path in sorted(self.files):
                facts = self.files[path]
                for name, callee in facts.factories if is_factory else facts.instances:
                    resolved = self.resolve_class(callee, path)
                    if resolved is None or self.kind_of(*resolved) != Kind.SETTINGS:
                        continue
                    targets.extend(self._targets_of(path, name, is_factory, *resolved))
        return tuple(targets)

    def _targets_of(self, path: str, name: str, is_factory: bool, class_path: str, fact: ClassFact) -> list[SettingsTarget]:
        case_sensitive = fact.case_sensitive
        prefix = fact.env_prefix
        found = []
        for field_name, (field, _owner) in sorted(self.inherited_fields(class_path, fact).items()):
            names = field.aliases or (prefix + field_name,)
            if not case_sensitive:
                names = tuple(n.upper() for n in names)
            found.append(SettingsTarget(path, self.modules[path], name, is_factory, field_name, names, case_sensitive))
        return found

    def settings_targets_for(self, path: str) -> tuple[SettingsTarget, ...]:
        """The settings targets of the workspace root that holds `path`."""
        by_root = self._settings_targets_by_root
        return by_root.get(self.root_of(path), ())

    @cached_property
    def _settings_targets_by_root(self) -> dict[str, tuple[SettingsTarget, ...]]:
        grouped: dict[str, list[SettingsTarget]] = {}
        for target in self.settings_targets:
            grouped.setdefault(self.root_of(target.path), []).append(target)
        return {root: tuple(targets) for root, targets in grouped.items()}

    def settings_home_for(self, path: str) -> str | None:
        """The module where the settings of the root holding `path` live (a settings class first)."""
        root = self.root_of(path)
        classes = sorted(c.ref.path for c in self.classes if c.kind == Kind.SETTINGS and self.root_of(c.ref.path) == root)
        others = sorted(p for p in self.settings_paths if self.root_of(p) == root)
        home = next(iter(classes or others), None)
        return None if home is None else self.modules.get(home, home)

    def has_settings_for(self, path: str) -> bool:
        """True when the workspace root holding `path` has a settings class, object or config module."""
        return self.root_of(path) in self._roots_with_settings

    @cached_property
    def _roots_with_settings(self) -> frozenset[str]:
        return frozenset(self.root_of(p) for p in self.settings_paths)

    def imports_heavy_at_top(self, package: str, path: str) -> bool:
        """True when some module of the root holding `path` imports the heavy `package` unconditionally."""
        return (self.root_of(path), package) in self._heavy_imports

    @cached_property
    def _heavy_imports(self) -> frozenset[tuple[str, str]]:
        return frozenset((self.root_of(p), package) for p, facts in self.files.items() for package in facts.heavy_imports)

    @cached_property
    def settings_paths(self) -> frozenset[str]:
        """Files that define a settings class or object, and settings-named files that set names from the environment."""
        paths = {c.ref.path for c in self.classes if c.kind == Kind.SETTINGS}
        paths |= {t.path for t in self.settings_targets}
        paths |= {p for p, facts in self.files.items() if facts.configures_from_environment and is_settings_named(p)}
        return frozenset(paths)

    # -- clients and routes -------------------------------------------------------------------
    @cached_property
    def client_class_names(self) -> frozenset[str]:
        """Names of the classes the project defines whose names end in Client or Session, except
        value models (a pydantic `CustomerSession(token=...)` is a DTO, not a connection)."""
        named = self.classes_named
        return frozenset(
            name
            for name in self._memo.names_ending(CLIENT_CLASS_SUFFIXES, self.files, named)
            if any(self.kind_of(path, c) not in VALUE_MODEL_KINDS for path, c in named.get(name, ()))
        )

    @cached_property
    def route_handler_names(self) -> frozenset[tuple[str, str]]:
        """(path, function name) of every function registered as a route handler by a call."""
        previous, delta = self._previous, self._delta
        if (
            previous is not None
            and delta is not None
            and "route_handler_names" in previous.__dict__
            and previous.paths_by_module is self.paths_by_module
            and all(delta.before[path].routes == self.files[path].routes for path in delta.changed)
        ):
            return previous.route_handler_names
        found: set[tuple[str, str]] = set()
        for path, facts in self.files.items():
            for route in facts.routes:
                if not route.module:
                    found.add((path, route.name))
                    continue
                target = self.paths_by_module.get(self.absolute(route.module, path))
                if target is not None:
                    found.add((target, route.name))
        return frozenset(found)

    # -- imports ------------------------------------------------------------------------------
    @cached_property
    def import_graph(self) -> ImportGraph:
        """The import-time imports between the project's modules."""
        def edges_of(module: str, modules: frozenset[str]) -> frozenset[str]:
            path = self.paths_by_module[module]
            return module_edges(module, self.files[path].imports, modules, lambda target: self.absolute(target, path))

        return ImportGraph(self._memo.import_edges(self.paths_by_module, self.files, edges_of, self._delta, self.modules))

    @cached_property
    def name_importers(self) -> Mapping[tuple[str, str], int]:
        """How many project files import each (module, name) with `from <module> import <name>`."""
        def imported_names(path: str, facts: FileFacts) -> tuple[tuple[str, str], ...]:
            return tuple((base, name) for fact in facts.imports for base in (self.absolute(fact.module, path),) for name in fact.names)

        return self._memo.importer_counts(self.files, imported_names, self._delta)

    @cached_property
    def subclassed(self) -> frozenset[tuple[str, str]]:
        """(path, name) of every project class that another project class names as a direct base."""
        found: set[tuple[str, str]] = set()
        for path in sorted(self.files):
            for fact in self.files[path].classes:
                for base in fact.bases:
                    resolved = self.resolve_class(base, path)
                    if resolved is not None and resolved[1] is not fact:
                        found.add((resolved[0], resolved[1].name))
        return frozenset(found)

    def base_classes(self, path: str, fact: ClassFact) -> frozenset[tuple[str, str]]:
        """(path, name) of every project class that the class inherits from, directly or not."""
        found: set[tuple[str, str]] = set()
        pending = [(path, fact)]
        while pending and len(found) < 64:
            current_path, current = pending.pop()
            for base in current.bases:
                resolved = self.resolve_class(base, current_path)
                if resolved is not None and (resolved[0], resolved[1].name) not in found and resolved[1] is not current:
                    found.add((resolved[0], resolved[1].name))
                    pending.append(resolved)
        return frozenset(found)

    def is_project_module(self, qualified: str) -> bool:
        """True when `qualified` (a module, or a name inside one) belongs to the project."""
        candidate = qualified
        while candidate:
            if candidate in self.paths_by_module:
                return True
            candidate = candidate.rpartition(".")[0]
        return False


def _own_kind(fact: ClassFact) -> str | None:
    if fact.has_tablename:
        return Kind.SQLALCHEMY
    return None


def _base_kind(base: str, fact: ClassFact) -> str | None:
    """The kind a library base class gives (`pydantic.BaseModel` -> pydantic)."""
    last = base.rsplit(".", 1)[-1]
    if base in _SETTINGS_BASES or last == "BaseSettings":
        return Kind.SETTINGS
    if base in _SQLMODEL_BASES or last == "SQLModel":
        return Kind.SQLMODEL_TABLE if ("table", "True") in fact.keywords else Kind.PYDANTIC
    if last in _PYDANTIC_BASE_NAMES:
        return Kind.PYDANTIC
    if base == "django.db.models.Model" or re.fullmatch(r"(django\.db\.)?models\.Model", base):
        return Kind.DJANGO
    if last in _SQLALCHEMY_BASE_NAMES:
        return Kind.SQLALCHEMY
    return None
