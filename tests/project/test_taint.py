"""Taint summaries across files: which parameters reach a sink or the return value, combined along the call graph."""

from __future__ import annotations

from review_ls import analyse_source
from review_ls.config import Settings
from review_ls.project import ProjectIndex

STORAGE = (
    "import os\n\nROOT = '/srv/files'\n\n\n"
    "def read(name):\n    return _open(os.path.join(ROOT, name))\n\n\n"
    "def _open(path):\n    with open(path) as fh:\n        return fh.read()\n\n\n"
    "def checked(name):\n    path = os.path.realpath(os.path.join(ROOT, name))\n    if not path.startswith(ROOT):\n        raise PermissionError(name)\n    return open(path).read()\n\n\n"
    "def build(name):\n    return os.path.join(ROOT, name)\n"
)
ROUTE = (
    "from fastapi import FastAPI\n\nfrom storage import build, checked, read\n\napp = FastAPI()\n\n\n"
    "@app.get('/a')\nasync def a(name: str):\n    return read(name)\n\n\n"
    "@app.get('/b')\nasync def b(name: str):\n    return checked(name)\n\n\n"
    "@app.get('/c')\nasync def c(name: str):\n    return open(build(name)).read()\n"
)


def test_a_parameter_reaches_a_sink_through_two_functions_of_another_file() -> None:
    index = ProjectIndex.from_sources({"storage.py": STORAGE})
    chain = index.taint_sink_chain("storage.read", 0)
    assert chain is not None
    assert [s.qualname for s in chain.steps] == ["storage.read", "storage._open"]
    assert (chain.kind, chain.sink, chain.line) == ("file", "open", 11)
    assert index.taint_sink_chain("storage.read", "name") == chain


def test_normalise_then_startswith_in_the_callee_stops_the_chain() -> None:
    index = ProjectIndex.from_sources({"storage.py": STORAGE})
    assert index.taint_sink_chain("storage.checked", 0) is None


def test_a_parameter_that_flows_to_the_return_value() -> None:
    index = ProjectIndex.from_sources({"storage.py": STORAGE})
    assert index.taint_returns("storage.build", 0)
    assert not index.taint_returns("storage.read", 0)
    assert index.taint_sink_chain("storage.build", 0) is None


def test_summary_follows_an_edit_of_the_callee_file() -> None:
    index = ProjectIndex.from_sources({"storage.py": STORAGE})
    before = index.fingerprint
    index.update_file("storage.py", "def read(name):\n    return len(name)\n")
    assert index.fingerprint != before
    assert index.taint_sink_chain("storage.read", 0) is None


def test_rv601_reports_the_route_call_with_the_chain_as_related_locations() -> None:
    index = ProjectIndex.from_sources({"storage.py": STORAGE, "api.py": ROUTE})
    findings = [f for f in analyse_source(ROUTE, "api.py", Settings(select=("RV601",)), index).findings]
    assert [f.span.line for f in findings] == [10, 20]
    first = findings[0]
    assert "through read -> _open -> open" in first.message
    assert [(r.path, r.span.line) for r in first.related] == [("storage.py", 6), ("storage.py", 10), ("storage.py", 11)]
    assert findings[1].message.startswith("name is made a path by build() and reaches open()")
