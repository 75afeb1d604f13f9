"""Detection helpers shared by several RV rules of the concurrency family."""

from __future__ import annotations

from review_ls.engine.walker import Context
from review_ls.patterns.scripts import is_script_path, is_test_path


def _in_tests_or_scripts(ctx: Context) -> bool:
    return is_test_path(ctx.path) or is_script_path(ctx.path)


def _resolved(dotted: str, ctx: Context) -> str:
    """A dotted name as written, resolved through the module's imports."""
    head, _, rest = dotted.partition(".")
    target = ctx.imports.get(head)
    if target is None:
        return dotted
    return f"{target}.{rest}" if rest else target
