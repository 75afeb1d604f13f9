"""RV603 unauthenticated-websocket: RV603: a WebSocket / Socket.IO endpoint that accepts connections without authenticating them."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace

from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Finding, Severity
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.imports import imports_starting_with
from review_ls.patterns.paths import function_nodes
from review_ls.rules.security._shared import Function


_WEBSOCKET_DECORATORS = frozenset({"websocket", "websocket_route", "ws"})


_SOCKETIO_CONNECT = frozenset({"connect"})


_WEBSOCKET_CLASS_BASES = (("WebSocketEndpoint", "on_connect"), ("WebsocketConsumer", "connect"), ("WebSocketConsumer", "connect"), ("JsonWebsocketConsumer", "connect"))


_AUTH_WORD = re.compile(
    r"auth|token|jwt|credential|api_?key|apikey|password|secret|session|cookie|signature|permission|login|user|principal|identity|bearer|verify|ticket",
    re.IGNORECASE,
)


_AUTH_PARAMETER = re.compile(r"auth|token|jwt|credential|api_?key|password|user|principal|identity|bearer|ticket", re.IGNORECASE)


class UnauthenticatedWebSocket(Rule):
    """RV603: a WebSocket / Socket.IO endpoint that accepts connections without authenticating them."""

    code = "RV603"
    name = "unauthenticated-websocket"
    severity = Severity.HINT
    default_enabled = False
    precision_note = """
        Off by default, hint severity: the only corpus finding (docs/precision.md) authenticated in-band on the first message,
        which the rule cannot see.
        """
    message = "WebSocket endpoint {endpoint} accepts connections without an authentication check"
    docs = RuleDocs(
        what="""
            Finds WebSocket endpoints — FastAPI/Starlette `@app.websocket(...)`, `WebSocketEndpoint`
            classes, Django Channels consumers, aiohttp handlers that prepare a `WebSocketResponse`,
            Socket.IO `connect` handlers — with no authentication before the connection is accepted:
            no auth dependency (`Depends(get_current_user)`), no token, cookie, session or header
            check, no auth decorator, no rejection (`close()`/`raise`) before `accept()`.
            """,
        why="""
            Browsers do not apply CORS to WebSockets: any page the user visits can open a socket to
            the endpoint with the user's cookies, and any script can connect directly. An endpoint
            that accepts first and never checks streams data (or accepts commands) from anyone.
            """,
        fix="""
            Authenticate before `accept()`: take the token from a query parameter, header or cookie
            (or an auth dependency), verify it, and `close(code=1008)` when it is missing or invalid.
            For Socket.IO, check the `auth` argument of `connect` and raise `ConnectionRefusedError`.
            """,
    )
    valid = (
        """
        from fastapi import Depends, FastAPI, WebSocket

        app = FastAPI()

        @app.websocket("/ws")
        async def updates(websocket: WebSocket, user=Depends(get_current_user)):
            await websocket.accept()
            await websocket.send_json({"hello": user.name})
        """,
        """
        from fastapi import FastAPI, WebSocket, status

        app = FastAPI()

        @app.websocket("/ws")
        async def updates(websocket: WebSocket):
            token = websocket.query_params.get("token")
            if not verify(token):
                await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
                return
            await websocket.accept()
        """,
        """
        import socketio

        sio = socketio.AsyncServer()

        @sio.event
        async def connect(sid, environ, auth):
            if not auth or not check(auth.get("token")):
                raise ConnectionRefusedError("authentication failed")
        """,
    )
    invalid = (
        Invalid(
            """
            from fastapi import FastAPI, WebSocket

            app = FastAPI()

            @app.websocket("/ws/{room}")
            async def room_updates(websocket: WebSocket, room: str):
                await websocket.accept()
                while True:
                    await websocket.send_text(await next_message(room))
            """,
            line=5,
        ),
        Invalid(
            """
            import socketio

            sio = socketio.AsyncServer()

            @sio.on("connect")
            async def on_connect(sid, environ):
                await sio.enter_room(sid, "lobby")
            """,
            line=5,
        ),
        Invalid(
            """
            from channels.generic.websocket import AsyncWebsocketConsumer

            class ChatConsumer(AsyncWebsocketConsumer):
                async def connect(self):
                    await self.accept()
            """,
            line=5,
        ),
    )

    def visit_FunctionDef(self, node: Function, ctx: Context) -> Iterator[Finding]:
        """Report WebSocket endpoints without an authentication step before accepting."""
        anchor = self._endpoint_anchor(node, ctx)
        if anchor is None or self._authenticates(node):
            return
        finding = self.report(anchor, ctx, endpoint=f"{node.name}()")
        yield replace(finding, statement_line=node.lineno if not node.decorator_list else node.decorator_list[0].lineno)

    visit_AsyncFunctionDef = visit_FunctionDef

    @staticmethod
    def _endpoint_anchor(node: Function, ctx: Context) -> ast.AST | None:
        """Where to report: the endpoint's decorator, or its accept()/prepare call; None if not an endpoint."""
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = (dotted_name(target) or "").rsplit(".", 1)
            attribute = name[-1]
            if isinstance(decorator, ast.Call) and attribute in _WEBSOCKET_DECORATORS and len(name) == 2:
                return decorator
            if attribute == "on" and isinstance(decorator, ast.Call) and decorator.args:
                event = decorator.args[0]
                if isinstance(event, ast.Constant) and event.value in _SOCKETIO_CONNECT:
                    return decorator
            if attribute == "event" and node.name in _SOCKETIO_CONNECT:
                return decorator
        cls = ctx.class_
        if cls is not None and ctx.parents and ctx.parents[-1] is cls:  # a method: a direct member of the class
            bases = [(dotted_name(b) or "").rsplit(".", 1)[-1] for b in cls.bases]
            for base_suffix, method in _WEBSOCKET_CLASS_BASES:
                if node.name == method and any(base.endswith(base_suffix) for base in bases):
                    return _accept_call(node)
        if imports_starting_with(ctx.facts, "aiohttp"):
            for inner, _ in function_nodes(node):
                if isinstance(inner, ast.Call) and (dotted_name(inner.func) or "").endswith("WebSocketResponse"):
                    return inner
        return None

    @staticmethod
    def _authenticates(node: Function) -> bool:
        """True when anything auth-like happens before the connection is accepted."""
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if _AUTH_WORD.search(dotted_name(target) or ""):
                return True
        arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        if any(a.arg != "auth" and _AUTH_PARAMETER.search(a.arg) for a in arguments):
            return True
        defaults = [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
        if any(isinstance(d, ast.Call) and _AUTH_WORD.search(ast.unparse(d)) for d in defaults):
            return True
        accept = _accept_call(node)
        limit = accept.lineno if accept is not None else (node.end_lineno or node.lineno) + 1
        for inner, _ in function_nodes(node):
            if getattr(inner, "lineno", limit) >= limit:
                continue
            if isinstance(inner, ast.Raise):
                return True
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "close":
                return True
            text = inner.id if isinstance(inner, ast.Name) else inner.attr if isinstance(inner, ast.Attribute) else None
            if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                text = inner.value
            if text and _AUTH_WORD.search(text):
                return True
        return False


def _accept_call(node: Function) -> ast.Call | None:
    """The first `<socket>.accept()` / `<ws>.prepare(request)` call in the function."""
    for inner, _ in function_nodes(node):
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr in ("accept", "prepare"):
            return inner
    return None
