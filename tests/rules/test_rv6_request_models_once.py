"""RV601/RV602 list the project's request models once per version of its classes, not once per route (issue #16, item 4)."""

from __future__ import annotations

import pytest

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.project import ProjectIndex

ROUTES = """\
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from pydantic import BaseModel

app = FastAPI()
BASE_DIR = Path("/srv/files")


class Upload(BaseModel):
    name: str


@app.get("/a/{name:path}")
async def first(name: str, body: Upload):
    return FileResponse(BASE_DIR / name)


@app.get("/b/{name:path}")
async def second(name: str, body: Upload):
    return FileResponse(BASE_DIR / name)
"""


class CountingClasses(tuple):
    """The project's classes, counting how often a rule goes through them."""

    iterations = 0

    def __iter__(self):
        CountingClasses.iterations += 1
        return super().__iter__()


def test_request_models_are_listed_once_for_every_route_of_a_module(monkeypatch: pytest.MonkeyPatch) -> None:
    project = ProjectIndex.from_sources({"routes.py": ROUTES})
    counting = CountingClasses(project.classes)
    monkeypatch.setattr(ProjectIndex, "classes", property(lambda self: counting))
    CountingClasses.iterations = 0
    findings = analyse_source(ROUTES, "routes.py", Settings(select=("RV601",)), project).findings
    assert [(f.code, f.span.line) for f in findings] == [("RV601", 17), ("RV601", 22)]
    assert CountingClasses.iterations == 1
