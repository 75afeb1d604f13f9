"""Helpers of several RV3 rules: files where the rules stay quiet (tests and scripts)."""

from __future__ import annotations

from review_ls.engine.walker import Context
from review_ls.patterns.scripts import is_script_path, is_test_path


def _in_tests_or_scripts(ctx: Context) -> bool:
    return is_test_path(ctx.path) or is_script_path(ctx.path)

