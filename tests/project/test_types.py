"""Type facts from `ast`: annotations, enums, models, signatures, and the project-wide lookups."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from review_ls.engine.facts import ModuleFacts
from review_ls.project.types import (
    ClassKind,
    ProjectTypes,
    TypeRef,
    absolute_import,
    declared_enum_values,
    declared_names,
    module_type_facts,
    parse_annotation,
)


def _facts(code: str, module: str = "app.models", path: str = "/p/app/models.py"):
    return module_type_facts(ast.parse(textwrap.dedent(code)), module, path)


@pytest.mark.parametrize(
    ("annotation", "name", "optional", "container"),
    [
        ("Part", "Part", False, None),
        ("Optional[list[str]]", "list", True, "list"),
        ("dict[str, int] | None", "dict", True, "dict"),
        ("Union[Part, None]", "Part", True, None),
        ("Union[int, str]", None, False, None),
        ("'models.Part | None'", "models.Part", True, None),
        ("Annotated[Part, Field(gt=0)]", "Part", False, None),
        ("typing.Sequence[Part]", "typing.Sequence", False, "list"),
    ],
)
def test_annotations_reduce_to_name_optionality_and_container(annotation: str, name: str | None, optional: bool, container: str | None) -> None:
    ref = parse_annotation(ast.parse(annotation, mode="eval").body)
    assert ref is not None
    assert (ref.name, ref.optional, ref.container) == (name, optional, container)


def test_item_type_of_a_homogeneous_list() -> None:
    ref = parse_annotation(ast.parse("list[Part]", mode="eval").body)
    assert ref is not None and ref.item is not None and ref.item.name == "Part"


def test_classes_are_classified_from_bases_and_decorators() -> None:
    facts = _facts(
        """
        import enum
        from dataclasses import dataclass
        from typing import TypedDict
        from pydantic import BaseModel, Field
        from .base import Base

        class Kind(str, enum.Enum):
            A = "a"
            B = "b"

        class Model(BaseModel):
            name: str
            tags: list[str] | None = Field(default=None)
            size: int = Field(...)

        @dataclass
        class Point:
            x: float

        class Movie(TypedDict):
            title: str

        class Derived(Base):
            extra: int
        """
    )
    kinds = {name: cls.local_kind for name, cls in facts.classes.items()}
    assert kinds == {
        "Kind": ClassKind.ENUM,
        "Model": ClassKind.PYDANTIC,
        "Point": ClassKind.DATACLASS,
        "Movie": ClassKind.TYPED_DICT,
        "Derived": ClassKind.OTHER,
    }
    assert facts.classes["Kind"].members == (("A", "a"), ("B", "b"))
    tags = facts.classes["Model"].field("tags")
    size = facts.classes["Model"].field("size")
    assert tags is not None and tags.has_default and tags.default_is_none
    assert size is not None and not size.has_default
    assert facts.classes["Derived"].bases == ("app.base.Base",)
    assert facts.enum_values == {"a", "b"}
    assert facts.field_names == {"name", "tags", "size", "x", "extra"}  # a TypedDict's keys are no model fields
    assert facts.optional_fields == {"tags"}


def test_quick_scan_is_a_superset_of_the_facts() -> None:
    code = "import enum\nclass Kind(enum.Enum):\n    A = 'Alpha'\nclass Plain:\n    x: int\n    NAME = 'n'\n"
    names = declared_names(ast.parse(code))
    assert names.enum_values == {"alpha"}
    assert names.field_names == frozenset()  # a class without bases or decorators cannot be a model


_ENUM_MODULES = [  # (each with the values the quick scan finds, as written before `declared_enum_values` was split out)
    "import enum\nclass Kind(enum.Enum):\n    A = 'Alpha'\n    B: str = 'Beta'\n    C = 3\nclass Plain:\n    NAME = 'n'\n",
    "from enum import StrEnum\nif TYPE_CHECKING:\n    class Mode(StrEnum):\n        FAST = 'Fast'\nelse:\n    class Other(BaseFlag):\n        X = 'x'\n",
    "try:\n    class Level(str, Enum):\n        HIGH = 'HIGH'\nexcept ImportError:\n    class Level(LevelEnum):\n        LOW = 'low'\n",
    "@decorated\nclass Colour:\n    RED = 'red'\nclass Model(BaseModel):\n    name: str = 'x'\n    kind = 'Kind'\n",
    "def f():\n    class Inner(Enum):\n        A = 'a'\nclass E(mod.sub.MyEnum):\n    'doc'\n    A = B = 'Ab'\n    (C, D) = 'cd'\n",
]


_ENUM_VALUES = [{"alpha"}, {"fast", "x"}, {"high", "low"}, set(), {"ab", "cd"}]


@pytest.mark.parametrize(("code", "values"), zip(_ENUM_MODULES, _ENUM_VALUES))
def test_declared_enum_values_are_the_quick_scans(code: str, values: set[str]) -> None:
    tree = ast.parse(code)
    assert declared_enum_values(tree.body) == declared_names(tree).enum_values == values
    assert declared_enum_values(tree.body) == frozenset().union(*(declared_enum_values((statement,)) for statement in tree.body))


def test_signatures_record_kinds_and_defaults() -> None:
    facts = _facts("def f(a, /, b, c=1, *args, d, e=2, **kw) -> int: ...")
    params = facts.functions["f"].params
    assert [(p.name, p.kind, p.has_default) for p in params] == [
        ("a", "positional-only", False),
        ("b", "positional", False),
        ("c", "positional", True),
        ("args", "var-positional", False),
        ("d", "keyword-only", False),
        ("e", "keyword-only", True),
        ("kw", "var-keyword", False),
    ]


def test_relative_imports_are_made_absolute() -> None:
    assert absolute_import(".models.Part", "app.api", False) == "app.models.Part"
    assert absolute_import("..core.Part", "app.api.routes", False) == "app.core.Part"
    assert absolute_import(".models", "app", True) == "app.models"
    assert absolute_import("pkg.mod", "app.api", False) == "pkg.mod"


def test_project_types_answer_by_module_and_by_any_spelling_of_the_path(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    models = tmp_path / "app" / "models.py"
    models.write_text("from pydantic import BaseModel\nclass Part(BaseModel):\n    name: str | None = None\n")
    types = ProjectTypes.from_files(tmp_path, [models, tmp_path / "app" / "__init__.py"])
    found = types.module("app.models")
    assert found is not None and "Part" in found.classes
    assert types.for_path(str(models)) is found
    assert types.for_path(str(tmp_path / "app" / ".." / "app" / "models.py")) is found
    assert types.optional_fields == {"name"}
    before = types.fingerprint
    types.update_file(models, tmp_path, "class Other:\n    pass\n")
    assert types.fingerprint != before and types.optional_fields == frozenset()
    types.remove(str(models))
    assert types.module("app.models") is None and types.for_path(models) is None


def test_a_module_name_claimed_by_two_files_is_ambiguous() -> None:
    types = ProjectTypes()
    types.update(module_type_facts(ast.parse("class A: pass"), "models", "/one/models.py"))
    types.update(module_type_facts(ast.parse("class B: pass"), "models", "/two/models.py"))
    assert types.module("models") is None
    assert types.for_path("/one/models.py") is not None


def test_a_class_contract_change_changes_the_module_fingerprint_but_a_method_body_does_not() -> None:
    def fingerprint(code: str) -> int:
        return ModuleFacts.from_module(ast.parse(textwrap.dedent(code))).fingerprint

    base = "class Part(BaseModel):\n    tags: list[str]\n    def size(self, x=1):\n        return 1\n"
    assert fingerprint(base) == fingerprint(base.replace("return 1", "return 2"))
    assert fingerprint(base) != fingerprint(base.replace("list[str]", "list[str] | None"))
    assert fingerprint(base) != fingerprint(base.replace("x=1", "x=1, y=2"))


@pytest.mark.parametrize(("annotation", "expected"), [("Part", TypeRef("Part", False, (), "Part")), ("models.Part", TypeRef("models.Part", False, (), "models.Part")), ("make().Part", None)])
def test_a_name_or_attribute_annotation_is_its_dotted_name_with_that_text(annotation: str, expected: TypeRef | None) -> None:
    assert parse_annotation(ast.parse(annotation, mode="eval").body) == expected
