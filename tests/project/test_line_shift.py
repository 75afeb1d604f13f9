"""Moving extracted facts to new lines: every `line` field moves, nothing else changes."""

from __future__ import annotations

from review_ls.project.call_facts import BlockingSite, CallSite, FunctionCallFacts
from review_ls.project.line_shift import shifted
from review_ls.project.taint_facts import FunctionTaint, ParamCall, ParamSink


def test_every_line_of_nested_facts_moves_and_nothing_else_changes() -> None:
    taint = FunctionTaint(("path",), (ParamSink("path", "file", "open", 7, False),), (ParamCall("path", "pkg.helpers.read", 0, 8),))
    facts = FunctionCallFacts("pkg.app.read", 5, False, "route", (BlockingSite("time.sleep", 6),), (CallSite("pkg.helpers.read", 8),), taint=taint, label="GET /x")
    moved = shifted(facts, 3)
    assert moved == FunctionCallFacts(
        "pkg.app.read", 8, False, "route", (BlockingSite("time.sleep", 9),), (CallSite("pkg.helpers.read", 11),),
        taint=FunctionTaint(("path",), (ParamSink("path", "file", "open", 10, False),), (ParamCall("path", "pkg.helpers.read", 0, 11),)), label="GET /x",
    )
    assert shifted(moved, -3) == facts


def test_a_value_without_lines_is_the_same_object() -> None:
    facts = FunctionCallFacts("pkg.app.f", 1, False, "", (), ())
    assert shifted(facts.calls, 4) is facts.calls
    assert shifted(facts, 0) is facts
    taint = FunctionTaint(("a", "b"), returns=("a",))
    assert shifted(taint, 2) is taint


def test_a_value_of_another_class_moves_its_lines_itself() -> None:
    class Scan:
        def __init__(self, lines: list[int]) -> None:
            self.lines = lines

        def shifted(self, delta: int) -> Scan:
            return Scan([line + delta for line in self.lines])

    assert shifted([Scan([1, 2])], 2)[0].lines == [3, 4]


def test_slotted_facts_move_too() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True, slots=True)
    class Site:
        target: str
        line: int

    moved = shifted((Site("pkg.f", 3), "kept"), 2)
    assert moved == (Site("pkg.f", 5), "kept")
    assert not hasattr(moved[0], "__dict__")
