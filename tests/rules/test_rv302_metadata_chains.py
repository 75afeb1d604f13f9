"""RV302 chains need real I/O: file-system metadata checks block only where an async def makes them itself (issue #15)."""

from __future__ import annotations

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.project import ProjectIndex

HELPERS = """\
import os


def server_id():
    path = os.path.abspath("server.id")
    if os.path.exists(path):
        with open(path) as handle:
            return handle.read()
    return None


def is_configured():
    return os.path.exists("server.id")
"""


def findings(route: str) -> list[tuple[int, str]]:
    """RV302's (line, message) on `route` in a project with the helpers above."""
    project = ProjectIndex.from_sources({"helpers.py": HELPERS, "routes.py": route})
    result = analyse_source(route, "routes.py", Settings(select=("RV302",)), project)
    return [(f.span.line, f.message) for f in result.findings]


def test_a_chain_names_the_real_io_after_a_metadata_check() -> None:
    [(line, message)] = findings("from helpers import server_id\n\n\nasync def home():\n    return server_id()\n")
    assert line == 5 and "through server_id -> open" in message


def test_a_helper_that_only_checks_metadata_does_not_block_its_async_callers() -> None:
    assert findings("from helpers import is_configured\n\n\nasync def home():\n    return is_configured()\n") == []


def test_a_metadata_check_made_in_the_async_def_itself_is_still_reported() -> None:
    [(line, message)] = findings("import os\n\n\nasync def home():\n    return os.path.exists('server.id')\n")
    assert line == 5 and message.startswith("os.path.exists() blocks the event loop")
