"""A parallel check builds the project-wide model once, in the parent, before its workers fork (`worker_start.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from review_ls.config import Settings
from review_ls.project import ProjectIndex
from review_ls.project.jedi_gates import _CALLEE_PLACES_KEY, _MODEL_FIELDS_KEY, _SPELLINGS_KEY
from review_ls.runner import FileTask, check_files

SERVICE = """
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()
TASKS: dict = {{}}


class Item{n}(BaseModel):
    id: int
    name: str


@app.post("/tasks{n}")
def add{n}(name: str) -> None:
    TASKS[name] = 1


def show{n}(item: Item{n}) -> int:
    return item["id"]
"""

FILES = 20  # a parallel run from 16 files on


@pytest.fixture
def project(tmp_path: Path) -> tuple[list[str], ProjectIndex]:
    paths = []
    for number in range(FILES):
        path = tmp_path / f"svc{number}.py"
        path.write_text(SERVICE.format(n=number), encoding="utf-8")
        paths.append(str(path))
    return paths, ProjectIndex.build(paths, [tmp_path])


def _tasks(paths: list[str], *codes: str) -> list[FileTask]:
    return [FileTask(path, Settings(select=codes)) for path in paths]


def _findings(paths: list[str], index: ProjectIndex, jobs: int, *codes: str) -> list[tuple[str, str, int]]:
    return [(f.code, report.path, f.span.line) for report in check_files(_tasks(paths, *codes), jobs=jobs, project=index) for f in report.findings]


def test_the_parent_builds_the_model_its_forked_workers_read(project: tuple[list[str], ProjectIndex]) -> None:
    paths, index = project
    found = _findings(paths, index, 2, "RV401", "RV702")
    assert len(found) == 2 * FILES
    derived = index._views()
    assert {"call_graph", "process_state", "queries", "duplicates"} <= derived.__dict__.keys()
    assert derived.process_state._mutators is not None  # every entry point's writes, computed once here
    assert _MODEL_FIELDS_KEY in index.types._summaries  # what RV702 checks before asking jedi


def test_the_parallel_run_finds_what_a_serial_run_finds(project: tuple[list[str], ProjectIndex]) -> None:
    paths, index = project
    serial = _findings(paths, ProjectIndex.build(paths, [Path(paths[0]).parent]), 1, "RV401", "RV702")
    assert _findings(paths, index, 2, "RV401", "RV702") == serial
    assert {code for code, _, _ in serial} == {"RV401", "RV702"}


def test_without_a_type_aware_rule_the_type_lookups_are_not_built(project: tuple[list[str], ProjectIndex]) -> None:
    paths, index = project
    assert len(_findings(paths, index, 2, "RV401")) == FILES
    assert _MODEL_FIELDS_KEY not in index.types._summaries


def test_with_jedi_off_only_the_lookups_read_without_jedi_are_built(project: tuple[list[str], ProjectIndex]) -> None:
    paths, index = project
    off = tuple((code, (("jedi-budget-ms", 0),)) for code in ("RV701", "RV702"))
    reports = check_files([FileTask(path, Settings(select=("RV701", "RV702"), options=off)) for path in paths], jobs=2, project=index)
    assert sum(len(report.findings) for report in reports) == FILES  # (RV702: each `item["id"]`, typed by its annotation)
    summaries = index.types._summaries
    assert _SPELLINGS_KEY in summaries  # RV701 checks its literals against it, with or without jedi
    assert _MODEL_FIELDS_KEY not in summaries and _CALLEE_PLACES_KEY not in summaries  # read only before asking jedi


def test_without_a_rule_that_reads_the_project_nothing_is_built(project: tuple[list[str], ProjectIndex]) -> None:
    paths, index = project
    _findings(paths, index, 2, "RV203")
    assert index._derived is None
