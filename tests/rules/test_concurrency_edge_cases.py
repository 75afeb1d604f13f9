"""RV3 cases that one-file examples cannot show: the project's settings, applicability, fix limits."""

from __future__ import annotations

import textwrap

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.fixes import apply_edits, compute_fix
from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.project import ProjectIndex


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def findings(code: str, source: str, path: str = "m.py", index: ProjectIndex | None = None) -> list[Finding]:
    result = analyse_source(source, path, Settings(select=(code,)), index)
    assert result.internal_errors == ()
    return [f for f in result.findings if f.code == code]


def fix_of(code: str, source: str, finding: Finding, path: str = "m.py", index: ProjectIndex | None = None) -> Fix | None:
    return compute_fix(source, finding, path, Settings(select=(code,)), index)


def test_rv304_fix_reads_max_workers_from_the_project_settings() -> None:
    config = src(
        """
        from pydantic_settings import BaseSettings

        class Settings(BaseSettings):
            render_max_workers: int = 1

        settings = Settings()
        """
    )
    jobs = "from concurrent.futures import ThreadPoolExecutor\n\nrender = ThreadPoolExecutor(1)\n"
    index = ProjectIndex.from_sources({"/p/app/__init__.py": "", "/p/app/config.py": config, "/p/app/jobs.py": jobs}, ("/p",))
    (finding,) = findings("RV304", jobs, "/p/app/jobs.py", index)
    fix = fix_of("RV304", jobs, finding, "/p/app/jobs.py", index)
    assert fix is not None
    assert apply_edits(jobs, fix.edits) == (
        "from concurrent.futures import ThreadPoolExecutor\n\n"
        "from app.config import settings\n\n"
        "render = ThreadPoolExecutor(settings.render_max_workers)\n"
    )


def test_rv304_executor_owned_by_an_object_or_in_a_test_is_not_reported() -> None:
    owned = "from concurrent.futures import ThreadPoolExecutor\n\nclass Renderer:\n    def __init__(self):\n        self.pool = ThreadPoolExecutor(max_workers=1)\n"
    module_level = "from concurrent.futures import ThreadPoolExecutor\n\npool = ThreadPoolExecutor(max_workers=1)\n"
    assert findings("RV304", owned) == []
    assert findings("RV304", module_level, "tests/test_render.py") == []


def test_rv302_sleep_fix_is_safe_and_thread_fix_is_unsafe() -> None:
    source = src(
        """
        import asyncio
        import subprocess
        import time

        async def deploy(target):
            time.sleep(1)
            subprocess.run(["deploy", target], check=True)
        """
    )
    sleep, run = findings("RV302", source)
    sleep_fix, run_fix = fix_of("RV302", source, sleep), fix_of("RV302", source, run)
    assert sleep_fix is not None and sleep_fix.applicability is Applicability.SAFE
    assert run_fix is not None and run_fix.applicability is Applicability.UNSAFE
    assert "    await asyncio.to_thread(subprocess.run, [\"deploy\", target], check=True)\n" in apply_edits(source, run_fix.edits)


def test_rv302_no_rewrite_inside_a_comprehension_or_for_os_walk() -> None:
    source = src(
        """
        import os
        from pathlib import Path

        async def sizes(paths: list[Path]):
            walked = list(os.walk("."))
            return [p.read_bytes() for p in paths]
        """
    )
    walk, read = findings("RV302", source)
    assert not walk.fixable and not read.fixable


def test_rv302_method_of_the_own_class_named_like_path_io_is_not_reported() -> None:
    source = "class Request:\n    async def send(self, writer):\n        return self.write_bytes(writer)\n"
    assert findings("RV302", source) == []


def test_rv303_call_with_a_nested_await_is_reported_without_a_fix() -> None:
    source = "async def sync(client, ids):\n    for item in ids:\n        await client.push_item(item, await token())\n"
    assert findings("RV303", source) == []  # push_* is ordered
    source = "async def sync(client, ids):\n    for item in ids:\n        await client.refresh(item, await token())\n"
    (finding,) = findings("RV303", source)
    assert not finding.fixable


def test_rv303_callbacks_and_shutdown_loops_are_sequential_by_design() -> None:
    traces = "async def emit(traces, params):\n    for trace in traces:\n        await trace.send_request_start(params)\n"
    shutdown = "async def stop(sites):\n    for site in list(sites):\n        await site.stop()\n"
    assert findings("RV303", traces) == []
    assert findings("RV303", shutdown) == []


def test_rv303_tuple_iterable_keeps_its_parentheses() -> None:
    source = "import asyncio\n\nasync def warm(cache):\n    for key in 'a', 'b':\n        await cache.load(key)\n"
    (finding,) = findings("RV303", source)
    fix = fix_of("RV303", source, finding)
    assert fix is not None
    assert "await asyncio.gather(*(cache.load(key) for key in ('a', 'b')))" in apply_edits(source, fix.edits)


def test_rv301_guarded_bridge_and_pytest_plugins_are_not_reported() -> None:
    guarded = src(
        """
        import asyncio

        def await_fallback(awaitable):
            loop = asyncio.get_event_loop()
            if loop.is_running():
                raise RuntimeError("use await")
            return loop.run_until_complete(awaitable)
        """
    )
    plugin = "import asyncio\nimport pytest\n\ndef run(coro):\n    return asyncio.run(coro)\n"
    assert findings("RV301", guarded) == []
    assert findings("RV301", plugin) == []


def test_rv305_and_rv306_in_a_route_handler_and_a_multiprocessing_queue() -> None:
    counter = src(
        """
        from flask import Flask

        app = Flask(__name__)
        hits = 0

        @app.get("/")
        def index():
            global hits
            hits += 1
            return str(hits)
        """
    )
    assert [f.span.line for f in findings("RV305", counter)] == [9]
    queue = "import multiprocessing\n\nresults = multiprocessing.Queue(10)\n\nasync def done(result):\n    results.put(result)\n    results.put(result, timeout=1)\n"
    assert [f.span.line for f in findings("RV306", queue)] == [6]


def test_rv303_gather_fix_keeps_behaviour() -> None:
    import asyncio

    source = src(
        """
        async def broadcast(nodes, event):
            for node in nodes:
                await node.notify(event)
        """
    )
    (finding,) = findings("RV303", source)
    fix = fix_of("RV303", source, finding)
    assert fix is not None
    fixed = apply_edits(source, fix.edits)
    assert "asyncio.gather" in fixed and "for node in nodes:" not in fixed

    class Node:
        def __init__(self, log: list[tuple[str, str]], name: str) -> None:
            self.log, self.name = log, name

        async def notify(self, event: str) -> None:
            self.log.append((self.name, event))

    for code in (source, fixed):
        namespace: dict[str, object] = {}
        exec(compile(code, "<code>", "exec"), namespace)
        log: list[tuple[str, str]] = []
        asyncio.run(namespace["broadcast"]([Node(log, "a"), Node(log, "b")], "up"))  # type: ignore[operator]
        assert sorted(log) == [("a", "up"), ("b", "up")]


def test_rv303_never_deletes_comments() -> None:
    reverse = src(
        """
        async def release_all(resources):
            # Release in reverse order
            for resource in reversed(resources):
                await resource.release_async()
        """
    )
    commented_body = src(
        """
        async def warm(client, urls):
            for url in urls:
                # the CDN caches the page on first request
                await client.get(url)
        """
    )
    assert findings("RV303", reverse) == []
    (finding,) = findings("RV303", commented_body)
    assert not finding.fixable
    assert fix_of("RV303", commented_body, finding) is None


def test_rv303_is_quiet_on_shared_sessions_pages_and_ordered_iteration() -> None:
    session_argument = src(
        """
        async def activate_all(svc, session, orgs):
            for o in orgs:
                await svc.maybe_activate(session, o)
        """
    )
    keyboard = src(
        """
        async def release_keys(page, keys):
            for k in keys:
                await page.keyboard.up(k)
        """
    )
    sorted_items = src(
        """
        async def replay(bus, events):
            for event in sorted(events):
                await bus_client.deliver(event)
        """
    )
    dependent = src(
        """
        async def accumulate(nodes, merged):
            for node in nodes:
                merged.append(await node.merge(merged))
        """
    )
    cli = src(
        """
        import typer

        async def ping_all(client, hosts):
            for host in hosts:
                await client.ping(host)
        """
    )
    drag = src(
        """
        async def drag(computer, drag_path):
            for point in drag_path[1:]:
                await computer.execute("moveTo", point.x, point.y)
        """
    )
    repository = src(
        """
        async def remove_members(member_repository, members):
            for member in members:
                await member_repository.soft_delete(member)
        """
    )
    for source in (session_argument, keyboard, sorted_items, dependent, cli, drag, repository):
        assert findings("RV303", source) == [], source
    assert len(findings("RV303", sorted_items.replace("sorted(events)", "events"))) == 1


def test_rv303_and_rv802_report_one_loop_once() -> None:
    api = src(
        """
        async def fetch_all(client, urls):
            pages = []
            for url in urls:
                pages.append(await client.get(url))
            return pages
        """
    )
    database = src(
        """
        async def load(db, ids):
            users = []
            for user_id in ids:
                users.append(await db.get(User, user_id))
            return users
        """
    )
    both = Settings(select=("RV303", "RV802"))
    assert [f.code for f in analyse_source(api, "m.py", both).findings] == ["RV303"]
    assert [f.code for f in analyse_source(database, "m.py", both).findings] == ["RV802"]
