"""The taint pass's cheap pre-check (`_taint._reads_request_data`) never hides a flow: request names read only as
`self.request`, spelled with non-ASCII letters that normalise to the name, or read in a decorator; and the pass runs only
where it can find one."""

from __future__ import annotations

import ast
import textwrap

import pytest

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.facts import dotted_name
from review_ls.engine.positions import LineIndex
from review_ls.patterns.taint_flow import TaintPass
from review_ls.patterns.taint_sources import request_names, websocket_names
from review_ls.rules.security import _taint


def _lines(text: str, select: str = "RV601") -> list[int]:
    source = textwrap.dedent(text).lstrip("\n")
    result = analyse_source(source, "app.py", Settings(select=(select,)))
    assert result.internal_errors == ()
    return [f.span.line for f in result.findings if f.code == select]


def test_self_request_read_in_a_method_without_a_request_parameter() -> None:
    assert _lines(
        """
        class Export:
            def get(self):
                return open(self.request.GET["path"]).read()
        """
    ) == [3]


def test_request_spelled_with_letters_that_normalise_to_it() -> None:
    # `ｒequest` (a fullwidth r) is the identifier `request` in the tree, but not in the text.
    assert _lines(
        """
        class Export:
            def get(self):
                return open(self.\uff52equest.GET["path"]).read()
        """
    ) == [3]


def test_methods_that_only_use_self_stay_quiet() -> None:
    assert _lines(
        """
        class Files:
            def read(self):
                return open(self.path).read()
        """
    ) == []


# Functions without parameter sources: the taint pass, run the long way (with no pre-check), finds flows exactly in
# those `_taint._reads_request_data` lets through (request inputs read as attributes, called, awaited, through
# `self.request`, WebSocket receives); a function that only names the request or the socket is spared the pass.
_WITHOUT_SOURCES = [
    ("def f(request):\n    return open(request.args['p']).read()\n", True),
    ("async def f(request):\n    return open((await request.json())['p']).read()\n", True),
    ("def f(request):\n    return open(request.get_json()['p']).read()\n", True),
    ("def f(self):\n    return open(self.request.GET['p']).read()\n", True),
    ("async def f(ws):\n    name = await ws.receive_text()\n    return open(name).read()\n", True),
    ("def f(request):\n    path = request.user.home\n    return open(path).read()\n", False),
    ("def f(request, name):\n    log(request)\n    return open(name).read()\n", False),
    ("async def f(ws):\n    await ws.send_text(open('x').read())\n", False),
    ("def f(request):\n    def inner():\n        return request.args['p']\n    return open(inner()).read()\n", False),
]


@pytest.mark.parametrize(("source", "flows"), _WITHOUT_SOURCES)
def test_the_pre_check_lets_through_exactly_the_functions_the_pass_finds_flows_in(source: str, flows: bool) -> None:
    function = ast.parse(source).body[0]
    assert isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
    requests = request_names(function, None)
    websockets = websocket_names(function)
    long_way = TaintPass(function, {}, dotted_name, requests, websockets).run().flows
    assert bool(long_way) is flows
    reads = _taint._reads_request_data(function, requests, websockets, LineIndex.from_source(source))
    assert reads or not long_way  # (never hides a flow)
    if flows:
        assert reads


def test_a_function_that_only_names_the_request_gets_no_taint_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    passes: list[object] = []
    original = TaintPass.run

    def counted(self: TaintPass, nodes: object = None) -> TaintPass:
        passes.append(self.function)
        return original(self, nodes)  # type: ignore[arg-type]

    monkeypatch.setattr(TaintPass, "run", counted)
    assert _lines(
        """
        from flask import request

        def audit(name):
            log(request.remote_addr, request)
            return open("audit.log").read()
        """
    ) == []
    assert passes == []
