"""RV501 print-in-except: RV501: `print()` inside an `except` block of service code."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from review_ls.engine.cst_edit import cst, replace_nodes
from review_ls.engine.facts import BindingKind
from review_ls.engine.model import Finding, Fix, Severity
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.patterns.exceptions import enclosing_handler
from review_ls.patterns.loggers import module_logger_name
from review_ls.patterns.names import nodes_within
from review_ls.patterns.scripts import in_script_code

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


class PrintInExcept(Rule):
    """RV501: `print()` inside an `except` block of service code."""

    code = "RV501"
    name = "print-in-except"
    call_names = frozenset({"print"})  # (visit_Call returns at once for any other callee)
    applies_to = SERVICE_CODE
    severity = Severity.HINT
    default_enabled = False
    precision_note = """
        Off by default, hint severity: 0.60 on the judged corpus sample (docs/precision.md) once migrations and scripts are
        skipped; an informational print on an expected error is often deliberate.
        """
    message = "print() in an except block drops the traceback and bypasses logging; use {logger}.exception()"
    fix_title = "Replace print() with {logger}.exception()"
    docs = RuleDocs(
        what="""
            Finds `print(...)` calls inside an `except` block of library or service code. Command-line
            programs are left alone: runnable modules (`if __name__ == "__main__":`), click/typer
            commands, `main()` functions, modules that parse arguments (argparse, click, typer, ...),
            `cli.py`-style modules, scripts, examples and tests, where printing is the interface; so
            are prints to an explicit `file=` (such as `sys.stderr`) and fallbacks of a `try` that
            prints itself.
            """,
        why="""
            A printed error goes to stdout with no level, no timestamp, no logger name and, above all,
            no traceback. In a service it never reaches the log pipeline, alerts do not fire, and
            the one line it leaves says what failed but not where.
            """,
        fix="""
            Log it: `logger.exception(...)` records the message at ERROR level with the traceback of
            the exception being handled. The quick fix keeps the message (several print arguments
            become a `%s` format), reuses the module's logger if it has one, and otherwise adds
            `import logging` and `logger = logging.getLogger(__name__)` below the imports.
            """,
    )
    valid = (
        # A data migration reporting a tolerated row error on the console: migrations are not reviewed.
        Valid(
            """
            from django.db import migrations


            def forwards(apps, schema_editor):
                Entry = apps.get_model("database", "Entry")
                for entry in Entry.objects.all():
                    try:
                        entry.full_clean()
                    except ValueError as error:
                        print(f"skipping entry {entry.id}: {error}")


            class Migration(migrations.Migration):
                operations = [migrations.RunPython(forwards)]
            """,
            path="app/migrations/0075_validate_entries.py",
        ),
        """
        import logging

        logger = logging.getLogger(__name__)

        def load(path):
            try:
                return open(path).read()
            except OSError:
                logger.exception("cannot read %s", path)
        """,
        """
        def main():
            try:
                run()
            except KeyError as exc:
                print(f"unknown key {exc}")
                return 1
        """,
        """
        import sys

        def warn(message):
            try:
                handle(message)
            except ValueError:
                print("Invalid option ignored:", message, file=sys.stderr)
        """,
        """
        def show(value):
            try:
                print(value)
            except UnicodeEncodeError:
                print(ascii(value))
        """,
        """
        import click

        @click.command()
        def sync():
            try:
                push()
            except OSError as exc:
                print("sync failed:", exc)
        """,
        """
        if __name__ == "__main__":
            try:
                serve()
            except KeyboardInterrupt:
                print("bye")
        """,
        """
        import argparse

        def run(argv):
            args = argparse.ArgumentParser().parse_args(argv)
            try:
                convert(args.path)
            except ValueError as exc:
                print("cannot convert:", exc)
        """,
        """
        def export(rows, report):
            for row in rows:
                try:
                    write(row)
                except ValueError as exc:
                    print(row, exc, file=report)
        """,
        Valid(
            """
            def try_it():
                try:
                    work()
                except Exception as exc:
                    print(exc)
            """,
            path="scripts/try_it.py",
        ),
    )
    invalid = (
        Invalid(
            """
            import json


            def load(path):
                try:
                    return json.load(open(path))
                except ValueError as exc:
                    print(f"bad config {path}: {exc}")
                    return {}
            """,
            line=8,
            fixed="""
            import json
            import logging

            logger = logging.getLogger(__name__)


            def load(path):
                try:
                    return json.load(open(path))
                except ValueError as exc:
                    logger.exception(f"bad config {path}: {exc}")
                    return {}
            """,
        ),
        Invalid(
            """
            import logging

            log = logging.getLogger("worker")

            class Worker:
                def handle(self, job):
                    try:
                        job.run()
                    except Exception as e:
                        print("job failed:", job.id, e)
            """,
            line=10,
            fixed="""
            import logging

            log = logging.getLogger("worker")

            class Worker:
                def handle(self, job):
                    try:
                        job.run()
                    except Exception as e:
                        log.exception("job failed: %s %s", job.id, e)
            """,
        ),
        Invalid(
            """
            def save(record):
                try:
                    record.save()
                except Exception:
                    print("100% broken", record)
            """,
            line=5,
            fixed="""
            import logging

            logger = logging.getLogger(__name__)

            def save(record):
                try:
                    record.save()
                except Exception:
                    logger.exception("100%% broken %s", record)
            """,
        ),
        Invalid(
            """
            from loguru import logger

            def save(record):
                try:
                    record.save()
                except Exception as exc:
                    print("cannot save", record, exc)
            """,
            line=7,
            fixed="""
            from loguru import logger

            def save(record):
                try:
                    record.save()
                except Exception as exc:
                    logger.exception("cannot save {} {}", record, exc)
            """,
        ),
        Invalid(
            """
            def read(path):
                try:
                    return open(path).read()
                except OSError:
                    value = print("cannot read", path)
            """,
            line=5,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report `print()` in an except block outside command-line code."""
        if not (isinstance(node.func, ast.Name) and node.func.id == "print") or "print" in ctx.facts.bindings:
            return
        handler = enclosing_handler(node, ctx.parents)
        if handler is None or in_script_code(ctx) or _try_body_prints(handler, ctx.parents):
            return
        if not node.args or any(k.arg in ("file", None) for k in node.keywords):
            return  # `print()` spacing, output to a file or stream chosen on purpose (stderr is a CLI's voice)
        fixable = isinstance(ctx.parent, ast.Expr) and not any(k.arg == "sep" for k in node.keywords)
        yield self.report(node, ctx, logger=module_logger_name(ctx.facts) or "logger", fixable=fixable)

    def fix(self, fctx: FixContext) -> Fix | None:
        """Turn the print into `<logger>.exception(...)`, adding a module logger when there is none."""
        call = fctx.node
        call_cst = fctx.cst_node(call)
        if not isinstance(call, ast.Call) or not call.args or call_cst is None:
            return None
        logger = module_logger_name(fctx.facts)
        uses_braces = logger is not None and fctx.facts.bindings[logger].kind is BindingKind.IMPORT
        if logger is None:
            logger = fctx.unique_name("logger", "logging.getLogger(__name__)")
            logging_module = fctx.ensure_import("logging")
            fctx.add_module_prelude(f"{logger} = {logging_module}.getLogger(__name__)")
        arguments = [fctx.cst_module.code_for_node(arg.value) for arg in call_cst.args if arg.keyword is None]
        if len(arguments) > 1:
            arguments = _format_arguments(call_cst.args[0].value, arguments, "{}" if uses_braces else "%s")
        new_call = cst.parse_expression(f"{logger}.exception({', '.join(arguments)})")
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(call_cst): new_call}).code)
        return fctx.build(f"Replace print() with {logger}.exception()")


def _try_body_prints(handler: ast.ExceptHandler, ancestors: list[ast.AST]) -> bool:
    """True when the `try` body itself prints: printing is the code's output, the handler its fallback."""
    statement = next((a for a in reversed(ancestors) if isinstance(a, ast.Try) and handler in a.handlers), None)
    if statement is None:
        return False
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print" for n in nodes_within(statement.body)
    )


def _format_arguments(first: cst.BaseExpression, arguments: list[str], placeholder: str) -> list[str]:
    """print("a", x, y) -> ['"a %s %s"', 'x', 'y']: the message as a format string and its arguments."""
    if isinstance(first, cst.SimpleString) and "b" not in first.prefix.lower():
        body = first.raw_value.replace("%", "%%") if placeholder == "%s" else first.raw_value.replace("{", "{{").replace("}", "}}")
        fmt = f"{first.prefix}{first.quote}{body}{(' ' + placeholder) * (len(arguments) - 1)}{first.quote}"
        return [fmt, *arguments[1:]]
    return ['"' + " ".join([placeholder] * len(arguments)) + '"', *arguments]
