"""RV704 never asks jedi, so its findings cannot depend on a time budget, the machine's load or PYTHONHASHSEED (issue #15)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.project import ProjectIndex
from review_ls.project.inference import TypeResolver
from review_ls.rules import rule_class

MODELS = """\
from pydantic import BaseModel


class Order(BaseModel):
    items: list[str] | None = None
"""

SERVICE = """\
from models import Order


def first(order: Order, other):
    return order.items[0], other.items[0]
"""


def test_rv704_types_owners_from_facts_without_asking_jedi(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def no_jedi(self: TypeResolver, *args: object, **kwargs: object) -> None:
        asked.append("infer")
        return None

    monkeypatch.setattr(TypeResolver, "infer_with_jedi", no_jedi)
    project = ProjectIndex.from_sources({"models.py": MODELS, "service.py": SERVICE})
    settings = Settings(select=("RV704",), options=(("RV704", (("jedi-budget-ms", 60_000),)),))
    findings = analyse_source(SERVICE, "service.py", settings, project).findings
    assert [(f.code, f.span.line) for f in findings] == [("RV704", 5)]  # `order` from its annotation; `other` unknown
    assert asked == []


def test_rv704_has_no_jedi_budget_option() -> None:
    rule = rule_class("RV704")
    assert rule is not None and all(option.name != "jedi-budget-ms" for option in rule.options)


def test_rv704_findings_are_the_same_under_every_hash_seed(tmp_path: Path) -> None:
    (tmp_path / "models.py").write_text(MODELS, encoding="utf-8")
    (tmp_path / "service.py").write_text(SERVICE, encoding="utf-8")
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        completed = subprocess.run(
            [sys.executable, "-m", "review_ls", "check", "--no-cache", "--select", "RV7", "--format", "json", "."],
            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
        )
        assert completed.returncode in (0, 1), completed.stderr
        outputs.add(completed.stdout)
    assert len(outputs) == 1
