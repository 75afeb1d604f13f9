"""A per-function memo of summaries that the next snapshot takes over in time proportional to the change, not to its size.

The summaries (blocking, taint, client, query, process-state effects, resolved callees) memoise a
value per function, keyed by the function's absolute name or by a tuple that starts with it. After
an edit the next snapshot keeps every entry except those of the stale functions (`model_update.py`).
`CarriedMemo` stores entries by function name: a shared base dict that is never changed, a layer of
this memo's own entries, and the names whose base entries no longer hold. `carried` makes the next
snapshot's memo by copying the layer only (in C) and hiding the stale names; the layer is folded
into a new base once it grows past `FOLD_AT` names. With tuple keys, a function's entries sit in
one small dict per name (`rest of the key -> value`), copied on the first write of a new owner.

A function that reads a file whose lines only moved keeps its entries unless one of them has a
step in that file (`model_update.points_into`). Which files a value has steps in is found once per
value object (`step_paths`) and cached for every memo carried from this one: the same objects are
carried from snapshot to snapshot, and an editor edits the same file again and again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields, is_dataclass
from typing import Any, Generic, TypeVar, cast

FOLD_AT = 4096
_MISSING: Any = object()
K = TypeVar("K")
V = TypeVar("V")


class CarriedMemo(Generic[K, V]):
    """Summaries by function name (or by a tuple starting with it): a shared base, this memo's layer, hidden base names."""

    __slots__ = ("_base", "_layer", "_hidden", "_owned", "_tuple_keys", "_steps_in")

    def __init__(self, tuple_keys: bool = False) -> None:
        self._base: dict[str, Any] = {}  # never changed: other memos may share it
        self._layer: dict[str, Any] = {}
        self._hidden: frozenset[str] = frozenset()  # names whose base entries do not hold here
        self._owned: set[str] = set()  # (tuple keys) names whose dict in the layer this memo made, so may change
        self._tuple_keys = tuple_keys
        self._steps_in: dict[str, tuple[Any, frozenset[str] | None]] = {}  # name -> (value, `step_paths` of it); shared with carried memos

    def _entry(self, name: str) -> Any:
        """The value (or, with tuple keys, the dict of values) of `name`, or `_MISSING`."""
        found = self._layer.get(name, _MISSING)
        if found is not _MISSING or name in self._hidden:
            return found
        return self._base.get(name, _MISSING)

    def get(self, key: K, default: Any = None) -> V | Any:
        """The value memoised for `key`, or `default`."""
        if not self._tuple_keys:
            found = self._entry(cast(str, key))
            return default if found is _MISSING else found
        parts = cast(tuple[Any, ...], key)
        entries = self._entry(parts[0])
        return default if entries is _MISSING else entries.get(parts[1:], default)

    def __contains__(self, key: object) -> bool:
        return self.get(cast(K, key), _MISSING) is not _MISSING

    def __getitem__(self, key: K) -> V:
        found = self.get(key, _MISSING)
        if found is _MISSING:
            raise KeyError(key)
        return cast(V, found)

    def __setitem__(self, key: K, value: V) -> None:
        if not self._tuple_keys:
            self._layer[cast(str, key)] = value
            return
        parts = cast(tuple[Any, ...], key)
        name = parts[0]
        if name not in self._owned:
            shared = self._entry(name)
            self._layer[name] = {} if shared is _MISSING else dict(shared)
            self._owned.add(name)
        self._layer[name][parts[1:]] = value

    def missing(self, names: Iterable[str]) -> list[str]:
        """Those of `names` (plain keys) that have no entry, in order (`not in` for each, without a call per name)."""
        layer, hidden, base = self._layer, self._hidden, self._base
        return [name for name in names if name not in layer and (name in hidden or name not in base)]

    def update(self, other: Mapping[K, V]) -> None:
        """Memoise every entry of `other`."""
        for key, value in other.items():
            self[key] = value

    def __iter__(self) -> Iterator[K]:
        return (key for key, _ in self.items())

    def __len__(self) -> int:
        return sum(1 for _ in self.items())

    def items(self) -> Iterator[tuple[K, V]]:
        """Every (key, value) memoised (for tests and for callers that read the whole memo)."""
        layer, hidden = self._layer, self._hidden
        merged = [*((n, v) for n, v in self._base.items() if n not in layer and n not in hidden), *layer.items()]
        for name, value in merged:
            if self._tuple_keys:
                yield from ((cast(K, (name, *rest)), found) for rest, found in value.items())
            else:
                yield cast(K, name), value

    def carried(self, stale: Iterable[str], suspects: Iterable[str] = (), moved: frozenset[str] = frozenset()) -> CarriedMemo[K, V]:
        """The memo of the next snapshot: these entries except those of the `stale` names and of the `suspects` whose value
        (with tuple keys: one of their values) has a step in one of the `moved` files. This memo is left as it is."""
        hidden = set(stale)
        if moved:  # (`_entry` inlined, and which files a value has steps in cached per value: every reader of a moved file is a suspect)
            layer, base, hidden_in_base, steps_in = self._layer, self._base, self._hidden, self._steps_in
            for name in suspects:
                found = layer.get(name, _MISSING)
                if found is _MISSING:
                    if name in hidden_in_base:
                        continue
                    found = base.get(name, _MISSING)
                if found is None or found is _MISSING or name in hidden:
                    continue
                cached = steps_in.get(name)
                if cached is None or cached[0] is not found:
                    cached = steps_in[name] = (found, step_paths(found))
                if cached[1] is None or not cached[1].isdisjoint(moved):
                    hidden.add(name)
        memo: CarriedMemo[K, V] = CarriedMemo(self._tuple_keys)
        memo._steps_in = self._steps_in
        layer = dict(self._layer)
        for name in hidden:
            layer.pop(name, None)
        hidden_in_base = self._hidden.union(name for name in hidden if name in self._base)
        if len(layer) + len(hidden_in_base) > FOLD_AT:
            base = {**self._base, **layer}
            for name in hidden_in_base:
                if name not in layer:
                    base.pop(name, None)
            memo._base = base
        else:
            memo._base, memo._layer, memo._hidden = self._base, layer, frozenset(hidden_in_base)
        return memo

    def names(self) -> frozenset[str]:
        """The names of the functions with a memoised entry now."""
        layer, hidden = self._layer, self._hidden
        return frozenset(layer).union(name for name in self._base if name not in hidden) if hidden else frozenset(layer).union(self._base)


def step_paths(value: object) -> frozenset[str] | None:
    """The files of the steps of a summary (a chain with `steps`, a step with a `path`, or containers and dataclasses of
    them); None when it holds something else, which may hold lines of any file."""
    found: set[str] = set()
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if item is None or kind is str or kind is int or kind is bool:
            continue
        if kind is dict:
            pending.extend(item.values())  # type: ignore[attr-defined]
            continue
        steps = getattr(item, "steps", None)
        if isinstance(steps, tuple) and is_dataclass(item):  # a chain: its other fields are names, flags and a line of a step's file
            found.update(step.path for step in steps)
        elif isinstance(path := getattr(item, "path", None), str) and hasattr(item, "qualname") and is_dataclass(item):  # one step
            found.add(path)
        elif isinstance(item, (tuple, list, frozenset, set)):
            pending.extend(item)
        elif is_dataclass(item):
            pending.extend(getattr(item, f.name) for f in fields(item))
        elif isinstance(item, Mapping):
            pending.extend(item.values())
        else:
            return None
    return frozenset(found)


def adopted(own: CarriedMemo[K, V], kept: Mapping[K, V] | CarriedMemo[K, V]) -> CarriedMemo[K, V]:
    """A summary's memo after it starts with the entries `kept` from an earlier snapshot: `kept` itself when the summary has
    memoised nothing yet, else `own` with them added."""
    if isinstance(kept, CarriedMemo) and not own._layer and not own._base:
        return kept
    own.update(kept if isinstance(kept, Mapping) else dict(kept.items()))
    return own
