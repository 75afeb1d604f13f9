"""Helpers of several RV6 rules: the enclosing function, a function's upload parameters, and the HTTP rejection a fix raises."""

from __future__ import annotations

import ast

from review_ls.engine.facts import ModuleFacts
from review_ls.patterns.web_inputs import upload_parameters


Function = ast.FunctionDef | ast.AsyncFunctionDef


_HTTP_EXCEPTIONS = ("fastapi.HTTPException", "fastapi.exceptions.HTTPException", "starlette.exceptions.HTTPException")


def _rejection(facts: ModuleFacts, status: int, detail: str, fallback: str) -> str:
    """The statement that rejects a request: FastAPI's HTTPException, Flask's abort, else `fallback`."""
    for qualified in _HTTP_EXCEPTIONS:
        local = facts.local_name_for(qualified)
        if local is not None:
            return f'raise {local}(status_code={status}, detail="{detail}")'
    abort = facts.local_name_for("flask.abort")
    if abort is not None:
        return f"{abort}({status})"
    return fallback


def _enclosing_function(ancestors: list[ast.AST]) -> Function | None:
    return next((a for a in reversed(ancestors) if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))), None)


_UPLOADS_KEY = "RV6.upload-parameters"


def function_uploads(function: Function, facts: ModuleFacts) -> frozenset[str]:
    """`upload_parameters(function)`, kept for the function last asked about (RV601's own sources and the request taint
    sources ask about the same function in a row). Depends on the function alone (told by identity)."""
    return facts.for_last_node(_UPLOADS_KEY, function, lambda: frozenset(upload_parameters(function)))
