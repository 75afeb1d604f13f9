"""docs/rules is generated from the rules; this fails while it is stale (run scripts/generate_rule_docs.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from review_ls.docs import rule_docs_pages
from review_ls.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_rule_docs", ROOT / "scripts" / "generate_rule_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rule_docs_are_current() -> None:
    generator = load_generator()
    stale = generator.stale_pages(ROOT / "docs" / "rules", rule_docs_pages(all_rules()))
    assert not stale, f"docs/rules is stale ({', '.join(stale)}): run `python scripts/generate_rule_docs.py`"


def test_every_rule_has_a_page_and_an_index_row() -> None:
    pages = rule_docs_pages(all_rules())
    for rule in all_rules():
        page = pages[f"{rule.code}.md"]
        assert f"# {rule.code} {rule.name}" in page and "**What it does**" in page
        assert f"[{rule.code}]({rule.code}.md)" in pages["README.md"]


def test_generator_writes_then_finds_nothing_stale_and_removes_leftovers(tmp_path: Path) -> None:
    generator = load_generator()
    pages = rule_docs_pages(all_rules())
    (tmp_path / "RV999.md").write_text("a rule that is gone\n", encoding="utf-8")
    touched = generator.write_pages(tmp_path, pages)
    assert "RV999.md" in touched and set(pages) <= set(touched)
    assert not (tmp_path / "RV999.md").exists()
    assert generator.stale_pages(tmp_path, pages) == []
