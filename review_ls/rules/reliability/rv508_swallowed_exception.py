"""RV508 swallowed-exception: RV508: `except Exception: pass` / bare `except:` that hides every failure."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import replace

from review_ls.engine.model import Finding, Severity
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.patterns.exceptions import catches_broadly
from review_ls.patterns.scripts import is_test_path


_SILENT_STATEMENTS = (ast.Pass, ast.Continue)


_CLEANUP_METHODS = frozenset({"__del__"})


def _is_silent(statement: ast.stmt) -> bool:
    if isinstance(statement, _SILENT_STATEMENTS):
        return True
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and statement.value.value is Ellipsis


class SwallowedException(Rule):
    """RV508: `except Exception: pass` / bare `except:` that hides every failure."""

    code = "RV508"
    name = "swallowed-exception"
    applies_to = SERVICE_CODE
    severity = Severity.HINT
    default_enabled = False
    precision_note = """
        Off by default, hint severity: 0.18 on the judged corpus sample (docs/precision.md): best-effort `close()` on shutdown,
        best-effort detection falling back to a default, and `await task` after `cancel()` are
        deliberate swallows a reviewer accepts.
        """
    message = "{caught} is swallowed: every failure here, including bugs, disappears without a trace"
    docs = RuleDocs(
        what="""
            Finds handlers that catch everything (`except:`, `except Exception:`,
            `except BaseException:`) and do nothing (`pass`, `...`, `continue`). A comment explaining
            why — in the handler, at the end of the `try` body, on or above the `try:` line — is respected,
            as are `__del__` methods and tests.
            """,
        why="""
            A broad silent handler hides not only the failure it was written for but every bug in
            the `try` body: a typo, a `None`, a timeout. The program carries on in a wrong state
            and the only evidence is missing data much later.
            """,
        fix="""
            Catch the specific exception you expect, or log the failure with its traceback
            (`logger.exception(...)` / `logger.debug(..., exc_info=True)`). If ignoring really is
            right, say why in a comment (or use `contextlib.suppress(SpecificError)`).
            """,
    )
    valid = (
        """
        def close(conn):
            try:
                conn.close()
            except Exception:
                pass  # best effort: the connection may already be gone
        """,
        """
        import contextlib

        def remove(path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        """,
        """
        def parse(text):
            try:
                return int(text)
            except ValueError:
                pass
        """,
        """
        class Handle:
            def __del__(self):
                try:
                    self.close()
                except Exception:
                    pass
        """,
        Valid(
            """
            def test_close(conn):
                try:
                    conn.close()
                except Exception:
                    pass
            """,
            path="tests/test_conn.py",
        ),
    )
    invalid = (
        Invalid(
            """
            def sync(items, store):
                for item in items:
                    try:
                        store.put(item)
                    except Exception:
                        continue
            """,
            line=5,
        ),
        Invalid(
            """
            def load(path):
                try:
                    return parse(open(path).read())
                except:
                    pass
            """,
            line=4,
        ),
    )

    def visit_ExceptHandler(self, node: ast.ExceptHandler, ctx: Context) -> Iterator[Finding]:
        """Report broad handlers whose body does nothing and carries no comment."""
        if not catches_broadly(node) or not all(_is_silent(s) for s in node.body):
            return
        if is_test_path(ctx.path) or (isinstance(ctx.function, ast.FunctionDef) and ctx.function.name in _CLEANUP_METHODS):
            return
        end = node.end_lineno or node.lineno
        if any("#" in ctx.lines.line_text(line) for line in range(node.lineno - 1, end + 1)):
            return
        statement = ctx.parent
        if isinstance(statement, ast.Try) and (
            "#" in ctx.lines.line_text(statement.lineno) or ctx.lines.line_text(statement.lineno - 1).lstrip().startswith("#")
        ):
            return
        caught = "a bare except" if node.type is None else f"except {ast.unparse(node.type)}"
        start = ctx.lines.node_span(node)
        finding = self.report(node, ctx, caught=caught)
        yield replace(finding, span=replace(finding.span, end_line=start.line, end_col=len(ctx.lines.line_text(start.line))))
