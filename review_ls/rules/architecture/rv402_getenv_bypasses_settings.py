"""RV402 getenv-bypasses-settings: RV402: `os.getenv("X", "default")` next to a project settings object."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from review_ls.engine.cst_edit import cst, replace_nodes
from review_ls.engine.model import Applicability, Finding, Fix, Severity
from review_ls.engine.project_model import Needs
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Option, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.project import ProjectIndex, project_for
from review_ls.project.file_facts import class_name_span
from review_ls.project.views import Kind, SettingsTarget, is_settings_named
from review_ls.rules.architecture._shared import _FUNCTIONS, _in_tests_or_scripts, _index_path, _is_local

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


_GETENV = frozenset({"os.getenv", "os.environ.get"})


# Variables the platform sets (not the application's configuration).
_PLATFORM_VARIABLES = re.compile(
    r"^(PATH|PATHEXT|HOME|USER|USERNAME|LOGNAME|SHELL|TERM|TERM_PROGRAM|COLORTERM|LANG|LANGUAGE|LC_\w+|TZ|TMPDIR|TEMP|TMP|PWD|"
    r"HOSTNAME|EDITOR|VISUAL|PAGER|DISPLAY|XDG_\w+|APPDATA|LOCALAPPDATA|PROGRAMDATA|USERPROFILE|SYSTEMROOT|WINDIR|COMSPEC|"
    r"PYTHON\w*|VIRTUAL_ENV|CONDA_\w+|CI|COLUMNS|LINES|NO_COLOR|FORCE_COLOR|CLICOLOR\w*|SSL_CERT_\w+|REQUESTS_CA_BUNDLE|"
    r"CURL_CA_BUNDLE|HTTPS?_PROXY|NO_PROXY|ALL_PROXY|https?_proxy|no_proxy|all_proxy)$"
)


class GetenvBypassesSettings(Rule):
    """RV402: `os.getenv("X", "default")` next to a project settings object."""

    code = "RV402"
    call_names = frozenset(name.rpartition(".")[2] for name in _GETENV)  # (visit_Call returns at once for any other callee)
    name = "getenv-bypasses-settings"
    applies_to = SERVICE_CODE
    severity = Severity.HINT
    default_enabled = False
    precision_note = """
        Off by default, hint severity: 0.32 on the judged corpus sample (docs/precision.md). Most findings are debatable:
        libraries whose documented deployment knobs are environment variables, bootstrap reads that
        locate the settings file, a third-party library's own variable names. Configuration modules of
        other processes (gunicorn.conf.py) are no longer reviewed.
        """
    needs = frozenset({Needs.PROJECT_INDEX})
    message = "{call}({env!r}, ...) with a hard-coded default {problem}"
    fix_title = "Read {env} through {expression}"
    fix_applicability = Applicability.UNSAFE
    options = (
        Option(
            "without_settings",
            "off",
            "what to report in a project without a settings object: 'off' (nothing) or 'hint' (a hint-level finding)",
        ),
    )
    docs = RuleDocs(
        what="""
            Finds `os.getenv("X", <literal>)` and `os.environ.get("X", <literal>)` outside the
            settings module, in a project that has a settings object: a pydantic `BaseSettings`
            class (found anywhere in the workspace through the project index) or a `settings`/
            `config` module that reads the environment. The settings module itself, module-level
            code of the file that defines the settings, tests and scripts, and variables the
            platform sets (`PATH`, `HOME`, `LANG`, proxies, ...) are not reported. A project without
            any settings object (a library, say) gets no finding, or only a hint with the option
            `without_settings = "hint"`.
            """,
        why="""
            Configuration read ad hoc is configuration nobody can see: the variable is missing
            from the settings class, so it is not validated at start-up, not documented, and its
            default differs from the one in `.env.example` or the deployment. Twelve-factor config
            lives in one typed place.
            """,
        fix="""
            Add the field to the settings class and read `settings.<field>`. When the settings
            class already has a field for the variable (`WORKER_URL` -> `worker_url`, honouring
            `env_prefix` and field aliases), the quick fix replaces the call with the settings
            attribute and adds the import of the settings object. It is marked unsafe: the
            settings field's default and type now apply instead of the literal.
            """,
    )
    valid = (
        # The configuration file of another process (gunicorn reads it, not the application).
        Valid(
            """
            import os

            timeout = int(os.environ.get("GUNICORN_TIMEOUT", 180))
            workers = int(os.getenv("WEB_CONCURRENCY", "2"))
            """,
            path="gunicorn.conf.py",
            files=(("app/settings.py", "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n    debug: bool = False\n"),),
        ),
        Valid(
            """
            import os

            DATABASE_URL = os.getenv("DATABASE_URL", "sqlite:///dev.db")
            """,
            path="app/config.py",
        ),
        """
        import os
        from pydantic_settings import BaseSettings

        class Settings(BaseSettings):
            worker_url: str = "http://localhost:8001"

        LOG_LEVEL = os.getenv("LOG_LEVEL", "info")
        settings = Settings()
        """,
        """
        import os

        def api_key():
            return os.getenv("API_KEY")
        """,
        """
        import os

        def timeout():
            # a library without a settings object: nothing to route this through
            return float(os.getenv("HTTP_TIMEOUT", "5"))
        """,
    )
    invalid = (
        Invalid(
            """
            import os
            from pydantic_settings import BaseSettings


            class Settings(BaseSettings):
                worker_url: str = "http://localhost:8001"


            settings = Settings()


            def submit(job):
                url = os.getenv("WORKER_URL", "http://localhost:8001")
                return post(url, job)
            """,
            line=13,
            fixed="""
            import os
            from pydantic_settings import BaseSettings


            class Settings(BaseSettings):
                worker_url: str = "http://localhost:8001"


            settings = Settings()


            def submit(job):
                url = settings.worker_url
                return post(url, job)
            """,
        ),
        Invalid(
            """
            import os
            from pydantic_settings import BaseSettings


            class Settings(BaseSettings):
                redis_url: str = "redis://localhost"


            def connect():
                return make_pool(os.environ.get("REDIS_HOST", "localhost"))
            """,
            line=10,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report environment reads with a literal default outside the settings module."""
        call = ctx.qualified_name(node.func)
        if call not in _GETENV or not node.args or _in_tests_or_scripts(ctx):
            return
        env = node.args[0].value if isinstance(node.args[0], ast.Constant) else None
        default = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "default"), None)
        if not isinstance(env, str) or not isinstance(default, ast.Constant) or default.value is None or _PLATFORM_VARIABLES.match(env):
            return
        path = _index_path(ctx)
        if is_settings_named(path):
            return
        project = project_for(ctx)
        if project.is_settings_module(path) and (ctx.function is None or self._in_settings_class(ctx, project, path)):
            return
        shown = "os.getenv" if call == "os.getenv" else "os.environ.get"
        if not project.has_settings_for(path):
            if self.config.get("without_settings") != "hint":
                return
            problem = "scatters configuration through the code; read it in one settings module"
            yield self.report(node, ctx, call=shown, env=env, problem=problem, severity=Severity.HINT, fixable=False)
            return
        target = project.settings_for_env(env, path)
        plan = self._plan(target, path, ctx) if target is not None else None
        if target is None:
            problem = f"bypasses the project's settings ({project.settings_home_for(path)}); define it there and read it from the settings"
        else:
            problem = f"bypasses the project's settings; use {target.expression(target.object_name)}"
        yield self.report(
            node,
            ctx,
            call=shown,
            env=env,
            problem=problem,
            expression=target.expression(target.object_name) if target is not None else "",
            fixable=plan is not None,
            data=plan,
        )

    @staticmethod
    def _in_settings_class(ctx: Context, project: ProjectIndex, path: str) -> bool:
        return any(project.kind_at(path, class_name_span(c, ctx.lines).line) == Kind.SETTINGS for c in ctx.classes)

    @staticmethod
    def _plan(target: SettingsTarget, path: str, ctx: Context) -> dict[str, object] | None:
        """How the fix reads the field: the import to add (if any) and the expression; None if it cannot."""
        name = target.object_name
        module = target.module
        function = ctx.function
        if isinstance(function, _FUNCTIONS) and _is_local(name, function):
            return None
        same_file = target.path == path
        if same_file:
            if function is None:
                return None
        else:
            bound = ctx.imports.get(name)
            if not module or (bound is not None and bound != f"{module}.{name}") or (bound is None and name in ctx.facts.bindings):
                return None
        return {"module": "" if same_file else module, "object": name, "factory": target.is_factory, "field": target.field}

    def fix(self, fctx: FixContext) -> Fix | None:
        """Replace the call with the settings attribute, importing the settings object if needed."""
        data = fctx.finding.data_dict
        call_cst = fctx.cst_node(fctx.node) if isinstance(fctx.node, ast.Call) else None
        if call_cst is None or not data.get("field"):
            return None
        local = fctx.ensure_import(str(data["module"]), str(data["object"])) if data.get("module") else str(data["object"])
        expression = f"{local}().{data['field']}" if data.get("factory") else f"{local}.{data['field']}"
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(call_cst): cst.parse_expression(expression)}).code)
        return fctx.build(fctx.finding.fix_title or "Read the setting from the settings object", self.fix_applicability)
