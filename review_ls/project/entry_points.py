"""Function roles: which functions are entry points that run once per invocation (a request, a
WebSocket message, a task, an activity, an agent tool call, an RPC), judged from their decorators
and their class, with `ast` only.
"""

from __future__ import annotations

import ast

from review_ls.engine.facts import dotted_name
from review_ls.patterns.frameworks import HTTP_METHOD_NAMES, VIEW_BASE_SUFFIXES, is_route_decorator

ROUTE, WEBSOCKET, TASK, ACTIVITY, WORKFLOW, TOOL, RPC, NONE = "route", "websocket", "task", "activity", "workflow", "tool", "rpc", ""
CONFIGURED = "configured"  # named in `[tool.review-ls] entry-points` (configured_entry_points.py)

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
        if is_route_decorator(decorator):
            return ROUTE
        tail2 = ".".join(name.rsplit(".", 2)[-2:])
        if tail2 in _QUALIFIED_ROLES:
            return _QUALIFIED_ROLES[tail2]
        last = name.rsplit(".", 1)[-1]
        if last in _DECORATOR_ROLES and (last not in ("on", "event") or "." in name):
            return _DECORATOR_ROLES[last]
    if class_bases is not None:
        tails = [base.rsplit(".", 1)[-1] for base in class_bases]
        if any(tail.endswith("Servicer") for tail in tails) and not function.name.startswith("_"):
            return RPC
        if function.name in HTTP_METHOD_NAMES and any(tail.endswith(VIEW_BASE_SUFFIXES) for tail in tails):
            return ROUTE
    return NONE
