"""Facts that index workers send back: equal strings and tuples of strings become one object, facts load back equal,
and the stored facts keep no per-instance dict (issue #16 item 4: the index's memory)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from review_ls.project import ProjectIndex
from review_ls.project.call_facts import CallSite, FunctionCallFacts, ModuleCallFacts
from review_ls.project.file_facts import FileFacts
from review_ls.project.import_graph import ImportFact
from review_ls.project.interning import InterningTable, dumps
from review_ls.project.state_facts import FunctionStateFacts, MethodCall


def _copy(text: str) -> str:
    """An equal string that is a distinct object (as one made in another worker process is)."""
    return "".join(list(text))


def test_equal_strings_and_tuples_of_strings_from_separate_pickles_become_one_object() -> None:
    table = InterningTable()
    name = "pkg.helpers.fetch"
    first = table.loads(dumps(ImportFact(_copy(name), (_copy("a"), _copy("b")))))
    second = table.loads(dumps(ImportFact(_copy(name), (_copy("a"), _copy("b")))))
    assert first == second == ImportFact(name, ("a", "b"))
    assert first.module is second.module
    assert first.names is second.names


def test_tuples_holding_other_values_keep_them_as_they_were() -> None:
    table = InterningTable()
    ones = table.loads(dumps(("x", (1,), (1.0,))))
    trues = table.loads(dumps(("x", (True,), (True,))))
    assert trues[1][0] is True and trues[2][0] is True  # equal to 1 and 1.0, but not the same value
    assert ones[1][0] == 1 and type(ones[1][0]) is int and type(ones[2][0]) is float
    assert ones[0] is trues[0]


def test_nested_facts_load_back_equal() -> None:
    facts = ModuleCallFacts(
        "pkg.app",
        (FunctionCallFacts("pkg.app.run", 3, True, "route", (), (CallSite("pkg.helpers.fetch", 4), CallSite("pkg.helpers.fetch", 9))),),
        ("fetch", "pkg.helpers.fetch"),
    )
    shared = CallSite("pkg.x", 1)
    value = (facts, FileFacts(), [shared, shared], {"k": frozenset({"a", "b"})})
    loaded = InterningTable().loads(dumps(value))
    assert loaded == value
    assert loaded[2][0] is loaded[2][1]


def test_equal_value_instances_from_separate_pickles_become_one_object_and_those_holding_numbers_do_not() -> None:
    table = InterningTable()
    loaded = [table.loads(dumps((FunctionStateFacts(_copy("pkg.app.run")), FunctionStateFacts(_copy("pkg.app.go"), method_calls=(MethodCall("cache", "set", 3),)))))
              for _ in range(2)]
    assert loaded[0] == loaded[1] == (FunctionStateFacts("pkg.app.run"), FunctionStateFacts("pkg.app.go", method_calls=(MethodCall("cache", "set", 3),)))
    assert loaded[0][0] is loaded[1][0]  # only strings and tuples: one object
    assert loaded[0][1] is not loaded[1][1]  # holds a line number: never shared
    assert loaded[0][1].qualname is loaded[1][1].qualname


def _field_values(value: object) -> tuple[object, ...] | None:
    """The field values of a dataclass instance (`ModuleTypeFacts` compares by identity), None for None; without its
    fingerprint, which hashes `None` (by address before Python 3.12: a spawned worker's differs)."""
    return None if value is None else tuple(getattr(value, f.name) for f in dataclasses.fields(value) if f.name != "fingerprint")  # type: ignore[arg-type]


def _objects_reached(root: object) -> list[object]:
    """Every dataclass instance, string and tuple reachable from `root` through fields, tuples, lists, dicts and sets."""
    found, seen, pending = [], set(), [root]
    while pending:
        value = pending.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        found.append(value)
        if isinstance(value, (tuple, list, set, frozenset)):
            pending.extend(value)
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            pending.extend(getattr(value, f.name) for f in dataclasses.fields(value))
    return found


def test_a_build_in_processes_shares_equal_names_between_files_and_keeps_no_instance_dicts(tmp_path: Path, write) -> None:
    for number in range(4):
        write(f"pkg/m{number}.py", f"import os.path\nfrom pkg.shared import helper\n\ndef run{number}():\n    return helper(os.path.join('a', 'b'))\n")
    write("pkg/shared.py", "def helper(value):\n    return value\n")
    files = sorted(str(p) for p in tmp_path.rglob("*.py"))
    serial = ProjectIndex.build(files, [tmp_path], jobs=1)
    parallel = ProjectIndex.build(files, [tmp_path], jobs=2, parallel_threshold=1)
    for path in files:
        assert parallel.facts(path) == serial.facts(path)
        assert parallel.call_facts(path) == serial.call_facts(path)
        assert _field_values(parallel.types.for_path(path)) == _field_values(serial.types.for_path(path))
    importers = [parallel.facts(path) for path in files if "/m" in path]
    modules = {id(fact.module) for facts in importers for fact in facts.imports if fact.module == "pkg.shared"}
    names = {id(fact.names) for facts in importers for fact in facts.imports if fact.module == "pkg.shared"}
    assert len(importers) == 4 and len(modules) == 1 and len(names) == 1
    reached = _objects_reached([(parallel.facts(p), parallel.call_facts(p), parallel.types.for_path(p)) for p in files])
    instances = [value for value in reached if dataclasses.is_dataclass(value)]
    assert instances and not [type(value).__name__ for value in instances if hasattr(value, "__dict__")]


def test_equal_integers_from_separate_pickles_become_one_object_and_booleans_stay_booleans() -> None:
    table = InterningTable()
    first = table.loads(dumps(CallSite("pkg.x", int("4096"))))
    second = table.loads(dumps((CallSite("pkg.y", int("4096")), True, 1)))
    assert first.line == second[0].line == 4096
    assert first.line is second[0].line
    assert second[1] is True and type(second[2]) is int
