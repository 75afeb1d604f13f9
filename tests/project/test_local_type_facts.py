"""The analysed file's own type facts (`TypeResolver.local`): taken from the index when it was built from the very
text analysed (a check of files on disk: no second extraction), extracted from the text otherwise (issue #16, item 4)."""

from __future__ import annotations

import ast
import pickle

from review_ls.engine.lines import split_lines
from review_ls.project import ProjectIndex
from review_ls.project.inference import TypeResolver
from review_ls.project.types import ModuleTypeFacts, module_type_facts

MODELS = "from pydantic import BaseModel\n\nclass Ticket(BaseModel):\n    note: str | None = None\n"
EDITED = MODELS + "\nclass Comment(BaseModel):\n    body: str\n"
_FIELDS = ("module", "path", "is_package", "imports", "classes", "functions", "literal_values", "literal_returns", "enum_values", "field_names", "optional_fields")


def _local(project: ProjectIndex, path: str, source: str) -> ModuleTypeFacts:
    return TypeResolver(ast.parse(source), path, split_lines(source), project).local


def _project() -> ProjectIndex:
    return ProjectIndex.from_sources({"app/__init__.py": "", "app/models.py": MODELS})


def _same(a: ModuleTypeFacts, b: ModuleTypeFacts) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in _FIELDS)


def test_the_facts_of_the_indexed_text_are_the_index_s() -> None:
    project = _project()
    indexed = project.types.for_path("app/models.py")
    local = _local(project, "app/models.py", MODELS)
    assert local is indexed
    assert _same(local, module_type_facts(ast.parse(MODELS), indexed.module, indexed.path, MODELS))  # what extraction gives


def test_an_edited_text_gets_its_own_facts() -> None:
    project = _project()
    local = _local(project, "app/models.py", EDITED)
    assert local is not project.types.for_path("app/models.py")
    assert set(local.classes) == {"Ticket", "Comment"} and "body" in local.field_names


def test_the_index_s_facts_follow_an_update_of_the_file() -> None:
    project = _project()
    project.update_file("app/models.py", EDITED)
    local = _local(project, "app/models.py", EDITED)
    assert local is project.types.for_path("app/models.py") and "Comment" in local.classes
    assert "Comment" not in _local(project, "app/models.py", MODELS).classes  # the old text, now unsaved: extracted


def test_the_digest_survives_pickling_with_the_index() -> None:
    copy = pickle.loads(pickle.dumps(_project()))  # (as a parallel check hands the index to its workers)
    assert _local(copy, "app/models.py", MODELS) is copy.types.for_path("app/models.py")


def test_a_file_outside_the_index_gets_its_own_facts() -> None:
    local = _local(_project(), "other/models.py", MODELS)
    assert set(local.classes) == {"Ticket"}
