"""The RV7 rules ask jedi only when a type could still change their result (issue #16, item 4).

jedi costs a warm-up per process and a parse per file: a question whose every answer leaves the
result unchanged is not asked. Each test shows the question still asked where it can matter.
"""

from __future__ import annotations

import ast

import pytest

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.project import ProjectIndex
from review_ls.project.inference import TypeResolver
from review_ls.project.jedi_gates import may_be_model_field, may_misspell_enum_value

PATIENT = Settings(select=("RV7",), options=tuple((code, (("jedi-budget-ms", 60_000),)) for code in ("RV701", "RV702", "RV703")))

MODELS = """\
import enum

from pydantic import BaseModel


class Status(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class Plain:
    pass


class Row(Plain):
    title: str


class Ticket(BaseModel):
    status: Status
    summary: str
"""

REPOSITORY = """\
from models import Status, Ticket


def load(key):
    return dict(key=key)  # (a dict the facts do not type: `{"key": key}` would be, see test_jedi_literal_gates.py)


def make():
    return Ticket


class Store:
    def update(self, status: Status) -> None:
        pass

    def run(self, query: str, limit: int = 10) -> None:
        pass
"""


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every question that reached jedi (answered "don't know")."""
    questions: list[str] = []

    def infer(self: TypeResolver, expr: object, *args: object) -> None:
        questions.append(f"infer {type(expr).__name__}")

    def callee(self: TypeResolver, call: object, *args: object) -> None:
        questions.append("callee")

    monkeypatch.setattr(TypeResolver, "infer_with_jedi", infer)
    monkeypatch.setattr(TypeResolver, "callee_with_jedi", callee)
    return questions


def _analyse(source: str, extra: dict[str, str] | None = None) -> None:
    sources = {"models.py": MODELS, "repository.py": REPOSITORY, "service.py": source, **(extra or {})}
    project = ProjectIndex.from_sources(sources)
    assert analyse_source(source, "service.py", PATIENT, project).findings == ()


def test_a_literal_spelt_like_every_enum_value_is_not_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from repository import load\n\ndef check(key):\n    ticket = load(key)\n    return ticket.status == 'open'\n")
    assert asked == []


def test_a_literal_spelt_with_other_case_is_still_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from repository import load\n\ndef check(key):\n    ticket = load(key)\n    return ticket.status == 'OPEN'\n")
    assert asked == ["infer Attribute"]


def test_a_literal_argument_spelt_like_every_enum_value_does_not_look_up_the_callee(asked: list[str]) -> None:
    _analyse("from repository import load\n\ndef check(key):\n    load(key).update(status='closed')\n")
    assert asked == []


def test_a_literal_argument_spelt_with_other_case_still_looks_up_the_callee(asked: list[str]) -> None:
    _analyse("from repository import load\n\ndef check(key):\n    load(key).update(status='Closed')\n")
    assert asked == ["callee"]


def test_a_key_that_only_a_non_model_class_declares_is_not_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from repository import load\n\ndef title(key):\n    row = load(key)\n    return row['title']\n")
    assert asked == []


def test_a_key_that_a_model_declares_is_still_typed_by_jedi(asked: list[str]) -> None:
    _analyse("from repository import load\n\ndef summary(key):\n    row = load(key)\n    return row['summary']\n")
    assert asked == ["infer Name"]


def test_a_field_inherited_from_a_plain_base_by_a_model_counts_as_a_model_field() -> None:
    sources = {"base.py": "class Audited:\n    created_by: str\n", "models.py": "from pydantic import BaseModel\nfrom base import Audited\n\nclass Note(Audited, BaseModel):\n    text: str\n"}
    project = ProjectIndex.from_sources({**sources, "service.py": "x = 1\n"})
    resolver = TypeResolver(ast.parse("x = 1\n"), "service.py", ["x = 1"], project)
    assert may_be_model_field(resolver, "created_by") is True  # `Note.created_by` (RV702 reads inherited fields)
    assert may_be_model_field(resolver, "text") is True
    assert may_be_model_field(resolver, "x") is False


REQUEST_MODELS = """\
from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter()


class Search(BaseModel):
    query: str
    limit: int = 10
"""


def test_a_call_that_passes_on_every_request_field_does_not_look_up_the_callee(asked: list[str]) -> None:
    source = REQUEST_MODELS + "\n\n@router.post('/search')\nasync def search(body: Search):\n    return make().run(query=body.query, limit=body.limit)\n"
    source = "from repository import make\n" + source
    _analyse(source)
    assert asked == []


def test_a_call_that_may_drop_a_request_field_still_looks_up_the_callee(asked: list[str]) -> None:
    source = REQUEST_MODELS + "\n\n@router.post('/search')\nasync def search(body: Search):\n    return make().run(body.query)\n"
    source = "from repository import make\n" + source
    _analyse(source)
    assert asked == ["callee"]


def test_the_project_wide_sets_follow_an_update_of_the_index() -> None:
    project = ProjectIndex.from_sources({"models.py": MODELS, "service.py": "x = 1\n"})
    resolver = TypeResolver(ast.parse("x = 1\n"), "service.py", ["x = 1"], project)
    assert may_misspell_enum_value(resolver, "OPEN") and may_be_model_field(resolver, "summary")
    project.update_file("models.py", "class Status:\n    pass\n")
    fresh = TypeResolver(ast.parse("x = 1\n"), "service.py", ["x = 1"], project)
    assert not may_misspell_enum_value(fresh, "OPEN") and not may_be_model_field(fresh, "summary")


def test_a_literal_argument_no_project_callee_of_that_name_takes_as_an_enum_does_not_look_up_the_callee(asked: list[str]) -> None:
    _analyse("from repository import load\n\ndef check(key):\n    load(key).refresh(status='Closed')\n")
    assert asked == []  # no function, method or class of the project is called `refresh`


def test_a_literal_keyword_no_parameter_of_that_name_takes_as_an_enum_does_not_look_up_the_callee(asked: list[str]) -> None:
    _analyse("from repository import load\n\ndef check(key):\n    load(key).update(state='Closed')\n")
    assert asked == []  # `Store.update` takes `status`, not `state`


def test_a_literal_in_the_position_of_an_enum_parameter_still_looks_up_the_callee(asked: list[str]) -> None:
    _analyse("from repository import load\n\ndef check(key):\n    load(key).update('Closed')\n")
    assert asked == ["callee"]  # `Store.update(self, status: Status)`: the first argument of the bound method


def test_a_callee_imported_under_the_called_name_still_looks_up_the_callee(asked: list[str]) -> None:
    extra = {
        "marks.py": "from models import Status\n\ndef set_status(value: Status) -> None:\n    pass\n",
        "aliases.py": "from marks import set_status as mark\n",
        "more_aliases.py": "from aliases import mark as tag\n",
    }
    _analyse("from repository import load\n\ndef check(key):\n    load(key).tag(value='Closed')\n", extra)
    assert asked == ["callee"]  # jedi's goto follows `tag` -> `mark` -> `set_status`


def test_a_name_two_imports_bind_still_looks_up_the_callee(asked: list[str]) -> None:
    extra = {
        "marks.py": "from models import Status\n\ndef set_status(value: Status) -> None:\n    pass\n\ndef noop(value) -> None:\n    pass\n",
        "compat.py": "try:\n    from marks import set_status as mark\nexcept ImportError:\n    from marks import noop as mark\n",
    }
    _analyse("from repository import load\n\ndef check(key):\n    load(key).mark(value='Closed')\n", extra)
    assert asked == ["callee"]  # the facts keep the last import of `mark` only; the first one makes it `set_status`


def test_an_edited_document_still_looks_up_the_callee(asked: list[str]) -> None:
    source = "from repository import load\n\ndef check(key):\n    load(key).refresh(status='Closed')\n"
    project = ProjectIndex.from_sources({"models.py": MODELS, "repository.py": REPOSITORY, "service.py": "x = 1\n"})
    assert analyse_source(source, "service.py", PATIENT, project).findings == ()
    assert asked == ["callee"]  # the index's facts of the file are not the text's: the project-wide pass may not cover it


def test_a_call_whose_callee_name_has_no_defaulted_parameter_like_a_request_field_does_not_look_up_the_callee(asked: list[str]) -> None:
    source = REQUEST_MODELS + "\n\n@router.post('/search')\nasync def search(body: Search):\n    return make().execute(body.query)\n"
    _analyse("from repository import make\n" + source)
    assert asked == []  # no function, method or class of the project is called `execute`


JOBS = """\
from models import Status


def update(job, status: Status = Status.OPEN, *, retries: int = 3) -> None:
    pass


class run:
    def __init__(self, status: Status, timeout: float = 1.0) -> None:
        pass


class Queue:
    def run(self, status: Status, /, limit: int = 5) -> None:
        pass
"""


def test_the_callee_tables_built_per_name_are_the_whole_projects_tables_for_that_name() -> None:
    # The tables used to be built for every callee of the project at once; they are now built for a name when it is
    # first asked about. Enumerated here at once, as before: a name's tables are the same.
    from review_ls.project import jedi_gates
    from review_ls.project.inference import Callee

    types = ProjectIndex.from_sources({"models.py": MODELS, "repository.py": REPOSITORY, "jobs.py": JOBS}).types
    assert types is not None
    resolver = jedi_gates._index_resolver(types)
    every: list[tuple[str, Callee]] = []
    for module in types.modules():
        every.extend((function.name, Callee(function, None, module, bound=False)) for function in module.functions.values())
        for class_name, facts in module.classes.items():
            every.extend((method_name, Callee(method, None, module, bound=True)) for method_name, method in facts.methods)
            cls = resolver.resolve_class_in(module, class_name)
            if cls is not None:
                every.append((class_name, Callee(None, cls, module, bound=False)))
    names = {name for name, _ in every}
    assert {"update", "run", "__init__", "Queue", "Store", "Status", "load"} <= names
    for name in sorted(names):
        callees = [callee for found, callee in every if found == name]
        defaulted = frozenset(p.name for callee in callees for p in callee.parameters() or () if p.has_default)
        spellings: dict[str | int, dict[str, set[str]]] = {}
        for callee in callees:
            params = callee.parameters() or ()
            positional = [p for p in params if p.kind in jedi_gates.POSITIONAL_KINDS]
            for param in params:
                value_type = resolver.from_annotation(param.annotation, callee.annotation_module(param)) if param.annotation else None
                members = value_type.cls.str_enum_members() if value_type is not None and value_type.cls is not None else None
                keys: list[str | int] = [param.name, *(index for index, p in enumerate(positional) if p is param)]
                for key in keys if members else []:
                    for _, value in members or ():
                        spellings.setdefault(key, {}).setdefault(value.casefold(), set()).add(value)
        assert jedi_gates._defaulted_names(types, name) == defaulted, name
        assert jedi_gates._annotated_enum_spellings(types, name) == {k: {f: frozenset(v) for f, v in by.items()} for k, by in spellings.items()}, name
    assert jedi_gates._defaulted_names(types, "run") == {"limit", "timeout"}  # the method, and the class's `__init__`
    assert jedi_gates._annotated_enum_spellings(types, "update") == {"status": {"open": {"open"}, "closed": {"closed"}}, 0: {"open": {"open"}, "closed": {"closed"}}, 1: {"open": {"open"}, "closed": {"closed"}}}
    assert jedi_gates._defaulted_names(types, "nothing") == frozenset() and jedi_gates._annotated_enum_spellings(types, "nothing") == {}
