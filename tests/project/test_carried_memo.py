"""CarriedMemo: the next snapshot's memo keeps what is not stale, shares the rest, and never changes the memo it came from."""

from __future__ import annotations

import random
from typing import Any

import pytest

from review_ls.project import carried_memo
from review_ls.project.call_graph import BlockingChain, ChainStep
from review_ls.project.carried_memo import CarriedMemo, adopted, step_paths


def test_a_carried_memo_hides_the_stale_functions_and_keeps_the_others() -> None:
    memo: CarriedMemo[str, int | None] = CarriedMemo()
    memo["a"], memo["b"] = 1, None
    child = memo.carried({"a"})
    assert "a" not in child and child["b"] is None and child.get("a", "missing") == "missing"
    child["a"] = 2
    child["c"] = 3
    assert memo["a"] == 1 and "c" not in memo  # the memo it came from is left as it was


def test_tuple_keys_are_kept_per_function_and_copied_on_the_first_write() -> None:
    memo: CarriedMemo[tuple[str, str, str], str | None] = CarriedMemo(tuple_keys=True)
    memo[("f", "x", "file")] = "chain"
    child = memo.carried(())
    child[("f", "y", "url")] = None
    assert child[("f", "x", "file")] == "chain" and ("f", "y", "url") in child
    assert ("f", "y", "url") not in memo
    assert sorted(child.items(), key=str) == [(("f", "x", "file"), "chain"), (("f", "y", "url"), None)]


def chain_through(*paths: str) -> BlockingChain:
    return BlockingChain(tuple(ChainStep(f"m.f{n}", path, n + 1) for n, path in enumerate(paths)), "time.sleep", 3)


def test_suspects_are_dropped_only_when_a_step_of_their_value_is_in_a_moved_file() -> None:
    memo: CarriedMemo[str, BlockingChain | None] = CarriedMemo()
    memo["near"], memo["far"], memo["other"], memo["none"] = chain_through("a.py", "moved.py"), chain_through("a.py"), chain_through("moved.py"), None
    child = memo.carried((), suspects={"near", "far", "none"}, moved=frozenset({"moved.py"}))
    assert "near" not in child and child["far"] == chain_through("a.py") and "none" in child
    assert "other" in child  # not a suspect: reads no moved file
    again = child.carried((), suspects={"far"}, moved=frozenset({"a.py"}))  # (the steps of `far`'s value are known by now)
    assert "far" not in again


def test_step_paths_finds_the_steps_inside_containers_and_dataclasses_and_refuses_unknown_values() -> None:
    effects = {"state": {"x": chain_through("s.py")}, "pair": (ChainStep("m.g", "g.py", 1), None)}
    assert step_paths(effects) == frozenset({"s.py", "g.py"})
    assert step_paths(None) == frozenset() and step_paths(("m.f", "m.g")) == frozenset()
    assert step_paths(object()) is None


def test_adopted_takes_the_kept_memo_when_nothing_was_memoised_yet() -> None:
    kept: CarriedMemo[str, int] = CarriedMemo()
    kept["a"] = 1
    assert adopted(CarriedMemo(), kept) is kept
    own: CarriedMemo[str, int] = CarriedMemo()
    own["b"] = 2
    merged = adopted(own, kept)
    assert merged is own and merged["a"] == 1 and merged["b"] == 2
    assert adopted(CarriedMemo(), {"c": 3})["c"] == 3


@pytest.mark.parametrize("tuple_keys", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_many_generations_with_folds_match_a_plain_dict(monkeypatch: pytest.MonkeyPatch, seed: int, tuple_keys: bool) -> None:
    monkeypatch.setattr(carried_memo, "FOLD_AT", 5)
    chooser = random.Random(seed)
    names = [f"f{n}" for n in range(12)]

    def key(name: str) -> Any:
        return (name, chooser.randrange(2)) if tuple_keys else name

    def name_of(key: Any) -> str:
        return key[0] if tuple_keys else key

    memo: CarriedMemo[Any, BlockingChain] = CarriedMemo(tuple_keys)
    reference: dict[Any, BlockingChain] = {}
    for _ in range(60):
        for _ in range(chooser.randrange(4)):
            k, value = key(chooser.choice(names)), BlockingChain((ChainStep("m.f", f"odd{chooser.randrange(3)}.py", 1),), "c", chooser.randrange(100))
            memo[k] = value
            reference[k] = value
        stale = set(chooser.sample(names, chooser.randrange(3)))
        suspects = set(chooser.sample(names, chooser.randrange(3)))
        moved = frozenset({f"odd{chooser.randrange(2)}.py"})
        refused = {name for name in suspects if any(v.steps[0].path in moved for k, v in reference.items() if name_of(k) == name)}
        previous, before = memo, dict(memo.items())
        memo = memo.carried(stale, suspects, moved)
        reference = {k: v for k, v in reference.items() if name_of(k) not in stale | refused}
        assert dict(memo.items()) == reference
        assert all(memo.get(k) == v for k, v in reference.items())
        memo[key(chooser.choice(names))] = chain_through("odd0.py")  # a write to the new memo ...
        reference = dict(memo.items())
        assert dict(previous.items()) == before  # ... leaves the previous one as it was


def test_missing_lists_the_names_without_an_entry_as_not_in_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(carried_memo, "FOLD_AT", 1)
    memo: CarriedMemo[str, object] = CarriedMemo()
    memo.update({"a": 1, "b": None, "c": 3})
    folded = memo.carried(["c"])  # (the layer folds into a new base)
    carried = folded.carried(["a"])  # `a` hidden in the base
    carried["d"] = None
    names = ["a", "b", "c", "d", "e"]
    assert carried.missing(names) == [name for name in names if name not in carried] == ["a", "c", "e"]
