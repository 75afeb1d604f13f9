"""RV601/RV602 read the names of the project's pydantic classes once per version of the project, for every file."""

from __future__ import annotations

from types import SimpleNamespace

from review_ls.project import ProjectIndex
from review_ls.rules.security import _taint

MODELS = "from pydantic import BaseModel\n\nclass Upload(BaseModel):\n    name: str\n"


def _ctx(project: ProjectIndex, path: str) -> object:
    return SimpleNamespace(project=project, path=path, memo={})


def test_the_names_are_found_once_for_every_file_and_again_after_an_update() -> None:
    project = ProjectIndex.from_sources({"models.py": MODELS, "a.py": "x = 1\n", "b.py": "y = 2\n"})
    first = _taint._request_models(_ctx(project, "a.py"))  # type: ignore[arg-type]
    assert first == {"Upload"}
    assert _taint._request_models(_ctx(project, "b.py")) is first  # type: ignore[arg-type]
    project.update_file("models.py", MODELS + "\n\nclass Download(BaseModel):\n    name: str\n")
    assert _taint._request_models(_ctx(project, "a.py")) == {"Upload", "Download"}  # type: ignore[arg-type]
