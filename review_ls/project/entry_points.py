"""Function roles: which functions are entry points that run once per invocation (a request, a
WebSocket message, a task, an activity, an agent tool call or graph node, an RPC, a queue message),
judged from their decorators and their class, or from the call that registers them
(`graph.add_node("x", fn)`, `queue.enqueue(fn)`, `Agent(tools=[fn])`), with `ast` only.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import cast

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.facts import dotted_name
from review_ls.patterns.frameworks import HTTP_METHOD_NAMES, VIEW_BASE_SUFFIXES, is_route_decorator

ROUTE, WEBSOCKET, TASK, ACTIVITY, WORKFLOW, TOOL, RPC, NONE = "route", "websocket", "task", "activity", "workflow", "tool", "rpc", ""
CONFIGURED = "configured"  # named in `[tool.review-ls] entry-points` (configured_entry_points.py)
NODE, CONSUMER = "node", "consumer"

# The last component of a decorator (called or not) -> the role it gives.
_DECORATOR_ROLES: dict[str, str] = {
    "task": TASK,  # Celery `@app.task`/`@shared_task`, Huey `@huey.task`
    "shared_task": TASK,
    "periodic_task": TASK,
    "db_task": TASK,
    "actor": TASK,  # Dramatiq
    "job": TASK,  # RQ `@job`
    "tool": TOOL,  # LangChain/agents `@tool`, MCP `@mcp.tool()`
    "function_tool": TOOL,
    "tool_plain": TOOL,  # pydantic-ai `@agent.tool_plain`
    "db_periodic_task": TASK,  # Huey
    "subscriber": CONSUMER,  # FastStream `@broker.subscriber("topic")`
    "event": WEBSOCKET,  # socket.io `@sio.event`
    "on": WEBSOCKET,  # socket.io `@sio.on("message")`
    "websocket": WEBSOCKET,
}
_QUALIFIED_ROLES: dict[str, str] = {"activity.defn": ACTIVITY, "workflow.run": WORKFLOW, "workflow.signal": WORKFLOW, "workflow.update": WORKFLOW}


def function_role(function: ast.FunctionDef | ast.AsyncFunctionDef, class_bases: tuple[str, ...] | None) -> str:
    """The entry-point role of a function (`route`, `task`, ...), or '' when it is none."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = dotted_name(target) or ""
        if name.endswith(("websocket", "websocket_route")) or (isinstance(target, ast.Attribute) and target.attr == "ws"):
            return WEBSOCKET
        if is_route_decorator(decorator) or _is_litestar_route(decorator):
            return ROUTE
        tail2 = ".".join(name.rsplit(".", 2)[-2:])
        if tail2 in _QUALIFIED_ROLES:
            return _QUALIFIED_ROLES[tail2]
        last = name.rsplit(".", 1)[-1]
        if last in _DECORATOR_ROLES and (last not in ("on", "event") or "." in name):
            return _DECORATOR_ROLES[last]
    if class_bases:
        servicer, view, namespace, consumer = _base_kinds(class_bases)
        if servicer and not function.name.startswith("_"):
            return RPC
        if view and function.name in HTTP_METHOD_NAMES:
            return ROUTE
        if namespace and function.name.startswith("on_"):
            return WEBSOCKET  # socket.io class-based namespaces
        if consumer and function.name in _CONSUMER_METHODS:
            return WEBSOCKET  # Django Channels consumers
    return NONE


@functools.lru_cache(maxsize=256)
def _base_kinds(class_bases: tuple[str, ...]) -> tuple[bool, bool, bool, bool]:
    """Whether a class with these bases is a gRPC servicer, a class-based view, a socket.io namespace, a Channels consumer
    (read once per class, not once per method)."""
    tails = [base.rsplit(".", 1)[-1] for base in class_bases]
    return (
        any(tail.endswith("Servicer") for tail in tails),
        any(tail.endswith(VIEW_BASE_SUFFIXES) for tail in tails),
        any(tail.endswith("Namespace") for tail in tails),
        any(tail.endswith(_CHANNELS_CONSUMERS) for tail in tails),
    )


def _is_litestar_route(decorator: ast.expr) -> bool:
    """`@get("/x")`, `@post()`: Litestar's route decorators are plain functions named after the HTTP method."""
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Name) and decorator.func.id in HTTP_METHOD_NAMES):
        return False
    return not decorator.args or (isinstance(decorator.args[0], ast.Constant) and isinstance(decorator.args[0].value, str))


_CONSUMER_METHODS = frozenset({"connect", "receive", "receive_json", "websocket_receive", "websocket_connect", "disconnect"})
_CHANNELS_CONSUMERS = ("WebsocketConsumer", "JsonWebsocketConsumer", "AsyncConsumer", "SyncConsumer")


def entry_label(function: ast.FunctionDef | ast.AsyncFunctionDef, role: str) -> str:
    """How an entry point is named in a chain: `POST /speak` for a decorated route, else the function's name."""
    if role in (ROUTE, WEBSOCKET):
        for decorator in function.decorator_list:
            if isinstance(decorator, ast.Call) and isinstance(decorator.func, (ast.Attribute, ast.Name)) and decorator.args:
                first = decorator.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    method = decorator.func.attr if isinstance(decorator.func, ast.Attribute) else decorator.func.id
                    if method in ("route", "api_route", "view"):
                        methods = next((k.value for k in decorator.keywords if k.arg == "methods"), None)
                        listed = [e.value for e in methods.elts if isinstance(e, ast.Constant)] if isinstance(methods, (ast.List, ast.Tuple)) else []
                        method = str(listed[0]) if listed else ""
                    route = first.value or function.name
                    return f"{method.upper()} {route}".strip() if method in HTTP_METHOD_NAMES or method.isupper() or method == "" else route
    return function.name


@dataclass(frozen=True, slots=True)
class EntryRegistration:
    """A function made an entry point by a call that registers it: absolute `target`, its role, and its label."""

    target: str
    role: str
    label: str


# Method or function name of a registering call -> (role, positional index of the function (None: the last
# non-constant one, -1: none), keywords naming it).
_REGISTRARS: dict[str, tuple[str, int | None, tuple[str, ...]]] = {
    "add_node": (NODE, None, ("action", "node")),  # LangGraph `add_node("x", fn)` / `add_node(fn)`: the last positional
    "add_conditional_edges": (NODE, 1, ("path",)),
    "enqueue": (TASK, 0, ("f",)),  # RQ
    "enqueue_call": (TASK, 0, ("func",)),
    "enqueue_in": (TASK, 1, ()),
    "enqueue_at": (TASK, 1, ()),
    "from_function": (TOOL, 0, ("func", "coroutine")),  # LangChain `StructuredTool.from_function`
    "from_defaults": (TOOL, 0, ("fn", "async_fn")),  # LlamaIndex `FunctionTool.from_defaults`
    "Tool": (TOOL, None, ("func", "coroutine")),
    "StructuredTool": (TOOL, None, ("func", "coroutine")),
    "FunctionTool": (TOOL, 0, ("fn", "func")),
    "basic_consume": (CONSUMER, None, ("on_message_callback", "consumer_callback")),  # pika
    "consume": (CONSUMER, 0, ("callback",)),  # aio-pika `await queue.consume(fn)`
    "subscribe": (CONSUMER, -1, ("cb",)),  # nats `await nc.subscribe("subject", cb=fn)`
    "add_url_rule": (ROUTE, None, ("view_func",)),
    "add_api_route": (ROUTE, 1, ("endpoint",)),
    "add_websocket_route": (WEBSOCKET, 1, ("endpoint",)),
    "add_api_websocket_route": (WEBSOCKET, 1, ("endpoint",)),
    "Route": (ROUTE, 1, ("endpoint",)),  # Starlette
    "WebSocketRoute": (WEBSOCKET, 1, ("endpoint",)),
    "cron": (TASK, 0, ("coroutine",)),  # arq
}
# Calls whose list argument (positional 0, or these keywords) holds tools an agent or a graph calls per step.
_TOOL_LISTS = frozenset({"ToolNode", "bind_tools", "create_react_agent", "Agent", "AgentExecutor", "initialize_agent"})
# Class attributes listing the task functions of a worker (arq `WorkerSettings.functions`).
_TASK_LIST_ATTRIBUTES = frozenset({"functions"})

Resolve = Callable[[ast.AST, str | None], str | None]
# The callee names `_registrations_of` reads a registration from (besides a `tools=` keyword): other calls are skipped at once.
_REGISTERING_NAMES = frozenset({*_REGISTRARS, *_TOOL_LISTS, "on"})


def registered_entry_points(groups: Iterable[tuple[Sequence[ast.AST], str | None]], resolve: Resolve) -> tuple[EntryRegistration, ...]:
    """Functions registered as entry points by a call or a worker's `functions` list, among a module's nodes.

    The nodes come in groups, each with the name of the class its nodes are in (None outside classes); only calls,
    and assignments in classes, are read. `resolve(expr, class_name)` gives the absolute dotted name an expression
    refers to (`self.method` too), or None.
    """
    found: list[EntryRegistration] = []
    call_type, assign_type, attribute_type, name_type, registering = ast.Call, ast.Assign, ast.Attribute, ast.Name, _REGISTERING_NAMES
    for nodes, class_name in groups:
        for node in nodes:
            kind = type(node)
            if kind is call_type:
                call = cast(ast.Call, node)
                func = call.func
                name = func.attr if type(func) is attribute_type else func.id if type(func) is name_type else ""
                if name in registering or (call.keywords and any(keyword.arg == "tools" for keyword in call.keywords)):
                    found.extend(_registrations_of(call, class_name, resolve))
            elif kind is assign_type and class_name is not None:
                assign = cast(ast.Assign, node)
                if isinstance(assign.value, (ast.List, ast.Tuple)) and any(isinstance(t, ast.Name) and t.id in _TASK_LIST_ATTRIBUTES for t in assign.targets):
                    found.extend(_listed(assign.value, TASK, None, resolve))
    return tuple(dict.fromkeys(found))


def _registrations_of(call: ast.Call, class_name: str | None, resolve: Resolve) -> Iterator[EntryRegistration]:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    for keyword in call.keywords:
        if keyword.arg == "tools" and isinstance(keyword.value, (ast.List, ast.Tuple)):
            yield from _listed(keyword.value, TOOL, class_name, resolve)
    if name in _TOOL_LISTS and call.args and isinstance(call.args[0], (ast.List, ast.Tuple)):
        yield from _listed(call.args[0], TOOL, class_name, resolve)
    if name == "on" and isinstance(func, ast.Attribute) and len(call.args) >= 2:  # socket.io `sio.on("event", handler)`
        yield from _one(call.args[1], WEBSOCKET, _string(call.args[0]), class_name, resolve)
    spec = _REGISTRARS.get(name)
    if spec is None:
        return
    role, position, keywords = spec
    label = _string(call.args[0]) if call.args else None
    if position is None:
        candidates = [a for a in call.args if not isinstance(a, ast.Constant)][-1:]
    elif position < 0:
        candidates = []
    else:
        candidates = call.args[position : position + 1]
    candidates += [k.value for k in call.keywords if k.arg in keywords]
    for candidate in candidates:
        yield from _one(candidate, role, label if role in (NODE, ROUTE, WEBSOCKET) else None, class_name, resolve)


def _listed(elements: ast.List | ast.Tuple, role: str, class_name: str | None, resolve: Resolve) -> Iterator[EntryRegistration]:
    for element in elements.elts:
        yield from _one(element, role, None, class_name, resolve)


def _one(reference: ast.AST, role: str, label: str | None, class_name: str | None, resolve: Resolve) -> Iterator[EntryRegistration]:
    if isinstance(reference, (ast.Name, ast.Attribute)):
        target = resolve(reference, class_name)
        if target is not None:
            yield EntryRegistration(target, role, label or target.rsplit(".", 1)[-1])


def _string(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
