"""The deferred `@dataclass` makes the same classes as `dataclasses.dataclass`, only when they are first used."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import InitVar, field
from pathlib import Path
from typing import Any, ClassVar

import pytest

from review_ls import deferred_dataclass
from review_ls.engine.model import Span

OPTIONS = [
    {},
    {"frozen": True},
    {"frozen": True, "order": True},
    {"eq": False},
    {"unsafe_hash": True},
    {"repr": False},
    {"kw_only": True},
    {"init": False},
    {"match_args": False},
]


@pytest.fixture(params=["one thread", "other threads"])
def threads(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Define classes the way a process with one thread does, or the way it does beside other threads."""
    monkeypatch.setattr(deferred_dataclass, "_only_thread", lambda: request.param == "one thread")
    return str(request.param)


def _declare(decorate: Callable[..., Any], options: dict[str, Any], documented: bool = True) -> type:
    """A class with every kind of field, made a dataclass by `decorate(**options)`."""

    class Record:
        kind: ClassVar[str] = "record"
        name: str = "n"
        size: int = 0
        tags: list[str] = field(default_factory=list, compare=False)
        hidden: int = field(default=7, repr=False)
        derived: int = field(init=False, default=0)
        scale: InitVar[int] = 1  # type: ignore[assignment]  # (a dataclass field once decorated)

        def __post_init__(self, scale: int) -> None:
            object.__setattr__(self, "derived", self.size * scale)

    if documented:
        Record.__doc__ = "A record."
    return decorate(**options)(Record)


def _shape(cls: type) -> dict[str, Any]:
    """What `dataclasses` defines on a class, comparable between two classes."""
    fields = [
        (f.name, f.type, f.default, f.init, f.repr, f.compare, f.hash, f.kw_only, f.default_factory is not dataclasses.MISSING)
        for f in dataclasses.fields(cls)
    ]
    methods = sorted(name for name in ("__init__", "__repr__", "__eq__", "__hash__", "__lt__", "__ge__", "__setattr__", "__delattr__") if name in cls.__dict__)
    return {
        "fields": fields,
        "params": repr(cls.__dataclass_params__),  # type: ignore[attr-defined]
        "match_args": cls.__dict__.get("__match_args__"),
        "doc": cls.__doc__,
        "signature": str(inspect.signature(cls)),
        "methods": methods,
        "hash_is_none": cls.__dict__.get("__hash__", "unset") is None,
        "defaults": {name: cls.__dict__.get(name, "unset") for name in ("name", "tags", "hidden", "derived")},
    }


def _outcome(action: Callable[[], object]) -> object:
    """What `action` returns, or the type of the error it raises."""
    try:
        return action()
    except (TypeError, AttributeError, dataclasses.FrozenInstanceError) as exc:
        return type(exc)


def _behaviour(cls: type, init: bool) -> list[object]:
    """What instances of `cls` do: their fields, equality, hash, repr, ordering, immutability."""
    first, second = (cls(name="a", size=2, scale=3), cls(name="a", size=2, scale=3)) if init else (cls(), cls())
    own_repr = "__repr__" in cls.__dict__
    return [
        vars(first),
        first == second,
        _outcome(lambda: repr(first)) if own_repr else "object's repr",
        _outcome(lambda: hash(first) == hash(second)),
        _outcome(lambda: first < second),
        _outcome(lambda: setattr(first, "size", 5)),
        vars(first),
    ]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "default")
@pytest.mark.parametrize("documented", [True, False], ids=["documented", "undocumented"])
def test_the_class_is_what_dataclasses_makes_of_it(options: dict[str, Any], documented: bool, threads: str) -> None:
    standard = _declare(dataclasses.dataclass, options, documented)
    deferred = _declare(deferred_dataclass.dataclass, options, documented)
    assert "__deferred_dataclass__" in deferred.__dict__  # nothing generated yet
    assert _shape(deferred) == _shape(standard)  # reading the fields defines it
    init = options.get("init", True)
    assert _behaviour(deferred, init) == _behaviour(standard, init)


@pytest.mark.parametrize("first_use", ["call", "fields", "is_dataclass", "params", "subclass"])
def test_any_first_use_defines_the_class(first_use: str, threads: str) -> None:
    cls = _declare(deferred_dataclass.dataclass, {"frozen": True})
    assert "__repr__" not in cls.__dict__
    if first_use == "call":
        cls()
    elif first_use == "fields":
        dataclasses.fields(cls)
    elif first_use == "is_dataclass":
        assert dataclasses.is_dataclass(cls)
    elif first_use == "params":
        assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    else:
        child: Any = deferred_dataclass.dataclass(frozen=True)(type("Child", (cls,), {"__annotations__": {"extra": "int"}, "extra": 1}))
        child(size=3)
    assert "__deferred_dataclass__" not in cls.__dict__
    assert "__repr__" in cls.__dict__ and "__setstate__" not in cls.__dict__
    assert repr(cls(size=1)) == f"{cls.__qualname__}(name='n', size=1, tags=[], derived=1)"


def test_subclasses_inherit_the_fields_of_a_deferred_base(threads: str) -> None:
    base = _declare(deferred_dataclass.dataclass, {})

    @deferred_dataclass.dataclass
    class Child(base):  # type: ignore[valid-type,misc]
        extra: int = 4

    class Plain(base):  # type: ignore[valid-type,misc]
        def __init__(self) -> None:
            super().__init__(size=9)

    assert [f.name for f in dataclasses.fields(Child)][-1] == "extra"
    assert Child(size=1) == Child(size=1) and Child(size=1).extra == 4
    assert Plain().size == 9 and Plain().derived == 9


def test_an_instance_unpickled_before_any_was_made_is_complete() -> None:
    """A worker process that unpickles a value defines its classes then (pickle makes instances without `__init__`)."""
    data = pickle.dumps(Span(1, 2, 3, 4))
    code = (
        "import pickle, sys\n"
        "from review_ls.engine.model import Span\n"
        "assert '__deferred_dataclass__' in Span.__dict__\n"
        "span = pickle.loads(sys.stdin.buffer.read())\n"
        "assert '__deferred_dataclass__' not in Span.__dict__\n"
        "assert span == Span(1, 2, 3, 4) and hash(span) == hash(Span(1, 2, 3, 4)) and span < Span(1, 2, 3, 5)\n"
        "print(repr(span))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().strip() == repr(Span(1, 2, 3, 4))


def test_classes_that_make_instances_otherwise_are_defined_at_once() -> None:
    @deferred_dataclass.dataclass(slots=True)
    class Slotted:
        x: int = 0

    @deferred_dataclass.dataclass
    class OwnInit:
        x: int = 0

        def __init__(self) -> None:
            self.x = 1

    assert "__slots__" in Slotted.__dict__ and "__repr__" in Slotted.__dict__
    assert "__repr__" in OwnInit.__dict__ and OwnInit().x == 1


def test_threads_that_first_use_a_class_together_all_get_complete_instances() -> None:
    classes = [_declare(deferred_dataclass.dataclass, {"frozen": True}) for _ in range(30)]
    start = threading.Barrier(6)
    failures: list[BaseException] = []

    def use_all() -> None:
        start.wait()
        try:
            for cls in classes:
                made = cls(size=2)
                assert made == cls(size=2) and hash(made) == hash(cls(size=2)) and made.derived == 2
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            failures.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, inside the definition too
    try:
        threads = [threading.Thread(target=use_all) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []


def _decorator_names(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return ast.unparse(target)


def test_modules_outside_the_server_take_dataclass_from_the_deferred_module() -> None:
    """The start-up saving holds only while modules import `dataclass` from `review_ls.deferred_dataclass`
    (the server defines its classes at start either way, so it may use `dataclasses` itself)."""
    package = Path(deferred_dataclass.__file__).parent
    offenders: list[str] = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        if relative.startswith("server/") or relative == "deferred_dataclass.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        deferred = any(
            isinstance(node, ast.ImportFrom) and node.module == "review_ls.deferred_dataclass" and any(a.name == "dataclass" for a in node.names)
            for node in ast.walk(tree)
        )
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                names = [_decorator_names(d) for d in node.decorator_list]
                if "dataclasses.dataclass" in names or ("dataclass" in names and not deferred):
                    offenders.append(f"{relative}:{node.lineno} {node.name}")
    assert offenders == []


def _frozen_slotted(decorate: Callable[..., Any]) -> Any:
    """A frozen slotted dataclass with defaults, made by `decorate`."""

    @decorate(frozen=True, slots=True)
    class Site:
        """A call site."""

        target: str
        line: int = 0
        tags: tuple[str, ...] = ()

    return Site


def test_a_frozen_slotted_class_sets_its_slots_directly_and_behaves_as_dataclasses_makes_it() -> None:
    standard, deferred = _frozen_slotted(dataclasses.dataclass), _frozen_slotted(deferred_dataclass.dataclass)
    assert "_set_target" in deferred.__init__.__code__.co_names and "_set_target" not in standard.__init__.__code__.co_names
    assert str(inspect.signature(deferred)) == str(inspect.signature(standard))
    assert deferred.__init__.__qualname__ == standard.__init__.__qualname__
    calls: list[tuple[tuple[object, ...], dict[str, object]]] = [(("f",), {}), (("f", 3), {}), (("f",), {"tags": ("a",)}), ((), {"target": "g", "line": 2})]
    for args, kwargs in calls:
        made, expected = deferred(*args, **kwargs), standard(*args, **kwargs)
        assert (made.target, made.line, made.tags) == (expected.target, expected.line, expected.tags)
        assert made == deferred(*args, **kwargs) and hash(made) == hash(deferred(*args, **kwargs))
        assert _outcome(lambda: setattr(made, "line", 5)) is dataclasses.FrozenInstanceError  # noqa: B023
    assert _outcome(lambda: deferred()) is _outcome(lambda: standard()) is TypeError
    assert _outcome(lambda: deferred("f", 1, (), 4)) is TypeError


def test_frozen_slotted_classes_that_post_process_or_build_defaults_keep_the_generated_init() -> None:
    @deferred_dataclass.dataclass(frozen=True, slots=True)
    class Built:
        tags: list[str] = field(default_factory=list)

    @deferred_dataclass.dataclass(frozen=True, slots=True)
    class Checked:
        size: int

        def __post_init__(self) -> None:
            if self.size < 0:
                raise ValueError("negative")

    assert Built().tags == [] and Built().tags is not Built().tags
    with pytest.raises(ValueError, match="negative"):
        Checked(-1)
    assert "_set_size" not in Checked.__init__.__code__.co_names and "_set_tags" not in Built.__init__.__code__.co_names
