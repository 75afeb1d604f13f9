"""LayeredDict: copies that share a base behave like independent dicts."""

from __future__ import annotations

import random

import pytest

from review_ls.project import layered
from review_ls.project.layered import LayeredDict, layered_copy


@pytest.mark.parametrize("seed", range(4))
def test_random_changes_to_copies_match_plain_dicts(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layered, "FOLD_AT", 8)  # fold often
    chooser = random.Random(seed)
    current, model = layered_copy({key: key for key in range(20)}), {key: key for key in range(20)}
    snapshots = []
    for _ in range(200):
        current, model = current.child(), dict(model)
        key = chooser.randrange(30)
        if chooser.random() < 0.4:
            assert current.pop(key) == model.pop(key, None)
        else:
            current[key] = model[key] = chooser.randrange(1000)
        snapshots.append((current, model))
    for mapping, expected in snapshots:  # a later copy's changes never show in an earlier one
        assert dict(mapping.items()) == expected
        assert sorted(mapping) == sorted(expected) and len(mapping) == len(expected)
        assert all((key in mapping) == (key in expected) and mapping.get(key) == expected.get(key) for key in range(30))


def test_a_missing_key_raises_and_a_removed_key_is_gone() -> None:
    mapping = LayeredDict({"a": 1}).child()
    assert mapping.pop("a") == 1
    assert "a" not in mapping and mapping.get("a", 5) == 5
    with pytest.raises(KeyError):
        mapping["a"]
    mapping["a"] = 2
    assert list(mapping.items()) == [("a", 2)]
