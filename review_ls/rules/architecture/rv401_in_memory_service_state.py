"""RV401 in-memory-service-state: RV401: process-wide state written from code that runs per request, message or task."""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from review_ls.engine.model import Finding, RelatedLocation, Span
from review_ls.engine.project_model import Needs
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.project import project_for
from review_ls.project.file_facts import class_name_span
from review_ls.project.state_facts import INSTANCE, SINGLETON_CLASS
from review_ls.rules.architecture._shared import _index_path

if TYPE_CHECKING:
    from review_ls.project.state_summary import StateMutator

# A comment on the definition (or just above it) that says the state is per process by design.
_PER_PROCESS_COMMENT = re.compile(
    r"#.*\b(per[- ]process|in[- ]process|process[- ]local|single[- ]process|one process|this process|single[- ]worker|one worker)\b",
    re.IGNORECASE,
)
_COMMENT_LINES_ABOVE = 3
# How many entry points and write sites a finding lists as related locations.
_RELATED_CAP = 5


class InMemoryServiceState(Rule):
    """RV401: process-wide state written from code that runs per request, message or task."""

    code = "RV401"
    name = "in-memory-service-state"
    applies_to = SERVICE_CODE
    needs = frozenset({Needs.PROJECT_INDEX})
    message = "{name} ({detail}) lives in one process but is written {by} ({chain}): it is lost on restart and not shared between workers or replicas"
    docs = RuleDocs(
        what="""
            Finds objects that live as long as the process and are written by code that runs once per
            request, WebSocket message, task, activity or agent tool call (an entry point of the
            application model), in any file of the project: a module-level container
            (`TASKS: dict = {}`, `_subscribers = []`, `defaultdict(list)`), a class-level container
            (`subscribers: ClassVar[defaultdict[str, list[Queue]]] = defaultdict(list)`), a module-level
            instance of a project class whose methods write its attributes
            (`manager = ConnectionManager()` with `self.active[ws_id] = ws`), and `__new__`/`_instance`
            singletons. The write may be in a helper in another module, any number of calls away
            (`route -> notify -> _subscribers.append`).

            There is one finding per state object, at its definition: that is where the decision to
            keep state in memory was made and where it is fixed. The message names how many entry points
            write it and shows one chain; the related locations list the entry points (up to five) and
            the places that write it.

            Not reported: objects written only at import time (registries filled by decorators),
            caches and buffers that are fine per process (names with cache/memo/lru/metrics/stats/
            telemetry, get-or-create caches, `functools.lru_cache`, compiled regexes, weak references,
            `threading.local`), entries keyed by the connection being served (`by_sid[sid] = session`:
            only that socket's handlers, in the process holding it, read them), connection/lock/settings objects,
            state written only from tests, scripts or migrations, and state whose definition carries a
            comment saying it is per process by design (`# per-process: ...`, `# single worker`).
            """,
        why="""
            A service runs as several processes (workers, replicas, restarts). State kept in process
            memory exists in one of them only: a task created by one request is missing for the next
            request served by another worker, WebSocket broadcasts reach only the clients of one
            process, and a deploy wipes everything.
            """,
        fix="""
            Keep shared state outside the process: Redis (hashes, sets, pub/sub for broadcasts), the
            database, or a task queue's result backend. If one process is really intended (a
            single-worker deployment, a per-process connection registry fed by pub/sub), say so in a
            comment on the definition (`# per-process by design: ...`) and the finding goes away.
            """,
    )
    valid = (
        """
        from fastapi import FastAPI

        app = FastAPI()
        DEFAULT_LIMITS = {"free": 10, "pro": 100}

        @app.get("/limits/{plan}")
        async def limits(plan: str):
            return {"limit": DEFAULT_LIMITS[plan]}
        """,
        # A cache is fine per process: losing it costs a recomputation.
        """
        from fastapi import FastAPI

        app = FastAPI()
        _render_cache = {}

        @app.get("/pages/{name}")
        async def page(name: str):
            if name not in _render_cache:
                _render_cache[name] = render(name)
            return _render_cache[name]
        """,
        # A registry filled at import time by a decorator: no request writes it.
        """
        from fastapi import FastAPI

        app = FastAPI()
        HANDLERS = {}

        def handler(kind):
            def register(function):
                HANDLERS[kind] = function
                return function
            return register

        @handler("ping")
        def ping():
            return "pong"

        @app.post("/events/{kind}")
        async def dispatch(kind: str):
            return HANDLERS[kind]()
        """,
        """
        from fastapi import FastAPI

        app = FastAPI()
        jobs = {}

        @app.post("/jobs")
        async def create(job: dict):
            jobs = {}
            jobs[job["id"]] = job
            return jobs
        """,
        # Per process by design, and said so where the state is defined.
        """
        from fastapi import FastAPI, WebSocket

        app = FastAPI()
        # Per-process by design: each worker keeps its own sockets; broadcasts go through Redis pub/sub.
        local_sockets: dict[str, WebSocket] = {}

        @app.websocket("/ws/{user}")
        async def connect(websocket: WebSocket, user: str):
            local_sockets[user] = websocket
        """,
        # Keyed by the socket's own id: read only by that socket's handlers, in the process holding the socket.
        """
        import socketio

        sio = socketio.AsyncServer()
        by_sid = {}

        @sio.on("connect")
        async def connect(sid, environ):
            by_sid[sid] = environ.get("HTTP_USER")
        """,
        # A telemetry buffer flushed by a scheduler: losing a few events on restart is fine.
        """
        from fastapi import FastAPI

        app = FastAPI()
        telemetry = []

        @app.get("/search")
        async def search(q: str):
            telemetry.append({"api": "search"})
            return []
        """,
        # Written only from a script: not service code.
        Valid(
            """
            from scanner.state import SEEN

            def main(paths):
                for path in paths:
                    SEEN.add(path)
            """,
            path="scripts/scan.py",
            files=(("scanner/__init__.py", ""), ("scanner/state.py", "SEEN = set()\n")),
        ),
        # A per-request instance of a class-based view writes its own attributes, not shared state.
        """
        from django.views import View

        class Upload(View):
            def post(self, request):
                self.files = []
                self.files.append(request.FILES["f"])
        """,
    )
    invalid = (
        Invalid(
            """
            import uuid
            from fastapi import FastAPI

            app = FastAPI()
            TASKS: dict = {}

            @app.post("/tasks")
            async def create_task(payload: dict):
                task_id = str(uuid.uuid4())
                TASKS[task_id] = {"status": "queued", "payload": payload}
                return {"id": task_id}
            """,
            line=5,
            message="TASKS (dict) lives in one process but is written by route create_task() (create_task -> TASKS[...]): it is lost on restart and not shared between workers or replicas",
        ),
        # A singleton holding WebSockets, exported as a module-level instance and used by a route module.
        Invalid(
            """
            from fastapi import WebSocket


            class ConnectionManager:
                _instance = None

                def __new__(cls):
                    if cls._instance is None:
                        cls._instance = super().__new__(cls)
                        cls._instance.active = {}
                    return cls._instance

                async def connect(self, user: str, websocket: WebSocket):
                    await websocket.accept()
                    self.active[user] = websocket


            manager = ConnectionManager()
            """,
            path="chat/ws.py",
            line=18,
            files=(
                ("chat/__init__.py", ""),
                (
                    "chat/routes.py",
                    """
                    from fastapi import APIRouter, WebSocket
                    from chat.ws import manager

                    router = APIRouter()

                    @router.websocket("/ws/{user}")
                    async def ws(websocket: WebSocket, user: str):
                        await manager.connect(user, websocket)
                    """,
                ),
            ),
            message="manager (ConnectionManager instance) lives in one process but is written by websocket ws() (ws -> ConnectionManager.connect -> self.active[...]): it is lost on restart and not shared between workers or replicas",
        ),
        # A class-level container of subscriber queues shared by every instance.
        Invalid(
            """
            import asyncio
            from collections import defaultdict
            from typing import ClassVar


            class EventBus:
                subscribers: ClassVar[defaultdict[str, list[asyncio.Queue]]] = defaultdict(list)

                def subscribe(self, topic: str) -> asyncio.Queue:
                    queue: asyncio.Queue = asyncio.Queue()
                    self.subscribers[topic].append(queue)
                    return queue
            """,
            path="bus/events.py",
            line=7,
            files=(
                ("bus/__init__.py", ""),
                (
                    "bus/api.py",
                    """
                    from fastapi import FastAPI
                    from bus.events import EventBus

                    app = FastAPI()

                    @app.get("/events/{topic}")
                    async def stream(topic: str):
                        bus = EventBus()
                        queue = bus.subscribe(topic)
                        return await queue.get()
                    """,
                ),
            ),
        ),
        # A helper in another module appends to a module-level list; many handlers call it.
        Invalid(
            """
            _subscribers = []


            def notify_me(callback):
                _subscribers.append(callback)
            """,
            path="watchlist/notify.py",
            line=1,
            files=(
                ("watchlist/__init__.py", ""),
                (
                    "watchlist/views.py",
                    """
                    from flask import Flask
                    from watchlist.notify import notify_me

                    app = Flask(__name__)

                    @app.route("/watch/<item>", methods=["POST"])
                    def watch(item):
                        notify_me(item)
                        return "ok"

                    @app.route("/follow/<user>", methods=["POST"])
                    def follow(user):
                        notify_me(user)
                        return "ok"
                    """,
                ),
            ),
            message="_subscribers (list) lives in one process but is written by 2 entry points, e.g. route watch() (watch -> notify_me -> _subscribers.append): it is lost on restart and not shared between workers or replicas",
        ),
        Invalid(
            """
            from flask import Flask, request

            app = Flask(__name__)
            sessions = []

            @app.route("/login", methods=["POST"])
            def login():
                sessions.append(request.json["user"])
                return "ok"
            """,
            line=4,
        ),
    )

    def visit_Assign(self, node: ast.Assign | ast.AnnAssign, ctx: Context) -> Iterator[Finding] | None:
        """Report a module-level or class-level object that entry points write (a plain function: assignments in
        functions leave without making a generator)."""
        return self._assigned(node, ctx) if ctx.function is None else None

    def _assigned(self, node: ast.Assign | ast.AnnAssign, ctx: Context) -> Iterator[Finding]:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else node.target if isinstance(node, ast.AnnAssign) else None
        if not isinstance(target, ast.Name) or ctx.function is not None:
            return
        parent = ctx.parent
        if isinstance(parent, ast.Module):
            qualname = target.id
        elif isinstance(parent, ast.ClassDef) and len(ctx.parents) == 2:
            qualname = f"{parent.name}.{target.id}"
        else:
            return
        finding = self._finding(target, qualname, target.id, ctx)
        if finding is not None:
            yield finding

    visit_AnnAssign = visit_Assign

    def visit_ClassDef(self, node: ast.ClassDef, ctx: Context) -> Iterator[Finding]:
        """Report a `__new__`/`_instance` singleton class (not exported as an instance) that entry points write."""
        if ctx.function is not None or not isinstance(ctx.parent, ast.Module):
            return
        finding = self._finding(node, node.name, node.name, ctx)
        if finding is not None:
            yield dataclasses.replace(finding, span=class_name_span(node, ctx.lines))

    def _finding(self, node: ast.AST, local_name: str, shown: str, ctx: Context) -> Finding | None:
        index = project_for(ctx)
        path = _index_path(ctx)
        module = index.module_name(path)
        qualname = f"{module}.{local_name}" if module else local_name
        summary = index.process_state
        found = summary.state_object(qualname)
        if found is None:
            return None
        mutators = summary.mutators(qualname)
        if not mutators or _per_process_by_design(node, ctx):
            return None
        obj = found[1]
        detail = f"{obj.detail.rsplit('.', 1)[-1]} instance" if obj.kind == INSTANCE else "singleton" if obj.kind == SINGLETON_CLASS else obj.detail
        first = mutators[0]
        who = f"{first.role} {first.chain.steps[0].qualname.rsplit('.', 1)[-1]}()"
        by = f"by {who}" if len(mutators) == 1 else f"by {len(mutators)} entry points, e.g. {who}"
        return self.report(node, ctx, name=shown, detail=detail, by=by, chain=first.chain.describe(), related=_related(mutators))


def _per_process_by_design(node: ast.AST, ctx: Context) -> bool:
    """True when a comment on the definition's line, or just above it, says the state is per process."""
    line = getattr(node, "lineno", 0)
    first = max(1, line - _COMMENT_LINES_ABOVE)
    return any(_PER_PROCESS_COMMENT.search(ctx.lines.line_text(number)) for number in range(first, line + 1))


def _related(mutators: tuple[StateMutator, ...]) -> tuple[RelatedLocation, ...]:
    """The entry points that write the state (capped), then the places that write it."""
    related: list[RelatedLocation] = []
    writes: dict[tuple[str, int], str] = {}
    for mutator in mutators[:_RELATED_CAP]:
        entry = mutator.chain.steps[0]
        related.append(RelatedLocation(entry.path, Span(entry.line, 0, entry.line, 0), f"{mutator.role} {entry.qualname.rsplit('.', 1)[-1]}() writes it: {mutator.chain.describe()}"))
        last = mutator.chain.steps[-1]
        writes.setdefault((last.path, mutator.chain.line), mutator.chain.write)
    related.extend(RelatedLocation(path, Span(line, 0, line, 0), f"written here: {write}") for (path, line), write in list(writes.items())[:_RELATED_CAP])
    return tuple(related)
