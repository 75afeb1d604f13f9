"""RV601 looks for a containment guard (and the one-segment parameters) only in a function where a join escapes:
the findings are those of looking first (a guard still silences an escaping join), and a handler that joins
nothing is not searched for a guard."""

from __future__ import annotations

import textwrap

import pytest

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.patterns import taint_flow, web_inputs
from review_ls.rules.security import rv601_unvalidated_path_join

_ESCAPING = """
    import os
    from fastapi import FastAPI

    app = FastAPI()
    BASE = "/srv/files"

    @app.get("/files")
    def download(name: str):
        path = os.path.join(BASE, name)
        {guard}
        return open(path).read()
    """


def _lines(source: str) -> list[int]:
    result = analyse_source(textwrap.dedent(source).lstrip("\n"), "app.py", Settings(select=("RV601",)))
    assert result.internal_errors == ()
    return [f.span.line for f in result.findings if f.code == "RV601"]


@pytest.mark.parametrize(
    ("guard", "lines"),
    [
        ("pass", [9]),
        ("if not os.path.realpath(path).startswith(os.path.realpath(BASE)): raise ValueError(path)", []),
        ("if os.path.commonpath([BASE, os.path.realpath(path)]) != BASE: raise ValueError(path)", []),
    ],
)
def test_a_guard_still_silences_an_escaping_join(guard: str, lines: list[int]) -> None:
    assert _lines(_ESCAPING.replace("{guard}", guard)) == lines


def test_a_handler_that_joins_nothing_is_not_searched_for_a_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    searched: list[object] = []
    original = taint_flow.contains_file_guard

    def counted(function: object) -> bool:
        searched.append(function)
        return original(function)  # type: ignore[arg-type]

    monkeypatch.setattr(rv601_unvalidated_path_join, "contains_file_guard", counted)
    source = """
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/items")
        def item(name: str):
            return {"name": name.upper()}
        """
    assert _lines(source) == []
    assert searched == []


def test_the_upload_parameters_are_read_once_per_function_and_are_upload_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    from review_ls.rules.security import _shared

    asked: list[object] = []
    original = web_inputs.upload_parameters

    def counted(function: object) -> set[str]:
        asked.append(function)
        return original(function)  # type: ignore[arg-type]

    monkeypatch.setattr(_shared, "upload_parameters", counted)
    source = """
        from fastapi import FastAPI, UploadFile

        app = FastAPI()
        BASE = "/srv/uploads"

        @app.post("/upload")
        async def upload(file: UploadFile):
            with open(BASE + "/" + file.filename, "wb") as out:
                out.write(await file.read())
        """
    assert _lines(source) == [8]
    assert len(asked) == 1  # (RV601's own sources and the request taint's, one answer)
