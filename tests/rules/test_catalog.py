"""The rule catalog (review_ls/rules/_catalog.py) is generated from the rule classes; this fails while it is stale."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from review_ls.config import Settings
from review_ls.engine.analysis import rule_set_for
from review_ls.engine.project_model import needs_project
from review_ls.rules import all_rules, codes_needing_project, default_off_codes, known_codes, rule_class, rules_for

ROOT = Path(__file__).resolve().parent.parent.parent


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_rule_catalog", ROOT / "scripts" / "generate_rule_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_catalog_is_current() -> None:
    generator = load_generator()
    assert generator.CATALOG.read_text(encoding="utf-8") == generator.catalog_text(), "run `python scripts/generate_rule_catalog.py`"


def test_what_the_catalog_answers_is_what_the_rule_classes_say() -> None:
    rules = all_rules()
    assert known_codes() == {rule.code for rule in rules}
    assert default_off_codes() == {rule.code for rule in rules if not rule.default_enabled}
    assert codes_needing_project() == {rule.code for rule in rules if needs_project(rule.needs)}
    assert rules_for(known_codes()) == rules
    for rule in rules:
        assert rule_class(rule.code) is rule and rule_class(rule.name) is rule


def test_rules_for_skips_unknown_codes_and_sorts() -> None:
    assert [rule.code for rule in rules_for(["RV203", "RV999", "RV201"])] == ["RV201", "RV203"]


def test_a_default_run_imports_only_the_rules_it_enables() -> None:
    program = (
        "import sys\n"
        "from review_ls.config import Settings\n"
        "from review_ls.engine.analysis import rule_set_for\n"
        "codes = sorted(rule.code for rule in rule_set_for(Settings()).rules)\n"
        "modules = sorted(m.rsplit('.', 1)[1][:5].upper() for m in sys.modules if m.startswith('review_ls.rules.') and '.rv' in m)\n"
        "print(' '.join(codes)); print(' '.join(modules))\n"
    )
    enabled, imported = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout.splitlines()
    assert imported == enabled
    assert set(enabled.split()) == {rule.code for rule in rule_set_for(Settings()).rules}
    assert default_off_codes() and not default_off_codes() & set(imported.split())
