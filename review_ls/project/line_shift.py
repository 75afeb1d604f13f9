"""Moving extracted facts to new lines: a function whose text is unchanged but which now starts `delta`
lines lower (or higher) has the facts of its last extraction with every line moved by `delta`.

The per-function facts are frozen dataclasses whose line numbers are fields named `line`, nested in
tuples, lists and other such dataclasses; any other value holds no line and is kept as it is. A value
of another class that holds lines says how to move them with a `shifted(delta)` method.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")

_LINE = "line"
_fields_of: dict[type, tuple[str, ...]] = {}  # dataclass -> its field names (fixed per class, so shared safely)


def shifted(value: T, delta: int) -> T:
    """`value` with every line it holds moved by `delta` (the same object when nothing in it holds a line)."""
    if not delta:
        return value
    return _shifted(value, delta)  # type: ignore[no-any-return]


def _shifted(value: Any, delta: int) -> Any:
    kind = type(value)
    if kind is tuple or kind is list:
        moved = [_shifted(item, delta) for item in value]
        if all(new is old for new, old in zip(moved, value)):
            return value
        return kind(moved)
    if kind in _PLAIN:
        return value
    names = _fields_of.get(kind)
    if names is None:
        mover = getattr(value, "shifted", None)
        if mover is not None and not dataclasses.is_dataclass(value):
            return mover(delta)
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            return value
        names = _fields_of[kind] = tuple(field.name for field in dataclasses.fields(value))
    changes: dict[str, Any] = {}
    for name in names:
        old = getattr(value, name)
        if name == _LINE and type(old) is int:
            changes[name] = old + delta
        elif type(old) not in _PLAIN:
            new = _shifted(old, delta)
            if new is not old:
                changes[name] = new
    if not changes:
        return value
    copy = object.__new__(kind)  # (frozen, maybe slotted: no `__dict__` to copy, every field set by name)
    for name in names:
        object.__setattr__(copy, name, changes[name] if name in changes else getattr(value, name))
    return copy


_PLAIN = frozenset({str, int, bool, float, type(None), frozenset, bytes})
