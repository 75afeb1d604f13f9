"""The names the project modules a file imports declare (`TypeResolver.imported_names`): the module lookups
are kept with the project's facts, shared by every file, and dropped when the facts change (issue #16, item 4)."""

from __future__ import annotations

import ast
import pickle

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
