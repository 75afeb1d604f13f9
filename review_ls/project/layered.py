"""A mapping that the next snapshot copies in time proportional to the changes, not to its size.

`LayeredDict` is a base dict that is never changed once shared plus a small layer of changes
(new or replaced entries, removed keys). `child()` copies only the layer, so a call graph patched
after an edit shares the big maps of the previous graph instead of copying them; the layer is
folded into a new base once it grows past `FOLD_AT` entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Generic, TypeVar, cast

K = TypeVar("K")
V = TypeVar("V")

FOLD_AT = 4096
_MISSING = object()


class LayeredDict(Mapping[K, V], Generic[K, V]):
    """A dict of a shared, unchanged base and a layer of this copy's own changes."""

    __slots__ = ("_base", "_layer", "_removed")

    def __init__(self, base: dict[K, V] | None = None) -> None:
        self._base: dict[K, V] = {} if base is None else base  # never changed: other copies may share it
        self._layer: dict[K, V] = {}
        self._removed: set[K] = set()

    def child(self) -> LayeredDict[K, V]:
        """An independent copy that shares this one's base (folded into a new base when the layer grew large)."""
        if len(self._layer) + len(self._removed) > FOLD_AT:
            return LayeredDict(dict(self.items()))
        copy: LayeredDict[K, V] = LayeredDict(self._base)
        copy._layer = dict(self._layer)
        copy._removed = set(self._removed)
        return copy

    def get(self, key: K, default: V | None = None) -> V | None:  # type: ignore[override]
        """The value of `key`, or `default`."""
        found = self._layer.get(key, _MISSING)
        if found is not _MISSING:
            return cast(V, found)
        if key in self._removed:
            return default
        return self._base.get(key, default)

    def __getitem__(self, key: K) -> V:
        found = self.get(key, _MISSING)  # type: ignore[arg-type]
        if found is _MISSING:
            raise KeyError(key)
        return cast(V, found)

    def __contains__(self, key: object) -> bool:
        return key in self._layer or (key not in self._removed and key in self._base)

    def __setitem__(self, key: K, value: V) -> None:
        self._layer[key] = value
        self._removed.discard(key)

    def pop(self, key: K, default: V | None = None) -> V | None:
        """Remove `key`; its value, or `default` when it was absent."""
        found = self.get(key, _MISSING)  # type: ignore[arg-type]
        if found is _MISSING:
            return default
        self._layer.pop(key, None)
        if key in self._base:
            self._removed.add(key)
        return cast(V, found)

    def update(self, other: Mapping[K, V]) -> None:
        """Set every entry of `other`."""
        for key, value in other.items():
            self[key] = value

    def __iter__(self) -> Iterator[K]:
        layer, removed = self._layer, self._removed
        if layer or removed:
            yield from (key for key in self._base if key not in layer and key not in removed)
            yield from layer
        else:
            yield from self._base

    def items(self) -> Iterator[tuple[K, V]]:  # type: ignore[override]
        """The entries, the base's first (without those the layer replaced or removed), then the layer's."""
        layer, removed = self._layer, self._removed
        if layer or removed:
            yield from ((key, value) for key, value in self._base.items() if key not in layer and key not in removed)
            yield from layer.items()
        else:
            yield from self._base.items()

    def values(self) -> Iterator[V]:  # type: ignore[override]
        """The values, in the order of `items`."""
        return (value for _, value in self.items())

    def __len__(self) -> int:
        if not self._layer and not self._removed:
            return len(self._base)
        return sum(1 for _ in self)


def layered_copy(mapping: dict[K, V] | LayeredDict[K, V]) -> LayeredDict[K, V]:
    """An independent copy of `mapping` that shares its entries: a plain dict becomes the base (it must not change again)."""
    return LayeredDict(mapping) if isinstance(mapping, dict) else mapping.child()


def patched_by_file(
    merged: dict[K, V] | LayeredDict[K, V], twice: frozenset[K], changes: Iterable[tuple[Mapping[K, V], Mapping[K, V]]]
) -> LayeredDict[K, V] | None:
    """`merged` (every file's entries merged, the last file's winning) after files changed from their `changes` (old entries,
    new entries), sharing the rest; None when a changed key is defined by another file too (`twice` lists those of
    `merged`): which file wins then depends on file order, and only a merge of every file can tell."""
    result = layered_copy(merged)
    for old, new in changes:
        for key in old:
            if key in twice:
                return None
            if key not in new:
                result.pop(key)
        for key, value in new.items():
            if key in twice or (key not in old and key in result):
                return None
            result[key] = value
    return result


def defined_twice(entries: Iterable[Iterable[K]]) -> frozenset[K]:
    """The keys that more than one of `entries` (each file's keys) holds."""
    seen: set[K] = set()
    twice: set[K] = set()
    for keys in entries:
        for key in set(keys):
            if key in seen:
                twice.add(key)
            seen.add(key)
    return frozenset(twice)
