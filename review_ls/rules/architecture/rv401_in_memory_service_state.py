"""RV401 in-memory-service-state: RV401: module-level containers or singletons that request handlers mutate."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from review_ls.engine.facts import BindingKind
from review_ls.engine.model import Finding
from review_ls.engine.project_model import Needs
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.clients import CLIENT_CLASS_SUFFIXES, CLIENT_CONSTRUCTORS
from review_ls.patterns.frameworks import is_route_handler
from review_ls.rules.architecture._shared import _FUNCTIONS, _is_local


_CONTAINER_MUTATORS = frozenset(
    {"append", "extend", "insert", "add", "update", "pop", "popitem", "remove", "discard", "clear", "setdefault", "appendleft", "extendleft"}
)


_MUTATING_VERBS = (
    "add", "append", "remove", "discard", "pop", "clear", "set", "put", "register", "unregister", "connect", "disconnect",
    "subscribe", "unsubscribe", "update", "insert", "delete", "store", "save", "track", "push", "enqueue", "join", "leave",
    "attach", "detach", "reset", "increment", "incr", "record",
)


_SAFE_TO_LOSE = re.compile(r"cache|memo|lru", re.IGNORECASE)


_NOT_STATE_CLASSES = re.compile(r"(Lock|Semaphore|Limiter|Logger|Event|Executor|Pool)$")


_REPORTED_STATE = "RV401.reported"


class InMemoryServiceState(Rule):
    """RV401: module-level containers or singletons that request handlers mutate."""

    code = "RV401"
    name = "in-memory-service-state"
    applies_to = SERVICE_CODE
    needs = frozenset({Needs.PROJECT_INDEX})
    message = "request handler {function}() mutates module-level {name}: the state lives in one process, is lost on restart and is not shared between workers or replicas"
    docs = RuleDocs(
        what="""
            Finds request handlers (FastAPI/Starlette/Flask/Django/aiohttp views, and handlers the
            project registers by call) that mutate a module-level container (`TASKS: dict = {}`,
            `jobs = []`, `defaultdict(...)`) or a module-level instance of a project class
            (`manager = ConnectionManager()`): item assignment, `del`, `append`/`update`/`pop`/...,
            attribute assignment, or a mutating method (`connect`, `register`, `add_*`, ...).
            Constants, caches that are safe to lose (names with cache/memo/lru, `functools.cache`)
            and registries filled at import time are not reported.
            """,
        why="""
            A service runs as several processes (workers, replicas, restarts). State kept in a
            module global exists in one of them only: a task created by one request is missing
            for the next request served by another worker, WebSocket broadcasts reach only the
            clients of one process, and a deploy wipes everything.
            """,
        fix="""
            Keep shared state outside the process: Redis (hashes, sets, pub/sub for broadcasts),
            the database, or a task queue's result backend. If one process is really intended,
            say so in a comment and suppress the finding.
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
        """
        HANDLERS = {}

        def handler(kind):
            def register(function):
                HANDLERS[kind] = function
                return function
            return register
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
            line=10,
        ),
        Invalid(
            """
            from fastapi import FastAPI, WebSocket

            app = FastAPI()


            class ConnectionManager:
                def __init__(self):
                    self.active = []

                async def connect(self, websocket: WebSocket):
                    await websocket.accept()
                    self.active.append(websocket)


            manager = ConnectionManager()


            @app.websocket("/ws")
            async def websocket_endpoint(websocket: WebSocket):
                await manager.connect(websocket)
            """,
            line=20,
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
            line=8,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report mutating method calls on module-level state."""
        func = node.func
        if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
            return
        yield from self._check(node, func.value.id, ctx, method=func.attr)

    def visit_Assign(self, node: ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete, ctx: Context) -> Iterator[Finding]:
        """Report item and attribute assignments (and deletions) on module-level state."""
        targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
        for target in targets:
            if isinstance(target, (ast.Subscript, ast.Attribute)) and isinstance(target.value, ast.Name):
                yield from self._check(node, target.value.id, ctx, item=isinstance(target, ast.Subscript))

    visit_AugAssign = visit_Assign
    visit_AnnAssign = visit_Assign
    visit_Delete = visit_Assign

    def _check(self, node: ast.AST, name: str, ctx: Context, method: str | None = None, item: bool = False) -> Iterator[Finding]:
        function = ctx.function
        binding = ctx.facts.bindings.get(name)
        if binding is None or not isinstance(function, _FUNCTIONS) or _SAFE_TO_LOSE.search(name):
            return
        if binding.kind is BindingKind.MUTABLE_CONTAINER:
            if method is not None and method not in _CONTAINER_MUTATORS:
                return
            if method is None and not item:
                return
        elif binding.kind is BindingKind.INSTANCE and _is_project_singleton(binding.detail, ctx):
            if method is not None and not _is_mutating_verb(method):
                return
            if method is None and item:
                return
        else:
            return
        if not is_route_handler(function, ctx) or _is_local(name, function):
            return
        reported = ctx.memo.setdefault((_REPORTED_STATE, id(function)), set())
        if name in reported:
            return
        reported.add(name)
        yield self.report(node, ctx, function=function.name, name=name)


def _is_mutating_verb(method: str) -> bool:
    return any(method == verb or method.startswith(verb + "_") for verb in _MUTATING_VERBS)


def _is_project_singleton(callee: str, ctx: Context) -> bool:
    """True when `callee` (as written in `name = Callee(...)`) is a class of this module or project."""
    last = callee.rsplit(".", 1)[-1]
    if not last or not last[0].isupper() or last.endswith(CLIENT_CLASS_SUFFIXES) or _NOT_STATE_CLASSES.search(last):
        return False
    head = callee.split(".", 1)[0]
    local = ctx.facts.bindings.get(head)
    if local is not None and local.kind is BindingKind.CLASS:
        return True
    target = ctx.imports.get(head)
    if target is None or target in CLIENT_CONSTRUCTORS:
        return False
    if target.startswith("."):
        return True
    return ctx.project is not None and ctx.project.is_project_module(target)
