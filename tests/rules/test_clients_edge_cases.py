"""RV201/RV202 on the application model: chains across files, what stays quiet, and updates after an edit."""

from __future__ import annotations

import re
from pathlib import Path

from review_ls import analyse_source
from review_ls.config import Settings
from review_ls.project import ProjectIndex

FACTORY = "import httpx\n\n\ndef make_client():\n    return httpx.AsyncClient(timeout=10)\n"
ROUTES = "from fastapi import APIRouter\n\nfrom svc.clients import make_client\n\nrouter = APIRouter()\n\n\n@router.post('/speak')\nasync def speak(text: str):\n    return await make_client().post('https://tts.example.com', json={'text': text})\n"


def _findings(sources: dict[str, str], path: str, code: str, index: ProjectIndex | None = None) -> list[tuple[int, str]]:
    index = index or ProjectIndex.from_sources(sources)
    return [(f.span.line, f.message) for f in analyse_source(sources[path], path, Settings(select=(code,)), index).findings]


def test_rv202_uncached_factory_in_another_file_carries_the_chain() -> None:
    sources = {"svc/__init__.py": "", "svc/clients.py": FACTORY, "api/__init__.py": "", "api/routes.py": ROUTES}
    index = ProjectIndex.from_sources(sources)
    [finding] = analyse_source(ROUTES, "api/routes.py", Settings(select=("RV202",)), index).findings
    assert finding.span.line == 10
    assert "(route POST /speak -> make_client -> httpx.AsyncClient)" in finding.message
    assert [(r.path, r.span.line) for r in finding.related] == [("svc/clients.py", 4), ("svc/clients.py", 5)]
    assert not finding.fixable


def test_rv202_follows_the_factory_being_cached_after_an_edit() -> None:
    sources = {"svc/__init__.py": "", "svc/clients.py": FACTORY, "api/__init__.py": "", "api/routes.py": ROUTES}
    index = ProjectIndex.from_sources(sources)
    assert _findings(sources, "api/routes.py", "RV202", index)
    index.update_file("svc/clients.py", "import functools\n" + FACTORY.replace("def make_client", "@functools.cache\ndef make_client"))
    assert _findings(sources, "api/routes.py", "RV202", index) == []


def test_rv202_name_only_client_and_session_classes_are_not_clients() -> None:
    source = (
        "from fastapi import FastAPI\nfrom pydantic import BaseModel\n\napp = FastAPI()\n\n\nclass ApiClient:\n    pass\n\n\n"
        "class CheckoutSession(BaseModel):\n    token: str\n\n\n@app.post('/x')\nasync def x(token: str):\n    ApiClient()\n    return CheckoutSession(token=token)\n"
    )
    assert _findings({"app.py": source}, "app.py", "RV202") == []


def test_rv202_a_route_helper_that_builds_its_own_client_is_reported_where_it_builds_it() -> None:
    helper = "import requests\n\n\ndef notify(url):\n    session = requests.Session()\n    try:\n        return session.post(url, timeout=5)\n    finally:\n        session.close()\n"
    route = "from flask import Flask\n\nfrom hooks import notify\n\napp = Flask(__name__)\n\n\n@app.route('/hook', methods=['POST'])\ndef hook():\n    return notify('https://example.com').text\n"
    [(line, message)] = _findings({"hooks.py": helper, "web.py": route}, "hooks.py", "RV202")
    assert line == 5 and "every request (route POST /hook -> notify -> requests.Session)" in message


def test_rv202_memoised_pinned_and_unpooled_clients_are_quiet() -> None:
    source = (
        "import httpx\nimport sqlalchemy\nfrom sqlalchemy.pool import NullPool\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "class Upstream:\n    def __init__(self):\n        self._client = None\n\n    def client(self):\n        if self._client is None:\n            self._client = httpx.Client()\n        return self._client\n\n\n"
        "@app.get('/a')\ndef a(host: str):\n    transport = httpx.HTTPTransport(local_address=host)\n    with httpx.Client(transport=transport) as client:\n        return client.get('https://example.com').text\n\n\n"
        "@app.get('/b')\ndef b():\n    engine = sqlalchemy.create_engine('sqlite://', poolclass=NullPool)\n    return engine.url\n\n\n"
        "@app.get('/c')\ndef c():\n    return Upstream().client().get('https://example.com').text\n"
    )
    assert _findings({"app.py": source}, "app.py", "RV202") == []


def test_rv202_tests_and_migrations_are_not_reviewed() -> None:
    source = "import httpx\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/x')\nasync def x():\n    async with httpx.AsyncClient() as client:\n        return await client.get('https://example.com')\n"
    assert _findings({"app.py": source}, "app.py", "RV202")
    assert _findings({"tests/test_app.py": source}, "tests/test_app.py", "RV202") == []
    assert _findings({"alembic/versions/0001_init.py": source}, "alembic/versions/0001_init.py", "RV202") == []


def test_rv201_fan_out_through_a_worker_pool_and_a_per_argument_client() -> None:
    source = (
        "from concurrent.futures import ThreadPoolExecutor\n\nimport boto3\nimport requests\n\n\n"
        "def download(url):\n    with requests.Session() as session:\n        return session.get(url, timeout=5).content\n\n\n"
        "def bucket_names(region):\n    return boto3.client('s3', region_name=region).list_buckets()\n\n\n"
        "def run(urls, regions):\n    with ThreadPoolExecutor() as pool:\n        pages = list(pool.map(download, urls))\n    return pages, [bucket_names(r) for r in regions]\n"
    )
    findings = analyse_source(source, "m.py", Settings(select=("RV201",))).findings
    assert [(f.span.line, f.message) for f in findings] == [
        (18, "requests.Session is constructed in download(), once per item of pool.map(); create it once and reuse it")
    ]
    assert [(r.path, r.span.line) for r in findings[0].related] == [("m.py", 7), ("m.py", 8)]


SHAPES = Path(__file__).parents[1] / "fixtures" / "projects" / "client_shapes"


def test_the_issue_shapes_are_all_found_and_nothing_else() -> None:
    """Every `# EXPECT RVxxx` line of the client-shapes project is reported, and only those (cached factories, singletons, DTOs and scripts stay quiet)."""
    sources = {path.relative_to(SHAPES).as_posix(): path.read_text(encoding="utf-8") for path in sorted(SHAPES.rglob("*.py"))}
    index = ProjectIndex.from_sources(sources)
    settings = Settings(select=("RV201", "RV202"))
    expected = {
        (path, number, match.group(1))
        for path, text in sources.items()
        for number, line in enumerate(text.splitlines(), 1)
        if (match := re.search(r"# EXPECT (RV\d+)", line))
    }
    found = {(path, f.span.line, f.code) for path, text in sources.items() for f in analyse_source(text, path, settings, index).findings}
    assert len(expected) == 15
    assert found == expected
