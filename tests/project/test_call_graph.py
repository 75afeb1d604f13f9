"""The call graph and the "blocks" summary: resolution through imports, re-exports, `self`, constructors; chains; updates per file."""

from __future__ import annotations

import ast

from review_ls import analyse_source
from review_ls.config import Settings
from review_ls.project import ProjectIndex
from review_ls.project.call_facts import module_call_facts

HELPER = "import time\n\n\ndef pause():\n    time.sleep(1)\n\n\ndef wrapped():\n    return pause()\n"


def test_blocking_chain_through_two_project_functions_in_another_file() -> None:
    index = ProjectIndex.from_sources({"helpers.py": HELPER})
    chain = index.blocking_chain("helpers.wrapped")
    assert chain is not None
    assert [s.qualname for s in chain.steps] == ["helpers.wrapped", "helpers.pause"]
    assert (chain.call, chain.call_line) == ("time.sleep", 5)


def test_re_export_self_method_and_constructor_are_resolved() -> None:
    sources = {
        "pkg/__init__.py": "from .store import Store\n",
        "pkg/store.py": "import requests\n\n\nclass Store:\n    def get(self):\n        return self._fetch()\n\n    def _fetch(self):\n        return requests.get('https://x', timeout=1)\n",
    }
    index = ProjectIndex.from_sources(sources)
    chain = index.blocking_chain("pkg.Store.get")
    assert chain is not None and chain.describe() == "get -> _fetch -> requests.get"


def test_async_callee_and_cycle_do_not_block() -> None:
    source = "import time\n\n\nasync def later():\n    time.sleep(1)\n\n\ndef a():\n    return b()\n\n\ndef b():\n    return a()\n"
    index = ProjectIndex.from_sources({"m.py": source})
    assert index.blocking_chain("m.later") is None
    assert index.blocking_chain("m.a") is None


def test_summary_follows_an_edit_of_the_callee_file() -> None:
    index = ProjectIndex.from_sources({"helpers.py": HELPER})
    before = index.fingerprint
    index.update_file("helpers.py", "def pause():\n    return 1\n\n\ndef wrapped():\n    return pause()\n")
    assert index.blocking_chain("helpers.wrapped") is None
    assert index.fingerprint != before


def test_entry_point_roles() -> None:
    source = (
        "from celery import shared_task\nfrom temporalio import activity\n\n\n@app.get('/x')\nasync def route():\n    pass\n\n\n"
        "@shared_task\ndef job():\n    pass\n\n\n@activity.defn\nasync def act():\n    pass\n\n\nclass Greeter(pb.GreeterServicer):\n    def SayHello(self, request, context):\n        pass\n"
    )
    index = ProjectIndex.from_sources({"m.py": source})
    roles = {facts.qualname: facts.role for _, facts in index.call_graph.entry_points()}
    assert roles == {"m.route": "route", "m.job": "task", "m.act": "activity", "m.Greeter.SayHello": "rpc"}


def test_rv302_reports_one_hop_away_with_the_chain_as_related_locations() -> None:
    index = ProjectIndex.from_sources({"helpers.py": HELPER, "api.py": "from helpers import wrapped\n\n\nasync def route():\n    wrapped()\n"})
    result = analyse_source("from helpers import wrapped\n\n\nasync def route():\n    wrapped()\n", "api.py", Settings(select=("RV302",)), index)
    [finding] = result.findings
    assert "through wrapped -> pause -> time.sleep" in finding.message
    assert [(r.path, r.span.line) for r in finding.related] == [("helpers.py", 8), ("helpers.py", 4), ("helpers.py", 5)]


def test_rv302_same_file_helper_without_a_workspace_index() -> None:
    source = "import subprocess\n\n\ndef build():\n    subprocess.run(['make'])\n\n\nasync def route():\n    build()\n    await asyncio.to_thread(build)\n"
    findings = analyse_source(source, "m.py", Settings(select=("RV302",))).findings
    assert [(f.span.line, "through build -> subprocess.run" in f.message) for f in findings] == [(9, True)]


def test_self_method_of_a_class_resolves_in_rv302() -> None:
    source = "import time\n\n\nclass Worker:\n    def _wait(self):\n        time.sleep(1)\n\n    async def run(self):\n        self._wait()\n"
    findings = analyse_source(source, "m.py", Settings(select=("RV302",))).findings
    assert [f.span.line for f in findings] == [9]


def test_cached_function_does_not_block_per_call() -> None:
    source = "import functools\n\n\n@functools.lru_cache\ndef config():\n    return open('c.toml').read()\n\n\ndef settings():\n    return config()\n"
    index = ProjectIndex.from_sources({"m.py": source})
    assert index.blocking_chain("m.settings") is None


def test_a_module_keeps_its_re_exports_flat_and_reads_them_as_sorted_pairs() -> None:
    source = "import httpx\nfrom .store import Store as S\nfrom app.db import session\nclient = httpx.Client()\n"
    facts = module_call_facts(ast.parse(source), "pkg.api", is_package=False)
    assert all(type(part) is str for part in facts.flat_alias_pairs)  # (a tuple per pair held 35,000 tuples of a 509 KLOC index)
    assert facts.aliases == (
        ("pkg.api.S", "pkg.store.Store"),
        ("pkg.api.client", "httpx.Client"),  # (a module-level instance: its class)
        ("pkg.api.httpx", "httpx"),
        ("pkg.api.session", "app.db.session"),
    )
