"""RV4 — architecture (twelve-factor): process state, configuration, patches, blobs, models, imports."""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator


from review_ls.engine.cst_edit import cst, replace_nodes, statement_line_of
from review_ls.engine.facts import BindingKind, dotted_name
from review_ls.engine.fixes import FixContext
from review_ls.engine.model import Applicability, Finding, Fix, RelatedLocation, Severity, Span
from review_ls.engine.rule import Invalid, Option, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.patterns.clients import CLIENT_CLASS_SUFFIXES, CLIENT_CONSTRUCTORS
from review_ls.patterns.frameworks import is_route_handler
from review_ls.patterns.names import names_assigned_in
from review_ls.patterns.scripts import is_script_path, is_test_path
from review_ls.patterns.imports import heavy_root
from review_ls.project import ProjectIndex, project_for
from review_ls.project.duplicates import Duplicate
from review_ls.project.file_facts import class_name_span
from review_ls.project.views import ClassRef, Kind, SettingsTarget, is_settings_named

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _in_tests_or_scripts(ctx: Context) -> bool:
    return is_test_path(ctx.path) or is_script_path(ctx.path)


def _index_path(ctx: Context) -> str:
    """The path under which the index (or the single-file index) knows the analysed file."""
    return ctx.path or "<unknown>.py"


# -- RV401 ------------------------------------------------------------------------------------------

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
    is_project_module = getattr(ctx.project, "is_project_module", None)
    return bool(is_project_module and is_project_module(target))


def _is_local(name: str, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True when `name` is a parameter or a local variable of `function` (not declared global)."""
    arguments = function.args
    parameters = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
    parameters |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    if name in parameters:
        return True
    declared = any(isinstance(n, (ast.Global, ast.Nonlocal)) and name in n.names for n in ast.walk(function))
    return not declared and name in names_assigned_in(function.body)


# -- RV402 ------------------------------------------------------------------------------------------

_GETENV = frozenset({"os.getenv", "os.environ.get"})
# Variables the platform sets (not the application's configuration).
_PLATFORM_VARIABLES = re.compile(
    r"^(PATH|PATHEXT|HOME|USER|USERNAME|LOGNAME|SHELL|TERM|TERM_PROGRAM|COLORTERM|LANG|LANGUAGE|LC_\w+|TZ|TMPDIR|TEMP|TMP|PWD|"
    r"HOSTNAME|EDITOR|VISUAL|PAGER|DISPLAY|XDG_\w+|APPDATA|LOCALAPPDATA|PROGRAMDATA|USERPROFILE|SYSTEMROOT|WINDIR|COMSPEC|"
    r"PYTHON\w*|VIRTUAL_ENV|CONDA_\w+|CI|COLUMNS|LINES|NO_COLOR|FORCE_COLOR|CLICOLOR\w*|SSL_CERT_\w+|REQUESTS_CA_BUNDLE|"
    r"CURL_CA_BUNDLE|HTTPS?_PROXY|NO_PROXY|ALL_PROXY|https?_proxy|no_proxy|all_proxy)$"
)


class GetenvBypassesSettings(Rule):
    """RV402: `os.getenv("X", "default")` next to a project settings object."""

    code = "RV402"
    name = "getenv-bypasses-settings"
    kind = "S/X"
    message = "{call}({env!r}, ...) with a hard-coded default {problem}"
    fix_title = "Read {env} through {expression}"
    fix_applicability = Applicability.UNSAFE
    options = (
        Option(
            "without_settings",
            "off",
            "what to report in a project without a settings object: 'off' (nothing) or 'hint' (a hint-level finding)",
        ),
    )
    docs = RuleDocs(
        what="""
            Finds `os.getenv("X", <literal>)` and `os.environ.get("X", <literal>)` outside the
            settings module, in a project that has a settings object: a pydantic `BaseSettings`
            class (found anywhere in the workspace through the project index) or a `settings`/
            `config` module that reads the environment. The settings module itself, module-level
            code of the file that defines the settings, tests and scripts, and variables the
            platform sets (`PATH`, `HOME`, `LANG`, proxies, ...) are not reported. A project without
            any settings object (a library, say) gets no finding, or only a hint with the option
            `without_settings = "hint"`.
            """,
        why="""
            Configuration read ad hoc is configuration nobody can see: the variable is missing
            from the settings class, so it is not validated at start-up, not documented, and its
            default differs from the one in `.env.example` or the deployment. Twelve-factor config
            lives in one typed place.
            """,
        fix="""
            Add the field to the settings class and read `settings.<field>`. When the settings
            class already has a field for the variable (`WORKER_URL` -> `worker_url`, honouring
            `env_prefix` and field aliases), the quick fix replaces the call with the settings
            attribute and adds the import of the settings object. It is marked unsafe: the
            settings field's default and type now apply instead of the literal.
            """,
    )
    valid = (
        Valid(
            """
            import os

            DATABASE_URL = os.getenv("DATABASE_URL", "sqlite:///dev.db")
            """,
            path="app/config.py",
        ),
        """
        import os
        from pydantic_settings import BaseSettings

        class Settings(BaseSettings):
            worker_url: str = "http://localhost:8001"

        LOG_LEVEL = os.getenv("LOG_LEVEL", "info")
        settings = Settings()
        """,
        """
        import os

        def api_key():
            return os.getenv("API_KEY")
        """,
        """
        import os

        def timeout():
            # a library without a settings object: nothing to route this through
            return float(os.getenv("HTTP_TIMEOUT", "5"))
        """,
    )
    invalid = (
        Invalid(
            """
            import os
            from pydantic_settings import BaseSettings


            class Settings(BaseSettings):
                worker_url: str = "http://localhost:8001"


            settings = Settings()


            def submit(job):
                url = os.getenv("WORKER_URL", "http://localhost:8001")
                return post(url, job)
            """,
            line=13,
            fixed="""
            import os
            from pydantic_settings import BaseSettings


            class Settings(BaseSettings):
                worker_url: str = "http://localhost:8001"


            settings = Settings()


            def submit(job):
                url = settings.worker_url
                return post(url, job)
            """,
        ),
        Invalid(
            """
            import os
            from pydantic_settings import BaseSettings


            class Settings(BaseSettings):
                redis_url: str = "redis://localhost"


            def connect():
                return make_pool(os.environ.get("REDIS_HOST", "localhost"))
            """,
            line=10,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report environment reads with a literal default outside the settings module."""
        call = ctx.qualified_name(node.func)
        if call not in _GETENV or not node.args or _in_tests_or_scripts(ctx):
            return
        env = node.args[0].value if isinstance(node.args[0], ast.Constant) else None
        default = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "default"), None)
        if not isinstance(env, str) or not isinstance(default, ast.Constant) or default.value is None or _PLATFORM_VARIABLES.match(env):
            return
        path = _index_path(ctx)
        if is_settings_named(path):
            return
        project = project_for(ctx)
        if project.is_settings_module(path) and (ctx.function is None or self._in_settings_class(ctx, project, path)):
            return
        shown = "os.getenv" if call == "os.getenv" else "os.environ.get"
        if not project.has_settings_for(path):
            if self.config.get("without_settings") != "hint":
                return
            problem = "scatters configuration through the code; read it in one settings module"
            yield self.report(node, ctx, call=shown, env=env, problem=problem, severity=Severity.HINT, fixable=False)
            return
        target = project.settings_for_env(env, path)
        plan = self._plan(target, path, ctx) if target is not None else None
        if target is None:
            problem = f"bypasses the project's settings ({project.settings_home_for(path)}); define it there and read it from the settings"
        else:
            problem = f"bypasses the project's settings; use {target.expression(target.object_name)}"
        yield self.report(
            node,
            ctx,
            call=shown,
            env=env,
            problem=problem,
            expression=target.expression(target.object_name) if target is not None else "",
            fixable=plan is not None,
            data=plan,
        )

    @staticmethod
    def _in_settings_class(ctx: Context, project: ProjectIndex, path: str) -> bool:
        return any(project.kind_at(path, class_name_span(c, ctx.lines).line) == Kind.SETTINGS for c in ctx.classes)

    @staticmethod
    def _plan(target: SettingsTarget, path: str, ctx: Context) -> dict[str, object] | None:
        """How the fix reads the field: the import to add (if any) and the expression; None if it cannot."""
        name = target.object_name
        module = target.module
        function = ctx.function
        if isinstance(function, _FUNCTIONS) and _is_local(name, function):
            return None
        same_file = target.path == path
        if same_file:
            if function is None:
                return None
        else:
            bound = ctx.imports.get(name)
            if not module or (bound is not None and bound != f"{module}.{name}") or (bound is None and name in ctx.facts.bindings):
                return None
        return {"module": "" if same_file else module, "object": name, "factory": target.is_factory, "field": target.field}

    def fix(self, fctx: FixContext) -> Fix | None:
        """Replace the call with the settings attribute, importing the settings object if needed."""
        data = fctx.finding.data_dict
        call_cst = fctx.cst_node(fctx.node) if isinstance(fctx.node, ast.Call) else None
        if call_cst is None or not data.get("field"):
            return None
        local = fctx.ensure_import(str(data["module"]), str(data["object"])) if data.get("module") else str(data["object"])
        expression = f"{local}().{data['field']}" if data.get("factory") else f"{local}.{data['field']}"
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(call_cst): cst.parse_expression(expression)}).code)
        return fctx.build(fctx.finding.fix_title or "Read the setting from the settings object", self.fix_applicability)


# -- RV403 ------------------------------------------------------------------------------------------

# Module attributes that are documented hooks and switches, meant to be assigned.
_DOCUMENTED_HOOKS = frozenset(
    {
        "threading.excepthook",
        "warnings.showwarning",
        "warnings.formatwarning",
        "logging.raiseExceptions",
        "logging.logThreads",
        "logging.logProcesses",
        "logging.logMultiprocessing",
        "logging.logAsyncioTasks",
        "logging._srcfile",
    }
)
_METADATA_ATTRIBUTES = frozenset(
    {"__module__", "__qualname__", "__name__", "__doc__", "__signature__", "__annotations__", "__wrapped__", "__all__", "__version__"}
)


class GlobalMonkeypatch(Rule):
    """RV403: an imported module or class patched at import time."""

    code = "RV403"
    name = "global-monkeypatch"
    message = "{target} is patched at import time: every user of {owner} in the process gets the change, in import order"
    docs = RuleDocs(
        what="""
            Finds assignments at module level to an attribute of an imported module or class
            (`NgSpiceShared.exec = _patched`, `json.dumps = fast_dumps`,
            `setattr(lib.Client, "send", send)`). Your own classes, tests, scripts, metadata such
            as `__module__`/`__doc__`, and documented hooks (`sys.*`, `threading.excepthook`,
            `warnings.showwarning`, logging switches) are not reported.
            """,
        why="""
            A patch applied on import changes a library for the whole process, for code that never
            asked for it, and only once the patching module happens to be imported: behaviour then
            depends on import order, tests see a different library than production, and upgrades of
            the patched library break silently.
            """,
        fix="""
            Subclass (or wrap) and use the subclass where you need the change, pass the behaviour
            in (a parameter, a hook the library offers), or patch inside a context manager that
            restores the original (`unittest.mock.patch.object`) where it is needed.
            """,
    )
    valid = (
        """
        import logging
        import sys

        sys.excepthook = lambda *exc: logging.critical("crash", exc_info=exc)
        logging.raiseExceptions = False
        """,
        """
        class Engine:
            def run(self):
                pass

        Engine.run_fast = Engine.run
        """,
        """
        from ngspice import NgSpiceShared

        class PatchedShared(NgSpiceShared):
            def exec(self, command):
                return super().exec(command.strip())
        """,
        """
        from .models import Part

        Part.__module__ = "inventory"
        """,
    )
    invalid = (
        Invalid(
            """
            from ngspice import NgSpiceShared

            def _patched_exec(self, command):
                return self._exec(command.strip())

            NgSpiceShared.exec = _patched_exec
            """,
            line=6,
        ),
        Invalid(
            """
            import json
            import orjson

            json.dumps = lambda value, **kw: orjson.dumps(value).decode()
            """,
            line=4,
        ),
        Invalid(
            """
            import requests.adapters

            setattr(requests.adapters.HTTPAdapter, "max_retries", 5)
            """,
            line=3,
        ),
    )

    def visit_Assign(self, node: ast.Assign, ctx: Context) -> Iterator[Finding]:
        """Report `imported.attr = value` at module level."""
        if ctx.function is not None or ctx.class_ is not None or _in_tests_or_scripts(ctx):
            return
        for target in node.targets:
            if isinstance(target, ast.Attribute):
                finding = self._patched(node, target.value, target.attr, ctx)
                if finding is not None:
                    yield finding

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report `setattr(imported, "name", value)` at module level."""
        if ctx.function is not None or ctx.class_ is not None or not isinstance(node.func, ast.Name) or node.func.id != "setattr":
            return
        if len(node.args) != 3 or _in_tests_or_scripts(ctx) or "setattr" in ctx.facts.bindings:
            return
        attribute = node.args[1].value if isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str) else "?"
        finding = self._patched(node, node.args[0], attribute, ctx)
        if finding is not None:
            yield finding

    def _patched(self, node: ast.AST, owner: ast.expr, attribute: str, ctx: Context) -> Finding | None:
        owner_name = dotted_name(owner)
        if owner_name is None or attribute in _METADATA_ATTRIBUTES:
            return None
        head = owner_name.split(".", 1)[0]
        binding = ctx.facts.bindings.get(head)
        target = ctx.facts.imports.get(head)
        if target is None or binding is None or binding.kind is not BindingKind.IMPORT:
            return None
        qualified = ctx.qualified_name(owner) or owner_name
        if qualified.split(".", 1)[0] == "sys" or f"{qualified}.{attribute}" in _DOCUMENTED_HOOKS or self._is_own(target, ctx):
            return None
        return self.report(node, ctx, target=f"{owner_name}.{attribute}", owner=owner_name)

    @staticmethod
    def _is_own(target: str, ctx: Context) -> bool:
        if target.startswith("."):
            return True
        is_project_module = getattr(ctx.project, "is_project_module", None)
        return bool(is_project_module and is_project_module(target))


# -- RV404 ------------------------------------------------------------------------------------------

_BINARY_TYPES = frozenset({"LargeBinary", "BLOB", "LONGBLOB", "MEDIUMBLOB", "BYTEA", "BinaryField", "PickleType", "VARBINARY", "Binary"})
_TEXT_TYPES = frozenset({"Text", "UnicodeText", "TEXT", "LONGTEXT", "MEDIUMTEXT", "CLOB", "TextField"})
_STRING_TYPES = frozenset({"String", "Unicode", "VARCHAR"})
_BLOB_NAME = re.compile(r"^(content|data|body|blob|file|payload|raw|image|attachment|document|bytes|binary)$|_(content|data|blob|bytes|file|body|image|binary|payload)$")
# Columns that describe a stored file: next to them, a text column named like content holds the file.
_FILE_SIBLING = re.compile(r"(_path|_s3_key|_storage_key|_filename|_file_name|_mime_type|_mimetype|_content_type)$|^s3_|^(path|filename|file_name|content_type|mime_type|mimetype|file_size|storage_key)$")


class BlobInDbColumn(Rule):
    """RV404: file contents stored in a database column."""

    code = "RV404"
    name = "blob-in-db-column"
    message = "{model}.{column} stores {what} in a database column{sibling}; keep the bytes in object storage and the path in the row"
    docs = RuleDocs(
        what="""
            Finds ORM models (SQLAlchemy, SQLModel, Django) with a `content`/`data`/`body`/`blob`
            (or `*_content`, `*_data`, ...) column of a binary type (`LargeBinary`, `BLOB`,
            `BinaryField`, `bytes`), and such a column of `Text`/unbounded `String` when the model
            also has file columns (`*_path`, `*_url`, `s3_*`, `filename`, `content_type`, `size`):
            the row holds a file. Bounded strings (`String(255)`, `CharField(max_length=...)`) and
            text columns of ordinary records (an article's body) are not reported.
            """,
        why="""
            Files in rows bloat the table, its indexes' pages, every backup and the replication
            stream; a `SELECT *` drags megabytes per row into memory, and the database cannot
            stream or cache them the way object storage and CDNs do.
            """,
        fix="""
            Store the bytes in object storage (S3, GCS, a volume) and keep the key or path, size and
            content type in the row. Serve downloads from storage (a signed URL or a streamed
            response).
            """,
    )
    valid = (
        """
        from sqlalchemy import Column, Integer, String, Text
        from sqlalchemy.orm import declarative_base

        Base = declarative_base()

        class Article(Base):
            __tablename__ = "articles"
            id = Column(Integer, primary_key=True)
            title = Column(String(200))
            body = Column(Text)
        """,
        """
        from django.db import models

        class Upload(models.Model):
            file = models.FileField(upload_to="uploads/")
            content_type = models.CharField(max_length=100)
        """,
        """
        from pydantic import BaseModel

        class Attachment(BaseModel):
            content: bytes
            file_path: str
        """,
    )
    invalid = (
        Invalid(
            """
            from sqlalchemy import Column, Integer, LargeBinary, String
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()

            class Document(Base):
                __tablename__ = "documents"
                id = Column(Integer, primary_key=True)
                name = Column(String(255))
                content = Column(LargeBinary)
            """,
            line=10,
        ),
        Invalid(
            """
            from sqlmodel import Field, SQLModel

            class Mesh(SQLModel, table=True):
                id: int = Field(primary_key=True)
                mesh_data: bytes
            """,
            line=5,
        ),
        Invalid(
            """
            from django.db import models

            class Report(models.Model):
                s3_key = models.CharField(max_length=200)
                body = models.TextField()
            """,
            line=5,
        ),
    )

    def visit_ClassDef(self, node: ast.ClassDef, ctx: Context) -> Iterator[Finding]:
        """Report blob-like columns of ORM models."""
        if not _is_orm_model(node, ctx):
            return
        columns: list[tuple[str, str, ast.stmt]] = []
        for statement in node.body:
            name = _assigned_name(statement)
            if name is not None:
                columns.append((name, _column_type(statement), statement))
        names = [name for name, _, _ in columns]
        siblings = [name for name in names if _FILE_SIBLING.search(name)]
        for name, column_type, statement in columns:
            if not _BLOB_NAME.search(name) or column_type == "":
                continue
            if column_type == "binary":
                sibling = f" next to {siblings[0]}" if siblings else ""
                yield self.report(statement, ctx, model=node.name, column=name, what="binary data", sibling=sibling)
            elif siblings:
                yield self.report(statement, ctx, model=node.name, column=name, what="file contents as text", sibling=f" next to {siblings[0]}")


def _assigned_name(statement: ast.stmt) -> str | None:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id
    return None


def _is_orm_model(node: ast.ClassDef, ctx: Context) -> bool:
    for keyword in node.keywords:
        if keyword.arg == "table" and isinstance(keyword.value, ast.Constant) and keyword.value.value is True:
            return True
    for base in node.bases:
        qualified = ctx.qualified_name(base) or dotted_name(base) or ""
        if qualified == "django.db.models.Model" or qualified.endswith("models.Model"):
            return True
        if qualified.rsplit(".", 1)[-1] in ("DeclarativeBase", "DeclarativeBaseNoMeta"):
            return True
    return any(_assigned_name(s) == "__tablename__" for s in node.body)


def _column_type(statement: ast.stmt) -> str:
    """'binary', 'text', 'string' (unbounded) or '' for a column definition."""
    value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
    for call in (n for n in ast.walk(value) if isinstance(n, ast.Call)) if value is not None else ():
        callee = (dotted_name(call.func) or "").rsplit(".", 1)[-1]
        if callee in _BINARY_TYPES:
            return "binary"
        if callee in _TEXT_TYPES:
            return "text"
        if callee in ("Column", "mapped_column"):
            kind = _type_argument(call)
            if kind:
                return kind
    if isinstance(statement, ast.AnnAssign):
        annotation = ast.unparse(statement.annotation).replace(" ", "")
        if annotation in ("bytes", "Mapped[bytes]", "Optional[bytes]", "bytes|None", "Mapped[bytes|None]", "Mapped[Optional[bytes]]"):
            return "binary"
    return ""


def _type_argument(column: ast.Call) -> str:
    for argument in column.args:
        name = (dotted_name(argument.func if isinstance(argument, ast.Call) else argument) or "").rsplit(".", 1)[-1]
        if name in _BINARY_TYPES:
            return "binary"
        if name in _TEXT_TYPES:
            return "text"
        if name in _STRING_TYPES and not (isinstance(argument, ast.Call) and (argument.args or argument.keywords)):
            return "text"
    return ""


# -- RV405 ------------------------------------------------------------------------------------------


class DuplicatedModel(Rule):
    """RV405: one model defined twice in the project, or one concept named differently across its models."""

    code = "RV405"
    name = "duplicated-model"
    kind = "X"
    message = "{name} {problem}"
    fix_title = "Replace {name} with the canonical {canonical}"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Uses the project index to find pydantic models and dataclasses defined more than once:
            the same name with the same fields in two modules, or the same fields (names and
            annotations, at least three) under names that differ only by a role suffix (`Order`,
            `OrderResponse`, `OrderDTO`; models of different concepts may share a shape). The
            finding points at the other
            definitions (related information). Also reports, as a hint, one concept named
            differently in models of the same package (`metadata` in one model, `metadata_vars` in
            another). Copies in different API versions (`v1/` and `v2/`), tests, scripts and docs
            are deliberate and not reported.
            """,
        why="""
            Copies drift: a field added to one model and not the other becomes a silent mismatch
            between what a client sends and what the server reads, and every change must be made
            twice. Inconsistent field names make clients map the same data back and forth.
            """,
        fix="""
            Keep one definition (the one in a `models`/`schemas` module, else the first by path)
            and import it everywhere. When the copy's fields, defaults and bases match exactly and
            it has no methods, the quick fix replaces the copy with an import of the canonical
            model (or an alias of it in the same file). It is marked unsafe: the class object
            changes, which matters for `isinstance` checks and schema names.
            """,
    )
    valid = (
        """
        from pydantic import BaseModel

        class UserIn(BaseModel):
            name: str
            email: str
            password: str

        class UserOut(BaseModel):
            name: str
            email: str
            id: int
        """,
        """
        from pydantic import BaseModel

        class Job(BaseModel):
            name: str
            metadata: dict = {}
            metadata_vars: dict = {}

        class JobRun(BaseModel):
            job: str
            metadata: dict = {}
        """,
        """
        from dataclasses import dataclass

        @dataclass
        class Point:
            x: float
            y: float

        @dataclass
        class Velocity:
            x: float
            y: float
        """,
    )
    invalid = (
        Invalid(
            """
            from pydantic import BaseModel


            class Order(BaseModel):
                id: int
                total: float
                items: list[str] = []


            class OrderResponse(BaseModel):
                id: int
                total: float
                items: list[str] = []
            """,
            line=10,
            fixed="""
            from pydantic import BaseModel


            class Order(BaseModel):
                id: int
                total: float
                items: list[str] = []


            OrderResponse = Order
            """,
        ),
        Invalid(
            """
            from pydantic import BaseModel

            class Simulation(BaseModel):
                name: str
                metadata: dict[str, str] = {}

            class SimulationResult(BaseModel):
                simulation: str
                metadata_vars: dict[str, str] = {}
            """,
            line=9,
        ),
    )

    def visit_ClassDef(self, node: ast.ClassDef, ctx: Context) -> Iterator[Finding]:
        """Report a model that copies another, and fields named differently from the same concept elsewhere."""
        if ctx.function is not None or ctx.class_ is not None:
            return
        project = project_for(ctx)
        path = _index_path(ctx)
        span = class_name_span(node, ctx.lines)
        duplicate = project.duplicate_of(path, span.line)
        if duplicate is not None and duplicate.copy.name == node.name:
            yield self._duplicate_finding(node, ctx, duplicate, path, span)
        for variant in project.field_variants(path, span.line):
            statement = next((s for s in node.body if s.lineno == variant.line and _assigned_name(s) == variant.field), None)
            if statement is None:
                continue
            related = (RelatedLocation(variant.other.path, variant.other.span, f"{variant.other.name}.{variant.other_field} is defined here"),)
            target = statement.target if isinstance(statement, ast.AnnAssign) else statement
            yield self.report(
                target,
                ctx,
                name=f"{node.name}.{variant.field}",
                problem=f"names the concept that {variant.other.name} calls {variant.other_field}; use one name across the API",
                related=related,
                severity=Severity.HINT,
                fixable=False,
                canonical="",
            )

    def _duplicate_finding(self, node: ast.ClassDef, ctx: Context, duplicate: Duplicate, path: str, span: Span) -> Finding:
        canonical = duplicate.canonical
        same_file = canonical.path == path
        where = f"line {canonical.span.line}" if same_file else (canonical.module or canonical.path)
        related = (
            RelatedLocation(canonical.path, canonical.span, f"{canonical.name} (canonical) is defined here"),
            *(
                RelatedLocation(other.path, other.span, f"another copy: {other.name}")
                for other in duplicate.copies
                if other != canonical
            ),
        )
        fixable = duplicate.exact and self._can_replace(node, ctx, canonical, same_file)
        finding = self.report(
            node,
            ctx,
            name=node.name,
            problem=f"duplicates {canonical.name} ({where}); keep one model and import it",
            canonical=canonical.name,
            related=related,
            fixable=fixable,
            data={"module": "" if same_file else canonical.module, "canonical": canonical.name},
        )
        return dataclasses.replace(finding, span=span)

    @staticmethod
    def _can_replace(node: ast.ClassDef, ctx: Context, canonical: ClassRef, same_file: bool) -> bool:
        name = canonical.name
        if same_file:
            return canonical.span.line < node.lineno and name != node.name
        module = canonical.module
        bound = ctx.facts.imports.get(name)
        if not module or (bound is not None and bound != f"{module}.{name}"):
            return False
        return bound is not None or name == node.name or name not in ctx.facts.bindings

    def fix(self, fctx: FixContext) -> Fix | None:
        """Replace the copy with an import of the canonical model (or an alias of it in the same file)."""
        statement = fctx.statement
        if not isinstance(statement, ast.ClassDef) or fctx.scope is not statement:
            return None
        data = fctx.finding.data_dict
        canonical = str(data.get("canonical", ""))
        module = str(data.get("module", ""))
        if not canonical:
            return None
        if module:
            local = fctx.ensure_import(module, canonical)
            if local == statement.name:
                fctx.remove_scope()
            else:
                fctx.replace_scope(f"{statement.name} = {local}{fctx.newline}")
        else:
            fctx.replace_scope(f"{statement.name} = {canonical}{fctx.newline}")
        return fctx.build(fctx.finding.fix_title or "Replace the copy with the canonical model", self.fix_applicability)


# -- RV406 ------------------------------------------------------------------------------------------

_EXPLAINING_COMMENT = re.compile(r"circular|cycl|optional|lazy|lazily|defer|import[ -]time|startup|start-up|heavy|slow|expensive|avoid", re.IGNORECASE)
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


class ImportInFunction(Rule):
    """RV406: an import inside a loop, or of a heavy module inside a function, without a reason."""

    code = "RV406"
    name = "import-in-function"
    message = "import of {module} {where}; move it to the top of the module (or say why it is here)"
    fix_title = "Move the import of {module} to the top of the module"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Finds import statements run on every iteration of a loop, and imports of heavy modules
            (numpy, pandas, torch, scipy, scikit-learn, matplotlib, ...) inside a function when the
            project imports that module at the top of some module anyway (so it is a hard
            dependency and the lazy import only moves its cost into the first call). Not reported:
            imports with a comment on or above them that explains them (circular import, optional
            dependency, lazy loading, start-up time), imports in `try: ... except ImportError:`
            and `if TYPE_CHECKING:` blocks, imports under a condition inside a loop, and heavy
            imports that no module of the project makes at its top (optional dependencies).
            """,
        why="""
            An import hidden in a function moves its cost (hundreds of milliseconds for the heavy
            libraries) into the first request that reaches it, where it shows up as a latency
            spike; and it hides a dependency from the reader. In a loop it runs the import machinery
            on every iteration.
            """,
        fix="""
            Import at the top of the module. If the import is deliberately lazy (an optional
            dependency, a circular import, start-up time), say so in a comment on the line above.
            The quick fix moves the import to the module's imports; it is marked unsafe because
            import time and order change.
            """,
    )
    valid = (
        """
        def to_frame(rows):
            # pandas is an optional dependency: only needed for the DataFrame export
            import pandas as pd
            return pd.DataFrame(rows)
        """,
        """
        def plot(values):
            try:
                import matplotlib.pyplot as plt
            except ImportError:
                return None
            return plt.plot(values)
        """,
        """
        from typing import TYPE_CHECKING

        def check(frame):
            if TYPE_CHECKING:
                import pandas
            return frame
        """,
        """
        def load_plugin(name):
            import importlib
            return importlib.import_module(name)
        """,
        """
        def to_figure(points):
            from matplotlib.figure import Figure
            figure = Figure()
            figure.add_subplot().plot(points)
            return figure
        """,
    )
    invalid = (
        Invalid(
            """
            from numpy.typing import NDArray


            def normalise(values: NDArray) -> NDArray:
                import numpy as np
                return values / np.linalg.norm(values)
            """,
            line=5,
            fixed="""
            import numpy as np
            from numpy.typing import NDArray


            def normalise(values: NDArray) -> NDArray:
                return values / np.linalg.norm(values)
            """,
        ),
        Invalid(
            """
            def parse_all(lines):
                result = []
                for line in lines:
                    from decimal import Decimal
                    result.append(Decimal(line))
                return result
            """,
            line=4,
            fixed="""
            from decimal import Decimal
            def parse_all(lines):
                result = []
                for line in lines:
                    result.append(Decimal(line))
                return result
            """,
        ),
    )

    def visit_Import(self, node: ast.Import | ast.ImportFrom, ctx: Context) -> Iterator[Finding]:
        """Report an import in a loop, or a heavy import in a function, that nothing explains."""
        if ctx.function is None and not ctx.loops:
            return
        modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or "."]
        if ctx.loops:
            if not isinstance(ctx.parent, (ast.For, ast.AsyncFor, ast.While)):
                return  # a conditional import in a loop body runs rarely
            module, where = modules[0], "inside a loop runs on every iteration"
        else:
            heavy = next((m for m in modules if heavy_root(m)), None)
            if heavy is None or (isinstance(node, ast.ImportFrom) and node.level):
                return
            if not project_for(ctx).imports_heavy_at_top(heavy_root(heavy) or heavy, _index_path(ctx)):
                return  # no module imports it at the top: an optional dependency, imported lazily on purpose
            module, where = heavy, f"inside {getattr(ctx.function, 'name', 'a function')}() is paid by the first call"
        if self._excused(node, ctx):
            return
        yield self.report(node, ctx, module=module, where=where, fixable=self._movable(node, ctx))

    visit_ImportFrom = visit_Import

    @staticmethod
    def _excused(node: ast.stmt, ctx: Context) -> bool:
        for line in (node.lineno, node.lineno - 1):
            text = ctx.lines.line_text(line)
            if "#" in text and _EXPLAINING_COMMENT.search(text[text.index("#") :]):
                return True
        for ancestor in reversed(ctx.parents):
            if isinstance(ancestor, (*_FUNCTIONS, ast.Lambda, ast.ClassDef)):
                break
            if isinstance(ancestor, ast.If) and "TYPE_CHECKING" in (dotted_name(ancestor.test) or ""):
                return True
            if isinstance(ancestor, ast.Try) and any(_catches_import_error(h) for h in ancestor.handlers):
                return True
        return False

    @staticmethod
    def _movable(node: ast.Import | ast.ImportFrom, ctx: Context) -> bool:
        """One name, no star, and the name it binds is not bound differently at module level."""
        if len(node.names) != 1 or node.names[0].name == "*":
            return False
        alias = node.names[0]
        local = alias.asname or alias.name.split(".", 1)[0]
        module_binding = ctx.facts.bindings.get(local)
        return module_binding is None or (module_binding.kind is BindingKind.IMPORT and ctx.facts.imports.get(local) == _import_target(node))

    def fix(self, fctx: FixContext) -> Fix | None:
        """Remove the import from the function and add it to the module's imports."""
        node = fctx.node
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or len(node.names) != 1:
            return None
        alias = node.names[0]
        if isinstance(node, ast.Import):
            fctx.ensure_import(alias.name, None, alias.asname or alias.name)  # `import a.b` must stay `import a.b`
        else:
            module = "." * node.level + (node.module or "")
            fctx.ensure_import(module, alias.name, alias.asname)
        import_cst = fctx.cst_node(node)
        line = statement_line_of(fctx.cst_module, import_cst) if import_cst is not None else None
        if line is None or len(line.body) != 1:
            return None
        siblings = _block_of(fctx.cst_module, line)
        replacement: object = cst.RemovalSentinel.REMOVE if siblings is None or len(siblings) > 1 else cst.SimpleStatementLine(body=[cst.Pass()])
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(line): replacement}).code)
        return fctx.build(fctx.finding.fix_title or "Move the import to the top of the module", self.fix_applicability)


def _import_target(node: ast.Import | ast.ImportFrom) -> str:
    alias = node.names[0]
    if isinstance(node, ast.Import):
        return alias.name if alias.asname else alias.name.split(".", 1)[0]
    module = "." * node.level + (node.module or "")
    return f"{module}.{alias.name}" if module else alias.name


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((dotted_name(c) or "").rsplit(".", 1)[-1] in _IMPORT_ERRORS for c in caught)


def _block_of(module: cst.Module, line: cst.SimpleStatementLine) -> list[cst.BaseStatement] | None:
    """The statements of the indented block that holds `line`."""
    found: list[list[cst.BaseStatement]] = []

    class _Finder(cst.CSTVisitor):
        def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
            if any(statement is line for statement in node.body):
                found.append(list(node.body))
            return True

    module.visit(_Finder())
    return found[0] if found else None
