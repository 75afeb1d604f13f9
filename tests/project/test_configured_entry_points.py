"""`[tool.review-ls] entry-points`: functions named in the configuration are entry points of the model (role `configured`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from review_ls.cli import main
from review_ls.config import ConfigError, parse_config_table
from review_ls.project import ProjectIndex
from review_ls.project.entry_points import CONFIGURED, ROUTE

SOURCES = {
    "myapp/__init__.py": "",
    "myapp/jobs.py": "def nightly():\n    pass\n\n\nclass Report:\n    def build(self):\n        pass\n",
    "myapp/worker.py": "def handle(message):\n    pass\n\n\ndef helper():\n    pass\n",
    "myapp/api.py": "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/')\nasync def index():\n    pass\n",
}


def _roles(index: ProjectIndex) -> dict[str, str]:
    return {facts.qualname: facts.role for _, facts in index.call_graph.entry_points()}


def test_configured_functions_are_entry_points_with_the_configured_role() -> None:
    index = ProjectIndex.from_sources(SOURCES)
    assert _roles(index) == {"myapp.api.index": ROUTE}
    before = index.fingerprint
    assert index.configure_entry_points(["myapp.jobs:*", "myapp.worker:handle", "myapp.api:index"]) is True
    assert index.fingerprint != before, "findings that read roles must be re-computed"
    assert _roles(index) == {
        "myapp.jobs.nightly": CONFIGURED,
        "myapp.jobs.Report.build": CONFIGURED,
        "myapp.worker.handle": CONFIGURED,
        "myapp.api.index": ROUTE,  # the decorator's role is kept
    }
    assert index.configure_entry_points(["myapp.worker:handle", "myapp.jobs:*", "myapp.api:index"]) is False


def test_class_patterns_name_methods_only() -> None:
    index = ProjectIndex.from_sources(SOURCES)
    index.configure_entry_points(["myapp.jobs:Report.*"])
    assert _roles(index) == {"myapp.api.index": ROUTE, "myapp.jobs.Report.build": CONFIGURED}
    index.configure_entry_points(["myapp.jobs:Report.build", "myapp.work:handle"])  # a module prefix is not the module
    assert _roles(index) == {"myapp.api.index": ROUTE, "myapp.jobs.Report.build": CONFIGURED}
    index.configure_entry_points([])
    assert _roles(index) == {"myapp.api.index": ROUTE}


def test_the_configuration_keeps_valid_entries() -> None:
    config = parse_config_table({"entry-points": ["myapp.jobs:*", "myapp.worker:handle", "jobs:Report.build", "jobs:Report.*"]}, Path("."), "pyproject.toml")
    assert config.entry_points == ("myapp.jobs:*", "myapp.worker:handle", "jobs:Report.build", "jobs:Report.*")


@pytest.mark.parametrize("value", [["myapp.jobs"], ["myapp.jobs:"], [":handle"], ["myapp..jobs:x"], ["myapp.jobs:handle()"], ["my-app:x"], "myapp.jobs:*", [1]])
def test_invalid_entries_are_a_clear_configuration_error(value: object) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config_table({"entry-points": value}, Path("."), "pyproject.toml")
    assert raised.value.key == "entry-points"
    assert str(raised.value).startswith("pyproject.toml: [tool.review-ls] entry-points: ")


def test_the_cli_exits_2_with_one_line_for_an_invalid_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.review-ls]\nentry-points = ["myapp.jobs"]\n', encoding="utf-8")
    (tmp_path / "app.py").write_text("x = 1\n", encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert "entry-points: 'myapp.jobs' is not 'package.module:function'" in error
