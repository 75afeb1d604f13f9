"""What the index's extraction reuses instead of computing again (issue #16, item 4) finds what computing it again
finds: the full taint pass over the nodes the call facts walked, call targets answered once per node, the light
taint summary that only follows returned calls, registrations read from groups of nodes, the chains `dotted_name`
makes at once, and the one scan for route registration markers."""

from __future__ import annotations

import ast
from collections.abc import Callable

import pytest

from review_ls.engine.facts import dotted_name, qualify_dotted
from review_ls.patterns.blocking import BlockingCalls
from review_ls.patterns.node_walk import own_node_list
from review_ls.patterns.taint_flow import TaintPass, Tainted
from review_ls.project.call_facts import CallResolver, absolute_imports, module_call_facts
from review_ls.project.entry_points import registered_entry_points
from review_ls.project.file_facts import _may_register_routes
from review_ls.project.taint_facts import _light_summary, function_taint

HANDLER = '''
import os
import requests
from storage import clean, fetch

BASE = "/srv"

def handler(name, url, key=None):
    if ".." in name:
        raise ValueError(name)
    path = os.path.join(BASE, name)
    with open(path) as handle:
        data = handle.read()
    target = f"https://api.example.com/{url}"
    reply = requests.get(target)
    stored = clean(key)
    repo = Repo()
    repo.save(name, data)
    later = Service().run(url)
    if key:
        return fetch(key, name)
    return [fetch(k) for k in (key, url)]
'''


def _function(source: str, name: str) -> ast.FunctionDef:
    return next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == name)


def _qualify(imports: dict[str, str]) -> Callable[[ast.AST], str | None]:
    return lambda node: qualify_dotted(dotted_name(node) or "", imports)


def _flows(taint: TaintPass) -> list[tuple[object, ...]]:
    return [(f.sink.kind, f.sink.name, f.call.lineno, f.value.origin, f.value.shown, f.callee) for f in taint.flows]


def test_the_full_taint_pass_over_the_walked_nodes_finds_the_flows_and_returns_of_its_own_walk() -> None:
    function = _function(HANDLER, "handler")
    qualify = _qualify(absolute_imports(ast.parse(HANDLER), "app", False))
    sources = {name: Tainted(name, name) for name in ("name", "url", "key")}
    walked = TaintPass(function, dict(sources), qualify).run()
    given = TaintPass(function, dict(sources), qualify).run(own_node_list(function.body))
    assert _flows(given) == _flows(walked) and _flows(walked)  # (the file and the URL sink)
    assert [v.origin for v in given.returned] == [v.origin for v in walked.returned]
    assert given.clean == walked.clean == frozenset({"name"})
    assert all(isinstance(flow.statement, ast.stmt) for flow in given.flows)  # (a placeholder: no statement was tracked)


def _learnt_handler() -> tuple[ast.FunctionDef, dict[str, str], CallResolver, list[ast.AST]]:
    """HANDLER's function, its module's imports, a call resolver that has learnt its bindings, and its own nodes."""
    function = _function(HANDLER, "handler")
    imports = absolute_imports(ast.parse(HANDLER), "app", False)
    resolver = CallResolver("app", imports, frozenset({"handler"}), None)
    nodes = own_node_list(function.body)
    resolver.learn(nodes)
    return function, imports, resolver, nodes


def test_the_taint_summary_is_the_same_with_or_without_the_walked_nodes() -> None:
    function, imports, resolver, nodes = _learnt_handler()
    calls = [n for n in nodes if isinstance(n, ast.Call)]
    alone = function_taint(function, _qualify(imports), resolver.target)
    reusing = function_taint(function, _qualify(imports), resolver.memoised_target(), nodes, calls, nodes)
    assert reusing == alone
    assert alone is not None and alone.sinks and alone.returned_calls


def test_call_targets_answered_once_per_node_are_those_answered_after_learning() -> None:
    source = '''
from pkg.services import Service
import pkg.helpers as helpers

def late(x):
    first = repo.get(x)
    repo = Repo()
    second = repo.get(x)
    Service().run(x)
    helpers.clean(x)
    from pkg.other import local
    local(x)
    return self_less(first, second)
'''
    function = _function(source, "late")
    resolver = CallResolver("app", absolute_imports(ast.parse(source), "app", False), frozenset({"late", "Repo", "self_less"}), None)
    resolver.learn(own_node_list(function.body))
    memoised = resolver.memoised_target()
    calls = [n for n in own_node_list(function.body) if isinstance(n, ast.Call)]
    expected = [resolver.target(call.func) for call in calls]
    assert [memoised(call.func) for call in calls] == expected == [memoised(call.func) for call in calls]
    assert "app.Repo.get" in expected  # (`repo` is a local built by `Repo()`, for the first `get` too, once learnt)
    assert "pkg.services.Service.run" in expected and "pkg.other.local" in expected


def test_the_light_summary_of_returned_calls_only_keeps_what_the_returned_calls_are_passed() -> None:
    _, _, resolver, nodes = _learnt_handler()
    whole = _light_summary(["name", "url", "key"], ["name", "url", "key"], nodes, resolver.target)
    returned = _light_summary(["name", "url", "key"], ["name", "url", "key"], nodes, resolver.target, returned_only=True)
    assert whole is not None and returned is not None
    assert returned.returned_calls == whole.returned_calls and [c.target for c in whole.returned_calls] == ["storage.fetch", "storage.fetch"]
    assert whole.calls and not returned.calls  # (`clean(key)`, `repo.save(...)`: passed to, not returned)


def test_registrations_are_read_from_groups_of_nodes_with_their_class() -> None:
    source = '''
def send_email(): ...
def resize(): ...
def plan(state): ...
def not_a_task(): ...

functions = [not_a_task]

class WorkerSettings:
    functions = [send_email, resize]

def build(graph):
    graph.add_node("plan", plan)
'''
    tree = ast.parse(source)
    resolver = CallResolver("app", {}, frozenset({"send_email", "resize", "plan", "not_a_task", "WorkerSettings", "build"}), None)
    resolve = lambda node, owner: resolver.target(node)  # noqa: E731
    assignment, worker, build = tree.body[4:]
    assert isinstance(worker, ast.ClassDef)
    groups = [(list(ast.walk(assignment)), None), (list(ast.walk(worker.body[0])), "WorkerSettings"), (list(ast.walk(build)), None)]
    found = [(r.target, r.role) for r in registered_entry_points(groups, resolve)]
    assert found == [("app.send_email", "task"), ("app.resize", "task"), ("app.plan", "node")]
    assert [(r.target, r.role) for r in module_call_facts(tree, "app").registered] == found


def _reference_dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = _reference_dotted(node.value)
        return None if owner is None else f"{owner}.{node.attr}"
    return None


@pytest.mark.parametrize("source", ["x", "a.b", "self.repo.get", "os.path.join.x", "a.b.c.d.e", "f()", "f().x", "f().x.y", "a[0].b.c", "'s'", "(a or b).c"])
def test_dotted_name_makes_short_chains_at_once_and_others_as_before(source: str) -> None:
    node = ast.parse(source, mode="eval").body
    assert dotted_name(node) == _reference_dotted(node)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("app.add_api_route('/x', handler)", True),
        ("bp.add_url_rule('/x', view_func=v)", True),
        ("router.add_view('/x', View)", True),
        ("parser.add_argument('--x')", False),
        ("routes = [Route('/x', endpoint)]", True),
        ("import django\nurlpatterns = [path('x/', view)]", True),
        ("urlpatterns = [path('x/', view)]", False),
        ("", False),
    ],
)
def test_route_registrations_are_looked_for_in_one_scan_of_the_text(source: str, expected: bool) -> None:
    assert _may_register_routes(source) is expected


BLOCKING = '''
import time as t
import os.path
import httpx
import pathlib
import requests
from urllib import request

def handler(data, path):
    t.sleep(1)
    os.path.exists(path)
    request.urlopen(path)
    client = httpx.Client()
    client.fetch_all()
    client.get(path)
    data.get("key")
    data.append(path)
    builtins.open(path)
    pathlib.Path(path).read_text()
    session = requests.Session()
    session.post(path)
    copied = data.copy()
    copied.post(path)
'''


def test_a_method_named_like_no_blocking_function_is_still_judged_by_what_its_receiver_holds() -> None:
    function = _function(BLOCKING, "handler")
    imports = absolute_imports(ast.parse(BLOCKING), "app", False)
    detector = BlockingCalls(function, _qualify(imports), frozenset(), {})
    calls = [n for n in own_node_list(function.body) if isinstance(n, ast.Call)]
    assert [detector.blocking_name(call) for call in calls] == [
        "time.sleep", "os.path.exists", "urllib.request.urlopen", None, None, "client.get", None, None, "open", "path.read_text", None,
        None, "session.post", None, None,
    ]  # (`read_text` is named like no blocking function: a method of what `Path(...)` makes; `Session` makes a client)
