"""The client summary and per-invocation reachability: wrapper classes, factories with and without caching, memoised clients, registered entry points."""

from __future__ import annotations

import pytest

from review_ls.project import ProjectIndex

CLIENTS = """\
import functools

import httpx
from pydantic import BaseModel


class WorkerClient:
    def __init__(self, base_url):
        self._http = httpx.AsyncClient(base_url=base_url)


class PooledClient(httpx.AsyncClient):
    pass


class TokenClient(BaseModel):
    token: str


def get_worker_client():
    return WorkerClient("http://worker")


@functools.lru_cache
def cached_worker_client():
    return WorkerClient("http://worker")


_client = None


def global_client():
    global _client
    if _client is None:
        _client = httpx.AsyncClient()
    return _client


class Holder:
    def __init__(self):
        self._client = None

    def client(self):
        if self._client is None:
            self._client = httpx.AsyncClient()
        return self._client


async def fetch(url):
    async with httpx.AsyncClient() as client:
        return await client.get(url)


async def dependency():
    async with httpx.AsyncClient() as client:
        yield client
"""


@pytest.fixture
def index() -> ProjectIndex:
    return ProjectIndex.from_sources({"svc/__init__.py": "", "svc/clients.py": CLIENTS})


@pytest.mark.parametrize(
    ("target", "chain"),
    [
        ("svc.clients.WorkerClient", "WorkerClient -> httpx.AsyncClient"),
        ("svc.clients.PooledClient", "PooledClient -> httpx.AsyncClient"),
        ("svc.clients.get_worker_client", "get_worker_client -> WorkerClient -> httpx.AsyncClient"),
        ("svc.clients.dependency", "dependency -> httpx.AsyncClient"),
        ("svc.clients.cached_worker_client", None),
        ("svc.clients.global_client", None),
        ("svc.clients.Holder.client", None),
        ("svc.clients.TokenClient", None),
        ("svc.clients.fetch", None),
    ],
)
def test_what_hands_the_caller_a_fresh_client(index: ProjectIndex, target: str, chain: str | None) -> None:
    produced = index.client_summaries.produced_by(target)
    assert (produced.describe() if produced else None) == chain


def test_a_function_that_builds_and_uses_its_own_client_builds_one_per_call(index: ProjectIndex) -> None:
    built = index.client_summaries.built_in("svc.clients.fetch")
    line = CLIENTS.splitlines().index("    async with httpx.AsyncClient() as client:") + 1
    assert built is not None and (built.client, built.line) == ("httpx.AsyncClient", line)
    assert index.client_summaries.built_in("svc.clients.global_client") is None


def test_per_invocation_follows_awaited_calls_and_kept_results_across_files(index: ProjectIndex) -> None:
    index.update_file("api.py", "from svc.clients import fetch, get_worker_client\n\n\n@app.get('/x')\nasync def route(url):\n    client = get_worker_client()\n    return await fetch(url)\n")
    reach = index.per_invocation
    assert reach.path_to("svc.clients.fetch") == ("api.route", "svc.clients.fetch")
    assert reach.path_to("svc.clients.WorkerClient.__init__") == ("api.route", "svc.clients.get_worker_client", "svc.clients.WorkerClient.__init__")
    assert reach.path_to("svc.clients.global_client") is None


def test_caching_the_factory_in_its_file_updates_the_summary(index: ProjectIndex) -> None:
    before = index.fingerprint
    index.update_file("svc/clients.py", CLIENTS.replace("def get_worker_client", "@functools.cache\ndef get_worker_client"))
    assert index.client_summaries.produced_by("svc.clients.get_worker_client") is None
    assert index.fingerprint != before


@pytest.mark.parametrize("target", ["svc.clients.get_worker_client", "svc.clients.PooledClient", "sqlalchemy.select", "svc.clients.global_client"])
def test_a_target_asked_again_is_answered_without_following_the_graph(index: ProjectIndex, target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    summaries = index.client_summaries
    first = summaries.produced_by(target)
    graph = type(summaries.graph)
    monkeypatch.setattr(graph, "function", lambda *_: pytest.fail("the call graph was asked again"))
    monkeypatch.setattr(graph, "class_facts", lambda *_: pytest.fail("the call graph was asked again"))
    assert summaries.produced_by(target) is first


def test_the_answers_follow_an_update_of_the_project(index: ProjectIndex) -> None:
    assert index.client_summaries.produced_by("svc.clients.get_worker_client") is not None
    index.update_file("svc/clients.py", CLIENTS.replace("def get_worker_client", "@functools.cache\ndef get_worker_client"))
    assert index.client_summaries.produced_by("svc.clients.get_worker_client") is None


REGISTRATIONS = """\
import socketio
from arq import cron
from langgraph.graph import StateGraph
from langchain.agents import create_react_agent
from rq import Queue


async def research(state): ...
async def route_next(state): ...
def lookup(query): ...
def send_email(to): ...
async def on_chat(sid, data): ...
def on_message(channel, method, properties, body): ...
async def nightly(ctx): ...
async def resize(ctx, image): ...
def helper(): ...


def build(graph: StateGraph, queue: Queue, sio: socketio.AsyncServer, channel) -> None:
    graph.add_node("research", research)
    graph.add_conditional_edges("research", route_next)
    create_react_agent(model, tools=[lookup])
    queue.enqueue(send_email, "a@example.com")
    sio.on("chat", on_chat)
    channel.basic_consume(queue="jobs", on_message_callback=on_message)
    helper()


class WorkerSettings:
    functions = [resize]
    cron_jobs = [cron(nightly, hour=3)]


class Chat(socketio.AsyncNamespace):
    async def on_join(self, sid, data): ...


class Live(AsyncJsonWebsocketConsumer):
    async def receive_json(self, content): ...
"""


def test_entry_points_registered_by_calls_and_classes() -> None:
    index = ProjectIndex.from_sources({"jobs.py": REGISTRATIONS})
    roles = {facts.qualname: (facts.role, facts.label) for _, facts in index.call_graph.entry_points()}
    assert roles == {
        "jobs.research": ("node", "research"),
        "jobs.route_next": ("node", "research"),
        "jobs.lookup": ("tool", "lookup"),
        "jobs.send_email": ("task", "send_email"),
        "jobs.on_chat": ("websocket", "chat"),
        "jobs.on_message": ("consumer", "on_message"),
        "jobs.resize": ("task", "resize"),
        "jobs.nightly": ("task", "nightly"),
        "jobs.Chat.on_join": ("websocket", "on_join"),
        "jobs.Live.receive_json": ("websocket", "receive_json"),
    }


@pytest.mark.parametrize(
    ("decorator", "label"),
    [("@app.post('/speak')", "POST /speak"), ("@bp.route('/x', methods=['PUT'])", "PUT /x"), ("@router.get('')", "GET handler"), ("@shared_task", "handler"), ("@post('/litestar')", "POST /litestar")],
)
def test_entry_point_labels(decorator: str, label: str) -> None:
    index = ProjectIndex.from_sources({"m.py": f"{decorator}\ndef handler():\n    pass\n"})
    [(_, facts)] = list(index.call_graph.entry_points())
    assert facts.label == label


def test_calls_on_a_fresh_instance_and_through_function_level_imports_are_resolved() -> None:
    service = "class Service:\n    def run(self):\n        from svc.clients import get_worker_client\n\n        return get_worker_client().run()\n"
    route = "from svc.service import Service\n\n\n@app.post('/x')\nasync def route():\n    return await Service().run()\n"
    index = ProjectIndex.from_sources({"svc/__init__.py": "", "svc/clients.py": CLIENTS, "svc/service.py": service, "api.py": route})
    assert index.per_invocation.path_to("svc.clients.get_worker_client") == ("api.route", "svc.service.Service.run", "svc.clients.get_worker_client")


def test_a_client_built_once_under_a_global_flag_is_memoised() -> None:
    source = (
        "import boto3\n\n_layer = None\n_ready = False\n\n\n"
        "def get_layer():\n    global _layer, _ready\n    if not _ready:\n        storage = boto3.client('s3')\n        _layer = Layer(storage)\n        _ready = True\n    return _layer\n"
    )
    index = ProjectIndex.from_sources({"m.py": source})
    assert index.client_summaries.built_in("m.get_layer") is None
