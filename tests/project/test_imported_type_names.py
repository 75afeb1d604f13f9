"""The names the project modules a file imports declare (`TypeResolver.imported_names`): the module lookups
are kept with the project's facts, shared by every file, and dropped when the facts change (issue #16, item 4)."""

from __future__ import annotations

import ast
import pickle
from typing import Any

import pytest

from review_ls.project import ProjectIndex
from review_ls.project.inference import TypeResolver
from review_ls.project.types import ModuleTypeFacts, ProjectTypes

ENUMS = "import enum\n\nclass Status(str, enum.Enum):\n    OPEN = 'open'\n"
MODELS = "from pydantic import BaseModel\nfrom app.enums import Status\n\nclass Ticket(BaseModel):\n    status: Status\n    note: str | None = None\n"
SERVICE = "from app.models import Ticket\n\ndef close(ticket: Ticket):\n    return ticket\n"


def _imported(project: ProjectIndex, path: str, source: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    module = ast.parse(source)
    imports = dict(name for statement in module.body if isinstance(statement, ast.ImportFrom) for name in ((a.asname or a.name, f"{statement.module}.{a.name}") for a in statement.names))
    names = TypeResolver(module, path, source.splitlines(), project, imports).imported_names()
    return names.enum_values, names.field_names, names.optional_fields


def _project() -> ProjectIndex:
    return ProjectIndex.from_sources({"app/__init__.py": "", "app/enums.py": ENUMS, "app/models.py": MODELS, "app/service.py": SERVICE, "app/other.py": SERVICE})


def test_a_file_sees_the_names_of_the_modules_it_imports_and_of_the_modules_they_import() -> None:
    enum_values, fields, optional = _imported(_project(), "app/service.py", SERVICE)
    assert enum_values == {"open"}  # app.enums, imported by app.models
    assert fields >= {"status", "note"} and optional == {"note"}


def test_the_second_file_asks_the_project_no_module_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project()
    first = _imported(project, "app/service.py", SERVICE)
    looked_up: list[str] = []
    original = ProjectTypes.module
    def counting(self: ProjectTypes, name: str) -> ModuleTypeFacts | None:
        looked_up.append(name)
        return original(self, name)

    monkeypatch.setattr(ProjectTypes, "module", counting)
    assert _imported(project, "app/other.py", SERVICE) == first
    assert looked_up == [name for name in looked_up if name in ("app.service", "app.other")]  # only the file's own name, not its imports


def test_the_lookups_follow_an_update_of_the_project() -> None:
    project = _project()
    assert _imported(project, "app/service.py", SERVICE)[0] == {"open"}
    project.update_file("app/enums.py", "import enum\n\nclass Status(str, enum.Enum):\n    DONE = 'done'\n")
    assert _imported(project, "app/service.py", SERVICE)[0] == {"done"}
    project.update_file("app/models.py", "class Ticket:\n    pass\n")  # no longer imports the enums
    assert _imported(project, "app/service.py", SERVICE)[0] == frozenset()


def test_the_lookups_survive_pickling_with_the_index() -> None:
    project = _project()
    expected = _imported(project, "app/service.py", SERVICE)
    copy = pickle.loads(pickle.dumps(project))
    assert _imported(copy, "app/other.py", SERVICE) == expected
    copy.update_file("app/enums.py", "import enum\n\nclass Status(str, enum.Enum):\n    DONE = 'done'\n")
    assert _imported(copy, "app/other.py", SERVICE)[0] == {"done"}


def test_the_index_is_pickled_without_what_the_analyses_derived() -> None:
    project = _project()
    before = len(pickle.dumps(project))
    _imported(project, "app/service.py", SERVICE)
    assert project.types._summaries  # the lookups are kept while the index is in use
    assert len(pickle.dumps(project)) == before  # and not handed to every worker with it


def _resolver(project: ProjectIndex, path: str, source: str) -> TypeResolver:
    module = ast.parse(source)
    imports = dict(name for statement in module.body if isinstance(statement, ast.ImportFrom) for name in ((a.asname or a.name, f"{statement.module}.{a.name}") for a in statement.names))
    return TypeResolver(module, path, source.splitlines(), project, imports)


OWN = SERVICE + "\n\nclass Local(BaseModel):\n    extra: int | None = None\n\nclass Kind(str, enum.Enum):\n    BIG = 'Big'\n"


@pytest.mark.parametrize("name", ["open", "OPEN", "big", "done", "status", "note", "extra", "missing"])
def test_the_pre_filters_answer_as_the_visible_names_do(name: str) -> None:
    project = _project()
    resolver = _resolver(project, "app/service.py", OWN)
    visible = _resolver(project, "app/service.py", OWN).visible_names()
    assert resolver.knows_enum_value(name) == (name.casefold() in visible.enum_values)
    assert resolver.knows_field(name) == (name in visible.field_names)
    assert resolver.knows_optional_field(name) == (name in visible.optional_fields)
    assert resolver.may_import_enum_value(name) == (name in resolver.imported_names().enum_values)


def test_a_name_no_project_module_declares_unites_no_imported_names(monkeypatch: pytest.MonkeyPatch) -> None:
    resolver = _resolver(_project(), "app/service.py", SERVICE)
    monkeypatch.setattr(TypeResolver, "_imported_modules", lambda self: pytest.fail("the imported modules were looked up"))
    assert not resolver.knows_optional_field("missing") and not resolver.knows_field("missing") and not resolver.knows_enum_value("missing")
    assert not resolver.may_import_enum_value("missing")


def test_asking_about_enum_values_unites_no_field_names(monkeypatch: pytest.MonkeyPatch) -> None:
    resolver = _resolver(_project(), "app/service.py", SERVICE)
    united: list[str] = []
    original = TypeResolver._imported_part

    def counted(self: TypeResolver, kind: str) -> Any:
        united.append(kind)
        return original(self, kind)

    monkeypatch.setattr(TypeResolver, "_imported_part", counted)
    assert resolver.knows_enum_value("OPEN") and resolver.knows_optional_field("note")
    assert united == []  # a few names are looked up module by module
    assert resolver.imported_enum_values() == {"open"}
    assert united == ["enum_values"]


def test_many_names_asked_of_one_resolver_are_answered_as_the_visible_names_do() -> None:
    project = ProjectIndex.from_sources(
        {"app/__init__.py": "", "app/enums.py": ENUMS, "app/service.py": SERVICE, **{f"app/models{i}.py": MODELS.replace("note", f"note{i}") for i in range(30)}}
    )
    source = "".join(f"from app.models{i} import Ticket as T{i}\n" for i in range(30))
    resolver, visible = _resolver(project, "app/service.py", source), _resolver(project, "app/service.py", source).visible_names()
    names = [f"note{i}" for i in range(40)] + ["status", "missing"]
    assert [resolver.knows_optional_field(n) for n in names] == [n in visible.optional_fields for n in names]
    assert [resolver.knows_field(n) for n in names] == [n in visible.field_names for n in names]
    assert sum(resolver.knows_optional_field(n) for n in names) == 30
