"""RV304 global-serializing-lock: RV304: one module-level lock or single-worker executor that every request goes through."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from review_ls.engine.cst_edit import cst, replace_nodes
from review_ls.engine.facts import BindingKind, qualify_dotted
from review_ls.engine.model import Finding, Fix
from review_ls.engine.project_model import Needs, ProjectModel
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.frameworks import is_route_decorator, is_route_handler
from review_ls.project import ProjectIndex
from review_ls.project.views import SettingsTarget
from review_ls.rules.concurrency._shared import _in_tests_or_scripts

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


_LOCKS = frozenset({"asyncio.Lock", "threading.Lock", "threading.RLock", "multiprocessing.Lock"})


_EXECUTORS = frozenset({"concurrent.futures.ThreadPoolExecutor", "concurrent.futures.ProcessPoolExecutor", "concurrent.futures.thread.ThreadPoolExecutor"})


_LOCK_USERS = "RV304.lock-users"


class GlobalSerializingLock(Rule):
    """RV304: one module-level lock or single-worker executor that every request goes through."""

    code = "RV304"
    call_names = frozenset(name.rpartition(".")[2] for name in _EXECUTORS)  # (visit_Call returns at once for any other callee; visit_With sees every with)
    name = "global-serializing-lock"
    applies_to = SERVICE_CODE
    needs = frozenset({Needs.PROJECT_INDEX})
    message = "{what} serializes {whom}: requests wait for each other instead of running concurrently"
    fix_title = "Make max_workers of {what} configurable"
    docs = RuleDocs(
        what="""
            Finds a module-level `asyncio.Lock`/`threading.Lock` held (`with`/`async with`) by two
            or more request handlers of the module, and a module-level `ThreadPoolExecutor`/
            `ProcessPoolExecutor` with `max_workers=1`. Locks and executors owned by an object
            (created in `__init__`) are not reported.
            """,
        why="""
            A process-wide lock taken by every endpoint turns a concurrent server into a queue:
            one slow request holds up all the others, latency grows with load, and adding workers
            threads does not help. A one-worker executor does the same to every job submitted to
            it. Often the lock only needs to protect one resource (one file, one key) or a much
            shorter critical section.
            """,
        fix="""
            Lock per resource (a dict of locks keyed by id, or a lock on the object), shorten the
            critical section to the shared write, or move the shared state to a store that handles
            concurrency. For a one-worker executor the quick fix makes `max_workers` a setting: the
            project's settings field when it has one (`max_workers`, `<name>_max_workers`), else a
            module constant read from the environment with the current value as the default.
            """,
    )
    valid = (
        """
        import asyncio

        class Account:
            def __init__(self):
                self.lock = asyncio.Lock()

            async def deposit(self, amount):
                async with self.lock:
                    self.balance += amount
        """,
        """
        import asyncio
        from fastapi import FastAPI

        app = FastAPI()
        _reindex_lock = asyncio.Lock()

        @app.post("/reindex")
        async def reindex():
            async with _reindex_lock:
                await rebuild_index()
        """,
        """
        from concurrent.futures import ThreadPoolExecutor

        executor = ThreadPoolExecutor(max_workers=8)
        """,
    )
    invalid = (
        Invalid(
            """
            import asyncio
            from fastapi import FastAPI

            app = FastAPI()
            state_lock = asyncio.Lock()

            @app.get("/items")
            async def list_items():
                async with state_lock:
                    return await load_items()

            @app.post("/items")
            async def add_item(item: dict):
                async with state_lock:
                    await save_item(item)
            """,
            line=9,
            also=(14,),
        ),
        Invalid(
            """
            from concurrent.futures import ThreadPoolExecutor

            _executor = ThreadPoolExecutor(max_workers=1)


            def submit(job):
                return _executor.submit(job.run)
            """,
            line=3,
            fixed="""
            import os
            from concurrent.futures import ThreadPoolExecutor

            EXECUTOR_MAX_WORKERS = int(os.environ.get("EXECUTOR_MAX_WORKERS", "1"))


            _executor = ThreadPoolExecutor(max_workers=EXECUTOR_MAX_WORKERS)


            def submit(job):
                return _executor.submit(job.run)
            """,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report a module-level executor with one worker."""
        if ctx.function is not None or ctx.class_ is not None or _in_tests_or_scripts(ctx):
            return
        if ctx.qualified_name(node.func) not in _EXECUTORS or not _single_worker(node):
            return
        owner = _assigned_to(node, ctx.parent)
        what = f"{owner} (max_workers=1)" if owner else "this max_workers=1 executor"
        yield self.report(node, ctx, what=what, whom="every job submitted to it", data={"owner": owner or ""})

    def visit_With(self, node: ast.With | ast.AsyncWith, ctx: Context) -> Iterator[Finding]:
        """Report a module-level lock held by this request handler and at least one other."""
        function = ctx.function
        if function is None or not is_route_handler(function, ctx):
            return
        for item in node.items:
            name = item.context_expr.id if isinstance(item.context_expr, ast.Name) else None
            if name is None or not _is_module_lock(name, ctx):
                continue
            users = _lock_users(ctx).get(name, frozenset()) | {cast(ast.FunctionDef | ast.AsyncFunctionDef, function).name}
            if len(users) >= 2:
                yield self.report(item.context_expr, ctx, what=f"module-level lock {name}", whom=f"{len(users)} request handlers", fixable=False)

    visit_AsyncWith = visit_With

    def fix(self, fctx: FixContext) -> Fix | None:
        """Read max_workers from the project's settings, or from an environment-backed module constant."""
        call = fctx.node
        if not isinstance(call, ast.Call) or not _single_worker(call):
            return None
        owner = str(fctx.finding.data_dict.get("owner", ""))
        base = owner.strip("_").lower() or "executor"
        target = _max_workers_setting(fctx.project, fctx.path, base)
        if target is not None:
            local = fctx.ensure_import(target.module, target.object_name)
            value = target.expression(local)
        else:
            os_name = fctx.ensure_import("os")
            value = fctx.unique_name(f"{base.upper()}_MAX_WORKERS")
            fctx.add_definition(f'{value} = int({os_name}.environ.get("{value}", "1"))\n')
        call_cst = fctx.cst_node(call)
        if not isinstance(call_cst, cst.Call):
            return None
        new_args = [
            arg.with_changes(value=cst.parse_expression(value)) if _is_max_workers_arg(arg, index) else arg
            for index, arg in enumerate(call_cst.args)
        ]
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(call_cst): call_cst.with_changes(args=new_args)}).code)
        return fctx.build(fctx.finding.fix_title or "Make max_workers configurable", self.fix_applicability)


def _single_worker(call: ast.Call) -> bool:
    for keyword in call.keywords:
        if keyword.arg == "max_workers":
            return isinstance(keyword.value, ast.Constant) and keyword.value.value == 1
    return bool(call.args) and isinstance(call.args[0], ast.Constant) and call.args[0].value == 1


def _is_max_workers_arg(arg: cst.Arg, index: int) -> bool:
    if arg.keyword is not None:
        return arg.keyword.value == "max_workers"
    return index == 0


def _assigned_to(call: ast.Call, parent: ast.AST | None) -> str | None:
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        return parent.targets[0].id
    if isinstance(parent, ast.AnnAssign) and isinstance(parent.target, ast.Name):
        return parent.target.id
    return None


def _max_workers_setting(project: ProjectModel | None, path: str | None, base: str) -> SettingsTarget | None:
    """The project's settings field for the executor's size (`<name>_max_workers`, `max_workers`), if any."""
    if not isinstance(project, ProjectIndex) or path is None:
        return None
    targets = project.settings_targets_for(path)
    for wanted in (f"{base}_max_workers", "max_workers"):
        for target in targets:
            if target.field == wanted:
                return target
    return None


def _is_module_lock(name: str, ctx: Context) -> bool:
    binding = ctx.facts.bindings.get(name)
    if binding is None or binding.kind is not BindingKind.INSTANCE:
        return False
    return (qualify_dotted(binding.detail, ctx.imports) or binding.detail) in _LOCKS


def _lock_users(ctx: Context) -> dict[str, frozenset[str]]:
    """Module-level lock name -> names of the module's route handlers that hold it (once per analysis)."""
    users = ctx.memo.get(_LOCK_USERS)
    if users is None:
        found: dict[str, set[str]] = {}
        module = ctx.parents[0] if ctx.parents else None
        handlers = ctx.project.route_handler_names if ctx.project is not None else frozenset()
        for statement in getattr(module, "body", ()):
            if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if not (any(is_route_decorator(d) for d in statement.decorator_list) or (ctx.path, statement.name) in handlers):
                continue
            for node in ast.walk(statement):
                if isinstance(node, (ast.With, ast.AsyncWith)):
                    for item in node.items:
                        if isinstance(item.context_expr, ast.Name):
                            found.setdefault(item.context_expr.id, set()).add(statement.name)
        users = ctx.memo[_LOCK_USERS] = {name: frozenset(names) for name, names in found.items()}
    return users
