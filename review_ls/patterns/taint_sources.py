"""Where request data enters a function: reads of the request object, WebSocket receives, and the
parameters a web framework fills from the request.

Frameworks covered: FastAPI/Starlette (`request.query_params`, `await request.json()`, route
parameters, `websocket.receive_text()`), Flask/Quart (`request.args`, `request.form`, ...),
Django/DRF (`request.GET`, `request.POST`, `request.data`, `request.query_params`, the URL keyword
arguments of a view), aiohttp (`request.match_info`, `await request.post()`, `ws.receive_str()`),
Litestar and Sanic (`request.args`, `request.json`, route parameters). Pure `ast`, no project facts.
"""

from __future__ import annotations

import ast

from review_ls.engine.facts import dotted_name
from review_ls.patterns.annotation_names import annotation_names
from review_ls.patterns.web_inputs import NUMERIC_CONVERTERS, route_template_parameters, text_parameters

Function = ast.FunctionDef | ast.AsyncFunctionDef

# `request.<attribute>` holds what the client sent (Flask, Django, DRF, Starlette, aiohttp, Sanic, Litestar).
REQUEST_INPUT_ATTRIBUTES = frozenset(
    {
        "args", "form", "values", "files", "json", "data", "cookies", "headers", "GET", "POST", "FILES", "COOKIES",
        "META", "query_params", "path_params", "match_info", "query", "rel_url", "view_args", "body", "query_string",
        "path", "full_path", "raw_path", "stream", "content", "text", "path_info",
    }
)
# `request.<method>()` (often awaited) returns what the client sent.
REQUEST_INPUT_METHODS = frozenset({"get_json", "json", "form", "body", "get_data", "post", "text", "read", "multipart", "stream", "get_full_path"})
# `websocket.<method>()` returns a message from the client.
WEBSOCKET_RECEIVES = frozenset({"receive_text", "receive_json", "receive_bytes", "receive", "receive_str", "iter_text", "iter_json", "iter_bytes", "recv"})
REQUEST_NAMES = frozenset({"request", "req", "self.request"})
WEBSOCKET_NAMES = frozenset({"websocket", "ws", "socket", "websock"})
WEBSOCKET_TYPES = frozenset({"WebSocket", "WebSocketResponse"})


def request_names(function: Function, global_request: str | None) -> frozenset[str]:
    """The names that hold the request inside `function`: `request`/`req` parameters, `self.request`, Flask's global."""
    names = {a.arg for a in _all_arguments(function) if a.arg in REQUEST_NAMES or _annotated(a, ("Request", "HttpRequest"))}
    names.add("self.request")
    if global_request is not None:
        names.add(global_request)
    return frozenset(names)


def websocket_names(function: Function) -> frozenset[str]:
    """Parameters that hold a WebSocket connection (by name or by a `WebSocket` annotation)."""
    return frozenset(a.arg for a in _all_arguments(function) if a.arg in WEBSOCKET_NAMES or _annotated(a, WEBSOCKET_TYPES))


def request_read(expr: ast.expr, requests: frozenset[str], websockets: frozenset[str]) -> str | None:
    """How `expr` reads request data (`request.args`, `await request.json()`, `ws.receive_text()`), or None."""
    node: ast.expr = expr.value if isinstance(expr, ast.Await) else expr
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        receiver = dotted_name(node.func.value)
        if receiver in requests and node.func.attr in REQUEST_INPUT_METHODS:
            return f"{receiver}.{node.func.attr}()"
        if receiver in websockets and node.func.attr in WEBSOCKET_RECEIVES:
            return f"{receiver}.{node.func.attr}()"
        return None
    if isinstance(node, ast.Attribute) and node.attr in REQUEST_INPUT_ATTRIBUTES:
        receiver = dotted_name(node.value)
        if receiver in requests:
            return f"{receiver}.{node.attr}"
    return None


def parameter_sources(function: Function, is_route: bool, in_django_view: bool) -> dict[str, bool]:
    """Parameters the framework fills from the request, by name -> True when it is one path segment.

    A route handler's free-text parameters (not dependencies, not numbers/UUIDs/Literals/Enums, not
    `<int:...>` converters); for a Django view (`def view(request, ...)`), its URL keyword arguments.
    A route template parameter without a `path` converter (`{name}`, `<name>`) cannot hold `/`.
    """
    if not is_route and not in_django_view:
        return {}
    converters = route_template_parameters(function)
    found = {}
    for name in text_parameters(function):
        if converters.get(name, "") in NUMERIC_CONVERTERS or name in REQUEST_NAMES or name in WEBSOCKET_NAMES:
            continue
        found[name] = name in converters and converters[name] in ("", "string", "str")
    return found


def is_django_function_view(function: Function, imports_django: bool) -> bool:
    """True for a module-level function whose first parameter is `request` in a module that imports Django."""
    arguments = [*function.args.posonlyargs, *function.args.args]
    return imports_django and bool(arguments) and arguments[0].arg == "request"


def model_parameters(function: Function, model_names: frozenset[str]) -> dict[str, str]:
    """Route parameters annotated with one of the project's request models (pydantic classes), by name -> class."""
    found = {}
    for argument in _all_arguments(function):
        annotation = argument.annotation
        if annotation is None:
            continue
        hit = annotation_names(annotation) & model_names
        if hit:
            found[argument.arg] = sorted(hit)[0]
    return found


def _all_arguments(function: Function) -> list[ast.arg]:
    arguments = function.args
    return [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]


def _annotated(argument: ast.arg, type_names: frozenset[str] | tuple[str, ...]) -> bool:
    if argument.annotation is None:
        return False
    return not annotation_names(argument.annotation).isdisjoint(type_names)
