"""RV5 — reliability and observability: failures hidden, data not durable, memory that only grows."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace


from review_ls.engine.cst_edit import cst, block_statements, indented, replace_nodes
from review_ls.engine.facts import BindingKind, dotted_name
from review_ls.engine.fixes import FixContext
from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.engine.rule import Invalid, Option, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.patterns.attributes import AttributeCall, AttributeUses, Method, instance_attribute_uses
from review_ls.patterns.exceptions import (
    catches_broadly,
    caught_names,
    enclosing_handler,
    handler_reraises,
    mentions_name,
    statements_of,
)
from review_ls.patterns.frameworks import is_route_handler
from review_ls.patterns.loggers import is_logger, module_logger_name
from review_ls.patterns.names import SCOPE_NODES, name_words, names_read, nodes_within, snake_case
from review_ls.patterns.removed_files import is_removed, removed_paths
from review_ls.patterns.scripts import in_script_code, is_test_path, runs_concurrently
from review_ls.patterns.tempfiles import temp_names
from review_ls.patterns.web_inputs import imports_web_framework



def _function_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """Every node of a function's body, not descending into nested functions or classes."""
    return nodes_within(function.body)


# -- RV501 ---------------------------------------------------------------------------------------

class PrintInExcept(Rule):
    """RV501: `print()` inside an `except` block of service code."""

    code = "RV501"
    name = "print-in-except"
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
            logger = fctx.unique_name("logger")
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


# -- RV502 ---------------------------------------------------------------------------------------

_ERROR_HELPER_WORDS = frozenset(
    {"error", "errors", "exception", "exc", "message", "msg", "format", "describe", "description", "reason", "explain", "traceback", "tb", "repr", "str", "text"}
)
_SUCCESS_FLAGS = frozenset({"success", "ok", "succeeded", "successful", "is_success", "is_ok"})


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


def _failure_flag(value: ast.expr, name: str | None) -> bool:
    """True for `Result(success=False, message=str(e))` and `{"ok": False, "error": f"{e}"}`."""
    if isinstance(value, ast.Call):
        pairs = [(k.arg, k.value) for k in value.keywords if k.arg]
    elif isinstance(value, ast.Dict):
        pairs = [(k.value, v) for k, v in zip(value.keys, value.values) if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    else:
        return False
    flagged = any(key in _SUCCESS_FLAGS and isinstance(v, ast.Constant) and v.value is False for key, v in pairs)
    return flagged and any(_is_error_text(v, name) for _, v in pairs)


class ErrorReturnedAsString(Rule):
    """RV502: an except block returns the error text as if it were a result."""

    code = "RV502"
    name = "error-returned-as-string"
    message = "the exception is returned as a value ({shape}); callers cannot tell failure from a result"
    docs = RuleDocs(
        what="""
            Finds `except` blocks that turn the exception into the function's return value:
            `return str(e)`, `return f"Error: {e}"`, `return traceback.format_exc()`, or a
            success-flag result such as `Result(success=False, message=str(e))` /
            `{"ok": False, "error": str(e)}`. Helpers whose job is to describe an error
            (`format_error`, `describe_exception`, `__str__`, ...) are not reported.
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
            from fastapi import FastAPI

            app = FastAPI()

            @app.post("/jobs")
            async def create_job(spec: dict):
                try:
                    return {"success": True, "id": start(spec)}
                except Exception as e:
                    return {"success": False, "message": str(e)}
            """,
            line=10,
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
        if _is_error_text(value, handler.name):
            yield self.report(value, ctx, shape="the error text")
        elif _failure_flag(value, handler.name):
            yield self.report(value, ctx, shape="a failure flag with the error text")


# -- RV503 ---------------------------------------------------------------------------------------


class ErrorLoggedWithoutTraceback(Rule):
    """RV503: `logger.error(... e ...)` in an except block, without the traceback."""

    code = "RV503"
    name = "error-logged-without-traceback"
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


# -- RV504 ---------------------------------------------------------------------------------------

_WRITE_MODE = re.compile(r"[wax+]")
_SCRATCH_WORDS = ("tmp", "temp", "scratch", "cache", "devnull")
_SUCCESS_RESPONSES = ("Response", "jsonify", "json_response", "JsonResponse", "HttpResponse")
_SUCCESS_STATUSES = frozenset({200, 201, 202, 204})
_SUCCESS_KEYS = frozenset({"status", "success", "ok", "saved", "result", "written"})


def _write_target(call: ast.Call) -> ast.expr | None:
    """The path of `open(path, "w")` / `path.open("w")` / `io.open(path, "wb")`, or None for reads."""
    func_name = dotted_name(call.func) or ""
    if func_name in ("open", "io.open", "codecs.open"):
        target = call.args[0] if call.args else None
        mode_index = 1
    elif isinstance(call.func, ast.Attribute) and call.func.attr == "open" and func_name not in ("os.open", "aiofiles.open"):
        target, mode_index = call.func.value, 0
    else:
        return None
    mode = call.args[mode_index] if len(call.args) > mode_index else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if not (isinstance(mode, ast.Constant) and isinstance(mode.value, str) and _WRITE_MODE.search(mode.value)):
        return None
    return target


def _is_scratch(target: ast.expr) -> bool:
    """True when a path expression names a temporary or cache file."""
    for node in ast.walk(target):
        text = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        if text is not None and any(word in text.lower() for word in _SCRATCH_WORDS):
            return True
    return False


def _writes_through(block: ast.With, handle: ast.expr | None) -> bool:
    """True when the block's body writes: a call on (or given) the file handle, e.g. `fh.write(...)`, `json.dump(x, fh)`."""
    if not isinstance(handle, ast.Name):
        return False
    return any(isinstance(n, ast.Call) and handle.id in names_read(n) for n in nodes_within(block.body))


def _reports_success(value: ast.expr | None, in_web_code: bool) -> bool:
    """True for an acknowledgement: `{"status": "ok"}`, `JSONResponse(...)`, `(body, 201)`, `200`; and in
    web code also `True` or a message such as `"saved"`."""
    if isinstance(value, ast.Constant):
        if value.value is True or (isinstance(value.value, str) and value.value):
            return in_web_code
        return type(value.value) is int and value.value in _SUCCESS_STATUSES
    if isinstance(value, ast.Dict):
        return any(isinstance(k, ast.Constant) and k.value in _SUCCESS_KEYS for k in value.keys)
    if isinstance(value, ast.Call):
        return (dotted_name(value.func) or "").rsplit(".", 1)[-1].endswith(_SUCCESS_RESPONSES)
    if isinstance(value, ast.Tuple) and value.elts:
        last = value.elts[-1]
        return isinstance(last, ast.Constant) and type(last.value) is int and last.value in _SUCCESS_STATUSES
    return False


class WriteAcknowledgedWithoutFsync(Rule):
    """RV504: a function writes a file, then reports success without making the write durable."""

    code = "RV504"
    name = "write-acknowledged-without-fsync"
    message = "the write to {target} is acknowledged before it is durable: flush() and os.fsync() the file first"
    fix_title = "Flush and fsync {handle} before leaving the with block"
    docs = RuleDocs(
        what="""
            Finds functions that write a file in a `with open(..., "w")` block and afterwards
            acknowledge the write — return a 2xx status, a success dict (`{"status": ...}`), a
            response object, or, in web code (route handlers, modules of a web framework), `True` or
            a message — without calling `os.fsync()`. Temporary, scratch and cache files are not
            reported (names with tmp/temp/cache, `tempfile` files and paths under a `tempfile`
            directory), nor files the same function deletes again (`os.remove`, `os.unlink`,
            `Path.unlink`, `shutil.rmtree` of the file or its directory, also in `finally`), nor
            library functions that return `True` to say they changed something.
            """,
        why="""
            Closing a file hands the data to the operating system's page cache, not to the disk. If
            the machine or container dies in the next seconds, the file is empty or truncated while
            the caller was told it was saved: lost uploads, corrupt state files, a job marked done
            whose output is gone.
            """,
        fix="""
            Call `fh.flush()` (Python's buffer to the OS) and `os.fsync(fh.fileno())` (the OS to the
            disk) before leaving the `with` block; for a crash-proof replace, write to a temporary
            file, fsync it, then `os.replace()` it over the target. The quick fix adds the two calls
            at the end of the `with` block; in an `async def` it runs the fsync off the event loop
            with `await asyncio.to_thread(os.fsync, fh.fileno())`.
            """,
    )
    valid = (
        """
        import os

        def save(path, data):
            with open(path, "w") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            return True
        """,
        """
        def write_cache(tmp_path, data):
            with open(tmp_path, "w") as fh:
                fh.write(data)
            return True
        """,
        """
        def save(path, data):
            with open(path, "w") as fh:
                fh.write(data)
            return path
        """,
        """
        def load(path):
            with open(path) as fh:
                data = fh.read()
            return True
        """,
        """
        def rewrite_shebang(path, line):
            with open(path, "wb") as script:
                script.write(line)
            return True
        """,
        """
        from fastapi import FastAPI

        def is_writable(path):
            with open(path, "a"):
                pass
            return True
        """,
        """
        import os

        def convert(path, data):
            try:
                with open(path, "wb") as fh:
                    fh.write(data)
                run_converter(path)
            finally:
                os.remove(path)
            return {"status": "converted"}
        """,
        """
        import shutil
        from pathlib import Path

        def package(build_dir, manifest):
            with open(Path(build_dir) / "manifest.json", "w") as fh:
                fh.write(manifest)
            upload(build_dir)
            shutil.rmtree(build_dir)
            return {"status": "uploaded"}
        """,
        """
        import os
        import tempfile

        def render(document):
            with tempfile.TemporaryDirectory() as workdir:
                source = os.path.join(workdir, "page.html")
                with open(source, "w") as fh:
                    fh.write(document)
                return {"status": "rendered", "pdf": to_pdf(source)}
        """,
    )
    invalid = (
        Invalid(
            """
            import json

            def save_state(path, state):
                with open(path, "w") as fh:
                    json.dump(state, fh)
                return {"status": "saved", "path": path}
            """,
            line=4,
            fixed="""
            import json
            import os

            def save_state(path, state):
                with open(path, "w") as fh:
                    json.dump(state, fh)
                    fh.flush()
                    os.fsync(fh.fileno())
                return {"status": "saved", "path": path}
            """,
        ),
        Invalid(
            """
            import os
            from fastapi import FastAPI, UploadFile

            app = FastAPI()

            @app.post("/upload")
            async def upload(file: UploadFile):
                destination = os.path.join("uploads", "current.bin")
                with open(destination, "wb") as out: out.write(await file.read())
                return {"status": "saved"}
            """,
            line=9,
            fixed="""
            import os
            from fastapi import FastAPI, UploadFile
            import asyncio

            app = FastAPI()

            @app.post("/upload")
            async def upload(file: UploadFile):
                destination = os.path.join("uploads", "current.bin")
                with open(destination, "wb") as out:
                    out.write(await file.read())
                    out.flush()
                    await asyncio.to_thread(os.fsync, out.fileno())
                return {"status": "saved"}
            """,
        ),
        Invalid(
            """
            from flask import Flask, request

            app = Flask(__name__)

            @app.post("/notes")
            def add_note():
                with open("notes.txt", "a") as notes, open("audit.log", "a") as audit:
                    notes.write(request.form["text"])
                    audit.write("note added")
                return "ok"
            """,
            line=7,
        ),
    )

    def visit_With(self, node: ast.With, ctx: Context) -> Iterator[Finding]:
        """Report a file written in this block when the function later acknowledges success and never fsyncs."""
        function = ctx.function
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or in_script_code(ctx):
            return
        def qualify(expr: ast.AST) -> str | None:
            return ctx.qualified_name(expr) or dotted_name(expr)

        function_nodes = list(_function_nodes(function))
        removed = removed_paths(function_nodes, qualify)
        temporary = temp_names(function_nodes, qualify)
        writes = []
        for item in node.items:
            call = item.context_expr
            target = _write_target(call) if isinstance(call, ast.Call) else None
            if target is None or _is_scratch(target) or not _writes_through(node, item.optional_vars):
                continue
            if is_removed(target, removed, qualify) or temporary.key(target) is not None:
                continue
            writes.append((item, call, target))
        if not writes:
            return
        in_web_code = imports_web_framework(ctx.facts) or is_route_handler(function, ctx)
        end = node.end_lineno or node.lineno
        acknowledged = False
        for inner in function_nodes:
            if isinstance(inner, ast.Call) and any((dotted_name(f) or "").endswith("fsync") for f in (inner.func, *inner.args)):
                return
            if isinstance(inner, ast.Return) and inner.lineno > end and _reports_success(inner.value, in_web_code):
                acknowledged = True
        if not acknowledged:
            return
        for item, call, target in writes:
            handle = item.optional_vars
            text = ast.unparse(target)
            yield self.report(
                call,
                ctx,
                target=text if len(text) <= 40 else "the file",
                handle=handle.id if isinstance(handle, ast.Name) else "the file",
                fixable=isinstance(handle, ast.Name),
            )

    def fix(self, fctx: FixContext) -> Fix | None:
        """Append `fh.flush()` and `os.fsync(fh.fileno())` to the with block."""
        call = fctx.node
        with_node = fctx.ancestors[-2] if len(fctx.ancestors) >= 2 else None
        if not isinstance(with_node, ast.With):
            return None
        handle = next((i.optional_vars for i in with_node.items if i.context_expr is call), None)
        with_cst = fctx.cst_node(with_node)
        if not isinstance(handle, ast.Name) or with_cst is None:
            return None
        os_name = fctx.ensure_import("os")
        fsync = f"{os_name}.fsync({handle.id}.fileno())"
        functions = [a for a in fctx.ancestors if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))]
        if functions and isinstance(functions[-1], ast.AsyncFunctionDef):
            asyncio_name = fctx.ensure_import("asyncio")
            fsync = f"await {asyncio_name}.to_thread({os_name}.fsync, {handle.id}.fileno())"
        added = [cst.parse_statement(f"{handle.id}.flush()\n"), cst.parse_statement(fsync + "\n")]
        if isinstance(with_cst.body, cst.IndentedBlock):
            body = with_cst.body.with_changes(body=[*with_cst.body.body, *added])
        else:
            body = indented([*block_statements(with_cst.body), *added])
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(with_cst): with_cst.with_changes(body=body)}).code)
        return fctx.build(fctx.finding.fix_title or "Flush and fsync the file")


# -- RV505 ---------------------------------------------------------------------------------------

_SUBSCRIBE_METHOD = re.compile(
    r"^_*(subscribe|listen|attach|watch|connect|register|on|join|follow"
    r"|add_?(listener|callback|observer|subscriber|handler|hook|watcher|consumer|client|connection|socket|queue|sink|waiter))"
    r"(_|$)"
)
_UNSUBSCRIBE_METHOD = re.compile(
    r"^_*(unsubscribe|unlisten|detach|unwatch|disconnect|unregister|off|leave|unfollow|close|remove|discard|prune|clear|reset|cleanup)"
    r"(_|$)"
)
_LISTENER_WORDS = frozenset(
    {
        "listener", "listeners", "subscriber", "subscribers", "subscription", "subscriptions", "callback",
        "callbacks", "observer", "observers", "watcher", "watchers", "queue", "queues", "waiter", "waiters",
        "consumer", "consumers", "client", "clients", "connection", "connections", "socket", "sockets",
        "websocket", "websockets", "sink", "sinks", "hook", "hooks", "handlers", "peers", "subs", "channels",
    }
)
_ADDING_METHODS = frozenset({"append", "add", "appendleft", "insert"})
_REMOVING_METHODS = frozenset({"remove", "discard", "pop", "popitem", "popleft", "clear", "difference_update"})
_WEAK_CONTAINERS = ("WeakSet", "WeakValueDictionary", "WeakKeyDictionary", "WeakMethod", "ref")
_QUEUE_FULL = frozenset({"QueueFull", "Full", "Exception", "BaseException"})


def _container_kind(value: ast.expr | None) -> str | None:
    """'list', 'set' or 'dict' for an empty-container initialiser; None for anything else (weak sets too)."""
    if isinstance(value, ast.List):
        return "list"
    if isinstance(value, ast.Set):
        return "set"
    if isinstance(value, ast.Dict):
        return "dict"
    if isinstance(value, ast.Call):
        callee = (dotted_name(value.func) or "").rsplit(".", 1)[-1]
        if callee.endswith(_WEAK_CONTAINERS):
            return None
        return {"list": "list", "set": "set", "dict": "dict", "defaultdict": "dict", "deque": "list", "OrderedDict": "dict"}.get(callee)
    return None


def _queue_names(method: Method) -> set[str]:
    """Local names a method binds to a newly created queue (`q = asyncio.Queue()`)."""
    names = set()
    for node in _function_nodes(method):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if (dotted_name(node.value.func) or "").endswith("Queue"):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _guarded_by_queue_full(call: ast.Call, loop: ast.AST) -> bool:
    """True when `call` sits in a `try` (inside `loop`) with a handler for QueueFull/Full/Exception."""
    stack: list[tuple[ast.AST, bool]] = [(loop, False)]
    while stack:
        node, guarded = stack.pop()
        if node is call:
            return guarded
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            catches = any(
                handler.type is None or any(name.rsplit(".", 1)[-1] in _QUEUE_FULL for name in caught_names(handler))
                for handler in node.handlers  # type: ignore[attr-defined]
            )
            for child in node.body:  # type: ignore[attr-defined]
                stack.append((child, guarded or catches))
            for child in [*node.handlers, *node.orelse, *node.finalbody]:  # type: ignore[attr-defined]
                stack.append((child, guarded))
            continue
        stack.extend((child, guarded) for child in ast.iter_child_nodes(node))
    return False


class ListenerNeverRemoved(Rule):
    """RV505: listeners added to a collection in a subscribe-like method and never removed."""

    code = "RV505"
    name = "listener-never-removed"
    message = "{detail}"
    fix_title = "Drop listeners whose queue is full instead of failing the broadcast"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Looks at a whole class: a method named like `subscribe`/`connect`/`add_listener` adds a
            queue or callback to an instance collection (`self.listeners.append(q)`), and no method of
            the class ever removes from it (no `remove`/`discard`/`pop`/`del`, no reassignment, no
            `unsubscribe`/`disconnect` method). Also reports the emit loop that calls `put_nowait()` on
            every listener queue without catching `QueueFull`. Weak collections are not reported.
            """,
        why="""
            Every subscriber that goes away (a closed WebSocket, a finished request) stays in the
            collection forever: memory grows with every connection, each broadcast does work for
            dead listeners, and once a dead listener's bounded queue fills up, `put_nowait()` raises
            `QueueFull` in the middle of the loop, so the live listeners after it miss the event.
            """,
        fix="""
            Give the class an `unsubscribe()` (called from a `finally:` in the subscriber) and prune
            listeners that cannot keep up. The quick fix, offered on the emit loop, iterates over a
            copy and catches `QueueFull` around `put_nowait()`, removing that listener.
            """,
    )
    valid = (
        """
        import asyncio

        class Hub:
            def __init__(self):
                self.listeners = []

            def subscribe(self):
                queue = asyncio.Queue(maxsize=100)
                self.listeners.append(queue)
                return queue

            def unsubscribe(self, queue):
                self.listeners.remove(queue)
        """,
        """
        import asyncio

        class Hub:
            def __init__(self):
                self.listeners = set()

            def subscribe(self):
                queue = asyncio.Queue(maxsize=100)
                self.listeners.add(queue)
                return queue

            def publish(self, event):
                for queue in list(self.listeners):
                    try:
                        queue.put_nowait(event)
                    except asyncio.QueueFull:
                        self.listeners.discard(queue)
        """,
        """
        import weakref

        class Signal:
            def __init__(self):
                self.receivers = weakref.WeakSet()

            def connect(self, receiver):
                self.receivers.add(receiver)
        """,
        """
        class Plugins:
            def __init__(self):
                self.plugins = []

            def register(self, plugin):
                self.plugins.append(plugin)
        """,
    )
    invalid = (
        Invalid(
            """
            class ConnectionManager:
                def __init__(self):
                    self.active_connections = []

                async def connect(self, websocket):
                    await websocket.accept()
                    self.active_connections.append(websocket)

                async def broadcast(self, message):
                    for connection in self.active_connections:
                        await connection.send_text(message)
            """,
            line=7,
        ),
        Invalid(
            """
            import asyncio

            class EventBus:
                def __init__(self):
                    self._subscribers = []

                def subscribe(self):
                    queue = asyncio.Queue(maxsize=100)
                    self._subscribers.append(queue)
                    return queue

                def emit(self, event):
                    for queue in self._subscribers:
                        queue.put_nowait(event)
            """,
            line=14,
            fixed="""
            import asyncio

            class EventBus:
                def __init__(self):
                    self._subscribers = []

                def subscribe(self):
                    queue = asyncio.Queue(maxsize=100)
                    self._subscribers.append(queue)
                    return queue

                def emit(self, event):
                    for queue in list(self._subscribers):
                        try:
                            queue.put_nowait(event)
                        except asyncio.QueueFull:
                            self._subscribers.remove(queue)
            """,
        ),
        Invalid(
            """
            from collections import defaultdict

            class Topics:
                def __init__(self):
                    self.callbacks = defaultdict(list)

                def on(self, topic, callback):
                    self.callbacks[topic].append(callback)

                def fire(self, topic, payload):
                    for callback in self.callbacks[topic]:
                        callback(payload)
            """,
            line=8,
        ),
    )

    def visit_ClassDef(self, node: ast.ClassDef, ctx: Context) -> Iterator[Finding]:
        """Decide once per class: collections that subscribe-like methods grow and nothing shrinks."""
        names = [snake_case(m.name) for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
        if not any(_SUBSCRIBE_METHOD.match(name) for name in names) or any(_UNSUBSCRIBE_METHOD.match(name) for name in names):
            return
        for uses in instance_attribute_uses(node).values():
            kind = self._listener_collection_kind(uses)
            if kind is None or self._ever_shrinks(uses):
                continue
            added = [c for c in uses.calls_named(_ADDING_METHODS) if _SUBSCRIBE_METHOD.match(snake_case(c.method.name)) and c.method.name != "__init__"]
            added = [c for c in added if self._adds_a_listener(c, uses)]
            if not added:
                continue
            first = added[0]
            detail = (
                f"{node.name}.{first.method.name}() adds to self.{uses.name} but nothing in {node.name} ever removes "
                "from it: every departed listener stays referenced"
            )
            yield self._report_at(first.call, first.statement, ctx, detail, fixable=False)
            yield from self._unguarded_emits(uses, kind, ctx)

    @staticmethod
    def _listener_collection_kind(uses: AttributeUses) -> str | None:
        kinds = {_container_kind(a.value) for a in uses.assignments if a.method.name == "__init__"}
        if len(kinds) != 1 or None in kinds:
            return None
        return kinds.pop()

    @staticmethod
    def _ever_shrinks(uses: AttributeUses) -> bool:
        outside_init = [a for a in uses.assignments if a.method.name != "__init__"]
        return bool(outside_init or uses.augmented or uses.deletions or uses.slice_writes or uses.calls_named(_REMOVING_METHODS))

    @staticmethod
    def _adds_a_listener(call: AttributeCall, uses: AttributeUses) -> bool:
        if name_words(uses.name) & _LISTENER_WORDS:
            return True
        added = call.call.args[0] if call.call.args else None
        return isinstance(added, ast.Name) and added.id in _queue_names(call.method)

    def _unguarded_emits(self, uses: AttributeUses, kind: str, ctx: Context) -> Iterator[Finding]:
        """Emit loops over the collection that `put_nowait()` to each listener without catching QueueFull."""
        for loop in uses.loops:
            target = loop.loop.target
            if not isinstance(target, ast.Name):
                continue
            for statement in loop.loop.body:
                for inner in ast.walk(statement):
                    if (
                        isinstance(inner, ast.Call)
                        and isinstance(inner.func, ast.Attribute)
                        and inner.func.attr == "put_nowait"
                        and isinstance(inner.func.value, ast.Name)
                        and inner.func.value.id == target.id
                        and not _guarded_by_queue_full(inner, loop.loop)
                    ):
                        fixable = loop.direct and kind in ("list", "set") and isinstance(statement, ast.Expr) and statement.value is inner
                        detail = (
                            f"put_nowait() to every listener of self.{uses.name} raises QueueFull once a departed "
                            "listener's queue fills up, and the listeners after it miss the event"
                        )
                        yield self._report_at(inner, statement, ctx, detail, fixable=fixable)

    def _report_at(self, node: ast.AST, statement: ast.stmt, ctx: Context, detail: str, fixable: bool) -> Finding:
        finding = self.report(node, ctx, detail=detail, fixable=fixable)
        return replace(finding, statement_line=statement.lineno)

    def fix(self, fctx: FixContext) -> Fix | None:
        """Iterate over a copy and drop the listener whose queue is full."""
        call = fctx.node
        loop = next((a for a in reversed(fctx.ancestors) if isinstance(a, (ast.For, ast.AsyncFor))), None)
        cls = next((a for a in reversed(fctx.ancestors) if isinstance(a, ast.ClassDef)), None)
        if loop is None or not isinstance(call, ast.Call) or not isinstance(loop.target, ast.Name):
            return None
        attribute = loop.iter
        if not isinstance(attribute, ast.Attribute):
            return None
        kind = "list"
        if cls is not None:
            uses = instance_attribute_uses(cls).get(attribute.attr)
            kind = (self._listener_collection_kind(uses) if uses else None) or "list"
        full = self._queue_full_name(fctx)
        loop_cst, call_cst = fctx.cst_node(loop), fctx.cst_node(call)
        if full is None or loop_cst is None or call_cst is None:
            return None
        statement = next((s for s in loop_cst.body.body if isinstance(s, cst.SimpleStatementLine) and any(getattr(b, "value", None) is call_cst for b in s.body)), None)
        if statement is None:
            return None
        collection = fctx.cst_module.code_for_node(loop_cst.iter)
        remove = "discard" if kind == "set" else "remove"
        guarded = cst.parse_statement(
            f"try:\n    {fctx.cst_module.code_for_node(statement).strip()}\nexcept {full}:\n    {collection}.{remove}({loop.target.id})\n"
        )
        guarded = guarded.with_changes(leading_lines=statement.leading_lines)
        new_iter = cst.parse_expression(f"list({collection})")
        new_body = [guarded if s is statement else s for s in loop_cst.body.body]
        new_loop = loop_cst.with_changes(iter=new_iter, body=loop_cst.body.with_changes(body=new_body))
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(loop_cst): new_loop}).code)
        return fctx.build(self.fix_title or "", self.fix_applicability)

    @staticmethod
    def _queue_full_name(fctx: FixContext) -> str | None:
        asyncio_name = fctx.facts.local_name_for("asyncio")
        if asyncio_name is not None:
            return f"{asyncio_name}.QueueFull"
        queue_name = fctx.facts.local_name_for("queue")
        return f"{queue_name}.Full" if queue_name is not None else None


# -- RV506 ---------------------------------------------------------------------------------------

_HISTORY_WORDS = frozenset(
    {
        "history", "histories", "log", "logs", "samples", "snapshots", "frames", "trajectory", "trajectories",
        "timeline", "metrics", "measurements", "readings", "ticks", "observations", "losses", "rewards",
        "transcript", "trace", "traces", "timings", "latencies",
    }
)
_GROWING_METHODS = frozenset({"append", "extend", "insert", "appendleft"})
_GROWTH_TEXT = re.compile(r"\bself\.(\w+)\s*\.\s*(?:append|extend|insert|appendleft)\s*\(|\bself\.(\w+)\s*\+=")
_TRIMMING_METHODS = frozenset({"pop", "popleft", "clear", "remove", "__delitem__"})
_INIT_METHODS = frozenset({"__init__", "__post_init__"})


class UnboundedHistory(Rule):
    """RV506: an instance list that only grows (`self.history.append(...)`) and is never trimmed."""

    code = "RV506"
    name = "unbounded-history"
    message = "self.{attribute} only grows: {method}() appends to it and nothing in {cls} trims it"
    fix_title = "Bound self.{attribute} with collections.deque(maxlen=...)"
    fix_applicability = Applicability.UNSAFE
    options = (Option("maxlen", 1000, "the length the quick fix gives the bounded deque"),)
    docs = RuleDocs(
        what="""
            Looks at a whole class: an instance list named like a history, log or series
            (`self.history`, `self.samples`, `self.trajectory`, `self.losses`, ...; not stores such as
            `events` or `records`) is created empty in `__init__`, a
            method appends to it, and nothing in the class ever trims it (no `pop`/`clear`/`del`,
            no slice assignment, no reassignment outside `__init__`).
            """,
        why="""
            In a long-lived object (a service, a simulation, an agent session) such a list grows
            with every call until the process runs out of memory. The leak is slow, so it passes
            every test and shows up after days in production.
            """,
        fix="""
            Bound it: `collections.deque(maxlen=N)` keeps the last N items and drops the oldest in
            O(1). The quick fix turns the initialiser into a deque whose length is a named module
            constant. It is marked unsafe: a deque cannot be sliced, so review the readers.
            """,
    )
    valid = (
        """
        class Session:
            def __init__(self):
                self.history = []

            def add(self, message):
                self.history.append(message)
                if len(self.history) > 100:
                    self.history.pop(0)
        """,
        """
        class Session:
            def __init__(self):
                self.history = []

            def add(self, message):
                self.history.append(message)

            def reset(self):
                self.history.clear()
        """,
        """
        class Session:
            def __init__(self):
                self.history = []

            def add(self, message):
                self.history.append(message)
                self.history = self.history[-50:]
        """,
        """
        class Parser:
            def __init__(self):
                self.tokens = []

            def feed(self, token):
                self.tokens.append(token)
        """,
    )
    invalid = (
        Invalid(
            """
            import time


            class Simulation:
                def __init__(self):
                    self.history = []

                def step(self):
                    self.history.append(time.monotonic())
            """,
            line=6,
            fixed="""
            import time
            import collections


            MAX_HISTORY = 1000


            class Simulation:
                def __init__(self):
                    self.history = collections.deque(maxlen=MAX_HISTORY)

                def step(self):
                    self.history.append(time.monotonic())
            """,
        ),
        Invalid(
            """
            from collections import deque


            class Agent:
                def __init__(self, model):
                    self.model = model
                    self._history = list()

                def ask(self, text):
                    self._history.append(text)
                    return self.model(self._history)
            """,
            line=7,
            fixed="""
            from collections import deque


            MAX_HISTORY = 1000


            class Agent:
                def __init__(self, model):
                    self.model = model
                    self._history = deque(maxlen=MAX_HISTORY)

                def ask(self, text):
                    self._history.append(text)
                    return self.model(self._history)
            """,
        ),
        Invalid(
            """
            class Recorder:
                def __init__(self):
                    self.samples: list[float] = []

                def record(self, value):
                    self.samples.append(value)

                def last_ten(self):
                    return self.samples[-10:]
            """,
            line=3,
        ),
    )

    def visit_ClassDef(self, node: ast.ClassDef, ctx: Context) -> Iterator[Finding]:
        """Decide once per class: history-like lists appended to and never trimmed."""
        text = "\n".join(ctx.lines.line_text(line) for line in range(node.lineno, (node.end_lineno or node.lineno) + 1))
        grown = {name for match in _GROWTH_TEXT.finditer(text) for name in match.groups() if name}
        if not any(name_words(name) & _HISTORY_WORDS for name in grown):
            return
        for uses in instance_attribute_uses(node).values():
            if uses.name not in grown or not (name_words(uses.name) & _HISTORY_WORDS):
                continue
            inits = [a for a in uses.assignments if a.method.name in _INIT_METHODS]
            if len(inits) != 1 or len(uses.assignments) != 1 or not self._is_new_list(inits[0].value):
                continue
            if uses.deletions or uses.slice_writes or uses.calls_named(_TRIMMING_METHODS):
                continue
            growth = [c for c in uses.calls_named(_GROWING_METHODS, on_item=False) if c.method.name not in _INIT_METHODS]
            growth += [a for a in uses.augmented if a.method.name not in _INIT_METHODS]  # type: ignore[misc]
            if not growth:
                continue
            init = inits[0]
            fixable = isinstance(init.statement, ast.Assign) and len(init.statement.targets) == 1 and not uses.slice_reads
            finding = self.report(
                init.value,  # type: ignore[arg-type]
                ctx,
                attribute=uses.name,
                method=growth[0].method.name,
                cls=node.name,
                fixable=fixable,
            )
            yield replace(finding, statement_line=init.statement.lineno)

    @staticmethod
    def _is_new_list(value: ast.expr | None) -> bool:
        if isinstance(value, ast.List):
            return True
        return isinstance(value, ast.Call) and dotted_name(value.func) == "list" and not value.args and not value.keywords

    def fix(self, fctx: FixContext) -> Fix | None:
        """Initialise the list as a bounded deque whose length is a module constant."""
        value = fctx.node
        statement = fctx.ancestors[-1] if fctx.ancestors else None
        if not isinstance(statement, ast.Assign) or not isinstance(statement.targets[0], ast.Attribute):
            return None
        value_cst = fctx.cst_node(value)
        if value_cst is None:
            return None
        constant = fctx.unique_name(f"MAX_{statement.targets[0].attr.strip('_').upper()}")
        deque_name = fctx.facts.local_name_for("collections.deque") or f"{fctx.ensure_import('collections')}.deque"
        new_value = cst.parse_expression(f"{deque_name}(maxlen={constant})")
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(value_cst): new_value}).code)
        fctx.add_definition(f"{constant} = {int(self.config['maxlen'])}")
        return fctx.build(fctx.finding.fix_title or "Bound the list", self.fix_applicability)


# -- RV507 ---------------------------------------------------------------------------------------

_EXISTENCE_METHODS = frozenset({"exists", "is_file", "is_dir"})
_EXISTENCE_FUNCTIONS = frozenset({"os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.lexists"})
_CREATING_PATH_METHODS = frozenset({"write_text", "write_bytes", "touch", "mkdir", "symlink_to", "hardlink_to"})
_CREATING_FUNCTIONS = frozenset({"os.makedirs", "os.mkdir", "os.symlink"})
_MOVING_FUNCTIONS = frozenset({"shutil.move", "shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "os.rename"})
_DELETING_PATH_METHODS = frozenset({"unlink", "rmdir"})
_DELETING_FUNCTIONS = frozenset({"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree"})


def _existence_check(test: ast.expr, ctx: Context) -> tuple[ast.expr, bool] | None:
    """(path, negated) for `[not] p.exists()` / `[not] os.path.exists(p)`, else None."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    call = test.operand if negated else test  # type: ignore[attr-defined]
    if not isinstance(call, ast.Call):
        return None
    if isinstance(call.func, ast.Attribute) and call.func.attr in _EXISTENCE_METHODS and not call.args:
        if ctx.qualified_name(call.func) is None:
            return call.func.value, negated
    if ctx.qualified_name(call.func) in _EXISTENCE_FUNCTIONS and len(call.args) == 1:
        return call.args[0], negated
    return None


def _act_on(call: ast.Call, path_key: str, creating: bool, ctx: Context) -> str | None:
    """The name of the filesystem action `call` performs on the checked path, if it does."""

    def same(node: ast.AST | None) -> bool:
        return node is not None and ast.dump(node) == path_key

    qualified = ctx.qualified_name(call.func)
    if creating:
        if isinstance(call.func, ast.Attribute) and call.func.attr in _CREATING_PATH_METHODS and same(call.func.value) and qualified is None:
            return call.func.attr
        if qualified in _CREATING_FUNCTIONS and call.args and same(call.args[0]):
            if any(k.arg == "exist_ok" for k in call.keywords):
                return None
            return qualified
        if qualified in _MOVING_FUNCTIONS and len(call.args) >= 2 and same(call.args[1]):
            return qualified
        if isinstance(call.func, ast.Name) and call.func.id == "open" and call.args and same(call.args[0]):
            return "open" if _write_target(call) is not None else None
        if isinstance(call.func, ast.Attribute) and call.func.attr == "open" and same(call.func.value):
            return "open" if _write_target(call) is not None else None
        return None
    if isinstance(call.func, ast.Attribute) and call.func.attr in _DELETING_PATH_METHODS and same(call.func.value) and qualified is None:
        return call.func.attr
    if qualified in _DELETING_FUNCTIONS and call.args and same(call.args[0]):
        return qualified
    return None


_RACE_ERRORS = frozenset({"FileNotFoundError", "FileExistsError", "OSError", "IOError", "EnvironmentError", "Exception", "BaseException"})
_STARTUP_FUNCTION = re.compile(r"^_*(init|setup|set_up|bootstrap|install|configure|prepare|create_default)(_|$)")


def _handles_the_race(node: ast.AST, ancestors: list[ast.AST]) -> bool:
    """True inside a `try` body whose handlers catch FileNotFoundError/FileExistsError (or OSError, Exception)."""
    child = node
    for ancestor in reversed(ancestors):
        if isinstance(ancestor, SCOPE_NODES):
            return False
        if isinstance(ancestor, ast.Try) and any(child is statement for statement in ancestor.body):
            for handler in ancestor.handlers:
                if handler.type is None or any(name.rsplit(".", 1)[-1] in _RACE_ERRORS for name in caught_names(handler)):
                    return True
        child = ancestor
    return False


def _is_kind_dispatch(node: ast.If) -> bool:
    """`if p.is_dir(): rmtree(p) else: p.unlink()` chooses an operation by kind; it is not a check-then-act."""
    call = node.test.operand if isinstance(node.test, ast.UnaryOp) else node.test
    name = call.func.attr if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) else ""
    return bool(node.orelse) and name in ("isdir", "isfile", "is_dir", "is_file")


class CheckThenActOnFilesystem(Rule):
    """RV507: `if not p.exists(): <create p>` (or `if p.exists(): <delete p>`) — a race between processes."""

    code = "RV507"
    name = "check-then-act-on-filesystem"
    message = "{check} then {act}: another process can {change} the path in between"
    docs = RuleDocs(
        what="""
            Finds an existence check followed by an action on the same path that assumes the
            check still holds: `if not p.exists():` then create/write/move onto `p`, or
            `if os.path.exists(p):` then delete `p` — in code that runs concurrently: async
            functions and modules of web apps, task queues and worker pools (they import
            fastapi/flask/django/celery/threading/multiprocessing/asyncio, ...). Single-process code —
            scripts, tests, command-line tools, libraries without such imports — is not reported, nor
            start-up functions (`init_*`, `setup_*`), `if p.is_dir(): ... else: ...` dispatch on the
            kind of path, or code inside a `try` that handles `FileNotFoundError`/`FileExistsError`.
            """,
        why="""
            Between the check and the act, another worker, replica or request can create or delete
            the path. One of them then overwrites the other's file, crashes with
            `FileExistsError`/`FileNotFoundError`, or moves a file onto one that just appeared. The
            bug only shows under concurrency, in production.
            """,
        fix="""
            Make the action itself atomic and handle its failure: `open(p, "x")` (fails if the file
            exists), `os.makedirs(p, exist_ok=True)`, `os.replace()` for moves, `p.unlink(missing_ok=True)`
            or `contextlib.suppress(FileNotFoundError)` for deletes, or take a file lock around both.
            """,
    )
    valid = (
        """
        import os
        import threading

        def ensure_dir(path):
            os.makedirs(path, exist_ok=True)
        """,
        """
        import os

        def ensure_dir(path):
            if not os.path.isdir(path):
                os.makedirs(path)
        """,
        """
        from pathlib import Path

        def claim(path: Path):
            try:
                with open(path, "x") as fh:
                    fh.write("mine")
            except FileExistsError:
                return False
            return True
        """,
        """
        import os
        import shutil

        if __name__ == "__main__":
            if not os.path.exists("out/report.txt"):
                shutil.move("report.txt", "out/report.txt")
        """,
        """
        from pathlib import Path
        from fastapi import FastAPI

        def read_or_default(path: Path):
            if not path.exists():
                return ""
            return path.read_text()
        """,
        """
        import os
        import threading

        def delete(name):
            try:
                if os.path.isdir(name):
                    os.rmdir(name)
                else:
                    os.remove(name)
            except FileNotFoundError:
                pass  # removed concurrently
        """,
    )
    invalid = (
        Invalid(
            """
            import os
            import shutil
            from celery import shared_task

            @shared_task
            def publish(src, dst):
                if not os.path.exists(dst):
                    shutil.move(src, dst)
            """,
            line=7,
        ),
        Invalid(
            """
            from pathlib import Path

            async def save_once(path: Path, data: str):
                if not path.exists():
                    path.write_text(data)
            """,
            line=4,
        ),
        Invalid(
            """
            import os
            from concurrent.futures import ProcessPoolExecutor

            def drop(lock_file):
                if os.path.exists(lock_file):
                    os.remove(lock_file)
            """,
            line=5,
        ),
    )

    def visit_If(self, node: ast.If, ctx: Context) -> Iterator[Finding]:
        """Report an existence check whose body acts on the same path."""
        check = _existence_check(node.test, ctx)
        if check is None or in_script_code(ctx) or not runs_concurrently(ctx) or _handles_the_race(node, ctx.parents):
            return
        if _is_kind_dispatch(node) or (isinstance(ctx.function, ast.FunctionDef) and _STARTUP_FUNCTION.match(ctx.function.name)):
            return
        path, negated = check
        key = ast.dump(path)
        for inner in nodes_within(node.body):
            if isinstance(inner, ast.Call):
                act = _act_on(inner, key, creating=negated, ctx=ctx)
                if act is not None:
                    check_text = ast.unparse(node.test)
                    yield self.report(
                        node.test,
                        ctx,
                        check=check_text if len(check_text) <= 40 else "an existence check",
                        act=f"{act}()",
                        change="create" if negated else "delete",
                    )
                    return


# -- RV508 ---------------------------------------------------------------------------------------

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
