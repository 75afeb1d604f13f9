"""RV403 global-monkeypatch: RV403: an imported module or class patched at import time."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from review_ls.engine.facts import BindingKind, dotted_name
from review_ls.engine.model import Finding
from review_ls.engine.project_model import Needs
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.rules.architecture._shared import _in_tests_or_scripts


# Module attributes that are documented hooks and switches, meant to be assigned.
_DOCUMENTED_HOOKS = frozenset(
    {
        "threading.excepthook",
        "warnings.showwarning",
        "warnings.formatwarning",
        "logging.raiseExceptions",
        "logging.logThreads",
        "logging.logProcesses",
        "logging.logMultiprocessing",
        "logging.logAsyncioTasks",
        "logging._srcfile",
    }
)


_METADATA_ATTRIBUTES = frozenset(
    {"__module__", "__qualname__", "__name__", "__doc__", "__signature__", "__annotations__", "__wrapped__", "__all__", "__version__"}
)


class GlobalMonkeypatch(Rule):
    """RV403: an imported module or class patched at import time."""

    code = "RV403"
    name = "global-monkeypatch"
    call_names = frozenset({"setattr"})  # (visit_Call returns at once for any other callee)
    applies_to = SERVICE_CODE
    needs = frozenset({Needs.PROJECT_INDEX})
    message = "{target} is patched at import time: every user of {owner} in the process gets the change, in import order"
    docs = RuleDocs(
        what="""
            Finds assignments at module level to an attribute of an imported module or class
            (`NgSpiceShared.exec = _patched`, `json.dumps = fast_dumps`,
            `setattr(lib.Client, "send", send)`). Your own classes, tests, scripts, metadata such
            as `__module__`/`__doc__`, and documented hooks (`sys.*`, `threading.excepthook`,
            `warnings.showwarning`, logging switches) are not reported.
            """,
        why="""
            A patch applied on import changes a library for the whole process, for code that never
            asked for it, and only once the patching module happens to be imported: behaviour then
            depends on import order, tests see a different library than production, and upgrades of
            the patched library break silently.
            """,
        fix="""
            Subclass (or wrap) and use the subclass where you need the change, pass the behaviour
            in (a parameter, a hook the library offers), or patch inside a context manager that
            restores the original (`unittest.mock.patch.object`) where it is needed.
            """,
    )
    valid = (
        """
        import logging
        import sys

        sys.excepthook = lambda *exc: logging.critical("crash", exc_info=exc)
        logging.raiseExceptions = False
        """,
        """
        class Engine:
            def run(self):
                pass

        Engine.run_fast = Engine.run
        """,
        """
        from ngspice import NgSpiceShared

        class PatchedShared(NgSpiceShared):
            def exec(self, command):
                return super().exec(command.strip())
        """,
        """
        from .models import Part

        Part.__module__ = "inventory"
        """,
        # Documented library configuration is assigned, not patched.
        """
        import os

        import stripe
        from django.contrib import admin

        stripe.api_key = os.environ["STRIPE_KEY"]
        admin.site.site_header = "Paperless-ngx"
        """,
    )
    invalid = (
        Invalid(
            """
            from ngspice import NgSpiceShared

            def _patched_exec(self, command):
                return self._exec(command.strip())

            NgSpiceShared.exec = _patched_exec
            """,
            line=6,
        ),
        Invalid(
            """
            import yaml

            yaml.emitter.Emitter.process_tag = lambda self, *args, **kwargs: None
            """,
            line=3,
        ),
        Invalid(
            """
            import json
            import orjson

            json.dumps = lambda value, **kw: orjson.dumps(value).decode()
            """,
            line=4,
        ),
        Invalid(
            """
            import requests.adapters

            setattr(requests.adapters.HTTPAdapter, "max_retries", 5)
            """,
            line=3,
        ),
    )

    def visit_Assign(self, node: ast.Assign, ctx: Context) -> Iterator[Finding] | None:
        """Report `imported.attr = value` at module level (a plain function: other assignments leave without making a
        generator)."""
        return self._assigned(node, ctx) if ctx.function is None and ctx.class_ is None else None

    def _assigned(self, node: ast.Assign, ctx: Context) -> Iterator[Finding]:
        if ctx.function is not None or ctx.class_ is not None or _in_tests_or_scripts(ctx):
            return
        for target in node.targets:
            if isinstance(target, ast.Attribute) and not _is_configuration(target.value, node.value, ctx):
                finding = self._patched(node, target.value, target.attr, ctx)
                if finding is not None:
                    yield finding

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report `setattr(imported, "name", value)` at module level."""
        if ctx.function is not None or ctx.class_ is not None or not isinstance(node.func, ast.Name) or node.func.id != "setattr":
            return
        if len(node.args) != 3 or _in_tests_or_scripts(ctx) or "setattr" in ctx.facts.bindings:
            return
        if _is_configuration(node.args[0], node.args[2], ctx):
            return
        attribute = node.args[1].value if isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str) else "?"
        finding = self._patched(node, node.args[0], attribute, ctx)
        if finding is not None:
            yield finding

    def _patched(self, node: ast.AST, owner: ast.expr, attribute: str, ctx: Context) -> Finding | None:
        owner_name = dotted_name(owner)
        if owner_name is None or attribute in _METADATA_ATTRIBUTES:
            return None
        head = owner_name.split(".", 1)[0]
        binding = ctx.facts.bindings.get(head)
        target = ctx.facts.imports.get(head)
        if target is None or binding is None or binding.kind is not BindingKind.IMPORT:
            return None
        qualified = ctx.qualified_name(owner) or owner_name
        if qualified.split(".", 1)[0] == "sys" or f"{qualified}.{attribute}" in _DOCUMENTED_HOOKS or self._is_own(target, ctx):
            return None
        return self.report(node, ctx, target=f"{owner_name}.{attribute}", owner=owner_name)

    @staticmethod
    def _is_own(target: str, ctx: Context) -> bool:
        if target.startswith("."):
            return True
        return ctx.project is not None and ctx.project.is_project_module(target)


def _is_configuration(owner: ast.expr, value: ast.expr, ctx: Context) -> bool:
    """True for a module's documented setting given a plain value (`stripe.api_key = key`,
    `admin.site.site_header = "Paperless"`): a monkeypatch replaces a function or a class attribute
    with your own callable, which this is not."""
    owner_name = dotted_name(owner) or ""
    if owner_name.rsplit(".", 1)[-1][:1].isupper():
        return False  # a class attribute: patched for every instance
    if isinstance(value, ast.Lambda):
        return False
    if isinstance(value, ast.Name):
        binding = ctx.facts.bindings.get(value.id)
        return binding is None or binding.kind not in (BindingKind.FUNCTION, BindingKind.CLASS, BindingKind.IMPORT)
    return isinstance(value, (ast.Constant, ast.JoinedStr, ast.BinOp, ast.Call, ast.Subscript, ast.Attribute, ast.List, ast.Tuple, ast.Dict, ast.BoolOp, ast.IfExp))
