"""RV202 client-per-request: RV202: a client constructed once per request, task, activity, tool call or message, in any function an entry point runs."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, cast

from review_ls.engine.cst_edit import cst, block_statements, replace_nodes, statement_line_of
from review_ls.engine.model import Applicability, Finding, Fix, RelatedLocation, Severity
from review_ls.engine.project_model import Needs
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.patterns.clients import CLIENT_CONSTRUCTORS
from review_ls.patterns.frameworks import is_route_handler
from review_ls.project import project_for
from review_ls.project.client_facts import LOCAL, is_shareable_construction
from review_ls.project.client_summary import ClientChain, step_name
from review_ls.rules.clients._invocation_shapes import LONG_RUN_ROLES, may_name_dependency, reused_for_the_run, signature_dependency
from review_ls.rules.clients._shared import INVOCATION_OF_ROLE, bound_names, call_disposition, chain_names, chain_related, function_qualname, is_cached, path_related, project_target
from review_ls.patterns.names import names_read, snake_case
from review_ls.patterns.client_closing import _is_sole_with_item, _assigned_name, _close_statements

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


_LAST_REACHED = "RV202.last-reached"

_BUILTINS = frozenset(dir(builtins))

# The other files of the multi-file examples: a wrapper class around httpx.AsyncClient and a factory without caching.
WORKER_FILES = (
    (
        "svc/clients.py",
        "import httpx\n\n\nclass WorkerClient:\n    def __init__(self, base_url: str) -> None:\n        self._http = httpx.AsyncClient(base_url=base_url)\n\n    async def run(self, job: str) -> dict:\n        return (await self._http.post('/run', json={'job': job})).json()\n\n\ndef get_worker_client() -> WorkerClient:\n    return WorkerClient('http://worker:8000')\n",
    ),
    ("svc/__init__.py", ""),
)


class ClientPerRequest(Rule):
    """RV202: a client constructed once per invocation of an entry point (request, task, activity, tool call, message)."""

    code = "RV202"
    name = "client-per-request"
    applies_to = SERVICE_CODE
    severity = Severity.HINT
    default_enabled = False
    precision_note = """
        Off by default, hint severity: 0.83 on the judged corpus sample (10 of 12, docs/precision.md),
        below the 0.9 a default rule needs. The findings that are not plainly right are
        per-request clients built with per-user credentials read from the database (an OpenAI client
        per chosen model). A client that one run of a long task opens and uses for the whole run is
        not reported. Value models named `*Session`/`*Client` are not reported: a project class
        counts only when constructing it builds a real client.
        """
    needs = frozenset({Needs.PROJECT_INDEX})
    message = "{client} is constructed on every {invocation}{through}; share one client from a cached factory"
    fix_title = "Share {client} through a cached factory function"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Finds clients and sessions (see RV201 for the list) built once per invocation: in an
            entry point — a web route (FastAPI/Starlette/Flask/Django/aiohttp/Litestar/Sanic), a
            WebSocket or socket.io handler, a Celery/RQ/Dramatiq/Arq/Huey task, a Temporal activity,
            an agent tool, a LangGraph node (`graph.add_node("x", fn)`), a gRPC servicer method, a
            queue consumer — or in any project function such an entry point calls, in any file. A
            project wrapper class whose `__init__` builds a client (`WorkerClient` around an
            `httpx.AsyncClient`), a subclass of a client class, and a factory without caching
            (`get_worker_client()`) count as building one; the message and the related locations
            show the chain from the entry point to the library constructor. A client that is
            returned or kept by its object (the caller decides), memoised (`functools.cache`, a
            `global`, `if self._client is None:`), a `NullPool` engine, a transport pinned per call,
            start-up hooks, lifespan functions, dependency generators, CLI scripts, tests and
            migrations are not reported. A FastAPI dependency that builds a client
            (`client = Depends(get_client)`, or in `Annotated[...]`) is reported at the route's
            `Depends`: FastAPI calls it on every request. A client that a task, activity or
            workflow opens with `with` and uses for the whole run (in a loop, or handed to the code
            that makes the run's requests) is one client per long run, not per request, and is not
            reported.
            """,
        why="""
            Per-request clients pay a new connection (and TLS handshake) for every upstream call,
            multiply open sockets under load and defeat HTTP keep-alive and HTTP/2. A single
            process-wide client, created lazily and shared, is what the client libraries document.
            """,
        fix="""
            Create the client in one place and reuse it: a module-level `functools.cache`d
            `get_<name>()` factory (or a FastAPI dependency / lifespan-managed client), called from
            the handler; for a wrapper class, cache the factory that builds it or build one instance
            at module level. For a construction written in the handler, the quick fix adds the factory, replaces the construction by a call to it
            and removes the handler's `close()` of the shared client. It is marked unsafe: the
            client now outlives the request, so review per-request state such as cookies or auth.
            """,
    )
    valid = (
        """
        import functools
        import httpx
        from fastapi import FastAPI

        app = FastAPI()

        @functools.cache
        def get_client():
            return httpx.AsyncClient()

        @app.get("/proxy")
        async def proxy():
            return (await get_client().get("https://example.com")).json()
        """,
        """
        import httpx
        from fastapi import FastAPI

        app = FastAPI()

        @app.on_event("startup")
        async def startup():
            app.state.client = httpx.AsyncClient()
        """,
        """
        import httpx

        async def get_http_client():
            async with httpx.AsyncClient() as client:
                yield client
        """,
        # A response model named `...Session` is a DTO, not a connection.
        Valid(
            """
            from fastapi import FastAPI

            from app.schemas import CustomerSession

            app = FastAPI()

            @app.post("/customer-session")
            async def create_customer_session(token: str) -> CustomerSession:
                return CustomerSession(token=token)
            """,
            path="app/endpoints.py",
            files=(("app/schemas.py", "from pydantic import BaseModel\n\nclass CustomerSession(BaseModel):\n    token: str\n"), ("app/__init__.py", "")),
        ),
        # A cached factory: one client for the process.
        Valid(
            """
            import functools

            from fastapi import APIRouter

            from svc.clients import WorkerClient

            router = APIRouter()

            @functools.lru_cache
            def shared_worker_client() -> WorkerClient:
                return WorkerClient("http://worker:8000")

            @router.post("/jobs")
            async def submit(job: str) -> dict:
                return await shared_worker_client().run(job)
            """,
            path="api/jobs.py",
            files=WORKER_FILES,
        ),
        # A module-level singleton, and a factory that memoises in a global.
        Valid(
            """
            import httpx
            from temporalio import activity

            from svc.clients import WorkerClient

            worker_client = WorkerClient("http://worker:8000")
            _http: httpx.AsyncClient | None = None

            def http() -> httpx.AsyncClient:
                global _http
                if _http is None:
                    _http = httpx.AsyncClient()
                return _http

            @activity.defn
            async def transcribe(job: str) -> dict:
                await http().get("https://status.example.com")
                return await worker_client.run(job)
            """,
            path="svc/activities.py",
            files=WORKER_FILES,
        ),
        # A dependency that hands out the one shared client: FastAPI calls it per request, it builds nothing.
        Valid(
            """
            import functools
            from typing import Annotated

            import httpx
            from fastapi import Depends, FastAPI

            app = FastAPI()

            @functools.cache
            def get_client() -> httpx.AsyncClient:
                return httpx.AsyncClient(timeout=10)

            @app.get("/weather")
            async def weather(city: str, client: Annotated[httpx.AsyncClient, Depends(get_client)]):
                return (await client.get("https://api.example.com", params={"q": city})).json()
            """,
            path="svc/weather_shared.py",
        ),
        # One client per run of a long task, used for every request of the run.
        Valid(
            """
            import httpx
            from celery import shared_task

            @shared_task
            def sync_prices(product_ids: list[int]) -> None:
                with httpx.Client(base_url="https://shop.example.com", timeout=10) as client:
                    for product_id in product_ids:
                        client.post("/prices/sync", json={"id": product_id})
            """,
            path="jobs/price_sync.py",
        ),
        # A CLI script owns its client for the whole run.
        Valid(
            """
            import asyncio

            import httpx

            async def main() -> None:
                async with httpx.AsyncClient() as client:
                    print((await client.get("https://example.com")).status_code)

            asyncio.run(main())
            """,
            path="scripts/ping.py",
        ),
    )
    invalid = (
        # A dependency that builds a client: FastAPI calls it, and builds one, on every request.
        Invalid(
            """
            import httpx
            from fastapi import Depends, FastAPI

            app = FastAPI()


            async def get_client():
                async with httpx.AsyncClient(timeout=10) as client:
                    yield client


            @app.get("/weather")
            async def weather(city: str, client: httpx.AsyncClient = Depends(get_client)):
                return (await client.get("https://api.example.com", params={"q": city})).json()
            """,
            line=13,
            path="svc/weather_routes.py",  # a module name of its own: examples share one project
            message="httpx.AsyncClient is constructed on every request (route GET /weather -> dependency get_client -> httpx.AsyncClient); share one client from a cached factory",
        ),
        # A task that builds a client for its one request: a client per task run.
        Invalid(
            """
            import httpx
            from celery import shared_task

            @shared_task
            def notify(user_id: int) -> None:
                with httpx.Client(timeout=10) as client:
                    client.post("https://hooks.example.com/users", json={"id": user_id})
            """,
            line=6,
            path="jobs/notify_task.py",  # a module name of its own: examples share one project
        ),
        # A project wrapper class built per Temporal activity.
        Invalid(
            """
            from temporalio import activity

            from svc.clients import WorkerClient

            @activity.defn
            async def transcribe(job: str) -> dict:
                client = WorkerClient("http://worker:8000")
                return await client.run(job)
            """,
            line=7,
            path="svc/activities.py",
            files=WORKER_FILES,
            message="httpx.AsyncClient is constructed on every activity run (activity transcribe -> WorkerClient -> httpx.AsyncClient); share one client from a cached factory",
        ),
        # A factory without caching, called per request.
        Invalid(
            """
            from fastapi import APIRouter

            from svc.clients import get_worker_client

            router = APIRouter()

            @router.post("/speak")
            async def speak(text: str) -> dict:
                return await get_worker_client().run(text)
            """,
            line=9,
            path="api/routes.py",
            files=WORKER_FILES,
            message="httpx.AsyncClient is constructed on every request (route POST /speak -> get_worker_client -> WorkerClient -> httpx.AsyncClient); share one client from a cached factory",
        ),
        # A helper in another file, one hop from a LangGraph node registered with add_node.
        Invalid(
            """
            import httpx

            async def search(query: str) -> list[str]:
                async with httpx.AsyncClient(timeout=10) as client:
                    return (await client.get("https://search.example.com", params={"q": query})).json()
            """,
            line=4,
            path="agent/search.py",
            files=(
                ("agent/__init__.py", ""),
                (
                    "agent/graph.py",
                    "from langgraph.graph import StateGraph\n\nfrom agent.search import search\n\n\nasync def research(state: dict) -> dict:\n    return {'hits': await search(state['question'])}\n\n\ndef build(graph: StateGraph) -> None:\n    graph.add_node('research', research)\n",
                ),
            ),
            message="httpx.AsyncClient is constructed on every graph step (node research -> search -> httpx.AsyncClient); share one client from a cached factory",
        ),
        Invalid(
            """
            import httpx
            from fastapi import FastAPI

            app = FastAPI()


            @app.get("/weather")
            async def weather(city: str):
                async with httpx.AsyncClient(timeout=10) as client:
                    response = await client.get("https://api.example.com", params={"q": city})
                return response.json()
            """,
            line=9,
            fixed="""
            import functools

            import httpx
            from fastapi import FastAPI

            app = FastAPI()


            @functools.cache
            def get_client():
                return httpx.AsyncClient(timeout=10)


            @app.get("/weather")
            async def weather(city: str):
                client = get_client()
                response = await client.get("https://api.example.com", params={"q": city})
                return response.json()
            """,
        ),
        Invalid(
            """
            import requests
            from flask import Flask

            app = Flask(__name__)


            @app.route("/users/<name>")
            def user(name):
                session = requests.Session()
                data = session.get("https://api.example.com/users/" + name).json()
                session.close()
                return data
            """,
            line=9,
            fixed="""
            import functools

            import requests
            from flask import Flask

            app = Flask(__name__)


            @functools.cache
            def get_session():
                return requests.Session()


            @app.route("/users/<name>")
            def user(name):
                session = get_session()
                data = session.get("https://api.example.com/users/" + name).json()
                return data
            """,
        ),
        Invalid(
            """
            import httpx
            from fastapi import APIRouter

            router = APIRouter()

            @router.post("/forward")
            async def forward(token: str):
                client = httpx.AsyncClient(headers={"Authorization": token})
                return await client.post("https://example.com")
            """,
            line=8,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding] | None:
        """Report a client built per invocation in a function an entry point runs (outside loops: RV201 reports those).

        A plain function: the calls of functions no entry point runs leave without making a generator."""
        if may_name_dependency(node.func):  # (the callee is resolved first only for calls that may be `Depends(...)`)
            dependency = signature_dependency(node, ctx, ctx.qualified_name(node.func))
            if dependency is not None:
                return self._per_request_dependency(node, *dependency, ctx)
        function = ctx.function
        if ctx.loops or not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        reached = self._run_per_invocation(function, ctx)
        if reached is None:
            return None  # (before resolving the call: most functions run once per invocation of nothing)
        return self._client_per_invocation(node, ctx, ctx.qualified_name(node.func), function, reached)

    def _client_per_invocation(
        self, node: ast.Call, ctx: Context, library: str | None, function: ast.FunctionDef | ast.AsyncFunctionDef, reached: tuple[str, tuple[str, ...]]
    ) -> Iterator[Finding]:
        """The finding of a client that `node` builds in `function`, which runs once per invocation of an entry point (`reached`)."""
        chain: ClientChain | None = None
        if library in CLIENT_CONSTRUCTORS and not is_shareable_construction(node, bound_names(function, ctx)):
            return
        if library not in CLIENT_CONSTRUCTORS:
            target = project_target(node, ctx)
            chain = project_for(ctx).client_summaries.produced_by(target) if target is not None else None
            if chain is None:
                return
        if call_disposition(node, function, ctx) != LOCAL:
            return  # returned or kept by the object (its caller decides), or memoised process-wide
        role, path = reached
        if role in LONG_RUN_ROLES and reused_for_the_run(node, function, ctx.parents):
            return  # one client per run of a long task, used for all of the run's requests
        index = project_for(ctx)
        client = cast(str, library) if chain is None else chain.client
        steps = [step_name(q) for q in path[1:]]
        through = ""
        related: list[RelatedLocation] = path_related(index, path) if len(path) > 1 else []
        if len(path) > 1 or chain is not None:
            entry = index.call_graph.function(path[0])
            label = entry[1].label if entry is not None and entry[1].label else step_name(path[0])
            through = " (" + " -> ".join([f"{role} {label}", *steps, *((chain_names(chain),) if chain else ()), chain.client if chain else cast(str, library)]) + ")"
        if chain is not None:
            related.extend(chain_related(chain))
        fixable = chain is None and self._factory_plan(node, ctx.parents, ctx.facts.bindings.keys() | ctx.facts.imports.keys()) is not None
        yield self.report(node, ctx, client=client, invocation=INVOCATION_OF_ROLE.get(role, "invocation"), through=through, fixable=fixable, related=tuple(related))

    def _per_request_dependency(self, node: ast.Call, route: ast.FunctionDef | ast.AsyncFunctionDef, dependency: ast.expr, ctx: Context) -> Iterator[Finding]:
        """`Depends(get_client)` on a route, where `get_client` hands out a fresh client: FastAPI calls it on every request."""
        if not is_route_handler(route, ctx):
            return
        index = project_for(ctx)
        target = project_target(ast.Call(func=dependency, args=[], keywords=[]), ctx)
        chain = index.client_summaries.produced_by(target) if target is not None else None
        if chain is None:
            return
        module_name = index.module_name(ctx.path or "<unknown>.py")
        owner = f"{ctx.class_.name}." if ctx.class_ is not None else ""
        entry = index.call_graph.function(f"{module_name}.{owner}{route.name}" if module_name else f"{owner}{route.name}")
        label = entry[1].label if entry is not None and entry[1].label else route.name
        through = f" (route {label} -> dependency {chain_names(chain)} -> {chain.client})"
        yield self.report(node, ctx, client=chain.client, invocation="request", through=through, fixable=False, related=tuple(chain_related(chain)))

    @classmethod
    def _run_per_invocation(cls, function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> tuple[str, tuple[str, ...]] | None:
        """`_per_invocation` of a function that is not `functools.cache`d (else None), kept for the function last asked
        about: its calls ask in a row. Kept in the module's facts, not `ctx.memo` (reading the memo marks a statement as
        reading the whole module); the answer depends on the function and its class (checked by identity) and on the
        project (by identity and fingerprint)."""
        derived = ctx.facts.derived
        project = ctx.project
        fingerprint = project.fingerprint if project is not None else None
        last = derived.get(_LAST_REACHED)
        if last is not None:
            stamp = last[0]  # (read in place: the calls of one function ask in a row, and build no stamp to compare)
            if stamp[0] is function and stamp[2] is project and stamp[3] == fingerprint and stamp[1] is ctx.class_:
                reached: tuple[str, tuple[str, ...]] | None = last[1]
                return reached
        reached = None if is_cached(function) else cls._per_invocation(function, ctx)
        derived[_LAST_REACHED] = ((function, ctx.class_, project, fingerprint), reached)
        return reached

    @staticmethod
    def _per_invocation(function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> tuple[str, tuple[str, ...]] | None:
        """(role of the entry point, path of calls from it to `function`) when `function` runs once per invocation."""
        qualname = function_qualname(function, ctx)
        if is_route_handler(function, ctx):
            return "route", (qualname or function.name,)
        if qualname is None:
            return None
        index = project_for(ctx)
        path = index.per_invocation.path_to(qualname)
        if path is None:
            return None
        entry = index.call_graph.function(path[0])
        return (entry[1].role, path) if entry is not None else None

    @staticmethod
    def _factory_plan(call: ast.Call, ancestors: Sequence[ast.AST], module_names: set[str]) -> str | None:
        """How the construction is used ('with', 'assign' or 'inline'), or None if it cannot be hoisted."""
        free = names_read(call) - module_names - _BUILTINS
        if free:
            return None
        parent = ancestors[-1] if ancestors else None
        if isinstance(parent, ast.withitem):
            statement = cast(ast.With | ast.AsyncWith, ancestors[-2])
            if _is_sole_with_item(statement, call) and isinstance(statement.items[0].optional_vars, ast.Name):
                return "with"
            return None
        if isinstance(parent, ast.Assign) and _assigned_name(parent, call):
            return "assign"
        return "inline"

    def fix(self, fctx: FixContext) -> Fix | None:
        """Add a cached factory above the handler and use it instead of the construction."""
        call = fctx.node
        if not isinstance(call, ast.Call):
            return None
        plan = self._factory_plan(call, fctx.ancestors, fctx.facts.bindings.keys() | fctx.facts.imports.keys())
        handler = next((a for a in reversed(fctx.ancestors) if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
        if plan is None or handler is None:
            return None
        call_cst = fctx.cst_node(call)
        if call_cst is None:
            return None
        parent = fctx.ancestors[-1]
        variable = None
        if plan == "with":
            variable = cast(ast.Name, cast(ast.withitem, parent).optional_vars).id
        elif plan == "assign":
            variable = _assigned_name(parent, call)  # type: ignore[arg-type]
        base = variable or snake_case(ast.unparse(call.func).rsplit(".", 1)[-1])
        factory = fctx.unique_name(f"get_{base}")
        factory_call = cst.Call(func=cst.Name(factory))
        replacements: dict[int, object] = {}
        if plan == "with":
            with_cst = fctx.cst_node(fctx.ancestors[-2])
            assign = cst.SimpleStatementLine(
                body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(cast(str, variable)))], value=factory_call)],
                leading_lines=with_cst.leading_lines,
            )
            replacements[id(with_cst)] = cst.FlattenSentinel([assign, *block_statements(with_cst.body)])
        else:
            replacements[id(call_cst)] = factory_call
        if variable is not None:
            for statement in _close_statements(list(_all_statements(handler)), variable):
                close_cst = fctx.cst_node(statement)
                line = statement_line_of(fctx.cst_module, close_cst) if close_cst is not None else None
                if line is not None and len(line.body) == 1:
                    replacements[id(line)] = cst.RemovalSentinel.REMOVE
        fctx.replace_scope(replace_nodes(fctx.cst_module, replacements).code)
        functools_name = fctx.ensure_import("functools")
        call_source = fctx.cst_module.code_for_node(call_cst)
        fctx.add_definition(f"@{functools_name}.cache\ndef {factory}():\n    return {call_source}\n")
        return fctx.build(fctx.finding.fix_title or "Share the client through a cached factory", self.fix_applicability)


def _all_statements(function: ast.AST) -> Iterator[ast.stmt]:
    for node in ast.walk(function):
        if isinstance(node, ast.stmt) and node is not function:
            yield node
