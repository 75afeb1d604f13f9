"""Duplicated models and differently named fields, found across the files of the index."""

from __future__ import annotations

import textwrap

from review_ls.project import ProjectIndex
from review_ls.project.duplicates import concept_of

USER = """
from pydantic import BaseModel

class User(BaseModel):
    id: int
    name: str
    email: str
"""


def index_of(files: dict[str, str]) -> ProjectIndex:
    return ProjectIndex.from_sources({f"/p/{path}": textwrap.dedent(text).lstrip("\n") for path, text in files.items()}, ("/p",))


def test_same_model_in_two_modules_points_at_the_models_module() -> None:
    index = index_of({"app/__init__.py": "", "app/models.py": USER, "app/api/handlers.py": USER, "app/api/__init__.py": ""})
    copy = index.duplicate_of("/p/app/api/handlers.py", 3)
    assert copy is not None
    assert (copy.canonical.path, copy.canonical.module, copy.canonical.name) == ("/p/app/models.py", "app.models", "User")
    assert copy.exact
    assert index.duplicate_of("/p/app/models.py", 3) is None  # the canonical one is not reported


def test_without_a_models_module_the_first_path_is_canonical() -> None:
    index = index_of({"b.py": USER, "a.py": USER})
    assert index.duplicate_of("/p/b.py", 3) is not None
    assert index.duplicate_of("/p/a.py", 3) is None


def test_copy_with_a_method_or_another_default_is_not_exact() -> None:
    changed = USER.replace("    email: str", "    email: str = ''")
    with_method = USER + "\n    def display(self):\n        return self.name\n"
    for variant in (changed, with_method):
        copy = index_of({"models.py": USER, "other.py": variant}).duplicate_of("/p/other.py", 3)
        assert copy is not None and not copy.exact


def test_same_name_with_other_fields_is_not_a_copy() -> None:
    other = USER.replace("    email: str", "    password: str")
    assert index_of({"models.py": USER, "other.py": other}).duplicate_of("/p/other.py", 3) is None


def test_same_shape_under_a_role_name_is_a_copy_but_another_concept_is_not() -> None:
    role = USER.replace("class User(", "class UserResponse(")
    concept = USER.replace("class User(", "class Account(")
    assert index_of({"models.py": USER, "api.py": role}).duplicate_of("/p/api.py", 3) is not None
    assert index_of({"models.py": USER, "api.py": concept}).duplicate_of("/p/api.py", 3) is None
    assert concept_of("UserResponseDTO") == "User"
    assert concept_of("Response") == "Response"


def test_versioned_copies_tests_and_docs_are_left_alone() -> None:
    assert index_of({"api/v1/schemas.py": USER, "api/v2/schemas.py": USER}).duplicate_of("/p/api/v2/schemas.py", 3) is None
    assert index_of({"models.py": USER, "tests/test_api.py": USER}).duplicate_of("/p/tests/test_api.py", 3) is None
    assert index_of({"models.py": USER, "docs/tutorial.py": USER}).duplicate_of("/p/docs/tutorial.py", 3) is None


def test_dataclass_and_pydantic_model_of_one_shape_are_different_kinds() -> None:
    dataclass = "from dataclasses import dataclass\n\n@dataclass\nclass User:\n    id: int\n    name: str\n    email: str\n"
    assert index_of({"models.py": USER, "records.py": dataclass}).duplicate_of("/p/records.py", 4) is None


def test_one_concept_named_differently_in_the_same_package() -> None:
    index = index_of(
        {
            "api/jobs.py": "from pydantic import BaseModel\n\nclass Job(BaseModel):\n    name: str\n    metadata: dict\n",
            "api/results.py": "from pydantic import BaseModel\n\nclass JobResult(BaseModel):\n    job: str\n    metadata_vars: dict\n",
            "other/results.py": "from pydantic import BaseModel\n\nclass Run(BaseModel):\n    metadata_dict: dict\n",
        }
    )
    (variant,) = index.field_variants("/p/api/results.py", 3)
    assert (variant.field, variant.other_field, variant.other.name, variant.other_line) == ("metadata_vars", "metadata", "Job", 5)
    assert index.field_variants("/p/other/results.py", 3) == ()  # another package: another API
    assert index.field_variants("/p/api/jobs.py", 3) == ()
