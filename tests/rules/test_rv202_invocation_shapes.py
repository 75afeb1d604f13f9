"""RV202 on two shapes of issue #14: a FastAPI dependency that builds a client (called per request), and
a client that one run of a long task opens and uses for the whole run (not per request)."""

from __future__ import annotations

import ast

import pytest

from review_ls import analyse_source
from review_ls.config import Settings
from review_ls.engine.facts import resolve_through_imports
from review_ls.rules.clients._invocation_shapes import _DEPENDENCY_MARKERS, may_name_dependency

HEADER = "import httpx\nfrom typing import Annotated\nfrom celery import shared_task\nfrom fastapi import Depends, FastAPI\n\napp = FastAPI()\n\n\n"


def _findings(body: str) -> list[tuple[int, str]]:
    source = HEADER + body
    findings = analyse_source(source, "app/routes.py", Settings(select=("RV202",))).findings
    return [(f.span.line - HEADER.count("\n"), f.message.split(";", 1)[0]) for f in findings]


FACTORY = "def get_client():\n    return httpx.AsyncClient()\n\n\n"


def test_annotated_dependency_that_builds_a_client_is_reported_at_the_route() -> None:
    body = FACTORY + "@app.get('/a')\nasync def a(client: Annotated[httpx.AsyncClient, Depends(get_client)]):\n    return await client.get('https://x')\n"
    assert _findings(body) == [(6, "httpx.AsyncClient is constructed on every request (route GET /a -> dependency get_client -> httpx.AsyncClient)")]


def test_dependency_class_that_wraps_a_client_is_reported() -> None:
    body = "class Api:\n    def __init__(self):\n        self.http = httpx.Client()\n\n\n@app.get('/b')\ndef b(api: Api = Depends(Api)):\n    return api.http.get('https://x').json()\n"
    assert _findings(body) == [(7, "httpx.Client is constructed on every request (route GET /b -> dependency Api -> httpx.Client)")]


def test_dependency_outside_a_route_signature_is_not_reported() -> None:
    body = FACTORY + "def helper(client=Depends(get_client)):\n    return client\n"
    assert _findings(body) == []


def test_task_client_handed_to_the_code_that_makes_the_runs_requests_is_per_run() -> None:
    body = "@shared_task\ndef crawl(url: str) -> None:\n    with httpx.Client() as client:\n        Crawler(client=client).run(url)\n"
    assert _findings(body) == []


def test_route_client_used_in_a_loop_is_still_per_request() -> None:
    body = "@app.get('/c')\nasync def c(ids: list[int]):\n    async with httpx.AsyncClient() as client:\n        for i in ids:\n            await client.get(f'https://x/{i}')\n"
    assert [line for line, _ in _findings(body)] == [3]


@pytest.mark.parametrize(
    "call",
    [
        "Depends(f)", "fastapi.Depends(f)", "params.Depends(f)", "Security(f)", "D(f)", "fa.Security(f)", "x.get(f)",
        "self.Depends(f)", "get(f)", "f()()", "x[0](f)", "fastapi.params.Security(f)", "Depends.x(f)",
    ],
)
def test_the_dependency_pre_test_never_skips_a_callee_that_resolves_to_a_marker(call: str) -> None:
    imports = {"Depends": "fastapi.Depends", "D": "fastapi.Depends", "fastapi": "fastapi", "fa": "fastapi", "params": "fastapi.params", "Security": "fastapi.Security"}
    func = ast.parse(call, mode="eval").body.func  # type: ignore[attr-defined]
    resolves_to_marker = resolve_through_imports(func, imports) in _DEPENDENCY_MARKERS
    assert may_name_dependency(func) or not resolves_to_marker
    if isinstance(func, ast.Attribute):
        assert may_name_dependency(func) is (func.attr in ("Depends", "Security"))


def test_a_dependency_imported_under_another_name_is_still_reported() -> None:
    body = FACTORY + "@app.get('/c')\nasync def c(client=Dep(get_client)):\n    return await client.get('https://x')\n"
    source = HEADER.replace("from fastapi import Depends, FastAPI", "from fastapi import Depends as Dep, FastAPI") + body
    findings = analyse_source(source, "app/routes.py", Settings(select=("RV202",))).findings
    assert [f.span.line - HEADER.count("\n") for f in findings] == [6]
