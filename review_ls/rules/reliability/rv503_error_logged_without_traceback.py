"""RV503 error-logged-without-traceback: RV503: `logger.error(... e ...)` in an except block, without the traceback."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from review_ls.engine.cst_edit import cst, replace_nodes
from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Finding, Fix, Severity
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.exceptions import (
    catches_broadly,
    enclosing_handler,
    handler_reraises,
    mentions_name,
    statements_of,
)
from review_ls.patterns.loggers import is_logger

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


class ErrorLoggedWithoutTraceback(Rule):
    """RV503: `logger.error(... e ...)` in an except block, without the traceback."""

    code = "RV503"
    name = "error-logged-without-traceback"
    call_names = frozenset({"error"})  # (visit_Call returns at once for any other callee)
    applies_to = SERVICE_CODE
    severity = Severity.HINT
    default_enabled = False
    precision_note = """
        Off by default, hint severity: 0.75 on the judged corpus sample (docs/precision.md). An expected, specific error handled
        in a branch, a connectivity probe in a start-up retry loop and parse errors of user input need
        no traceback; the rule cannot tell them from unexpected errors.
        """
    message = "{call}() logs only the exception's text; the traceback is lost"
    fix_title = "Use {receiver}.exception() to log the traceback"
    docs = RuleDocs(
        what="""
            Finds `logger.error(...)` calls inside an `except` block that catches everything
            (`except Exception`, bare `except:`) whose arguments include the caught exception
            (`str(e)`, `f"... {e}"`, `"%s", e`) but that pass no `exc_info`. Handlers of a specific,
            anticipated exception are not reported (its message usually says enough), nor handlers
            that re-raise or log the traceback in another call.
            """,
        why="""
            The message says what went wrong ("division by zero", "'NoneType' object is not
            subscriptable") but not where. Without the traceback, the one log line of a production
            failure cannot be traced back to the code.
            """,
        fix="""
            Use `logger.exception(...)`, which logs at ERROR level and appends the traceback of the
            exception being handled (or pass `exc_info=True`). The quick fix renames the call.
            """,
    )
    valid = (
        """
        import logging

        logger = logging.getLogger(__name__)

        def run(job):
            try:
                job()
            except Exception as e:
                logger.error("job failed: %s", e, exc_info=True)
        """,
        """
        import logging

        logger = logging.getLogger(__name__)

        def run(job):
            try:
                job()
            except Exception as e:
                logger.error("job failed: %s", e)
                raise
        """,
        """
        import logging

        logger = logging.getLogger(__name__)

        def load(path):
            try:
                return open(path).read()
            except FileNotFoundError as e:
                logger.error("no configuration: %s", e)
        """,
        """
        import logging

        logger = logging.getLogger(__name__)

        def run(job):
            try:
                job()
            except Exception:
                logger.exception("job failed")
        """,
    )
    invalid = (
        Invalid(
            """
            import logging

            logger = logging.getLogger(__name__)

            def run(job):
                try:
                    job()
                except Exception as e:
                    logger.error(f"job failed: {str(e)}")
            """,
            line=9,
            fixed="""
            import logging

            logger = logging.getLogger(__name__)

            def run(job):
                try:
                    job()
                except Exception as e:
                    logger.exception(f"job failed: {str(e)}")
            """,
        ),
        Invalid(
            """
            import logging

            class Sync:
                def push(self, item):
                    try:
                        self.client.put(item)
                    except BaseException as err:
                        self.logger.error("push of %s failed: %s", item, err)
            """,
            line=8,
            fixed="""
            import logging

            class Sync:
                def push(self, item):
                    try:
                        self.client.put(item)
                    except BaseException as err:
                        self.logger.exception("push of %s failed: %s", item, err)
            """,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report `<logger>.error(...)` mentioning the caught exception without `exc_info`."""
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "error"):
            return
        if not is_logger(func.value, ctx) or any(k.arg in ("exc_info", None) for k in node.keywords):
            return
        handler = enclosing_handler(node, ctx.parents)
        if handler is None or handler.name is None or not catches_broadly(handler) or handler_reraises(handler):
            return
        if not any(mentions_name(arg, handler.name) for arg in node.args) or _logs_traceback(handler):
            return
        receiver = dotted_name(func.value) or "logger"
        yield self.report(node, ctx, call=f"{receiver}.error", receiver=receiver)

    def fix(self, fctx: FixContext) -> Fix | None:
        """Rename `.error(` to `.exception(`."""
        call_cst = fctx.cst_node(fctx.node)
        if call_cst is None or not isinstance(call_cst.func, cst.Attribute):
            return None
        renamed = call_cst.func.with_changes(attr=cst.Name("exception"))
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(call_cst.func): renamed}).code)
        return fctx.build(fctx.finding.fix_title or "Use logger.exception()")


def _logs_traceback(handler: ast.ExceptHandler) -> bool:
    """True when the handler logs the traceback somewhere (`exc_info=...`, `.exception(...)`, `print_exc()`)."""
    for node in statements_of(handler):
        if isinstance(node, ast.Call):
            if any(k.arg == "exc_info" for k in node.keywords):
                return True
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("exception", "print_exc", "print_exception"):
                return True
    return False
