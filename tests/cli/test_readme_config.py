"""The README's configuration example is a valid `[tool.review-ls]` table that means what its comments say."""

from __future__ import annotations

import re
from pathlib import Path

from review_ls.config import load_project_config

ROOT = Path(__file__).resolve().parents[2]


def _readme_config_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None, "README's Configuration section has no toml example"
    return block.group(1)


def test_the_readme_config_example_loads_as_documented(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(_readme_config_example(), encoding="utf-8")
    config = load_project_config(pyproject)
    assert config is not None
    assert [pattern for pattern, _ in config.per_file_ignores] == ["tests/**", "scripts/*.py"]
    assert config.entry_points == ("myapp.jobs:*", "myapp.worker:handle")
    settings = config.settings
    assert settings.options_for("RV702")["jedi-budget-ms"] == 500  # the rule's own option wins
    assert settings.options_for("RV701")["jedi-budget-ms"] == 200  # the global budget reaches the other RV7 rules
    assert settings.is_enabled("RV303") and not settings.is_enabled("RV406")
