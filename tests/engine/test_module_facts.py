"""`ModuleFacts.from_module` leaves the contract digests to the fingerprint, which computes them when first read."""

from __future__ import annotations

import ast
import textwrap
from typing import Any

import pytest

from review_ls.engine import facts as facts_module
from review_ls.engine.facts import BindingKind, ModuleFacts, statement_facts

SOURCE = """
import os
from .models import Part as P

LIMIT = 1
cache = {}


def handler(request: Request, limit: int = 10) -> dict:
    return {}


class Service(Base):
    name: str
    def run(self, x): ...


if os.environ.get("X"):
    def helper(a): ...
"""


def _eager(module: ast.Module) -> ModuleFacts:
    """The facts as the incremental analyser merges them: digests computed with every statement."""
    return ModuleFacts((s.lineno, s.end_lineno or s.lineno, statement_facts(s)) for s in module.body)


def test_the_fingerprint_of_facts_from_a_module_equals_the_one_merged_from_statements() -> None:
    module = ast.parse(textwrap.dedent(SOURCE))
    lazy, eager = ModuleFacts.from_module(module), _eager(module)
    assert lazy.fingerprint == eager.fingerprint
    assert lazy.imports == eager.imports and lazy.bindings.keys() == eager.bindings.keys()
    assert (lazy.import_block_end, lazy.header_end, lazy.has_main_guard) == (eager.import_block_end, eager.header_end, eager.has_main_guard)


@pytest.mark.parametrize(
    "edited",
    [
        SOURCE.replace("limit: int = 10", "limit: int = 10, page: int = 1"),  # a signature
        SOURCE.replace("name: str", "name: int"),  # a class's field
        SOURCE.replace("def helper(a)", "def helper(a, b)"),  # a function defined in an `if` block
    ],
)
def test_a_contract_change_changes_the_lazy_fingerprint(edited: str) -> None:
    before, after = (ModuleFacts.from_module(ast.parse(textwrap.dedent(text))) for text in (SOURCE, edited))
    assert before.fingerprint != after.fingerprint


def test_a_body_change_keeps_the_fingerprint() -> None:
    edited = SOURCE.replace("return {}", "return {'a': 1}")
    before, after = (ModuleFacts.from_module(ast.parse(textwrap.dedent(text))) for text in (SOURCE, edited))
    assert before.fingerprint == after.fingerprint


def test_facts_from_a_module_compute_no_contract_digest_until_the_fingerprint_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    digested: list[str] = []
    original = facts_module.contract_digest

    def counted(stmt: Any) -> Any:
        digested.append(stmt.name)
        return original(stmt)

    monkeypatch.setattr(facts_module, "contract_digest", counted)
    facts = ModuleFacts.from_module(ast.parse(textwrap.dedent(SOURCE)))
    assert digested == []
    assert facts.bindings["handler"].kind is BindingKind.FUNCTION and facts.bindings["Service"].kind is BindingKind.CLASS
    facts.fingerprint  # noqa: B018
    assert sorted(digested) == ["Service", "handler", "helper"]
