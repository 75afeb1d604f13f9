"""The CLI forks its jedi service before it builds the project index, while its process is small (`runner.check_files`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import review_ls.project.index
import review_ls.worker_start
from review_ls.cli import main
from review_ls.config import Settings
from review_ls.project.jedi_service import JediService
from review_ls.runner import FileTask
from review_ls.worker_start import may_ask_jedi

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the service is forked")

SHOP = Path(__file__).parent.parent / "fixtures" / "projects" / "enum_shop"


def test_the_service_is_forked_before_the_index_is_built_and_reaped_after(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "enum_shop"
    shutil.copytree(SHOP, root)
    lookup = (root / "shop" / "lookup.py").read_text(encoding="utf-8")
    (root / "pyproject.toml").write_text("[tool.review-ls]\njedi-budget-ms = 60000\n", encoding="utf-8")  # (patient: every answer counts)
    for number in range(20):  # (a parallel run from 16 files on)
        (root / "shop" / f"lookup{number}.py").write_text(lookup, encoding="utf-8")
    events: list[str] = []
    services: list[JediService] = []
    real_start, real_build = review_ls.worker_start.start_jedi_service, review_ls.project.index.ProjectIndex.build

    def start_and_note(*args: object) -> JediService | None:
        service = real_start(*args)  # type: ignore[arg-type]
        events.append("jedi service")
        services.extend([service] if service is not None else [])
        return service

    def build_and_note(*args: object, **kwargs: object) -> object:
        events.append("index")
        return real_build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(review_ls.worker_start, "start_jedi_service", start_and_note)
    monkeypatch.setattr(review_ls.project.index.ProjectIndex, "build", build_and_note)
    output = tmp_path / "out.txt"
    assert main(["check", str(root), "--select", "RV701", "--no-cache", "--jobs", "2", "-o", str(output)]) == 1
    assert events == ["jedi service", "index"]
    assert output.read_text(encoding="utf-8").count("RV701") == 23  # every copy's finding, which only jedi can make
    assert not Path(f"/proc/{services[0].pid}").exists()  # stopped and reaped when the run ended


def test_no_service_is_forked_when_no_enabled_rule_may_ask_jedi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "enum_shop"
    shutil.copytree(SHOP, root)
    lookup = (root / "shop" / "lookup.py").read_text(encoding="utf-8")
    (root / "pyproject.toml").write_text("[tool.review-ls]\njedi = false\n", encoding="utf-8")
    for number in range(20):  # (a parallel run from 16 files on)
        (root / "shop" / f"lookup{number}.py").write_text(lookup, encoding="utf-8")
    forked: list[int] = []
    real_init = JediService.__init__

    def init_and_note(self: JediService, *args: object) -> None:
        forked.append(1)
        real_init(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(JediService, "__init__", init_and_note)
    output = tmp_path / "out.txt"
    main(["check", str(root), "--select", "RV7", "--no-cache", "--jobs", "2", "-o", str(output)])
    assert forked == []
    reported = output.read_text(encoding="utf-8")
    assert "inventory.py:5:52: RV701" in reported  # (the project's own facts still find what they can)
    assert "lookup" not in reported  # (the copies' findings need jedi: none without it)


@pytest.mark.parametrize(
    ("select", "options", "asks"),
    [
        (("ALL",), (), True),  # RV701-RV703 ask jedi by default
        (("RV704",), (), False),  # type-aware, but it never asks jedi
        (("RV1", "RV2", "RV3"), (), False),  # no type-aware rule
        (("RV702",), (("RV702", (("jedi-budget-ms", 0),)),), False),  # jedi off for the one rule that could ask
        (("RV701", "RV702"), (("RV702", (("jedi-budget-ms", 0),)),), True),  # RV701 still may
    ],
)
def test_may_ask_jedi_follows_the_enabled_rules_and_their_budgets(select: tuple[str, ...], options: tuple[tuple[str, tuple[tuple[str, object], ...]], ...], asks: bool) -> None:
    task = FileTask("m.py", Settings(select=select, options=options))
    assert may_ask_jedi([task]) is asks


def test_a_service_is_forked_when_any_task_may_ask_jedi() -> None:
    quiet, asking = Settings(select=("RV704",)), Settings(select=("RV703",))
    assert may_ask_jedi([FileTask("a.py", quiet), FileTask("b.py", asking)])
    assert not may_ask_jedi([FileTask("a.py", quiet)])
