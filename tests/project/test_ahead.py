"""What the server prepares ahead (project/ahead.py): the model's modules, and the derived parts of a new index, so that its
first analysis finds them ready."""

from __future__ import annotations

from pathlib import Path

import pytest

from review_ls.config import ConfigResolver
from review_ls.project import ProjectIndex
from review_ls.project import call_graph as call_graph_module
from review_ls.project import duplicates as duplicates_module
from review_ls.project.ahead import derive_ahead
from review_ls.server.project import ProjectState

FILES = {
    "/proj/app/models.py": "from pydantic import BaseModel\n\n\nclass User(BaseModel):\n    name: str\n",
    "/proj/app/copy.py": "from pydantic import BaseModel\n\n\nclass User(BaseModel):\n    name: str\n",
    "/proj/app/jobs.py": "import time\n\n\ndef pause() -> None:\n    time.sleep(1)\n",
}


def _counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count how often the call graph and the duplicate models are built."""
    built = {"call graph": 0, "duplicates": 0}
    graph_class, find_duplicates = call_graph_module.CallGraph, duplicates_module.find_duplicates

    class CountedGraph(graph_class):  # type: ignore[misc, valid-type]
        def __init__(self, *arguments: object) -> None:
            built["call graph"] += 1
            super().__init__(*arguments)

    def counted_duplicates(*arguments: object) -> object:
        built["duplicates"] += 1
        return find_duplicates(*arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(call_graph_module, "CallGraph", CountedGraph)
    monkeypatch.setattr(duplicates_module, "find_duplicates", counted_duplicates)
    return built


def test_the_derived_parts_are_built_ahead_and_reused_by_the_rules_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    built = _counting(monkeypatch)
    index = ProjectIndex.from_sources(FILES, ("/proj",))
    derive_ahead(index)
    assert built == {"call graph": 1, "duplicates": 1}
    assert index.blocking_chain("app.jobs.pause") is not None
    duplicate = index.duplicate_of("/proj/app/copy.py", 4)
    assert duplicate is not None and duplicate.canonical.path == "/proj/app/models.py"
    assert built == {"call graph": 1, "duplicates": 1}, "the queries found them ready"


def test_deriving_ahead_stops_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    built = _counting(monkeypatch)
    derive_ahead(ProjectIndex.from_sources(FILES, ("/proj",)), should_stop=lambda: True)
    assert built == {"call graph": 0, "duplicates": 0}


def test_the_servers_index_build_derives_ahead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = _counting(monkeypatch)
    for path, text in FILES.items():
        (tmp_path / path.removeprefix("/proj/")).parent.mkdir(exist_ok=True)
        (tmp_path / path.removeprefix("/proj/")).write_text(text, encoding="utf-8")
    index = ProjectState.build([tmp_path], {tmp_path: ConfigResolver()}, {})
    assert index is not None and len(index.paths) == 3
    assert built == {"call graph": 1, "duplicates": 1}
