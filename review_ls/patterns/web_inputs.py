"""What in a function comes from outside: text parameters, route path parameters, the request object."""

from __future__ import annotations

import ast
import re
from review_ls.engine.facts import ModuleFacts, dotted_name
from review_ls.patterns.annotation_names import annotation_names
from review_ls.patterns.frameworks import is_route_decorator
from review_ls.patterns.imports import imported_roots

TEXT_TYPE_NAMES = frozenset({"str", "Path", "PurePath", "PurePosixPath", "PathLike", "Any", "UploadFile", "FileStorage", "AnyStr"})
REQUEST_GLOBALS = frozenset({"flask.request", "quart.request", "bottle.request", "sanic.request"})
VALIDATING_DEFAULT_KEYWORDS = frozenset({"regex", "pattern", "max_length"})
NUMERIC_CONVERTERS = frozenset({"int", "float", "uuid", "UUID"})
_FASTAPI_PARAMETER = re.compile(r"\{(\w+)(?::([^}]*))?\}")
_WERKZEUG_PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def is_text_annotation(annotation: ast.expr | None) -> bool:
    """True when a parameter annotated like this can carry free text (no annotation, `str`, `Path`, ...)."""
    if annotation is None:
        return True
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return False
    names = annotation_names(annotation)
    return "Literal" not in names and not names.isdisjoint(TEXT_TYPE_NAMES)


def _has_validating_default(default: ast.expr | None) -> bool:
    """True for FastAPI defaults that validate the text: `Path(..., pattern="^[a-z]+$")`, `Query(max_length=...)`."""
    return isinstance(default, ast.Call) and any(k.arg in VALIDATING_DEFAULT_KEYWORDS for k in default.keywords)


def _is_dependency(default: ast.expr | None) -> bool:
    """True for `Depends(...)` / `Security(...)` defaults: values the application computes, not the user."""
    return isinstance(default, ast.Call) and (dotted_name(default.func) or "").rsplit(".", 1)[-1] in ("Depends", "Security")


def text_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.arg]:
    """The parameters that can carry caller-chosen text (not `self`/`cls`, dependencies or validated ones)."""
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: dict[str, ast.expr | None] = {a.arg: None for a in [*positional, *arguments.kwonlyargs]}
    for argument, positional_default in zip(reversed(positional), reversed(arguments.defaults)):
        defaults[argument.arg] = positional_default
    for argument, kw_default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        defaults[argument.arg] = kw_default
    found = {}
    for index, argument in enumerate([*positional, *arguments.kwonlyargs]):
        if index == 0 and argument.arg in ("self", "cls"):
            continue
        default = defaults.get(argument.arg)
        if _is_dependency(default) or _has_validating_default(default):
            continue
        if is_text_annotation(argument.annotation):
            found[argument.arg] = argument
    return found


def route_template_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, str]:
    """The parameters of a route handler's URL template, with their converter ('' if none).

    Understands `{name}`/`{name:path}` (FastAPI, Starlette, aiohttp) and `<name>`/`<int:name>`
    (Flask, Werkzeug).
    """
    found: dict[str, str] = {}
    for decorator in function.decorator_list:
        if not is_route_decorator(decorator):
            continue
        template = decorator.args[0] if isinstance(decorator, ast.Call) and decorator.args else None
        if not (isinstance(template, ast.Constant) and isinstance(template.value, str)):
            continue
        for name, converter in _FASTAPI_PARAMETER.findall(template.value):
            found[name] = converter
        for converter, name in _WERKZEUG_PARAMETER.findall(template.value):
            found[name] = converter
    return found


def route_path_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, str]:
    """The template parameters that can carry a path (numeric converters left out), with their converter."""
    return {name: converter for name, converter in route_template_parameters(function).items() if converter not in NUMERIC_CONVERTERS}


WEB_FRAMEWORKS = frozenset(
    {"fastapi", "starlette", "flask", "quart", "django", "aiohttp", "sanic", "tornado", "litestar", "falcon", "bottle", "pyramid"}
)
UPLOAD_TYPE_NAMES = frozenset({"UploadFile", "FileStorage", "UploadedFile", "InMemoryUploadedFile", "FileField"})


def imports_web_framework(facts: ModuleFacts) -> bool:
    """True when the module imports a web framework (its functions may run per request)."""
    return not WEB_FRAMEWORKS.isdisjoint(imported_roots(facts))


def upload_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Parameters annotated as uploaded files (`file: UploadFile`): their `.filename` is the client's choice."""
    found = set()
    for argument in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]:
        if argument.annotation is None:
            continue
        if not annotation_names(argument.annotation).isdisjoint(UPLOAD_TYPE_NAMES):
            found.add(argument.arg)
    return found


def request_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Parameters that hold the request object (`request`, `req`)."""
    return {a.arg for a in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs] if a.arg in ("request", "req")}
