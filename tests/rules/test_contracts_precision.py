"""RV701–RV704 on one file: what local facts decide, and the ambiguous cases that must stay silent."""

from __future__ import annotations

import textwrap

import pytest

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.fixes import apply_edits, compute_fix

MODELS = """
import enum
from typing import Optional
from dataclasses import dataclass
from pydantic import BaseModel


class PartType(str, enum.Enum):
    MOTOR = "MOTOR"
    BOX = "BOX"


class Customer(BaseModel):
    name: str


class Order(BaseModel):
    customer: Customer
    type: PartType
    items: list[str] | None = None
    labels: Optional[dict[str, str]] = None
"""
HEADER_LINES = len(textwrap.dedent(MODELS).strip("\n").splitlines())


def _found(code: str, body: str) -> list[tuple[str, int]]:
    """(code, line within `body`) of the RV7 findings of MODELS + body."""
    source = textwrap.dedent(MODELS).strip("\n") + "\n" + textwrap.dedent(body).strip("\n") + "\n"
    result = analyse_source(source, "example.py", Settings(select=(code,)))
    assert result.internal_errors == ()
    return [(f.code, f.span.line - HEADER_LINES) for f in result.findings]


@pytest.mark.parametrize(
    ("code", "body"),
    [
        # RV702: a name bound to a model and to a dict is ambiguous
        ("RV702", "def f(order: Order):\n    order = order.model_dump()\n    return order['type']"),
        # RV702: a key that is no field, a deletion, an unannotated parameter
        ("RV702", "def f(order: Order, other):\n    del order['items']\n    return order['nickname'], other['type']"),
        # RV702: a module-level model shadowed by an unannotated parameter
        ("RV702", "order = Order(customer=Customer(name='a'), type=PartType.BOX)\ndef f(order):\n    return order['type']"),
        # RV702: a model that mixes in a class from outside the project may define __getitem__
        ("RV702", "from lib import Mixin\nclass Row(BaseModel, Mixin):\n    name: str\ndef f(row: Row):\n    return row['name']"),
        # RV701: an Enum with a non-string member, and a callee that takes **kwargs
        ("RV701", "class Kind(enum.Enum):\n    A = 'A'\n    B = 2\ndef f(kind: Kind):\n    return kind == 'a'"),
        ("RV701", "def make(**fields):\n    return fields\nmake(type='box')"),
        # RV703: the request is passed on whole, or the call reads nothing from it
        (
            "RV703",
            "from fastapi import FastAPI\napp = FastAPI()\ndef run(text: str, type: str = 'x'):\n    return text\n"
            "@app.post('/a')\ndef a(order: Order):\n    audit(order)\n    return run(order.customer.name)\n"
            "@app.post('/b')\ndef b(order: Order):\n    return run('fixed')",
        ),
        # RV704: checked by assert, by a walrus, by an early return; an optional owner; a reassignment
        ("RV704", "def f(order: Order):\n    assert order.items\n    return order.items[0]"),
        ("RV704", "def f(order: Order):\n    if (items := order.items) is None:\n        return 0\n    return len(order.items)"),
        ("RV704", "def f(order: Order):\n    if not order.labels:\n        return ''\n    return order.labels['team']"),
        ("RV704", "def f(order: Order | None):\n    return order.items[0]"),
        ("RV704", "def f(order: Order):\n    order.items = order.items or []\n    return order.items[0]"),
    ],
)
def test_must_not_fire(code: str, body: str) -> None:
    assert _found(code, body) == []


@pytest.mark.parametrize(
    ("code", "body", "line"),
    [
        ("RV702", "def f(orders: list[Order]):\n    for order in orders:\n        print(order['type'])", 3),
        ("RV702", "def f(order: Order):\n    return order.customer['name']", 2),
        ("RV702", "def outer(order: Order):\n    def inner():\n        return order['items']\n    return inner", 3),
        ("RV702", "async def load() -> Order: ...\nasync def f():\n    order = await load()\n    return order['type']", 4),
        ("RV701", "def f(order: Order):\n    return order.type != 'motor'", 2),
        ("RV701", "def f(order: Order):\n    order.type = 'box'", 2),
        ("RV701", "from typing import Optional\ndef count(kind: Optional[PartType] = None): ...\ncount(kind='Box')", 3),
        ("RV704", "def f(order: Order):\n    return 'x' in order.items", 2),
        ("RV704", "class Service:\n    order: Order\n    def first(self):\n        return self.order.items[0]", 4),
    ],
)
def test_fires(code: str, body: str, line: int) -> None:
    assert _found(code, body) == [(code, line)]


def test_comparing_a_members_value_is_fixed_with_the_members_value() -> None:
    source = textwrap.dedent(MODELS).strip("\n") + "\n\ndef is_motor(order: Order):\n    return order.type.value == 'motor'\n"
    settings = Settings(select=("RV701",))
    (finding,) = analyse_source(source, "example.py", settings).findings
    assert "PartType.MOTOR.value" in finding.message
    fix = compute_fix(source, finding, "example.py", settings)
    assert fix is not None
    assert apply_edits(source, fix.edits).endswith("return order.type.value == PartType.MOTOR.value\n")


def test_optional_dict_iterated_is_fixed_with_an_empty_dict() -> None:
    source = textwrap.dedent(MODELS).strip("\n") + "\n\ndef keys(order: Order):\n    return [k for k in order.labels]\n"
    settings = Settings(select=("RV704",))
    (finding,) = analyse_source(source, "example.py", settings).findings
    fix = compute_fix(source, finding, "example.py", settings)
    assert fix is not None
    assert apply_edits(source, fix.edits).endswith("return [k for k in (order.labels or {})]\n")


def test_subscripting_an_optional_list_is_advice_only() -> None:
    source = textwrap.dedent(MODELS).strip("\n") + "\n\ndef first(order: Order):\n    return order.items[0]\n"
    (finding,) = analyse_source(source, "example.py", Settings(select=("RV704",))).findings
    assert not finding.fixable
    assert "order.items is declared list[str] | None" in finding.message
