"""CarriedMemo: the next snapshot's memo keeps what is not stale, shares the rest, and never changes the memo it came from."""

from __future__ import annotations

import random

import pytest

from review_ls.project import carried_memo
from review_ls.project.carried_memo import CarriedMemo, adopted


def test_a_carried_memo_hides_the_stale_functions_and_keeps_the_others() -> None:
    memo = CarriedMemo()
    memo["a"], memo["b"] = 1, None
    child = memo.carried({"a"})
    assert "a" not in child and child["b"] is None and child.get("a", "missing") == "missing"
    child["a"] = 2
    child["c"] = 3
    assert memo["a"] == 1 and "c" not in memo  # the memo it came from is left as it was


def test_tuple_keys_are_kept_per_function_and_copied_on_the_first_write() -> None:
    memo = CarriedMemo(tuple_keys=True)
    memo[("f", "x", "file")] = "chain"
    child = memo.carried(())
    child[("f", "y", "url")] = None
    assert child[("f", "x", "file")] == "chain" and ("f", "y", "url") in child
    assert ("f", "y", "url") not in memo
    assert sorted(child.items(), key=str) == [(("f", "x", "file"), "chain"), (("f", "y", "url"), None)]


def test_suspects_are_dropped_only_when_their_value_is_refused() -> None:
    memo = CarriedMemo()
    memo["near"], memo["far"], memo["other"] = "points into moved.py", "elsewhere", "points into moved.py"
    child = memo.carried((), suspects={"near", "far"}, drops=lambda value: "moved.py" in value)
    assert "near" not in child and child["far"] == "elsewhere" and "other" in child  # `other` reads no moved file


def test_adopted_takes_the_kept_memo_when_nothing_was_memoised_yet() -> None:
    kept = CarriedMemo()
    kept["a"] = 1
    assert adopted(CarriedMemo(), kept) is kept
    own = CarriedMemo()
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

    def key(name: str) -> object:
        return (name, chooser.randrange(2)) if tuple_keys else name

    memo, reference = CarriedMemo(tuple_keys), {}
    for _ in range(60):
        for _ in range(chooser.randrange(4)):
            k, value = key(chooser.choice(names)), chooser.randrange(100)
            memo[k] = value
            reference[k] = value
        stale = set(chooser.sample(names, chooser.randrange(3)))
        suspects = set(chooser.sample(names, chooser.randrange(3)))
        refused = {name for name in suspects if any(v % 2 for k, v in reference.items() if (k[0] if tuple_keys else k) == name)}  # type: ignore[index]
        previous, before = memo, dict(memo.items())
        memo = memo.carried(stale, suspects, lambda value: any(v % 2 for v in value.values()) if isinstance(value, dict) else value % 2 == 1)
        reference = {k: v for k, v in reference.items() if (k[0] if tuple_keys else k) not in stale | refused}  # type: ignore[index]
        assert dict(memo.items()) == reference
        assert all(memo.get(k) == v for k, v in reference.items())
        memo[key(chooser.choice(names))] = -1  # a write to the new memo ...
        reference = dict(memo.items())
        assert dict(previous.items()) == before  # ... leaves the previous one as it was
