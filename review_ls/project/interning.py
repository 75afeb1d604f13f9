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
import operator
import pickle
import re
from collections.abc import Callable
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
        self._seen = _SharedValues()
        # The table's lookup is its unpickler's `persistent_load` (a value seen before: found without a Python call).
        # It is set on a class of its own: from Python 3.13 an unpickler's instance attribute is read-only.
        self._unpickler = type("_TableUnpickler", (pickle.Unpickler,), {"persistent_load": staticmethod(self._seen.__getitem__)})

    def loads(self, data: bytes) -> Any:
        """The value `dumps` pickled into `data`, with its shared values taken from earlier loads when equal."""
        return self._unpickler(io.BytesIO(data)).load()


class _SharedValues(dict[object, object]):
    """The first loaded value equal to the one each reference stands for (see `_SharingPickler.persistent_id`), by reference."""

    def __missing__(self, reference: object) -> object:
        """The value a reference seen for the first time stands for: (class, field values) of a value instance is
        rebuilt; any other reference is its value."""
        value = reference
        if type(reference) is tuple and reference and type(reference[0]) is type:
            cls, values = reference
            value = cls(*values)
        self[reference] = value
        return value


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
        fields = _value_getter(kind)  # type: ignore[arg-type]  # (typeshed: a class is Hashable)
        if fields is None:
            return None
        values = fields(obj)
        return (kind, values) if self._is_value(obj, values) else None

    def reducer_override(self, obj: Any) -> Any:
        """(class, field values) for a slotted dataclass instance that a call with them rebuilds; else NotImplemented."""
        fields = _rebuilding_getter(type(obj))  # type: ignore[arg-type]  # (typeshed: a class is Hashable)
        if fields is None:
            return NotImplemented
        return type(obj), fields(obj)

    def _is_value(self, obj: object, values: tuple[object, ...]) -> bool:
        """Whether the value-class instance `obj` with field `values` is made only of strings, booleans, None, tuples
        of these and instances of value classes (`_value_fields`) whose fields hold such: two equal ones are interchangeable."""
        known = self._values.get(id(obj))
        if known is None:
            known = self._values[id(obj)] = all(map(self._holds_values, values))
        return known

    def _holds_values(self, value: object) -> bool:
        """Whether a field's `value` is a string, boolean, None, a tuple of such or a value (`_is_value`)."""
        kind = type(value)
        if kind is str or kind is bool or value is None:
            return True
        if kind is tuple:
            return all(map(self._holds_values, value))  # type: ignore[call-overload]  # (a tuple)
        fields = _value_getter(kind)  # type: ignore[arg-type]  # (typeshed: a class is Hashable)
        return fields is not None and self._is_value(value, fields(value))


def _getter(names: tuple[str, ...] | None) -> Callable[[object], tuple[object, ...]] | None:
    """A function from an instance to the tuple of its fields `names` (None for None)."""
    if names is None:
        return None
    if len(names) == 1:
        single = operator.attrgetter(names[0])
        return lambda obj: (single(obj),)
    return operator.attrgetter(*names) if names else lambda obj: ()


@functools.cache
def _rebuilding_getter(cls: type) -> Callable[[object], tuple[object, ...]] | None:
    """The field values that rebuild an instance of `cls` (`_rebuilding_fields`), or None."""
    return _getter(_rebuilding_fields(cls))


@functools.cache
def _value_getter(cls: type) -> Callable[[object], tuple[object, ...]] | None:
    """The field values of an instance of `cls` when its instances may be shared (`_value_fields`), or None."""
    return _getter(_value_fields(cls))


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
