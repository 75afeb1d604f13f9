"""RV601 looks for a containment guard (and the one-segment parameters) only in a function where a join escapes, and
for escaping joins only in a function with a call that uses a path: the findings are those of looking first (a guard
still silences an escaping join; the pass finds the same escapes), and a handler that joins nothing is not searched
for a guard."""

from __future__ import annotations

import ast
import textwrap

import pytest

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.patterns import paths, taint_flow, web_inputs
from review_ls.patterns.paths import qualifier_for
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


_JOINS = [  # (function, sources): joins of every shape, with and without a call that uses the path
    ("def f(name):\n    path = os.path.join(BASE, name)\n    return open(path).read()\n", {"name"}),
    ("def f(name):\n    return (Path(BASE) / name).read_text()\n", {"name"}),
    ("def f(name):\n    return send_file(f'/srv/files/{name}')\n", {"name"}),
    ("def f(name):\n    p = BASE + '/' + name\n    shutil.rmtree(p)\n", {"name"}),
    ("def f(name):\n    p = os.path.join(BASE, name)\n    return {'path': p}\n", {"name"}),
    ("def f(name):\n    p = Path(BASE) / name\n    return p.name\n", {"name"}),
    ("def f(name):\n    p = os.path.join(BASE, name)\n    if is_inside(p, BASE):\n        return open(p).read()\n", {"name"}),
    ("def f(name):\n    for item in name:\n        os.remove(os.path.join(BASE, item))\n", {"name"}),
    ("def f(name):\n    log(os.path.join(BASE, name))\n", {"name"}),
]


@pytest.mark.parametrize(("source", "sources"), _JOINS)
def test_path_escapes_finds_what_the_pass_finds_and_runs_it_only_where_a_call_uses_a_path(source: str, sources: set[str]) -> None:
    function = ast.parse("import os, shutil\nfrom pathlib import Path\nfrom flask import send_file\n" + source).body[-1]
    assert isinstance(function, ast.FunctionDef)
    qualify = qualifier_for({"os": "os", "shutil": "shutil", "Path": "pathlib.Path", "send_file": "flask.send_file"})
    long_way = paths._escapes_in_one_pass(function, sources, qualify)
    assert [(e.join, e.sink, e.source) for e in paths.path_escapes(function, sources, qualify)] == [(e.join, e.sink, e.source) for e in long_way]
    assert paths.has_path_sink(function, qualify) or not long_way  # (the pre-check never hides an escape)


def test_a_function_without_a_path_sink_is_not_passed_over() -> None:
    function = ast.parse("def f(name):\n    p = os.path.join(BASE, name)\n    return {'path': p}\n").body[0]
    assert isinstance(function, ast.FunctionDef)
    qualify = qualifier_for({"os": "os"})
    assert not paths.has_path_sink(function, qualify)
    assert paths.path_escapes(function, {"name"}, qualify) == []
