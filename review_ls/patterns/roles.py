"""File roles: what a module is for (application, test, migration, script, another process's config, notebook export).

A reviewer asks different things of a service module than of a one-off data migration or a CLI
script. Every rule declares the roles it applies to (`Rule.applies_to`); the walker skips a rule in
files of other roles. A file can state its role in a comment near the top, which wins over the
guess: `# review-ls: role=application` (or test, migration, script, config, notebook).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from review_ls.engine.facts import ModuleFacts
from review_ls.engine.roles import ALL_ROLES, REVIEWED_CODE, SERVICE_CODE, Role
from review_ls.patterns.imports import imported_roots
from review_ls.patterns.scripts import imports_cli_framework, is_script_path, is_test_path, path_parts

__all__ = ["ALL_ROLES", "REVIEWED_CODE", "SERVICE_CODE", "Role", "file_role", "is_migration"]

MIGRATION_DIRECTORIES = frozenset({"migrations", "alembic", "data_migrations", "backfills"})
CONFIG_FILES = frozenset(
    {"gunicorn.conf.py", "gunicorn_conf.py", "gunicorn_config.py", "celeryconfig.py", "celery_config.py",
     "uwsgi_conf.py", "hypercorn_conf.py", "hypercorn.conf.py", "uvicorn_conf.py", "supervisord_conf.py"}
)
_ROLE_COMMENT = re.compile(r"#\s*review-ls:\s*role\s*=\s*(\w+)")
_NOTEBOOK_CELL = re.compile(r"#\s*(In\[[\d ]*\]:?|%%)")
_HEADER_LINES = 40


def file_role(path: str | None, facts: ModuleFacts, line_text: Callable[[int], str]) -> Role:
    """The role of the module at `path` with these facts; `line_text(n)` gives its 1-based line n."""
    key = ("file_role", path)
    role: Role | None = facts.derived.get(key)
    if role is None:
        role = facts.derived[key] = _classify(path, facts, line_text)
    return role


def _classify(path: str | None, facts: ModuleFacts, line_text: Callable[[int], str]) -> Role:
    header = [line_text(number) for number in range(1, _HEADER_LINES + 1)]
    comments = [line for line in header if "#" in line]  # (both patterns need a comment)
    for line in comments:
        stated = _ROLE_COMMENT.search(line) if "review-ls:" in line else None
        if stated and stated.group(1).lower() in {role.value for role in Role}:
            return Role(stated.group(1).lower())
    if is_test_path(path):
        return Role.TEST
    if is_migration(path, facts):
        return Role.MIGRATION
    parts = path_parts(path)
    if parts and parts[-1] in CONFIG_FILES:
        return Role.CONFIG
    if any(_NOTEBOOK_CELL.match(line.strip()) for line in comments):
        return Role.NOTEBOOK
    if is_script_path(path) or facts.has_main_guard or imports_cli_framework(facts):
        return Role.SCRIPT
    return Role.APPLICATION


def is_migration(path: str | None, facts: ModuleFacts) -> bool:
    """True for schema and data migrations: alembic revisions, Django `migrations/`, one-off data fixes."""
    directories = path_parts(path)[:-1]
    if any(part in MIGRATION_DIRECTORIES for part in directories):
        return True
    if any(first == "db" and second == "fixes" for first, second in zip(directories, directories[1:])):
        return True  # one-off data fixes run once at upgrade (e.g. `db/fixes/`)
    if "versions" in directories and "alembic" in imported_roots(facts):
        return True
    return "alembic" in imported_roots(facts) and any(target.startswith("alembic.op") or target == "alembic.op" for target in facts.imports.values())
