"""Scripts and tests: code where printing, crashing and single-process assumptions are the interface."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from review_ls.engine.facts import ModuleFacts
from review_ls.patterns.frameworks import is_cli_entry_point
from review_ls.patterns.imports import imported_roots

if TYPE_CHECKING:
    from review_ls.engine.walker import Context

CLI_MODULES = frozenset({"argparse", "optparse", "getopt", "click", "typer", "fire", "docopt"})
SCRIPT_DIRECTORIES = frozenset(
    {"scripts", "script", "examples", "example", "bin", "tools", "demo", "demos", "docs", "benchmarks", "cli", "commands", "management"}
)
SCRIPT_FILES = frozenset(
    {"setup.py", "conftest.py", "noxfile.py", "fabfile.py", "manage.py", "__main__.py", "cli.py", "_cli.py", "cmdline.py", "console.py"}
)
_TEST_FILE = re.compile(r"(^test_.*|.*_test|^tests?)\.py$")
_SEPARATORS = re.compile(r"[\\/]")


def path_parts(path: str | None) -> list[str]:
    """The components of a path, split on both separators."""
    return [part for part in _SEPARATORS.split(path or "") if part]


@functools.lru_cache(maxsize=1024)
def is_test_path(path: str | None) -> bool:
    """True for test modules (`test_*.py`, `*_test.py`, files under `tests/`); kept per path (rules ask it per call)."""
    parts = path_parts(path)
    if not parts:
        return False
    return bool(_TEST_FILE.match(parts[-1])) or any(part in ("tests", "test", "testing") for part in parts[:-1])


@functools.lru_cache(maxsize=1024)
def is_script_path(path: str | None) -> bool:
    """True for files that are run rather than imported: `scripts/`, `examples/`, `setup.py`, `__main__.py` (kept per path)."""
    parts = path_parts(path)
    if not parts:
        return False
    return parts[-1] in SCRIPT_FILES or any(part in SCRIPT_DIRECTORIES for part in parts[:-1])


def imports_cli_framework(facts: ModuleFacts) -> bool:
    """True when the module imports a command-line parser (argparse, click, typer, ...)."""
    return not CLI_MODULES.isdisjoint(imported_roots(facts))


def in_script_code(ctx: Context) -> bool:
    """True where the code is a program's interface rather than a service's: tests, scripts,
    runnable modules (`if __name__ == "__main__":`), CLI commands, command-line modules, and
    module-level code."""
    if not ctx.functions or ctx.in_main_guard() or ctx.facts.has_main_guard:
        return True
    if is_test_path(ctx.path) or is_script_path(ctx.path):
        return True
    if any(is_cli_entry_point(function) for function in ctx.functions):
        return True
    return imports_cli_framework(ctx.facts)


CONCURRENT_MODULES = frozenset(
    {
        "fastapi", "starlette", "flask", "quart", "django", "aiohttp", "sanic", "tornado", "litestar", "falcon",
        "bottle", "pyramid", "celery", "rq", "dramatiq", "huey", "arq", "apscheduler", "multiprocessing",
        "threading", "concurrent", "asyncio", "anyio", "trio", "gunicorn", "uvicorn",
    }
)


def runs_concurrently(ctx: Context) -> bool:
    """True for code that other processes, threads or tasks run at the same time: async functions,
    and modules of web apps, task queues and worker pools."""
    if ctx.in_async_function:
        return True
    return not CONCURRENT_MODULES.isdisjoint(imported_roots(ctx.facts))
