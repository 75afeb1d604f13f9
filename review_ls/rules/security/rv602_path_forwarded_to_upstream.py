"""RV602 path-forwarded-to-upstream: RV602: a request path parameter interpolated into an outbound URL without validation."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from review_ls.engine.cst_edit import cst, replace_nodes
from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.engine.positions import LineIndex, statement_start_line
from review_ls.engine.project_model import Needs
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.frameworks import is_route_handler
from review_ls.patterns.paths import NON_PROPAGATING_CALLS, callee_name, function_nodes
from review_ls.patterns.node_walk import walk_nodes
from review_ls.patterns.web_inputs import route_path_parameters, text_parameters
from review_ls.patterns.taint_flow import compared_names, contains_url_guard
from review_ls.patterns.taint_sinks import URL, url_sink
from review_ls.rules.security._shared import Function, _rejection, _enclosing_function
from review_ls.rules.security._taint import chain_of, chain_related, request_flows, shown_name

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


_OUTBOUND_FUNCTIONS = frozenset(
    {
        *(f"{module}.{verb}" for module in ("requests", "httpx") for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")),
        "urllib.request.urlopen",
        "urllib.request.Request",
        "aiohttp.request",
    }
)


_CLIENT_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "build_request", "fetch", "ws_connect", "websocket_connect"})


_METHOD_FIRST = frozenset({"request", "stream", "build_request"})


_CLIENT_WORDS = ("client", "session", "http", "upstream", "proxy", "api")


_URL_JOINS = frozenset({"urljoin", "urllib.parse.urljoin"})


_CATCH_ALL_NAMES = frozenset({"path", "subpath", "sub_path", "rest", "full_path", "url_path", "file_path", "filepath", "resource"})


_REQUEST_PATH_ATTRIBUTES = frozenset({"match_info", "path_params", "view_args"})


_VALIDATION_WORDS = ("match", "validate", "sanitize", "sanitise", "allow", "check", "clean", "safe", "isalnum", "isidentifier", "startswith")


class PathForwardedToUpstream(Rule):
    """RV602: a request path parameter interpolated into an outbound URL without validation."""

    code = "RV602"
    name = "path-forwarded-to-upstream"
    applies_to = SERVICE_CODE  # request data reaches sinks in code that serves requests, not in tests
    needs = frozenset({Needs.PROJECT_INDEX})
    message = "path parameter {source} is forwarded into an upstream URL unvalidated: '..' segments or an absolute URL reach other endpoints"
    fix_title = "Reject {source} values with '..' segments or an absolute path"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Follows request data into the URL of an outbound request (`requests`/`httpx`/`aiohttp`
            clients, `urlopen`, `urljoin`): the route's path parameters (`{path:path}`, `<path:name>`,
            `request.match_info[...]`, catch-all parameters such as `path`), and every other request
            input — query, form, body, header and cookie values, pydantic request-model fields —
            through f-strings, `%`, `+`, `.format`, URL variables and the project's own functions in
            any file (the chain is shown as related locations). Request text that chooses the host,
            or is the whole URL, is server-side request forgery; in the path it reaches other upstream
            endpoints. Values placed after `?`, compared, matched against a pattern, allow-listed,
            typed as numbers or literals, declared with a `pattern=` constraint, or sent through an
            SSRF-safe transport or URL validator are not reported.
            """,
        why="""
            A proxy that forwards `/{path:path}` to `f"{UPSTREAM}/{path}"` lets the caller choose
            `../admin/...` and reach upstream endpoints the proxy never meant to expose, with the
            proxy's credentials; with `urljoin` or a client `base_url`, an absolute URL sends the
            request (and its auth headers) to any host.
            """,
        fix="""
            Validate before forwarding: reject `..` segments, leading slashes and schemes, or match
            the parameter against an allow-list or a strict pattern. The quick fix inserts such a
            check at the top of the handler, raising the framework's 400 error where it can.
            """,
    )
    valid = (
        """
        import httpx
        from fastapi import FastAPI, HTTPException

        app = FastAPI()
        UPSTREAM = "https://internal.example.com"

        @app.get("/proxy/{path:path}")
        async def proxy(path: str):
            if ".." in path.split("/") or path.startswith("/"):
                raise HTTPException(status_code=400)
            async with httpx.AsyncClient() as client:
                return (await client.get(f"{UPSTREAM}/{path}")).json()
        """,
        """
        import httpx
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/weather/{city}")
        async def weather(city: str):
            async with httpx.AsyncClient() as client:
                return (await client.get("https://api.example.com/weather", params={"q": city})).json()
        """,
        """
        from typing import Literal
        import httpx
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/stats/{kind}")
        async def stats(kind: Literal["daily", "weekly"]):
            async with httpx.AsyncClient() as client:
                return (await client.get(f"https://api.example.com/stats/{kind}")).json()
        """,
        """
        import requests
        from flask import Flask

        app = Flask(__name__)

        @app.route("/users/<int:user_id>")
        def user(user_id):
            return requests.get(f"https://api.example.com/users/{user_id}").json()
        """,
        """
        import requests
        from flask import Flask, abort, request

        app = Flask(__name__)
        ALLOWED_HOSTS = {"eu.api.example.com", "us.api.example.com"}

        @app.get("/status")
        def status():
            host = request.args["region_host"]
            if host not in ALLOWED_HOSTS:
                abort(400)
            return requests.get(f"https://{host}/status", timeout=5).json()
        """,
        """
        from django.http import JsonResponse
        import requests

        def search(request):
            term = request.GET.get("q")
            return JsonResponse(requests.get("https://api.example.com/search?q=%s" % term, timeout=5).json())
        """,
    )
    invalid = (
        Invalid(
            """
            import httpx
            from fastapi import FastAPI, HTTPException

            app = FastAPI()
            UPSTREAM = "https://internal.example.com"

            @app.get("/proxy/{path:path}")
            async def proxy(path: str):
                \"\"\"Forward to the internal service.\"\"\"
                async with httpx.AsyncClient() as client:
                    response = await client.get(f"{UPSTREAM}/{path}")
                return response.json()
            """,
            line=11,
            fixed="""
            import httpx
            from fastapi import FastAPI, HTTPException

            app = FastAPI()
            UPSTREAM = "https://internal.example.com"

            @app.get("/proxy/{path:path}")
            async def proxy(path: str):
                \"\"\"Forward to the internal service.\"\"\"
                if ".." in path.split("/") or path.startswith("/") or "://" in path:
                    raise HTTPException(status_code=400, detail="Invalid path")
                async with httpx.AsyncClient() as client:
                    response = await client.get(f"{UPSTREAM}/{path}")
                return response.json()
            """,
        ),
        Invalid(
            """
            import requests
            from flask import Flask

            app = Flask(__name__)
            API = "https://assets.internal"

            @app.route("/assets/<path:asset>")
            def asset(asset):
                url = API + "/files/" + asset
                return requests.get(url, timeout=5).content
            """,
            line=10,
            fixed="""
            import requests
            from flask import Flask

            app = Flask(__name__)
            API = "https://assets.internal"

            @app.route("/assets/<path:asset>")
            def asset(asset):
                if ".." in asset.split("/") or asset.startswith("/") or "://" in asset:
                    raise ValueError("Invalid path")
                url = API + "/files/" + asset
                return requests.get(url, timeout=5).content
            """,
        ),
        Invalid(
            """
            from urllib.parse import urljoin
            from aiohttp import web

            async def forward(request):
                tail = request.match_info["tail"]
                async with request.app["session"].get(urljoin("https://backend/", tail)) as upstream:
                    return web.Response(body=await upstream.read())

            app = web.Application()
            app.router.add_get("/{tail:.*}", forward)
            """,
            line=6,
        ),
        Invalid(
            """
            from django.http import HttpResponse
            import requests

            def user_age(request):
                env = request.POST.get("env")
                return HttpResponse(requests.get("https://%s/age" % env, timeout=5))
            """,
            line=6,
            message="env from the request chooses the host of an outbound URL unvalidated: the caller can send the request, and its credentials, to any host (SSRF)",
        ),
        Invalid(
            """
            import httpx
            from fastapi import FastAPI, Header

            app = FastAPI()

            @app.get("/items")
            async def items(x_tenant: str = Header()):
                async with httpx.AsyncClient() as client:
                    return (await client.get(f"https://api.internal/{x_tenant}/items")).json()
            """,
            line=9,
            message="x_tenant from the request is forwarded into the path of an outbound URL unvalidated: '..' segments or an absolute URL reach other endpoints",
        ),
        Invalid(
            """
            from fastapi import APIRouter

            from app.fetcher import fetch_preview

            router = APIRouter()

            @router.get("/preview")
            async def preview(url: str):
                return fetch_preview(url)
            """,
            path="app/routes.py",
            line=9,
            message="url from the request reaches an outbound URL through fetch_preview() (fetch_preview -> requests.get) unvalidated: the caller can send the request, and its credentials, to any host (SSRF)",
            files=(
                ("app/__init__.py", ""),
                (
                    "app/fetcher.py",
                    """
                    import requests

                    def fetch_preview(url):
                        return requests.get(url, timeout=5).text[:500]
                    """,
                ),
            ),
        ),
    )

    def visit_FunctionDef(self, node: Function, ctx: Context) -> Iterator[Finding]:
        """Follow the handler's path parameters and other request inputs into outbound request URLs."""
        reported: set[int] = set()
        yield from self._path_parameters(node, ctx, reported)
        flows = request_flows(node, ctx)
        if not flows:
            return
        checked = compared_names(node)
        guarded = contains_url_guard(node)
        for flow in flows:
            chain = chain_of(flow)
            value = flow.value
            part = chain.url_part if chain is not None else value.url_part
            if id(flow.call) in reported or (chain is None and flow.sink.kind != URL) or (chain is not None and chain.kind != URL):
                continue
            if part == "query" or (value.via | {value.origin}) & checked or (chain is None and guarded):
                continue
            reported.add(id(flow.call))
            what = "chooses the host of" if part in ("whole", "host") else "is forwarded into the path of"
            risk = "the caller can send the request, and its credentials, to any host (SSRF)" if part in ("whole", "host") else "'..' segments or an absolute URL reach other endpoints"
            if chain is not None:
                text = f"{value.shown} from the request reaches an outbound URL through {shown_name(flow.call.func)}() ({chain.describe()}) unvalidated: {risk}"
                finding = self.report(flow.call, ctx, source=value.shown, fixable=False, related=chain_related(chain, "sends the request"))
            else:
                text = f"{value.shown} from the request {what} an outbound URL unvalidated: {risk}"
                finding = self.report(flow.sink.argument, ctx, source=value.shown, fixable=False)
            yield replace(finding, message=text, statement_line=flow.statement.lineno)

    visit_AsyncFunctionDef = visit_FunctionDef

    def _path_parameters(self, node: Function, ctx: Context, reported: set[int]) -> Iterator[Finding]:
        """The route's path parameters forwarded into the path of an outbound URL (fixable: a check is inserted)."""
        sources = self._sources(node, ctx)
        request_names = {a.arg for a in node.args.args if a.arg in ("request", "req")}
        if not sources and not request_names:
            return
        if not sources and not (_mentions_request_path(node, ctx.lines) and any(self._reads_request_path(n, request_names) for n, _ in function_nodes(node))):
            return
        validated = self._validated(node, sources)
        tainted = {name: name for name in sources - validated}
        urls: dict[str, str] = {}
        for inner, statement in function_nodes(node):
            if isinstance(inner, ast.Assign) and len(inner.targets) == 1 and isinstance(inner.targets[0], ast.Name):
                target = inner.targets[0].id
                tainted.pop(target, None)
                urls.pop(target, None)
                if self._reads_request_path(inner.value, request_names):
                    tainted[target] = target
                    continue
                url_source = self._url_source(inner.value, tainted, ctx)
                if url_source is not None:
                    urls[target] = url_source
                elif (source := _reads(inner.value, tainted)) is not None:
                    tainted[target] = source
            elif isinstance(inner, ast.Call):
                url = self._outbound_url(inner, ctx)
                sink = url_sink(inner, ctx.qualified_name)
                if url is None or sink is None or (sink.weak and isinstance(url, ast.Name)):
                    continue
                source = urls.get(url.id) if isinstance(url, ast.Name) else None
                if source is None:
                    source = self._url_source(url, tainted, ctx)
                if source is None and isinstance(url, ast.Name) and url.id in tainted and url.id in sources:
                    source = url.id
                if source is not None:
                    reported.add(id(inner))
                    finding = self.report(url, ctx, data={"source": source}, source=source, fixable=source in sources)
                    yield replace(finding, statement_line=statement.lineno)

    @staticmethod
    def _sources(node: Function, ctx: Context) -> set[str]:
        if not is_route_handler(node, ctx):
            return set()
        text = text_parameters(node)
        in_template = set(route_path_parameters(node))
        return {name for name in text if name in in_template or name in _CATCH_ALL_NAMES}

    @staticmethod
    def _reads_request_path(expr: ast.AST, request_names: set[str]) -> bool:
        """True for `request.match_info[...]`, `request.path_params.get(...)`, `request.view_args[...]`."""
        for node in ast.walk(expr):
            if isinstance(node, ast.Attribute) and node.attr in _REQUEST_PATH_ATTRIBUTES:
                return isinstance(node.value, ast.Name) and node.value.id in request_names
        return False

    @staticmethod
    def _validated(function: Function, sources: set[str]) -> set[str]:
        """Sources the handler compares, pattern-matches, allow-lists or passes to a validator."""
        validated = set()
        for node, _ in function_nodes(function):
            if isinstance(node, ast.Compare):
                validated |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in sources}
            elif isinstance(node, ast.Call):
                name = (dotted_name(node.func) or "").lower()
                if any(word in name for word in _VALIDATION_WORDS) or (name.endswith("quote") and any(k.arg == "safe" for k in node.keywords)):
                    validated |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in sources}
        return validated

    @staticmethod
    def _outbound_url(call: ast.Call, ctx: Context) -> ast.expr | None:
        """The URL argument of an outbound HTTP call, or None when `call` is not one."""
        keyword = next((k.value for k in call.keywords if k.arg == "url"), None)
        qualified = ctx.qualified_name(call.func)
        if qualified in _OUTBOUND_FUNCTIONS:
            index = 1 if qualified.rsplit(".", 1)[-1] in _METHOD_FIRST else 0
            return call.args[index] if len(call.args) > index else keyword
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in _CLIENT_METHODS or qualified is not None:
            return None
        receiver = ast.unparse(func.value).lower()
        if not any(word in receiver for word in _CLIENT_WORDS):
            return None
        index = 1 if func.attr in _METHOD_FIRST else 0
        return call.args[index] if len(call.args) > index else keyword

    @staticmethod
    def _url_source(expr: ast.expr, tainted: dict[str, str], ctx: Context) -> str | None:
        """The tainted name interpolated into the path part of a URL expression, if any."""
        if isinstance(expr, ast.JoinedStr):
            for value in expr.values:
                if isinstance(value, ast.Constant) and "?" in str(value.value):
                    return None
                if isinstance(value, ast.FormattedValue) and (source := _reads(value.value, tainted)) is not None:
                    return source
            return None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            parts: list[ast.expr] = []
            node: ast.expr = expr
            while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                parts.append(node.right)
                node = node.left
            parts.append(node)
            for part in reversed(parts):
                if isinstance(part, ast.Constant) and "?" in str(part.value):
                    return None
                if (source := _reads(part, tainted)) is not None:
                    return source
            return None
        if isinstance(expr, ast.Call):
            qualified = ctx.qualified_name(expr.func) or dotted_name(expr.func)
            if qualified in _URL_JOINS and len(expr.args) >= 2:
                return _reads(expr.args[1], tainted)
            if isinstance(expr.func, ast.Attribute) and expr.func.attr == "format" and isinstance(expr.func.value, ast.Constant):
                template = str(expr.func.value.value)
                if "?" in template.split("{", 1)[0]:
                    return None
                return next((s for a in expr.args if (s := _reads(a, tainted)) is not None), None)
        return None

    def fix(self, fctx: FixContext) -> Fix | None:
        """Insert the `..`/absolute-path check at the top of the handler."""
        function = _enclosing_function(fctx.ancestors)
        source = fctx.finding.data_dict.get("source")
        if function is None or source is None or source not in text_parameters(function):
            return None
        function_cst = fctx.cst_node(function)
        if function_cst is None or not isinstance(function_cst.body, cst.IndentedBlock):
            return None
        rejection = _rejection(fctx.facts, 400, "Invalid path", 'raise ValueError("Invalid path")')
        web = fctx.facts.local_name_for("aiohttp.web")
        if rejection.startswith("raise ValueError") and web is not None:
            rejection = f"raise {web}.HTTPBadRequest()"
        check = cst.parse_statement(f'if ".." in {source}.split("/") or {source}.startswith("/") or "://" in {source}:\n    {rejection}\n')
        body = list(function_cst.body.body)
        position = 1 if body and _is_docstring(body[0]) else 0
        body.insert(position, check.with_changes(leading_lines=[]) if position else check)
        new_function = function_cst.with_changes(body=function_cst.body.with_changes(body=body))
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(function_cst): new_function}).code)
        return fctx.build(fctx.finding.fix_title or "Validate the path parameter", self.fix_applicability)


def _reads(expr: ast.AST, tainted: dict[str, str]) -> str | None:
    """The tainted source an expression reads (not through int(), len(), ...), if any."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and node.id in tainted:
            return tainted[node.id]
        if isinstance(node, ast.Call) and callee_name(node) in NON_PROPAGATING_CALLS:
            continue
        stack.extend(ast.iter_child_nodes(node))
    return None


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _mentions_request_path(function: Function, lines: LineIndex) -> bool:
    """True when a `match_info`/`path_params`/`view_args` attribute occurs anywhere in the function: one walk
    that spares the per-node walks of `_reads_request_path` in the functions (nearly all) without one. When the
    function's (ASCII) text holds none of the names, its tree is not walked."""
    text = lines.text_of_lines(statement_start_line(function), function.end_lineno or function.lineno)
    if text.isascii() and not any(attribute in text for attribute in _REQUEST_PATH_ATTRIBUTES):
        return False  # (identifiers are NFKC-normalised in the tree: only ASCII text shows every one as written)
    return any(isinstance(node, ast.Attribute) and node.attr in _REQUEST_PATH_ATTRIBUTES for node in walk_nodes(function))
