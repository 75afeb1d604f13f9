"""RV302 chains need network, subprocess, sleep or database I/O; local file work blocks only where an async def does it itself (issue #15)."""

from __future__ import annotations

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.project import ProjectIndex

HELPERS = """\
import os

import requests


def server_id():
    path = os.path.abspath("server.id")
    if os.path.exists(path):
        with open(path) as handle:
            return handle.read()
    return None


def report(event):
    if os.path.exists("disabled"):
        return None
    return requests.post("https://telemetry.example.com", json=event, timeout=5)
"""


def findings(route: str) -> list[tuple[int, str]]:
    """RV302's (line, message) on `route` in a project with the helpers above."""
    project = ProjectIndex.from_sources({"helpers.py": HELPERS, "routes.py": route})
    result = analyse_source(route, "routes.py", Settings(select=("RV302",)), project)
    return [(f.span.line, f.message) for f in result.findings]


def test_a_chain_names_the_network_call_after_local_file_checks() -> None:
    [(line, message)] = findings("from helpers import report\n\n\nasync def home(event):\n    return report(event)\n")
    assert line == 5 and "through report -> requests.post" in message


def test_a_helper_that_only_works_on_local_files_does_not_block_its_async_callers() -> None:
    assert findings("from helpers import server_id\n\n\nasync def home():\n    return server_id()\n") == []


def test_local_file_work_in_the_async_def_itself_is_still_reported() -> None:
    route = "import os\n\n\nasync def home():\n    if os.path.exists('server.id'):\n        with open('server.id') as handle:\n            return handle.read()\n"
    assert [line for line, _ in findings(route)] == [6, 7]  # `os.path.exists` only with report-metadata-checks
