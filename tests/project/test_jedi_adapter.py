"""The jedi adapter: inference from unsaved text, caching, time budgets, degrading to "don't know"."""

from __future__ import annotations

import os
import subprocess
import threading
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from review_ls.project.jedi_adapter import (
    InferenceBudget,
    JediAdapter,
    _walk_used_names_iteratively,
    adapter_for,
    parsed_lines,
    trim_parsed_modules,
)

MODELS = """
from pydantic import BaseModel


class Part(BaseModel):
    name: str
"""

USER = """
from shop.models import Part


def load():
    return Part(name="x")


part = load()
part
"""


@pytest.fixture
def project(write) -> Path:
    """A two-module package on disk: shop/models.py defines Part, shop/user.py uses it."""
    write("shop/__init__.py", "")
    write("shop/models.py", MODELS)
    return write("shop/user.py", USER).parent.parent


def _ample() -> InferenceBudget:
    return InferenceBudget(60.0)


def _user_text() -> str:
    return textwrap.dedent(USER).lstrip("\n")


def test_infers_an_instance_of_a_class_from_another_module(project: Path) -> None:
    adapter = JediAdapter(project)
    # line 9 is `part`; the instance comes from load()'s return statement in this file
    names = adapter.infer(_user_text(), str(project / "shop/user.py"), 9, 0, _ample())
    assert names is not None and len(names) == 1
    (name,) = names
    assert (name.kind, name.name, name.full_name) == ("instance", "Part", "shop.models.Part")
    assert name.module_path == str(project / "shop/models.py")
    assert name.line == 4


def test_infers_from_the_unsaved_text_not_the_file_on_disk(project: Path) -> None:
    adapter = JediAdapter(project)
    unsaved = "from shop.models import Part\n\nvalue = {'name': 1}\nvalue\n"
    names = adapter.infer(unsaved, str(project / "shop/user.py"), 4, 0, _ample())
    assert names is not None
    assert [(n.kind, n.full_name) for n in names] == [("instance", "builtins.dict")]


def test_goto_follows_imports_to_the_definition(project: Path) -> None:
    adapter = JediAdapter(project)
    names = adapter.goto(_user_text(), str(project / "shop/user.py"), 1, 24, _ample())
    assert names is not None
    assert [(n.kind, n.name, n.line) for n in names] == [("class", "Part", 4)]
    assert names[0].module_path == str(project / "shop/models.py")


def test_answers_are_cached_per_text_and_reused_without_budget(project: Path) -> None:
    adapter = JediAdapter(project)
    path = str(project / "shop/user.py")
    first = adapter.infer(_user_text(), path, 9, 0, _ample())
    assert first
    exhausted = InferenceBudget(0.0)
    assert adapter.infer(_user_text(), path, 9, 0, exhausted) == first
    assert adapter.cached_documents() == 1
    # another text (an edit) is another document: nothing cached for it, and no budget left
    assert adapter.infer(_user_text() + "\n", path, 9, 0, exhausted) is None
    assert adapter.cached_documents() == 2


def test_with_max_scripts_only_the_newest_documents_keep_their_jedi_script(project: Path) -> None:
    adapter = JediAdapter(project, max_scripts=1)
    path = str(project / "shop/user.py")
    texts = [_user_text(), _user_text() + "\n"]
    answers = [adapter.infer(text, path, 9, 0, _ample()) for text in texts]
    assert answers[0] and answers[0] == answers[1]
    scripts = [document.script is not None for document in adapter._documents.values()]
    assert scripts == [False, True]  # the older text's Script (and its inference state) is let go
    assert adapter.infer(texts[0], path, 9, 0, InferenceBudget(0.0)) == answers[0]  # its answers are still cached
    assert adapter.infer(texts[0], path, 5, 11, _ample())  # a new question about it makes a new Script


def _filled_caches(state: Any) -> list[str]:
    caches = {"memoize_cache": state.memoize_cache, "module_cache": state.module_cache._name_cache, "stub_module_cache": state.stub_module_cache}
    return sorted(name for name, cache in caches.items() if cache)


def test_a_script_let_go_for_a_newer_document_has_its_inference_state_emptied_at_the_next_call(project: Path) -> None:
    adapter = JediAdapter(project, max_scripts=1)
    path = str(project / "shop/user.py")
    first = adapter.infer(_user_text(), path, 9, 0, _ample())
    (document,) = adapter._documents.values()
    state = document.script._inference_state
    assert _filled_caches(state) == ["memoize_cache", "module_cache", "stub_module_cache"]  # what it inferred
    assert adapter.infer(_user_text() + "\n", path, 9, 0, _ample()) == first  # another document: the first Script is let go
    assert document.script is None and _filled_caches(state) == []  # (freed by reference counting, not left to a collection)
    assert adapter.infer(_user_text(), path, 5, 11, _ample())  # a new question about the first text makes a new Script


def test_scripts_dropped_between_questions_have_their_inference_states_emptied_at_the_next_call(project: Path) -> None:
    adapter = JediAdapter(project)
    path = str(project / "shop/user.py")
    first = adapter.infer(_user_text(), path, 9, 0, _ample())
    (document,) = adapter._documents.values()
    state = document.script._inference_state
    adapter.drop_scripts()
    assert _filled_caches(state)  # (nothing is emptied while no call runs on the jedi thread)
    assert adapter.infer(_user_text(), path, 5, 11, _ample())  # the next call: a new Script, the old state emptied first
    assert _filled_caches(state) == [] and document.script._inference_state is not state
    assert adapter.infer(_user_text() + "\n", path, 9, 0, _ample()) == first


OTHER = """
from shop.models import Part

other = Part(name="y")
other
"""


def _other_text() -> str:
    return textwrap.dedent(OTHER).lstrip("\n")


def _questions(project: Path) -> list[tuple[str, str, str, int, int]]:
    """Questions about two modules of the same package (one import path): an `infer` and a `goto` each."""
    user, other = str(project / "shop/user.py"), str(project / "shop/other.py")
    return [
        ("infer", _user_text(), user, 9, 0),
        ("infer", _other_text(), other, 4, 0),
        ("goto", _user_text(), user, 5, 11),
        ("goto", _other_text(), other, 1, 24),
    ]


def _ask(adapter: JediAdapter, questions: list[tuple[str, str, str, int, int]]) -> list[Any]:
    return [getattr(adapter, operation)(text, path, line, column, _ample()) for operation, text, path, line, column in questions]


def test_the_services_scripts_of_one_import_path_infer_in_one_state_with_the_same_answers(project: Path) -> None:
    from review_ls.project.jedi_service import service_adapter

    (project / "shop/other.py").write_text(_other_text())
    questions = _questions(project)
    shared = service_adapter(str(project), None, workers=2)
    answers = _ask(shared, questions)
    assert answers == _ask(JediAdapter(project), questions)  # a state per Script: the same answers
    assert all(answers) and answers[1][0].full_name == "shop.models.Part"
    states = {id(document.script._inference_state) for document in shared._documents.values()}
    assert len(shared._documents) == 2 and len(states) == 1


def test_scripts_whose_import_paths_differ_infer_in_different_states(project: Path) -> None:
    # jedi puts a script's parent folders without `__init__.py` on its import path: a script in `tools/` imports
    # `helpers` from there, and a module of the `shop` package does not see it.
    (project / "tools").mkdir()
    (project / "tools/helpers.py").write_text("VALUE = 1\n")
    tool = "from helpers import VALUE\nVALUE\n"
    adapter = JediAdapter(project, share_inference_state=True)
    user = adapter.infer(_user_text(), str(project / "shop/user.py"), 9, 0, _ample())
    value = adapter.infer(tool, str(project / "tools/run.py"), 2, 0, _ample())
    assert user and user[0].full_name == "shop.models.Part"
    assert value is not None and [(n.kind, n.full_name) for n in value] == [("instance", "builtins.int")]
    states = {id(document.script._inference_state) for document in adapter._documents.values()}
    assert len(states) == 2


def test_a_document_whose_text_is_not_its_files_infers_in_a_state_of_its_own(project: Path) -> None:
    # (a fixed text not written yet, in `check --fix`: the other documents must keep seeing the module on disk)
    (project / "shop/other.py").write_text(_other_text())
    adapter = JediAdapter(project, share_inference_state=True)
    edited = _other_text().replace('name="y"', 'name="z"')
    questions = [("infer", _user_text(), str(project / "shop/user.py"), 9, 0), ("infer", edited, str(project / "shop/other.py"), 4, 0)]
    answers = _ask(adapter, questions)
    assert answers == _ask(JediAdapter(project), questions)
    on_disk, unsaved = (document.script._inference_state for document in adapter._documents.values())
    assert on_disk is not unsaved
    _ask(adapter, [("infer", _other_text(), str(project / "shop/other.py"), 4, 0)])  # the file's own text: shares again
    assert list(adapter._documents.values())[-1].script._inference_state is on_disk
    adapter.drop_scripts()
    _ask(adapter, [("goto", _user_text(), str(project / "shop/user.py"), 5, 11)])  # (a new question: the jedi thread runs)
    assert _filled_caches(unsaved) == [] and _filled_caches(on_disk) == []  # both let go, and emptied at the next call


def test_a_document_with_a_state_of_its_own_has_it_emptied_once_let_go(project: Path) -> None:
    (project / "shop/other.py").write_text(_other_text())
    adapter = JediAdapter(project, max_scripts=1, share_inference_state=True)
    edited = _other_text().replace('name="y"', 'name="z"')
    _ask(adapter, [("infer", _user_text(), str(project / "shop/user.py"), 9, 0), ("infer", edited, str(project / "shop/other.py"), 4, 0)])
    on_disk, unsaved = (document.script._inference_state if document.script else None for document in adapter._documents.values())
    assert on_disk is None and unsaved is not None  # (one Script kept: the newest document's)
    _ask(adapter, [("infer", _user_text(), str(project / "shop/user.py"), 5, 11)])  # lets go of the unsaved document's Script
    assert _filled_caches(unsaved) == []  # its own state, emptied; the shared one is left to the Scripts that share it
    assert _filled_caches(list(adapter._documents.values())[-1].script._inference_state)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_document_at_a_fifo_is_not_read_from_disk_and_infers_in_a_state_of_its_own(project: Path) -> None:
    fifo = project / "shop/pipe.py"
    os.mkfifo(fifo)  # (nobody writes to it: reading it would wait for ever)
    adapter = JediAdapter(project, share_inference_state=True)
    answer = adapter.infer(_other_text(), str(fifo), 4, 0, _ample())
    assert answer and answer[0].full_name == "shop.models.Part"
    assert adapter._shared_states == {}  # (not its file's text as far as anyone can tell: a state of its own)


def test_dropping_scripts_empties_and_forgets_the_shared_state(project: Path) -> None:
    (project / "shop/other.py").write_text(_other_text())
    adapter = JediAdapter(project, share_inference_state=True)
    questions = _questions(project)
    first = _ask(adapter, questions[:2])
    state = next(iter(adapter._documents.values())).script._inference_state
    adapter.drop_scripts()
    assert _filled_caches(state)  # (nothing is emptied while no call runs on the jedi thread)
    assert _ask(adapter, questions[2:]) == _ask(JediAdapter(project), questions[2:])  # new Scripts, a new shared state
    assert _filled_caches(state) == []
    states = {id(document.script._inference_state) for document in adapter._documents.values()}
    assert len(states) == 1 and id(state) not in states
    assert _ask(adapter, questions[:2]) == first  # (cached)


def test_an_interrupted_call_lets_go_of_the_shared_state(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "shop/other.py").write_text(_other_text())
    adapter = JediAdapter(project, warm_up_seconds=0.0, cpu_budget=True, share_inference_state=True)
    user = str(project / "shop/user.py")
    assert adapter.infer(_user_text(), user, 5, 11, _ample()) is not None
    (document,) = adapter._documents.values()
    state = document.script._inference_state

    def spin() -> None:
        deadline = time.process_time() + 10.0  # (not stopped, the call would answer after it)
        while time.process_time() < deadline:
            pass

    _delayed_next_script(adapter, monkeypatch, spin)  # the next Script made (another document's) spins past its budget
    budget = InferenceBudget(0.05)
    assert adapter.infer(_other_text(), str(project / "shop/other.py"), 4, 0, budget) is None and budget.exhausted
    # every Script is let go (the state they shared may be half-updated): the next call makes a new one, in a new state
    answer = adapter.infer(_user_text(), user, 9, 0, _ample())
    assert answer and answer[0].full_name == "shop.models.Part"
    assert _filled_caches(state) == [] and document.script._inference_state is not state


def test_trimming_parsed_modules_keeps_the_most_recent_and_the_same_answers(project: Path) -> None:
    import parso.cache

    adapter = JediAdapter(project)
    path = str(project / "shop/user.py")
    first = adapter.infer(_user_text(), path, 9, 0, _ample())  # parses shop/models.py (and pydantic) for the answer
    models = str(project / "shop" / "models.py")
    assert any(str(p) == models for table in parso.cache.parser_cache.values() for p in table)
    trim_parsed_modules(0)
    assert all(len(table) == 0 for table in parso.cache.parser_cache.values())
    assert adapter.infer(_user_text() + "\n", path, 9, 0, _ample()) == first  # parsed or loaded again: the same answer
    cached = sorted((item.last_used, str(p), len(item.lines)) for table in parso.cache.parser_cache.values() for p, item in table.items())
    (_, second, second_lines), (_, newest, newest_lines) = cached[-2:]  # (every grammar's table: modules and stubs)
    trim_parsed_modules(newest_lines + second_lines)  # the newest trees whose lines fit
    assert sorted(str(p) for table in parso.cache.parser_cache.values() for p in table) == sorted([second, newest])


def test_the_cache_key_includes_the_project_context(project: Path) -> None:
    adapter = JediAdapter(project)
    path = str(project / "shop/user.py")
    assert adapter.infer(_user_text(), path, 9, 0, _ample(), context=1)
    assert adapter.infer(_user_text(), path, 9, 0, InferenceBudget(0.0), context=2) is None


def test_an_exhausted_budget_answers_dont_know_at_once(project: Path) -> None:
    adapter = JediAdapter(project)
    assert adapter.infer(_user_text(), str(project / "shop/user.py"), 9, 0, InferenceBudget(0.0)) is None


def test_the_first_call_may_take_the_warm_up_allowance_on_top_of_its_budget(project: Path) -> None:
    adapter = JediAdapter(project, warm_up_seconds=60.0)
    names = adapter.infer(_user_text(), str(project / "shop/user.py"), 9, 0, InferenceBudget(1e-9))
    assert names is not None and names[0].full_name == "shop.models.Part"


def test_a_timed_out_call_is_stopped_and_dont_know_is_kept_for_that_text(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = JediAdapter(project, warm_up_seconds=0.0)
    path = str(project / "shop/user.py")
    # The first jedi call is made slow on purpose: a budget of 1e-9 s must run out whatever the machine's speed.
    real_script = adapter._script
    slowed: list[bool] = []

    def slow_first_script(document: Any) -> Any:
        if not slowed:
            slowed.append(True)
            time.sleep(0.5)
        return real_script(document)

    monkeypatch.setattr(adapter, "_script", slow_first_script)
    budget = InferenceBudget(1e-9)
    assert adapter.infer(_user_text(), path, 9, 0, budget) is None
    assert budget.exhausted
    # the jedi thread survives the interruption and answers the next call
    assert adapter.infer(_user_text(), path, 5, 11, _ample()) is not None
    # the same text keeps its "don't know"; an edited text is asked afresh
    assert adapter.infer(_user_text(), path, 9, 0, _ample()) is None
    edited = adapter.infer(_user_text() + "\n", path, 9, 0, _ample())
    assert edited is not None and edited[0].full_name == "shop.models.Part"


def _delayed_next_script(adapter: JediAdapter, monkeypatch: pytest.MonkeyPatch, delay: Callable[[], None]) -> None:
    """Make the adapter's next jedi call run `delay` before it infers."""
    real_script = adapter._script
    delayed: list[bool] = []

    def delayed_script(document: Any) -> Any:
        if not delayed:
            delayed.append(True)
            delay()
        return real_script(document)

    monkeypatch.setattr(adapter, "_script", delayed_script)


@pytest.mark.parametrize("cpu_budget", [False, True])
def test_a_cpu_budget_is_not_spent_by_a_call_that_waits_without_computing(project: Path, monkeypatch: pytest.MonkeyPatch, cpu_budget: bool) -> None:
    # A wall budget times out a call that waits (as on a loaded machine, where jedi's thread gets little CPU); the CLI's
    # service charges its thread's CPU time instead, so the same question is answered.
    adapter = JediAdapter(project, warm_up_seconds=0.0, cpu_budget=cpu_budget)
    path = str(project / "shop/user.py")
    assert adapter.infer(_user_text(), path, 5, 11, _ample()) is not None  # (warmed up: the next answer costs little CPU)
    _delayed_next_script(adapter, monkeypatch, lambda: time.sleep(0.6))
    adapter.drop_scripts()  # (the next question makes a Script, so it runs the delay)
    budget = InferenceBudget(0.25)
    names = adapter.infer(_user_text(), path, 9, 0, budget)
    if cpu_budget:
        assert names is not None and names[0].full_name == "shop.models.Part" and not budget.exhausted
    else:
        assert names is None and budget.exhausted


def test_a_cpu_budget_stops_a_call_that_computes_past_it(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = JediAdapter(project, warm_up_seconds=0.0, cpu_budget=True)
    path = str(project / "shop/user.py")
    assert adapter.infer(_user_text(), path, 5, 11, _ample()) is not None

    def spin() -> None:
        deadline = time.process_time() + 10.0  # (not stopped, the call would answer after it)
        while time.process_time() < deadline:
            pass

    _delayed_next_script(adapter, monkeypatch, spin)
    adapter.drop_scripts()
    budget = InferenceBudget(0.05)
    assert adapter.infer(_user_text(), path, 9, 0, budget) is None and budget.exhausted
    assert adapter.infer(_user_text(), path, 5, 12, _ample()) is not None  # the thread survives and answers on


def test_a_cpu_budget_is_bounded_in_wall_time_too(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A call that waits without computing (jedi asking a subprocess environment) is stopped after
    # `_CPU_BUDGET_WALL_FACTOR` times its allowance plus a second, not waited on for ever.
    adapter = JediAdapter(project, warm_up_seconds=0.0, cpu_budget=True)
    path = str(project / "shop/user.py")
    assert adapter.infer(_user_text(), path, 5, 11, _ample()) is not None
    _delayed_next_script(adapter, monkeypatch, lambda: time.sleep(5.0))  # (not stopped, the call would answer after it)
    adapter.drop_scripts()
    assert adapter.infer(_user_text(), path, 9, 0, InferenceBudget(0.05)) is None


def test_jedi_errors_degrade_to_dont_know(project: Path) -> None:
    adapter = JediAdapter(project)
    assert adapter.infer(_user_text(), str(project / "shop/user.py"), 999, 0, _ample()) is None


def test_an_invalid_environment_falls_back_to_this_interpreter(project: Path, caplog: pytest.LogCaptureFixture) -> None:
    adapter = JediAdapter(project, environment_path=str(project / "no-such-venv"))
    names = adapter.infer(_user_text(), str(project / "shop/user.py"), 9, 0, _ample())
    assert names is not None and names[0].full_name == "shop.models.Part"
    assert "no-such-venv" in caplog.text


def test_one_adapter_per_root_and_environment(tmp_path: Path) -> None:
    assert adapter_for(str(tmp_path)) is adapter_for(str(tmp_path))
    assert adapter_for(str(tmp_path)) is not adapter_for(str(tmp_path), "/opt/venv")


def test_jedi_is_not_imported_unless_inference_runs() -> None:
    code = textwrap.dedent(
        """
        import sys
        from review_ls import analyse_source
        from review_ls.project import ProjectIndex
        source = "from pydantic import BaseModel\\nclass M(BaseModel):\\n    a: int\\ndef f(m: M):\\n    return m['a']\\n"
        result = analyse_source(source, "m.py", project=ProjectIndex.from_sources({"m.py": source}))
        assert [f.code for f in result.findings if f.code.startswith("RV7")] == ["RV702"], result.findings
        assert "jedi" not in sys.modules, "jedi was imported"
        """
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr


def test_stopping_interrupts_a_running_call_but_waits_for_a_shielded_section() -> None:
    from review_ls.project.jedi_adapter import _Interrupted, _JediThread

    thread = _JediThread("test-jedi")
    inside, stopped = threading.Event(), threading.Event()
    done: list[str] = []

    def spin_until_interrupted() -> None:
        inside.set()
        while True:
            stopped.wait(0.001)

    def shielded_section() -> None:
        with thread.shielded():
            inside.set()
            stopped.wait()
            done.append("section finished")
        done.append("after the section")

    for call in (spin_until_interrupted, shielded_section):
        inside.clear()
        stopped.clear()
        future = thread.submit(call)
        inside.wait()
        thread.stop(future)
        stopped.set()
        assert isinstance(future.exception(), _Interrupted)
    assert done == ["section finished"]
    assert thread.submit(lambda: 42).result() == 42


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the texts parso really parses from here on (not the trees it takes from its caches)."""
    from parso.python.parser import Parser

    parsed = [0]
    original = Parser.parse

    def counting(self: Any, tokens: Any) -> Any:
        parsed[0] += 1
        return original(self, tokens)

    monkeypatch.setattr(Parser, "parse", counting)
    return parsed


def test_a_document_that_is_the_file_on_disk_takes_parsos_cached_tree(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import parso.cache

    path = str(project / "shop/user.py")
    first = JediAdapter(project).infer(_user_text(), path, 9, 0, _ample())  # parses (and saves) what it needs
    parso.cache.parser_cache.clear()  # as a new process: only parso's disk cache is left
    parsed = _count_parses(monkeypatch)
    adapter = JediAdapter(project)
    assert adapter.infer(_user_text(), path, 9, 0, _ample()) == first
    assert parsed == [0]  # the document's tree came from parso's disk cache, as the imported modules' did
    (document,) = adapter._documents.values()
    assert document.script._module_node.get_code() == _user_text()


def test_an_unsaved_document_is_parsed_from_its_own_text(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import parso.cache

    path = str(project / "shop/user.py")
    JediAdapter(project).infer(_user_text(), path, 9, 0, _ample())  # the file's tree is in parso's caches now
    parso.cache.parser_cache.clear()
    loaded: list[str] = []
    original = parso.cache._load_from_file_system

    def counted(grammar: Any, p: Any, *a: Any, **k: Any) -> Any:
        loaded.append(str(p))
        return original(grammar, p, *a, **k)

    monkeypatch.setattr(parso.cache, "_load_from_file_system", counted)
    unsaved = _user_text().replace("part = load()", "part = {'name': 1}")
    adapter = JediAdapter(project)
    names = adapter.infer(unsaved, path, 9, 0, _ample())
    assert names is not None and [(n.kind, n.full_name) for n in names] == [("instance", "builtins.dict")]
    assert path not in loaded  # the file's tree is not loaded (nor parsed) for a text that is not the file's
    (document,) = adapter._documents.values()
    assert document.script._module_node.get_code() == unsaved


def test_bounding_parsed_modules_between_questions_keeps_later_answers(write, monkeypatch: pytest.MonkeyPatch) -> None:
    from review_ls.project import jedi_service

    write("shop/__init__.py", "")
    write("shop/models.py", MODELS + "\n    def label(self) -> str:\n        return self.name\n")
    user = _user_text() + "text = part.label()\ntext\n"
    path = write("shop/user.py", user)
    monkeypatch.setattr(jedi_service, "_PARSED_LINES_LIMIT", 0)  # bound after every question, as a long run does
    monkeypatch.setattr(jedi_service, "_PARSED_LINES_KEPT", 0)
    adapter = JediAdapter(path.parent.parent)
    assert adapter.infer(user, str(path), 9, 0, _ample())
    jedi_service.bound_parsed_modules([adapter])
    # another question about the same document: jedi reads the trees of the modules it loads from parso's cache
    names = adapter.infer(user, str(path), 11, 0, _ample())
    assert names is not None and [(n.kind, n.full_name) for n in names] == [("instance", "builtins.str")]


def test_bounding_parsed_modules_counts_lines_so_many_small_trees_stay_with_their_scripts(write) -> None:
    import parso.cache

    from review_ls.project import jedi_service

    modules = 45  # (more small trees than the service's former bound of 40 trees, far fewer lines than its line bound)
    write("pkg/__init__.py", "")
    for number in range(modules):
        write(f"pkg/m{number}.py", f"def f() -> int:\n    return {number}\n")
    main = "".join(f"from pkg import m{number}\n" for number in range(modules))
    main += "".join(f"v{number} = m{number}.f()\n" for number in range(modules))
    path = write("main.py", main)
    trim_parsed_modules(0)  # (parso's cache is the process's: start from none)
    adapter = JediAdapter(path.parent)
    for number in range(modules):  # one Script loads every module
        names = adapter.infer(main, str(path), modules + number + 1, 0, _ample())
        assert names is not None and [(n.kind, n.full_name) for n in names] == [("instance", "builtins.int")]
    cached = {str(p) for table in parso.cache.parser_cache.values() for p in table}
    assert {str(path.parent / "pkg" / f"m{number}.py") for number in range(modules)} <= cached
    jedi_service.bound_parsed_modules([adapter])
    assert {str(p) for table in parso.cache.parser_cache.values() for p in table} == cached  # nothing forgotten
    (document,) = adapter._documents.values()
    assert document.script is not None  # nor the Script (and its inference state) let go


def test_bounding_parsed_modules_past_the_line_limit_keeps_the_newest_lines(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import parso.cache

    from review_ls.project import jedi_service

    adapter = JediAdapter(project)
    path = str(project / "shop/user.py")
    assert adapter.infer(_user_text(), path, 9, 0, _ample())
    cached = sorted((item.last_used, str(p), len(item.lines)) for table in parso.cache.parser_cache.values() for p, item in table.items())
    _, newest, newest_lines = cached[-1]
    monkeypatch.setattr(jedi_service, "_PARSED_LINES_LIMIT", parsed_lines() - 1)
    monkeypatch.setattr(jedi_service, "_PARSED_LINES_KEPT", newest_lines)
    jedi_service.bound_parsed_modules([adapter])
    assert [str(p) for table in parso.cache.parser_cache.values() for p in table] == [newest]
    assert parsed_lines() == newest_lines
    (document,) = adapter._documents.values()
    assert document.script is None  # let go before its trees were forgotten


def test_bounding_parsed_modules_frees_the_forgotten_trees_without_a_collection(write, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    import parso.cache

    from review_ls.project import jedi_service

    write("shop/__init__.py", "")
    write("shop/models.py", MODELS)
    path = write("shop/user.py", _user_text())
    adapter = JediAdapter(path.parent.parent)
    assert adapter.infer(_user_text(), str(path), 9, 0, _ample())
    monkeypatch.setattr(jedi_service, "_PARSED_LINES_LIMIT", 0)
    monkeypatch.setattr(jedi_service, "_PARSED_LINES_KEPT", 0)
    nodes = sum(_count_nodes(item.node) for table in parso.cache.parser_cache.values() for item in table.values())
    gc.collect()
    gc.disable()  # (a tree is a reference cycle: only reference counting may free it here)
    try:
        before = len(gc.get_objects())
        jedi_service.bound_parsed_modules([adapter])
        freed = before - len(gc.get_objects())
    finally:
        gc.enable()
    assert parso.cache.parser_cache and all(len(table) == 0 for table in parso.cache.parser_cache.values())
    assert freed > nodes // 2  # most nodes are gone (the dropped inference state, garbage until a collection, holds a few)


def _count_nodes(tree: Any) -> int:
    pending, count = [tree], 0
    while pending:
        node = pending.pop()
        count += 1
        pending.extend(getattr(node, "children", ()))
    return count


def test_the_names_of_a_module_tree_are_the_recursive_walks_in_the_same_order(project: Path) -> None:
    import parso
    import parso.python.tree

    adapter = JediAdapter(project)
    assert adapter.infer(_user_text(), str(project / "shop/user.py"), 9, 0, _ample())  # (jedi loaded, parso patched)
    get_used_names: Any = parso.python.tree.Module.get_used_names
    assert get_used_names.review_ls_iterative
    source = Path(parso.python.tree.__file__).read_text() + "\n" + MODELS + "\nx = [a for a in b if a.c(d=e)]\n"
    fast, slow = parso.parse(source), parso.parse(source)
    fast_names, slow_names = dict(fast.get_used_names()), dict(get_used_names.recursive(slow))
    assert list(fast_names) == list(slow_names) and len(fast_names) > 100
    for name, leaves in fast_names.items():
        assert [leaf.start_pos for leaf in leaves] == [leaf.start_pos for leaf in slow_names[name]]


def test_trees_forgotten_while_a_jedi_call_unwinds_are_taken_apart_once_it_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    import parso

    from review_ls.project import jedi_service

    class Adapter:  # (the service's adapter, its jedi thread still busy with an interrupted call)
        busy = True

        def drop_scripts(self) -> None:
            pass

        def idle(self) -> bool:
            return not self.busy

    tree = parso.parse("def f(a):\n    return [a, a]\n")
    cached = [tree]  # (parso's cache, as `trim_parsed_modules` sees it: one tree over a limit of 0)
    monkeypatch.setattr(jedi_service, "_PARSED_LINES_LIMIT", 0)
    monkeypatch.setattr(jedi_service, "parsed_lines", lambda: len(cached))
    monkeypatch.setattr(jedi_service, "trim_parsed_modules", lambda keep_lines: [cached.pop() for _ in range(len(cached) - keep_lines)])
    monkeypatch.setattr(jedi_service, "_PARSED_LINES_KEPT", 0)
    adapter = Adapter()
    forgotten: list[Any] = []
    jedi_service.bound_parsed_modules([adapter], forgotten)  # type: ignore[list-item]
    assert forgotten == [tree] and tree.children  # forgotten by parso's cache, still whole
    adapter.busy = False
    jedi_service.bound_parsed_modules([adapter], forgotten)  # type: ignore[list-item]
    assert forgotten == [] and tree.children == []  # taken apart after the next question


def test_the_names_walk_of_a_parso_other_than_0_8_is_left_as_it_is() -> None:
    from types import SimpleNamespace

    def get_used_names(self: Any) -> None:
        """parso's own."""

    class Module:
        pass

    Module.get_used_names = get_used_names  # type: ignore[attr-defined]
    tree = SimpleNamespace(Module=Module, UsedNamesMapping=dict)
    _walk_used_names_iteratively(tree, "0.9.0")
    assert Module.get_used_names is get_used_names  # type: ignore[attr-defined]
    _walk_used_names_iteratively(SimpleNamespace(Module=Module), "0.8.7")  # (no UsedNamesMapping: another layout)
    assert Module.get_used_names is get_used_names  # type: ignore[attr-defined]
    _walk_used_names_iteratively(tree, "0.8.7")
    assert Module.get_used_names.review_ls_iterative  # type: ignore[attr-defined]


def test_jedi_is_rooted_where_the_roots_package_is_imported_from(tmp_path: Path) -> None:
    from review_ls.project.inference import import_root

    package = tmp_path / "src" / "app" / "api"
    package.mkdir(parents=True)
    for folder in (package, package.parent):
        (folder / "__init__.py").write_text("")
    assert import_root(package) == import_root(package.parent) == tmp_path / "src"
    assert import_root(tmp_path) == tmp_path  # (a folder that is no package is its own import root)
