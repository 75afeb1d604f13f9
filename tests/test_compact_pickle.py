"""compact_pickle: dataclass-heavy values (the stored project index) pickled smaller, and loaded back equal."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field

from review_ls import compact_pickle
from review_ls.project.index import ProjectIndex


@dataclass(frozen=True)
class Site:
    target: str
    line: int


@dataclass(frozen=True)
class Function:
    qualname: str
    calls: tuple[Site, ...] = ()
    bases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SlottedSite:
    target: str
    line: int = 0


@dataclass
class Doubling:
    value: int

    def __post_init__(self) -> None:
        self.value *= 2


@dataclass
class Hidden:
    value: int
    derived: int = field(init=False, default=0)


@dataclass
class Keyworded:
    value: int
    flag: bool = field(kw_only=True, default=False)


@dataclass
class Restored:
    value: int

    def __setstate__(self, state: dict[str, int]) -> None:
        self.__dict__.update(state, restored=True)


@dataclass
class Node:
    name: str
    next: Node | None = None


def _distinct_copies(text: str, count: int) -> list[str]:
    """`count` equal strings that are distinct objects (as facts built in worker processes are)."""
    return ["".join(list(text)) for _ in range(count)]


def test_dataclass_values_load_back_equal_with_shared_references_kept() -> None:
    shared = Site("pkg.helpers.fetch", 3)
    value = {"a": Function("pkg.a.run", (shared, Site("pkg.b.go", 4)), ("Base",)), "b": [shared, shared], "c": (1, "x", None)}
    loaded = pickle.loads(compact_pickle.dumps(value))
    assert loaded == value
    assert loaded["b"][0] is loaded["b"][1] is loaded["a"].calls[0]


def test_equal_strings_are_written_once() -> None:
    name = "package.module.SomeClass.some_method"
    functions = [Function(qualname, (Site(target, 1),), (base,)) for qualname, target, base in zip(*(_distinct_copies(name, 200) for _ in range(3)))]
    data = compact_pickle.dumps(functions)
    assert data.count(name.encode()) == 1
    assert pickle.dumps(functions, protocol=pickle.HIGHEST_PROTOCOL).count(name.encode()) > 1
    assert pickle.loads(data) == functions


def test_dataclasses_that_a_call_with_their_fields_would_not_rebuild_are_pickled_as_usual() -> None:
    doubling, hidden, keyworded = Doubling(1), Hidden(5), Keyworded(3, flag=True)
    hidden.derived = 7
    assert compact_pickle.rebuilt_by_fields(Doubling) is None
    assert compact_pickle.rebuilt_by_fields(Hidden) is None
    assert compact_pickle.rebuilt_by_fields(Keyworded) is None
    assert compact_pickle.rebuilt_by_fields(Restored) is None
    assert compact_pickle.rebuilt_by_fields(Site) == ("target", "line")
    loaded = pickle.loads(compact_pickle.dumps([doubling, hidden, keyworded, Restored(4)]))
    assert loaded[:3] == [Doubling(1), hidden, keyworded]
    assert loaded[0].value == 2 and loaded[1].derived == 7
    assert loaded[3].__dict__ == {"value": 4, "restored": True}


def test_slotted_dataclasses_are_recorded_by_their_field_values_too() -> None:
    name = "package.module.SomeClass.some_method"
    sites = [SlottedSite(target, 1) for target in _distinct_copies(name, 200)]
    data = compact_pickle.dumps(sites)
    assert compact_pickle.rebuilt_by_fields(SlottedSite) == ("target", "line")
    assert data.count(name.encode()) == 1
    assert pickle.loads(data) == sites


def test_a_value_that_refers_back_to_itself_still_round_trips() -> None:
    node = Node("first")
    node.next = node
    loaded = pickle.loads(compact_pickle.dumps(node))
    assert loaded.name == "first" and loaded.next is loaded


def test_a_project_index_loads_back_with_the_same_facts() -> None:
    index = ProjectIndex.from_sources(
        {
            "app/__init__.py": "",
            "app/settings.py": "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    url: str = 'x'\n",
            "app/routes.py": (
                "import requests\nfrom fastapi import FastAPI\nfrom app.settings import Settings\n\napp = FastAPI()\n\n"
                "@app.get('/items/{name}')\ndef item(name: str) -> str:\n    return fetch(name)\n\n"
                "def fetch(name: str) -> str:\n    return requests.get(Settings().url + name).text\n"
            ),
        },
        roots=["."],
    )
    loaded = pickle.loads(compact_pickle.dumps(index))
    assert loaded.paths == index.paths
    for path in index.paths:
        assert loaded.facts(path) == index.facts(path)
        assert loaded.call_facts(path) == index.call_facts(path)
    assert loaded.fingerprint == index.fingerprint
    assert loaded.blocking_chain("app.routes.item") == index.blocking_chain("app.routes.item")
