"""RV2 — clients and connections: clients built per iteration or per request instead of once."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass


from review_ls.engine.cst_edit import cst, block_statements, indented, replace_nodes, statement_line_of
from review_ls.engine.facts import import_bindings, resolve_through_imports
from review_ls.engine.fixes import FixContext
from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.clients import client_constructor_name
from review_ls.patterns.frameworks import is_route_handler
from review_ls.patterns.names import loop_bound_names, names_read, snake_case

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_CLOSE_METHODS = frozenset({"close", "aclose"})
_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class _LoopPlacement:
    """Where a construction sits: the loop around it and the loop-body statement that holds it."""

    loop: ast.For | ast.AsyncFor | ast.While
    statement: ast.stmt


def _placement_in_loop(node: ast.AST, ancestors: Sequence[ast.AST]) -> _LoopPlacement | None:
    """The innermost statement loop around `node` (within its function) and the body statement holding it."""
    path = [*ancestors, node]
    for index in range(len(path) - 2, -1, -1):
        ancestor = path[index]
        if isinstance(ancestor, _SCOPES):
            return None
        if isinstance(ancestor, _LOOPS):
            child = path[index + 1]
            if any(child is statement for statement in ancestor.body):
                return _LoopPlacement(ancestor, child)  # type: ignore[arg-type]
            return None
    return None


def _is_sole_with_item(statement: ast.stmt, call: ast.Call) -> bool:
    return (
        isinstance(statement, (ast.With, ast.AsyncWith))
        and len(statement.items) == 1
        and statement.items[0].context_expr is call
    )


def _assigned_name(statement: ast.stmt, call: ast.Call) -> str | None:
    if isinstance(statement, ast.Assign) and statement.value is call and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return target.id
    return None


def _is_close_call(node: ast.AST, name: str) -> bool:
    """True for `name.close()` / `name.aclose()`."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _CLOSE_METHODS
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == name
    )


def _close_statements(statements: Sequence[ast.stmt], name: str) -> list[ast.stmt]:
    """`name.close()` / `await name.aclose()` expression statements among `statements`."""
    found = []
    for statement in statements:
        if isinstance(statement, ast.Expr):
            call = statement.value.value if isinstance(statement.value, ast.Await) else statement.value
            if _is_close_call(call, name):
                found.append(statement)
    return found


def _closes_anywhere(nodes: Sequence[ast.AST], name: str) -> int:
    """How many `name.close()`/`aclose()` calls there are anywhere inside `nodes`."""
    return sum(1 for root in nodes for node in ast.walk(root) if _is_close_call(node, name))


def _hoistable(call: ast.Call, placement: _LoopPlacement) -> bool:
    """True when the hoist fix can move this construction above its loop without changing behaviour."""
    if _is_sole_with_item(placement.statement, call):
        return True
    name = _assigned_name(placement.statement, call)
    if name is None:
        return False
    moved = _close_statements(placement.loop.body, name)
    return _closes_anywhere(placement.loop.body, name) == len(moved)


def _short_name(qualified: str) -> str:
    """'httpx.AsyncClient' stays; 'redis.asyncio.Redis' stays: the name as a reader knows it."""
    return qualified


class ClientInLoop(Rule):
    """RV201: a network client constructed inside a loop."""

    code = "RV201"
    name = "client-in-loop"
    message = "{client} is constructed on every iteration of the loop; create it once and reuse it"
    fix_title = "Hoist {client} out of the loop"
    docs = RuleDocs(
        what="""
            Finds HTTP, RPC and database clients (httpx.Client/AsyncClient, requests.Session,
            aiohttp.ClientSession, urllib3.PoolManager, boto3 clients, gRPC channels, Redis and
            Mongo clients, SQLAlchemy engines, the project's own `*Client`/`*Session` classes)
            constructed inside a loop body.
            """,
        why="""
            A client owns a connection pool. Building one per iteration throws the pool away each
            time: every request pays a new TCP (and TLS) handshake, sockets pile up in TIME_WAIT,
            and under load the process runs out of file descriptors. One client reused across the
            loop keeps connections alive and is typically several times faster.
            """,
        fix="""
            Create the client once before the loop and reuse it. The quick fix moves the
            `with`/`async with` block (or the assignment, moving a trailing `close()` after the
            loop) above the loop. Clients whose arguments change per iteration (a different
            region or base URL each time) are not reported.
            """,
    )
    valid = (
        """
        import httpx

        async def fetch_all(urls):
            async with httpx.AsyncClient() as client:
                for url in urls:
                    await client.get(url)
        """,
        """
        import boto3

        def clients_per_region(regions):
            # each region needs its own client: the arguments depend on the loop variable
            return [boto3.client("s3", region_name=region) for region in regions]
        """,
        """
        import requests

        def make_session():
            return requests.Session()
        """,
        """
        import httpx

        def retry(url):
            client = httpx.Client()
            for attempt in range(3):
                response = client.get(url)
                if response.ok:
                    return response
        """,
    )
    invalid = (
        Invalid(
            """
            import httpx

            async def fetch_all(urls):
                for url in urls:
                    async with httpx.AsyncClient() as client:
                        await client.get(url)
            """,
            line=5,
            fixed="""
            import httpx

            async def fetch_all(urls):
                async with httpx.AsyncClient() as client:
                    for url in urls:
                        await client.get(url)
            """,
        ),
        Invalid(
            """
            import requests

            def download(paths):
                results = []
                for path in paths:
                    session = requests.Session()
                    results.append(session.get(path).text)
                    session.close()
                return results
            """,
            line=6,
            fixed="""
            import requests

            def download(paths):
                results = []
                session = requests.Session()
                for path in paths:
                    results.append(session.get(path).text)
                session.close()
                return results
            """,
        ),
        Invalid(
            """
            from httpx import Client as HttpClient

            def ping(hosts):
                while hosts:
                    host = hosts.pop()
                    with HttpClient(timeout=5) as client:
                        client.get(host)
            """,
            line=6,
            fixed="""
            from httpx import Client as HttpClient

            def ping(hosts):
                with HttpClient(timeout=5) as client:
                    while hosts:
                        host = hosts.pop()
                        client.get(host)
            """,
        ),
        Invalid(
            """
            class ApiClient:
                pass

            def poll(items):
                for item in items:
                    ApiClient().send(item)
            """,
            line=6,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report client constructions inside a loop whose arguments do not change per iteration."""
        loop = ctx.loop
        if loop is None:
            return
        client = client_constructor_name(node, ctx)
        if client is None:
            return
        if any(names_read(node) & loop_bound_names(enclosing) for enclosing in ctx.loops):
            return
        placement = _placement_in_loop(node, ctx.parents)
        fixable = placement is not None and _hoistable(node, placement)
        yield self.report(node, ctx, client=_short_name(client), fixable=fixable)

    def fix(self, fctx: FixContext) -> Fix | None:
        """Move the `with` block or the assignment (and its close) above the loop."""
        call = fctx.node
        placement = _placement_in_loop(call, fctx.ancestors)
        if not isinstance(call, ast.Call) or placement is None or not _hoistable(call, placement):
            return None
        loop_cst = fctx.cst_node(placement.loop)
        if loop_cst is None:
            return None
        if _is_sole_with_item(placement.statement, call):
            with_cst = fctx.cst_node(placement.statement)
            if with_cst is None:
                return None
            body = [
                inner
                for statement in loop_cst.body.body
                for inner in (block_statements(with_cst.body) if statement is with_cst else [statement])
            ]
            new_loop = loop_cst.with_changes(body=loop_cst.body.with_changes(body=body), leading_lines=[])
            replacement: object = with_cst.with_changes(
                body=indented([new_loop]), leading_lines=loop_cst.leading_lines
            )
        else:
            name = _assigned_name(placement.statement, call)
            assign_cst = fctx.cst_node(placement.statement)
            line = statement_line_of(fctx.cst_module, assign_cst) if assign_cst is not None else None
            if name is None or line is None or len(line.body) != 1:
                return None
            closes = {id(c) for c in (fctx.cst_node(s) for s in _close_statements(placement.loop.body, name)) if c is not None}
            close_lines = [s for s in loop_cst.body.body if isinstance(s, cst.SimpleStatementLine) and any(id(b) in closes for b in s.body)]
            kept = [s for s in loop_cst.body.body if s is not line and all(s is not c for c in close_lines)]
            new_loop = loop_cst.with_changes(body=indented(kept) if not kept else loop_cst.body.with_changes(body=kept), leading_lines=[])
            replacement = cst.FlattenSentinel(
                [line.with_changes(leading_lines=loop_cst.leading_lines), new_loop, *(c.with_changes(leading_lines=[]) for c in close_lines)]
            )
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(loop_cst): replacement}).code)
        return fctx.build(fctx.finding.fix_title or "Hoist the client out of the loop")


class ClientPerRequest(Rule):
    """RV202: a client constructed inside a web request handler, once per request."""

    code = "RV202"
    name = "client-per-request"
    message = "{client} is constructed on every request; share one client from a cached factory"
    fix_title = "Share {client} through a cached factory function"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Finds clients and sessions (see RV201 for the list) constructed inside a web route
            handler (FastAPI/Starlette/Flask/Django/aiohttp views), so every request builds and
            tears down its own connection pool. Start-up hooks, lifespan functions and dependency
            factories are not reported.
            """,
        why="""
            Per-request clients pay a new connection (and TLS handshake) for every upstream call,
            multiply open sockets under load and defeat HTTP keep-alive and HTTP/2. A single
            process-wide client, created lazily and shared, is what the client libraries document.
            """,
        fix="""
            Create the client in one place and reuse it: a module-level `functools.cache`d
            `get_<name>()` factory (or a FastAPI dependency / lifespan-managed client), called from
            the handler. The quick fix adds the factory, replaces the construction by a call to it
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
    )
    invalid = (
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

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report client constructions in route handlers (outside loops: RV201 reports those)."""
        if ctx.loops or not is_route_handler(ctx.function, ctx):
            return
        client = client_constructor_name(node, ctx)
        if client is None:
            return
        fixable = self._factory_plan(node, ctx.parents, ctx.facts.bindings.keys() | ctx.facts.imports.keys()) is not None
        yield self.report(node, ctx, client=client, fixable=fixable)

    @staticmethod
    def _factory_plan(call: ast.Call, ancestors: Sequence[ast.AST], module_names: set[str]) -> str | None:
        """How the construction is used ('with', 'assign' or 'inline'), or None if it cannot be hoisted."""
        free = names_read(call) - module_names - _BUILTINS
        if free:
            return None
        parent = ancestors[-1] if ancestors else None
        if isinstance(parent, ast.withitem):
            statement = ancestors[-2]
            if _is_sole_with_item(statement, call) and isinstance(statement.items[0].optional_vars, ast.Name):  # type: ignore[union-attr]
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
            variable = parent.optional_vars.id  # type: ignore[union-attr]
        elif plan == "assign":
            variable = _assigned_name(parent, call)  # type: ignore[arg-type]
        base = variable or snake_case(ast.unparse(call.func).rsplit(".", 1)[-1])
        factory = fctx.unique_name(f"get_{base}")
        factory_call = cst.Call(func=cst.Name(factory))
        replacements: dict[int, object] = {}
        if plan == "with":
            with_cst = fctx.cst_node(fctx.ancestors[-2])
            assign = cst.SimpleStatementLine(
                body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(variable))], value=factory_call)],
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


_REQUESTS_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})


class RequestsWithoutSessionInLoop(Rule):
    """RV203: `requests.get/post/...` called inside a loop without a Session."""

    code = "RV203"
    name = "requests-without-session-in-loop"
    message = "requests.{verb}() in a loop opens a new connection per call; use one requests.Session()"
    fix_title = "Use one requests.Session() for the loop"
    docs = RuleDocs(
        what="Finds the module-level `requests` functions (`requests.get`, `post`, `request`, ...) called inside a loop.",
        why="""
            Each module-level call builds a throw-away Session: no connection reuse, a new TCP and
            TLS handshake per item. A Session keeps connections to the same host alive, which is
            usually several times faster for a loop of calls and kinder to the server.
            """,
        fix="""
            Open one `requests.Session()` around the loop and call its methods. The quick fix wraps
            the loop in `with requests.Session() as session:` and rewrites every `requests.<verb>(`
            call in the loop to `session.<verb>(`.
            """,
    )
    valid = (
        """
        import requests

        def fetch(url):
            return requests.get(url).json()
        """,
        """
        import requests

        def fetch_all(urls):
            with requests.Session() as session:
                return [session.get(url).json() for url in urls]
        """,
    )
    invalid = (
        Invalid(
            """
            import requests

            def fetch_all(urls):
                results = []
                for url in urls:
                    results.append(requests.get(url, timeout=5).json())
                return results
            """,
            line=6,
            fixed="""
            import requests

            def fetch_all(urls):
                results = []
                with requests.Session() as session:
                    for url in urls:
                        results.append(session.get(url, timeout=5).json())
                return results
            """,
        ),
        Invalid(
            """
            from requests import post

            def notify(hooks, payload):
                for hook in hooks:
                    post(hook, json=payload)
            """,
            line=5,
            fixed="""
            import requests
            from requests import post

            def notify(hooks, payload):
                with requests.Session() as session:
                    for hook in hooks:
                        session.post(hook, json=payload)
            """,
        ),
        Invalid(
            """
            import requests

            def fetch_all(urls):
                return [requests.get(url) for url in urls]
            """,
            line=4,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report `requests.<verb>(...)` calls inside a loop."""
        if ctx.loop is None:
            return
        verb = self._verb(node, ctx.imports)
        if verb is None:
            return
        fixable = isinstance(ctx.loop, _LOOPS) and self._outermost_statement_loop(ctx.parents) is not None
        yield self.report(node, ctx, verb=verb, fixable=fixable)

    @staticmethod
    def _verb(node: ast.Call, imports: Mapping[str, str]) -> str | None:
        """The `requests` function a call makes ('get', 'post', ...), resolved through `imports`."""
        qualified = resolve_through_imports(node.func, imports)
        if qualified is None:
            return None
        verb = qualified.removeprefix("requests.")
        return verb if qualified.startswith("requests.") and verb in _REQUESTS_VERBS else None

    @staticmethod
    def _outermost_statement_loop(ancestors: Sequence[ast.AST]) -> ast.stmt | None:
        """The outermost statement loop around the call within its function."""
        found = None
        for ancestor in reversed(ancestors):
            if isinstance(ancestor, _SCOPES):
                break
            if isinstance(ancestor, _LOOPS):
                found = ancestor
        return found

    def fix(self, fctx: FixContext) -> Fix | None:
        """Wrap the loop in `with requests.Session() as session:` and call through the session."""
        loop = self._outermost_statement_loop(fctx.ancestors)
        if loop is None:
            return None
        loop_cst = fctx.cst_node(loop)
        if loop_cst is None:
            return None
        module_name = fctx.ensure_import("requests")
        session = "session"
        taken = {n.id for n in ast.walk(loop) if isinstance(n, ast.Name)}
        function = next((a for a in reversed(fctx.ancestors) if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
        if function is not None:
            taken |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name)} | {a.arg for a in ast.walk(function) if isinstance(a, ast.arg)}
        counter = 2
        while session in taken:
            session, counter = f"session_{counter}", counter + 1
        imports = dict(fctx.facts.imports)
        for statement in ast.walk(fctx.statement):  # imports of the enclosing functions, as the check saw them
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                imports.update(import_bindings(statement))
        replacements: dict[int, object] = {}
        for node in ast.walk(loop):
            verb = self._verb(node, imports) if isinstance(node, ast.Call) else None
            if verb is not None:
                call_cst = fctx.cst_node(node)
                if call_cst is not None:
                    replacements[id(call_cst.func)] = cst.Attribute(value=cst.Name(session), attr=cst.Name(verb))

        def wrap(updated_loop: cst.CSTNode) -> cst.With:
            return cst.With(
                items=[cst.WithItem(item=cst.parse_expression(f"{module_name}.Session()"), asname=cst.AsName(name=cst.Name(session)))],
                body=indented([updated_loop.with_changes(leading_lines=[])]),
                leading_lines=loop_cst.leading_lines,
            )

        replacements[id(loop_cst)] = wrap
        fctx.replace_scope(replace_nodes(fctx.cst_module, replacements).code)
        return fctx.build(self.fix_title or "")

