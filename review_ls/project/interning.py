"""One object for each equal value among the facts that index workers send back (names, imports, annotations).

A parallel build extracts files in worker processes; each file's facts come back pickled and are
loaded in the parent one file at a time, so the same module path, qualified name or import made
for another file is a separate object (measured on the 509 KLOC application corpus: ~300,000
strings held, ~113,000 of them distinct; 50,667 type annotations, 7,309 distinct; 16,376 empty
frozensets). The worker pickles a file's facts with each such value as a persistent reference
(`dumps`); the parent loads them through one `InterningTable` per build, which hands back the first
equal object it saw. Shared are only values whose equal copies are interchangeable: strings, integers
(never a boolean: `type(x) is int`), tuples and frozensets of strings, and instances of frozen slotted dataclasses whose fields hold only
strings, booleans, None, tuples of these and other such instances (no field declared as a number:
`1 == True`, and a fact with a line number is seldom repeated anyway). Every other slotted dataclass instance (every
fact class) is written as its class and field values, as `compact_pickle` does: loading calls the
class, about a third less CPU than the state its default pickle restores field by field.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import pickle
import re
from typing import Any

from review_ls.compact_pickle import rebuilt_by_fields

_ONLY_STRINGS = {str}
_CACHED_INTS = (-5, 256)  # the interpreter's own shared small integers
_ATOMS = frozenset({int, bool, float, type(None), list, dict, set, bytes, type})  # (never a value instance)
_NUMBER_OR_ANY = re.compile(r"\b(int|float|complex|object|Any)\b")  # in a field's declared type


def dumps(value: object) -> bytes:
    """`value` pickled (highest protocol) with the values an `InterningTable` shares as persistent references."""
    buffer = io.BytesIO()
    _SharingPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


class InterningTable:
    """The values loaded so far by one build that are shared: `loads` hands back the first equal one."""

    def __init__(self) -> None:
        self._seen: dict[object, object] = {}

    def loads(self, data: bytes) -> Any:
        """The value `dumps` pickled into `data`, with its shared values taken from earlier loads when equal."""
        return _SharingUnpickler(io.BytesIO(data), self._seen).load()


class _SharingUnpickler(pickle.Unpickler):
    """An unpickler that takes the values `_SharingPickler` shared from a table of those loaded before."""

    def __init__(self, file: io.BytesIO, seen: dict[object, object]) -> None:
        super().__init__(file)
        self._seen = seen

    def persistent_load(self, reference: object) -> object:
        """The first loaded value equal to the one `reference` stands for (see `_SharingPickler.persistent_id`)."""
        if type(reference) is tuple and reference and type(reference[0]) is type:  # (class, field values) of a value
            found = self._seen.get(reference)
            if found is None:
                cls, values = reference
                found = self._seen[reference] = cls(*values)
            return found
        return self._seen.setdefault(reference, reference)


class _SharingPickler(pickle.Pickler):
    """A pickler that writes each value an `InterningTable` shares as a persistent reference, and any other slotted
    dataclass instance as its class and field values (`compact_pickle.rebuilt_by_fields`)."""

    def __init__(self, file: io.BytesIO, protocol: int) -> None:
        super().__init__(file, protocol=protocol)
        self._values: dict[int, bool] = {}  # id -> whether the instance is a value (the pickled objects live meanwhile)

    def persistent_id(self, obj: object) -> object:
        """A reference for a value to share: a string, a tuple or frozenset of strings, or (class, field values) of a
        value instance (`_is_value`); None (pickled as usual) for anything else."""
        kind = type(obj)  # (called for every object pickled: the commonest cases first)
        if kind is str:
            return obj
        if kind is tuple or kind is frozenset:
            return obj if not obj or set(map(type, obj)) == _ONLY_STRINGS else None  # type: ignore[call-overload]
        if kind is int:  # (a line or a column: 73,000 in the corpus's index, 7,000 distinct; up to 256 one object already)
            return obj if not _CACHED_INTS[0] <= obj <= _CACHED_INTS[1] else None  # type: ignore[operator]
        if kind in _ATOMS:
            return None
        names = _value_fields(kind)  # type: ignore[arg-type]  # (typeshed: a class is Hashable)
        if names is None or not self._is_value(obj):
            return None
        return kind, tuple(getattr(obj, name) for name in names)

    def reducer_override(self, obj: Any) -> Any:
        """(class, field values) for a slotted dataclass instance that a call with them rebuilds; else NotImplemented."""
        names = _rebuilding_fields(type(obj))  # type: ignore[arg-type]  # (typeshed: a class is Hashable)
        if names is None:
            return NotImplemented
        return type(obj), tuple(getattr(obj, name) for name in names)

    def _is_value(self, obj: object) -> bool:
        """Whether `obj` is made only of strings, booleans, None, tuples of these and instances of value classes
        (`_value_fields`) whose fields hold such: two equal ones are interchangeable."""
        kind = type(obj)
        if kind is str or kind is bool or obj is None:
            return True
        if kind is tuple:
            return all(self._is_value(item) for item in obj)  # type: ignore[attr-defined]
        known = self._values.get(id(obj))
        if known is None:
            names = _value_fields(kind)  # type: ignore[arg-type]  # (typeshed: a class is Hashable)
            known = self._values[id(obj)] = names is not None and all(self._is_value(getattr(obj, name)) for name in names)
        return known


@functools.cache
def _rebuilding_fields(cls: type) -> tuple[str, ...] | None:
    """The fields that rebuild an instance of `cls` when it is a slotted dataclass (`rebuilt_by_fields`); else None."""
    return rebuilt_by_fields(cls) if "__slots__" in cls.__dict__ and not issubclass(cls, type) else None


@functools.cache
def _value_fields(cls: type) -> tuple[str, ...] | None:
    """The fields of `cls` when its instances may be shared values: a frozen slotted dataclass compared by its fields,
    none of them declared to hold a number (`1 == True`; and a line number seldom repeats); else None."""
    names = _rebuilding_fields(cls)
    params = getattr(cls, "__dataclass_params__", None)
    if names is None or params is None or not (params.frozen and params.eq):
        return None
    if any(_NUMBER_OR_ANY.search(str(field.type)) for field in dataclasses.fields(cls)):
        return None
    return names
