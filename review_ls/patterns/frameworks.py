"""Web frameworks: which functions are request handlers, start-up hooks or CLI entry points."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from review_ls.engine.facts import dotted_name

if TYPE_CHECKING:
    from review_ls.engine.walker import Context

ROUTE_DECORATOR_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "route", "api_route", "websocket", "websocket_route", "view"}
)
VIEW_BASE_SUFFIXES = ("View", "APIView", "ViewSet", "MethodView", "HTTPEndpoint", "WebSocketEndpoint")
HTTP_METHOD_NAMES = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
CLI_DECORATOR_NAMES = frozenset({"command", "group", "callback", "main"})


def is_route_decorator(decorator: ast.expr) -> bool:
    """True for `@app.get("/x")`, `@router.post(...)`, `@bp.route(...)`, `@routes.get(...)`, `@api_view([...])`."""
    if not isinstance(decorator, ast.Call):
        return False
    func = decorator.func
    if isinstance(func, ast.Attribute) and func.attr in ROUTE_DECORATOR_METHODS:
        return bool(decorator.args) and isinstance(decorator.args[0], (ast.Constant, ast.JoinedStr, ast.Name, ast.Attribute))
    name = dotted_name(func) or ""
    return name.rsplit(".", 1)[-1] == "api_view"


def is_route_handler(function: ast.AST, ctx: Context) -> bool:
    """True when `function` handles web requests: a route-decorated function, a method of a
    class-based view named like an HTTP method, or a handler the project index registered."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    if any(is_route_decorator(d) for d in function.decorator_list):
        return True
    cls = ctx.class_
    if cls is not None and function.name in HTTP_METHOD_NAMES and function in cls.body:
        bases = [dotted_name(b) or "" for b in cls.bases]
        if any(base.rsplit(".", 1)[-1].endswith(VIEW_BASE_SUFFIXES) for base in bases):
            return True
    handlers = ctx.project.route_handler_names if ctx.project is not None else frozenset()
    if handlers and ctx.path is not None:
        return (ctx.path, function.name) in handlers
    return False


def is_cli_entry_point(function: ast.AST) -> bool:
    """True for click/typer commands (`@click.command()`, `@app.command()`) and `main` functions."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = dotted_name(target) or ""
        if name.rsplit(".", 1)[-1] in CLI_DECORATOR_NAMES:
            return True
    return function.name in ("main", "cli", "run_cli")
