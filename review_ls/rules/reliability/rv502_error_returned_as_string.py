"""RV502 error-returned-as-string: RV502: an except block returns the error text as if it were a result."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Finding
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.exceptions import enclosing_handler, mentions_name
from review_ls.patterns.names import name_words


_ERROR_HELPER_WORDS = frozenset(
    {"error", "errors", "exception", "exc", "message", "msg", "format", "describe", "description", "reason", "explain", "traceback", "tb", "repr", "str", "text"}
)


def _is_error_text(value: ast.expr, name: str | None) -> bool:
    """True for `str(e)`, `repr(e)`, `f"Error: {e}"`, `"Error: " + str(e)`, `"...".format(e)`, `format_exc()`."""
    if isinstance(value, ast.Call):
        callee = dotted_name(value.func) or ""
        if callee.rsplit(".", 1)[-1] == "format_exc":
            return True
        if callee in ("str", "repr") and len(value.args) == 1:
            return mentions_name(value.args[0], name)
        if isinstance(value.func, ast.Attribute) and value.func.attr == "format" and isinstance(value.func.value, ast.Constant):
            return mentions_name(value, name)
        return False
    if isinstance(value, ast.JoinedStr):
        return mentions_name(value, name)
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Mod)):
        has_text = any(isinstance(side, (ast.Constant, ast.JoinedStr)) for side in (value.left, value.right))
        return has_text and mentions_name(value, name)
    return False


class ErrorReturnedAsString(Rule):
    """RV502: an except block returns the error text as if it were a result."""

    code = "RV502"
    name = "error-returned-as-string"
    applies_to = SERVICE_CODE
    message = "the exception is returned as a value ({shape}); callers cannot tell failure from a result"
    docs = RuleDocs(
        what="""
            Finds `except` blocks that turn the exception into the function's return value:
            `return str(e)`, `return f"Error: {e}"`, `return traceback.format_exc()`. Not
            reported: a result with an explicit failure flag (`{"success": False, "error": str(e)}`
            is a contract the caller checks), tools given to a language model (`@tool`,
            `@agent.tool`, a `RunContext` parameter: the error text is the model's answer on
            purpose), and helpers whose job is to describe an error (`format_error`,
            `describe_exception`, `__str__`, ...).
            """,
        why="""
            The failure is disguised as data: the caller (or the LLM, the UI, the next service)
            carries on with an error message where a result should be, nothing is logged, the
            HTTP status says 200, and the traceback is gone. These bugs surface far from where
            they happened.
            """,
        fix="""
            Let the exception propagate (or raise a domain exception `from e`), and translate it
            once at the boundary (an exception handler that returns a 4xx/5xx). If the function
            must return a result type, return a structured error and log the exception with
            `logger.exception(...)`.
            """,
    )
    valid = (
        """
        def format_error(exc):
            try:
                return exc.args[0]
            except IndexError as e:
                return str(e)
        """,
        """
        import logging

        logger = logging.getLogger(__name__)

        def fetch(url):
            try:
                return download(url)
            except OSError:
                logger.exception("download of %s failed", url)
                raise
        """,
        """
        def parse(text):
            try:
                return int(text), None
            except ValueError as e:
                return None, str(e)
        """,
        """
        def lookup(key):
            try:
                return table[key]
            except KeyError:
                return "unknown"
        """,
        # An explicit failure flag is a contract, not a disguised result.
        """
        from fastapi import FastAPI

        app = FastAPI()

        @app.post("/jobs")
        async def create_job(spec: dict):
            try:
                return {"success": True, "id": start(spec)}
            except Exception as e:
                return {"success": False, "message": str(e)}
        """,
        # A tool given to a language model answers the model with the error on purpose.
        """
        from pydantic_ai import RunContext

        async def fetch_page(ctx: RunContext[Deps], url: str) -> str:
            try:
                return await ctx.deps.client.get(url)
            except BlockedError as e:
                return f"Error: {e}"
        """,
    )
    invalid = (
        Invalid(
            """
            def summarize(text):
                try:
                    return llm.complete(text)
                except Exception as e:
                    return f"Error: {e}"
            """,
            line=5,
        ),
        Invalid(
            """
            def convert(path):
                try:
                    return render(path)
                except RuntimeError as exc:
                    return str(exc)
            """,
            line=5,
        ),
        Invalid(
            """
            import traceback

            def run(task):
                try:
                    return task()
                except Exception:
                    return traceback.format_exc()
            """,
            line=7,
        ),
    )

    def visit_Return(self, node: ast.Return, ctx: Context) -> Iterator[Finding]:
        """Report an error text returned from an except block."""
        value = node.value
        if value is None or not isinstance(ctx.function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        handler = enclosing_handler(node, ctx.parents)
        if handler is None or name_words(ctx.function.name) & _ERROR_HELPER_WORDS or ctx.function.name.startswith("__"):
            return
        if _is_error_text(value, handler.name) and not _is_llm_tool(ctx.function):
            yield self.report(value, ctx, shape="the error text")


_TOOL_DECORATORS = frozenset({"tool", "function_tool", "tool_plain", "register_tool", "ai_function", "kernel_function"})
_TOOL_CONTEXT_TYPES = frozenset({"RunContext", "ToolContext", "RunContextWrapper", "InjectedToolArg"})


def _is_llm_tool(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True for a function given to a language model as a tool (`@tool`, `@agent.tool`, a
    `RunContext` parameter): its error text is the answer the model reads, on purpose."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = dotted_name(target) or ""
        if name.rsplit(".", 1)[-1] in _TOOL_DECORATORS:
            return True
    for argument in (*function.args.posonlyargs, *function.args.args):
        annotation = argument.annotation
        if isinstance(annotation, ast.Subscript):
            annotation = annotation.value
        annotated = dotted_name(annotation) if annotation is not None else None
        if annotated and annotated.rsplit(".", 1)[-1] in _TOOL_CONTEXT_TYPES:
            return True
    return False
