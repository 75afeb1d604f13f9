"""`@dataclass` that makes the class a dataclass when it is first used, not when its module is imported.

`dataclasses.dataclass` writes and compiles the source of `__init__`, `__repr__`, `__eq__`, `__hash__` and,
for frozen classes, `__setattr__`/`__delattr__`: ~0.3 ms per class. A one-file `review-ls check` imports
~70 dataclasses and instantiates fewer than half of them, so that was ~20 ms of its ~110 ms. This decorator
takes the same arguments and leaves the class as it is, with two triggers that define it first:

* `__init__` and `__setstate__`: an instance is made by calling the class, or unpickled (pickle makes it
  without `__init__` and then sets its state); the real method, or none, replaces them;
* the class attributes `__dataclass_fields__` and `__dataclass_params__`, which `dataclasses.fields`,
  `is_dataclass`, `replace`, `asdict` and a subclass's dataclass read.

An instance therefore always belongs to a fully defined dataclass, and once defined the class is exactly
what `dataclasses.dataclass` makes of it. A class whose instances could be made otherwise is defined at
once: one with its own `__init__`, `__new__` or pickling, `slots=True` (which replaces the class), or a
metaclass.

Threads: the class is defined under a lock. In a process with one thread (the command line), the triggers
are removed and `dataclasses.dataclass` defines the class as usual. With other threads (the server), its
`__init__` is replaced last, in one assignment, so another thread sees either the trigger (which waits for
the lock) or the finished class: the generated `__init__` then comes from a throwaway subclass
(`_generated_init`), as `dataclasses` does not replace a trigger already in the class. (A class with
`init=False` is made by an inherited `__init__`, which never waited for the definition: it is defined
the usual way in both cases.)

A frozen slotted class (`frozen=True, slots=True`, defined at once) gets one change: an `__init__` with the same
signature that sets each slot through its descriptor instead of `object.__setattr__` (`_set_slots_directly`;
measured: ~40% fewer instructions per instance made, and the index's facts are hundreds of thousands of them).

Type checkers see `dataclasses.dataclass` itself.
"""

from __future__ import annotations

import dataclasses
import inspect
import threading
import types
from typing import TYPE_CHECKING, Any

__all__ = ["dataclass"]

# Class attributes `dataclasses` reads from a class (or its bases) to treat it as a dataclass.
_CLASS_TRIGGERS = ("__dataclass_fields__", "__dataclass_params__")
# What a class that defines one of these makes or restores its instances with: it is defined at once.
_OWN_CONSTRUCTION = ("__init__", "__new__", "__setstate__", "__getstate__", "__reduce__", "__reduce_ex__")
# One lock for every deferred class: defining a subclass defines its bases under the same lock.
_DEFINING = threading.RLock()


class _Deferred:
    """A class waiting to become a dataclass, and the arguments it was decorated with."""

    __slots__ = ("cls", "options", "doc")

    def __init__(self, cls: type, options: dict[str, Any]) -> None:
        self.cls = cls
        self.options = options
        self.doc: str | None = cls.__dict__.get("__doc__")

    def define(self) -> None:
        """Make the class the dataclass it was declared as (once; later calls return at once)."""
        cls = self.cls
        with _DEFINING:
            if cls.__dict__.get("__deferred_dataclass__") is not self:
                return
            if not self.options.get("init", True) or _only_thread():
                # Nothing can make an instance meanwhile: the triggers go first, then `dataclasses` defines it all.
                del cls.__init__  # type: ignore[misc]
                del cls.__setstate__  # type: ignore[attr-defined]
                del cls.__deferred_dataclass__  # type: ignore[attr-defined]
                dataclasses.dataclass(cls, **self.options)
                return
            dataclasses.dataclass(cls, **{**self.options, "init": False})  # every method but `__init__`
            cls.__dataclass_params__.init = True  # type: ignore[attr-defined]
            generated, cls.__doc__ = _generated_init(cls, self.options.get("frozen", False), self.doc)
            del cls.__setstate__  # type: ignore[attr-defined]
            del cls.__deferred_dataclass__  # type: ignore[attr-defined]
            cls.__init__ = generated  # type: ignore[misc]  # last: the trigger is replaced by the real one


def _only_thread() -> bool:
    """True when no other thread runs Python code (that could make an instance while the class is being defined)."""
    return threading.active_count() == 1


def _generated_init(cls: type, frozen: bool, doc: str | None) -> tuple[Any, str | None]:
    """The `__init__` `dataclasses` generates for the (otherwise defined) dataclass `cls`, and the class's docstring.

    Without a docstring of its own, a dataclass's is its name and signature.
    """
    namespace = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "__doc__": doc}
    shell: type = dataclasses.dataclass(type(cls.__name__, (cls,), namespace), init=True, repr=False, eq=False, frozen=frozen, match_args=False)
    return shell.__dict__["__init__"], shell.__doc__


def _set_slots_directly(cls: type) -> None:
    """Give a frozen slotted dataclass an `__init__` that sets each slot through its descriptor: the generated one calls
    `object.__setattr__` per field (a frozen class's own `__setattr__` refuses), about twice the cost of a mutable
    class's. Only for a class whose `__init__` takes exactly its fields, each positional or keyword with no default
    factory, and that has no `__post_init__` (every other one keeps what `dataclasses` made)."""
    generated = cls.__dict__.get("__init__")
    fields = dataclasses.fields(cls)
    if generated is None or hasattr(cls, "__post_init__") or any(f.default_factory is not dataclasses.MISSING for f in fields):
        return
    parameters = list(inspect.signature(generated).parameters.values())[1:]
    if [p.name for p in parameters] != [f.name for f in fields] or any(p.kind is not p.POSITIONAL_OR_KEYWORD for p in parameters):
        return
    setters: dict[str, Any] = {}
    for field in fields:
        descriptor = next((klass.__dict__[field.name] for klass in cls.__mro__ if field.name in klass.__dict__), None)
        if type(descriptor) is not types.MemberDescriptorType:
            return
        setters[f"_set_{field.name}"] = descriptor.__set__
    defaults = {f"_default_{p.name}": p.default for p in parameters if p.default is not p.empty}
    signature = ", ".join(p.name if p.default is p.empty else f"{p.name}=_default_{p.name}" for p in parameters)
    body = "".join(f"\n    _set_{p.name}(self, {p.name})" for p in parameters) or "\n    pass"
    namespace: dict[str, Any] = {}
    exec(f"def __init__(self, {signature}):{body}", {**setters, **defaults}, namespace)  # noqa: S102  # (as `dataclasses` makes its methods)
    direct = namespace["__init__"]
    direct.__qualname__, direct.__module__, direct.__doc__ = generated.__qualname__, generated.__module__, generated.__doc__
    direct.__annotations__ = dict(generated.__annotations__)
    cls.__init__ = direct  # type: ignore[misc]


class _DefinedOnRead:
    """A class attribute that defines its deferred dataclass when read, then reads the real attribute."""

    __slots__ = ("deferred", "name")

    def __init__(self, deferred: _Deferred, name: str) -> None:
        self.deferred = deferred
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        self.deferred.define()
        return self.deferred.cls.__dict__[self.name]


def _defer(cls: type, options: dict[str, Any]) -> type:
    """`cls`, to become a dataclass with `options` on first use (at once when it could be used without the triggers)."""
    if options.get("slots") or type(cls) is not type or any(name in cls.__dict__ for name in _OWN_CONSTRUCTION):
        defined: type = dataclasses.dataclass(cls, **options)
        if options.get("slots") and options.get("frozen"):
            _set_slots_directly(defined)
        return defined
    deferred = _Deferred(cls, options)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        deferred.define()
        cls.__init__(self, *args, **kwargs)  # type: ignore[misc]

    def __setstate__(self: Any, state: Any) -> None:
        deferred.define()
        attributes, slot_values = state if isinstance(state, tuple) else (state, None)  # what pickle itself would set
        self.__dict__.update(attributes or {})
        for name, value in (slot_values or {}).items():
            object.__setattr__(self, name, value)

    for method in (__init__, __setstate__):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        setattr(cls, method.__name__, method)
    for name in _CLASS_TRIGGERS:
        setattr(cls, name, _DefinedOnRead(deferred, name))
    cls.__deferred_dataclass__ = deferred  # type: ignore[attr-defined]
    return cls


if TYPE_CHECKING:
    from dataclasses import dataclass as dataclass
else:

    def dataclass(cls=None, /, **options):
        """`dataclasses.dataclass(cls, **options)`, done when the class is first used (see the module's docstring)."""
        if cls is None:
            return lambda cls: _defer(cls, options)
        return _defer(cls, options)
