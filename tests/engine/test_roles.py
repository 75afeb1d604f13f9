"""File roles: the classifier, and rules skipped in files of roles they do not apply to."""

from __future__ import annotations

import ast

import pytest

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.facts import ModuleFacts
from review_ls.engine.positions import LineIndex
from review_ls.engine.roles import Role
from review_ls.patterns.roles import file_role


def role_of(path: str, source: str = "x = 1\n") -> Role:
    """The role the classifier gives `source` at `path`."""
    return file_role(path, ModuleFacts.from_module(ast.parse(source)), LineIndex.from_source(source).line_text)


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        ("app/services/billing.py", "import stripe\n", Role.APPLICATION),
        ("tests/test_billing.py", "x = 1\n", Role.TEST),
        ("app/billing_test.py", "x = 1\n", Role.TEST),
        ("app/migrations/0064_backfill.py", "from django.db import migrations\n", Role.MIGRATION),
        ("migrations/versions/2021_09_16_3820a792d88a.py", "from alembic import op\n", Role.MIGRATION),
        ("app/db/fixes/fix_migration_data.py", "x = 1\n", Role.MIGRATION),
        ("scripts/reindex.py", "x = 1\n", Role.SCRIPT),
        ("app/management/commands/manage_memories.py", "x = 1\n", Role.SCRIPT),
        ("app/tools_cli.py", "import typer\napp = typer.Typer()\n", Role.SCRIPT),
        ("app/run.py", "if __name__ == '__main__':\n    print(1)\n", Role.SCRIPT),
        ("gunicorn.conf.py", "timeout = 180\n", Role.CONFIG),
        ("deploy/celeryconfig.py", "broker_url = 'redis://'\n", Role.CONFIG),
        ("analysis/explore.py", "# coding: utf-8\n\n# In[1]:\n\nimport pandas\n", Role.NOTEBOOK),
        ("scripts/job.py", "# review-ls: role=application\nx = 1\n", Role.APPLICATION),
    ],
)
def test_file_role(path: str, source: str, expected: Role) -> None:
    assert role_of(path, source) is expected


PRINT_IN_EXCEPT = """\
def upgrade():
    try:
        run()
    except KeyError:
        print("nothing to migrate")
"""


def codes(source: str, path: str) -> list[str]:
    """The codes review-ls reports on `source` at `path` with every rule on (RV501 and RV503 are off by default)."""
    return [finding.code for finding in analyse_source(source, path, Settings(select=("ALL",))).findings]


def test_service_rule_skipped_in_migrations_and_scripts() -> None:
    assert codes(PRINT_IN_EXCEPT, "app/services/sync.py") == ["RV501"]
    assert codes(PRINT_IN_EXCEPT, "app/migrations/0031_sync.py") == []
    assert codes(PRINT_IN_EXCEPT, "scripts/sync.py") == []


LOGGED_WITHOUT_TRACEBACK = """\
import logging

logger = logging.getLogger(__name__)

def sync():
    try:
        run()
    except Exception as e:
        logger.error("sync failed: %s", e)
"""


def test_role_comment_widens_a_rule_to_a_script() -> None:
    assert codes(LOGGED_WITHOUT_TRACEBACK, "scripts/sync.py") == []
    assert codes("# review-ls: role=application\n" + LOGGED_WITHOUT_TRACEBACK, "scripts/sync.py") == ["RV503"]


def test_default_rule_still_runs_in_scripts_but_not_migrations() -> None:
    from review_ls.rules import all_rules

    default = [rule for rule in all_rules() if Role.SCRIPT in rule.applies_to]
    assert default, "some rules review scripts"
    assert all(Role.MIGRATION not in rule.applies_to for rule in all_rules() if rule.code not in ("RV000", "RV001"))
