"""The incremental analyser: equal to analyse_source over random edits of real code, and cheap per edit."""

from __future__ import annotations

import ast
import gc
import random
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import review_ls.engine.analysis as analysis
import review_ls.engine.incremental as incremental
from review_ls.config import Settings
from review_ls.engine.analysis import RuleSet, analyse_source
from review_ls.engine.incremental import AnalysisCancelled, IncrementalAnalyser
from review_ls.engine.model import Finding, RelatedLocation
from review_ls.engine.rule import Rule, RuleDocs
from review_ls.engine.walker import Context, Walker
from review_ls.project import ProjectIndex
from review_ls.rules import all_rules

STDLIB = Path(textwrap.__file__).parent
EXAMPLE_APP = Path(__file__).parents[2] / "examples" / "service" / "app.py"


class ContextProbe(Rule):
    """Reports what the context says at calls, functions and module-level names: any context bug shows."""

    code = "XX801"
    name = "context-probe"
    message = "{what}"
    docs = RuleDocs("-", "-", "-")

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        name = ctx.qualified_name(node.func)
        if name or ctx.loop is not None:
            where = f"fn={getattr(ctx.function, 'name', None)} class={getattr(ctx.class_, 'name', None)}"
            yield self.report(node, ctx, what=f"{name} loops={len(ctx.loops)} {where}")

    def visit_FunctionDef(self, node: ast.FunctionDef, ctx: Context) -> Iterator[Finding]:
        related = (RelatedLocation(ctx.path or "", ctx.lines.node_span(node.args), "arguments"),)
        yield self.report(node, ctx, related=related, what=f"def {node.name} top={type(ctx.top_statement).__name__}")

    def visit_Name(self, node: ast.Name, ctx: Context) -> Iterator[Finding]:
        binding = ctx.facts.bindings.get(node.id)
        if binding is not None and binding.kind.value == "mutable-container" and ctx.function is not None:
            yield self.report(node, ctx, what=f"module container {node.id}")


class ModuleProbe(Rule):
    """Reads the whole module and the whole class, as some real rules do."""

    code = "XX802"
    name = "module-probe"
    message = "{what}"
    docs = RuleDocs("-", "-", "-")

    def visit_ClassDef(self, node: ast.ClassDef, ctx: Context) -> Iterator[Finding]:
        methods = sum(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) for s in node.body)
        yield self.report(node.body[-1], ctx, what=f"{node.name} has {methods} methods")

    def visit_Return(self, node: ast.Return, ctx: Context) -> Iterator[Finding]:
        functions = ctx.memo.get("functions")
        if functions is None:
            module = ctx.parents[0]
            functions = ctx.memo["functions"] = sum(isinstance(s, ast.FunctionDef) for s in module.body)  # type: ignore[attr-defined]
        if isinstance(node.value, ast.Name) and functions > 3:
            yield self.report(node, ctx, what=f"one of {functions} functions")


@pytest.fixture
def probes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Analyse with the registered rules plus the probes (in analyse_source and the incremental analyser alike)."""
    real = analysis.rule_set_for
    cache: dict[Settings, RuleSet] = {}

    def rule_set_for(settings: Settings) -> RuleSet:
        if settings not in cache:
            base = real(settings)
            rules = (*base.rules, ContextProbe(), ModuleProbe())
            cache[settings] = RuleSet(settings, rules, Walker(rules), base.known_codes | {"XX801", "XX802"})
        return cache[settings]

    monkeypatch.setattr(analysis, "rule_set_for", rule_set_for)
    monkeypatch.setattr(incremental, "rule_set_for", rule_set_for)


EDITS = (
    "char",
    "char",
    "delete-char",
    "newline",
    "delete-lines",
    "duplicate-line",
    "loop",
    "indent",
    "join",
    "blank",
    "comment",
    "suppress",
    "module-name",
)


def random_edit(rng: random.Random, text: str) -> str:
    """One edit of the kinds typing makes (many leave the text broken for a while)."""
    lines = text.split("\n")
    index = rng.randrange(len(lines))
    line = lines[index]
    kind = rng.choice(EDITS)
    column = rng.randrange(len(line) + 1)
    indent = line[: len(line) - len(line.lstrip())]
    if kind == "char":
        lines[index] = line[:column] + rng.choice("xa_ (:)#'\"") + line[column:]
    elif kind == "delete-char" and line:
        lines[index] = line[: column - 1] + line[column:] if column else line[1:]
    elif kind == "newline":
        lines[index : index + 1] = [line[:column], line[column:]]
    elif kind == "delete-lines":
        del lines[index : index + rng.randint(1, 4)]
    elif kind == "duplicate-line":
        lines.insert(index, line)
    elif kind == "loop":
        lines.insert(index, indent + "for _ in range(3): requests.get(x)")
    elif kind == "indent":
        lines[index] = "    " + line
    elif kind == "join" and index + 1 < len(lines):
        lines[index : index + 2] = [line + lines[index + 1]]
    elif kind == "blank":
        lines.insert(index, "")
    elif kind == "comment":
        lines.insert(index, indent + "# a comment")
    elif kind == "suppress":
        lines[index] = line + "  # review: ignore[XX801]"
    elif kind == "module-name":
        lines.insert(index, rng.choice(["import requests", "import httpx as requests", "cache = {}", "def helper(): return x"]))
    return "\n".join(lines) or "\n"


def assert_edits_match(text: str, path: str, edits: int, seed: int) -> None:
    """Apply random edits; after each, the settled result equals analyse_source (and RV000 while broken)."""
    rng = random.Random(seed)
    analyser = IncrementalAnalyser(path)
    last_good = text
    for step in range(edits + 1):
        new = text if step == 0 else random_edit(rng, text)
        got = analyser.analyse(new)
        want = analyse_source(new, path)
        context = f"seed {seed}, edit {step}: {path}"
        assert got.syntax_error == want.syntax_error, context
        if want.syntax_error is None:
            assert got.findings == want.findings, context
            text = last_good = new
        else:
            text = new if rng.random() < 0.4 else last_good


def rule_examples() -> list[tuple[str, str]]:
    """(path, source) of every registered rule's examples."""
    sources: list[tuple[str, str]] = []
    for rule in all_rules():
        sources.extend((example.path, example.source) for example in rule.invalid)
        sources.extend((example.path, example.source) for example in rule.valid_examples())
    return sources


@pytest.mark.usefixtures("probes")
@pytest.mark.parametrize("seed", range(2))
def test_random_edits_of_rule_examples_equal_analyse_source(seed: int) -> None:
    for path, text in rule_examples():
        assert_edits_match(text, path, edits=12, seed=seed)


@pytest.mark.usefixtures("probes")
@pytest.mark.parametrize("path", [EXAMPLE_APP, STDLIB / "textwrap.py"], ids=lambda p: p.name)
def test_random_edits_of_real_files_equal_analyse_source(path: Path) -> None:
    assert_edits_match(path.read_text(encoding="utf-8"), str(path), edits=40, seed=7)


class CountingProbe(Rule):
    """Counts the functions it visits."""

    code = "XX803"
    name = "counting-probe"
    message = "-"
    docs = RuleDocs("-", "-", "-")
    visits: list[str] = []

    def visit_FunctionDef(self, node: ast.FunctionDef, ctx: Context) -> None:
        self.visits.append(node.name)


def test_an_edit_inside_a_method_walks_only_that_method(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = (CountingProbe(),)
    rule_set = RuleSet(Settings(), rules, Walker(rules), frozenset({"XX803"}))
    monkeypatch.setattr(incremental, "rule_set_for", lambda settings: rule_set)
    methods = "".join(f"    def method_{i}(self):\n        return {i}\n\n" for i in range(50))
    source = f"import os\n\n\nclass Big:\n{methods}\n\ndef after():\n    return os.sep\n"
    analyser = IncrementalAnalyser("big.py")
    analyser.analyse(source, settle=False)
    assert len(CountingProbe.visits) == 51
    CountingProbe.visits.clear()
    analyser.analyse(source.replace("return 17", "return 17 + 1"), settle=False)
    assert CountingProbe.visits == ["method_17"]
    CountingProbe.visits.clear()
    analyser.analyse(source.replace("return 17", "return 17 + 1").replace("    def method_3(self):\n", "    def method_3(self):\n\n"), settle=False)
    assert CountingProbe.visits == ["method_3"], "lines moved below the edit are not walked again"


def test_syntax_error_keeps_findings_of_untouched_statements() -> None:
    source = textwrap.dedent(
        """
        import requests


        def notify(hooks):
            for hook in hooks:
                requests.post(hook)


        def later():
            return 1
        """
    ).lstrip()
    analyser = IncrementalAnalyser("app.py")
    assert [f.code for f in analyser.analyse(source).findings] == ["RV203"]
    broken = analyser.analyse(source.replace("def later():", "def later(:"))
    assert broken.syntax_error is not None and broken.syntax_error.span.line == 9
    assert [(f.code, f.span.line) for f in broken.findings] == [("RV203", 6)]
    moved = analyser.analyse("# header\n" + source.replace("def later():", "def later(:"))
    assert [(f.code, f.span.line) for f in moved.findings] == [("RV203", 7)]
    broken_loop = analyser.analyse(source.replace("for hook in hooks:", "for hook in hooks"))
    assert broken_loop.findings == () and broken_loop.syntax_error is not None


def test_syntax_errors_can_be_switched_off() -> None:
    analyser = IncrementalAnalyser("app.py")
    analyser.analyse("x = 1\n")
    assert analyser.analyse("x = (\n", Settings(report_syntax_errors=False)).syntax_error is None


def test_settling_stops_when_asked_and_settles_later(probes: None) -> None:
    source = "def a():\n    return x\n\n\ndef b():\n    return y\n\n\ndef c():\n    pass\n\n\ndef d():\n    return z\n"
    analyser = IncrementalAnalyser("m.py")
    analyser.analyse(source)
    edited = source.replace("return y", "return yy")
    fast = analyser.analyse(edited, settle=False)
    assert analyser.needs_settling, "the Return probe reads the module through the memo"
    with pytest.raises(AnalysisCancelled):
        analyser.analyse(edited, should_stop=lambda: True)
    assert analyser.needs_settling and analyser.analyse(edited, settle=False) == fast
    assert analyser.analyse(edited).findings == analyse_source(edited, "m.py").findings
    assert not analyser.needs_settling


def test_function_level_imports_stay_in_their_function(probes: None) -> None:
    source = "def f():\n    import requests\n    requests.get(1)\n\n\ndef g():\n    requests.get(2)\n"
    names = [f.message.split()[0] for f in analyse_source(source, "m.py").findings if f.code == "XX801"]
    assert names == ["requests.get"], "g() does not see f()'s import"
    assert IncrementalAnalyser("m.py").analyse(source).findings == analyse_source(source, "m.py").findings


def test_a_broken_statement_is_reported_without_parsing_the_whole_file(monkeypatch: pytest.MonkeyPatch) -> None:
    methods = "".join(f"    def method_{i}(self):\n        return {i}\n\n" for i in range(50))
    source = f"import requests\n\n\nclass Big:\n{methods}\n\ndef notify(hooks):\n    for hook in hooks:\n        requests.post(hook)\n"
    analyser = IncrementalAnalyser("big.py")
    analyser.analyse(source)

    def whole_parse(*args: object) -> None:
        raise AssertionError("the whole file was parsed")

    monkeypatch.setattr(incremental, "parse_module", whole_parse)
    broken = source.replace("    def method_17(self):", "    defx method_17(self):")
    got = analyser.analyse(broken)
    monkeypatch.undo()
    want = analyse_source(broken, "big.py")
    assert got.syntax_error is not None and got.syntax_error == want.syntax_error
    assert [(f.code, f.span.line) for f in got.findings] == [("RV203", source.count("\n"))], "findings outside the edit are kept"


@pytest.mark.parametrize("path", [EXAMPLE_APP, STDLIB / "textwrap.py"], ids=lambda p: p.name)
def test_syntax_error_of_the_edited_region_equals_a_full_parse(path: Path) -> None:
    for seed in range(12):
        rng = random.Random(seed)
        analyser = IncrementalAnalyser(str(path))
        text = last_good = path.read_text(encoding="utf-8")
        analyser.analyse(text)
        for step in range(30):
            new = random_edit(rng, text)
            got, want = analyser.analyse(new), analyse_source(new, str(path))
            assert got.syntax_error == want.syntax_error, f"seed {seed}, edit {step}"
            if want.syntax_error is None:
                text = last_good = new
            else:
                text = new if rng.random() < 0.4 else last_good


def test_syntax_error_column_comes_from_the_text_not_the_file_on_disk(tmp_path: Path) -> None:
    on_disk = tmp_path / "m.py"
    on_disk.write_text("x = 1\ny = 2\n", encoding="utf-8")
    source = "x = 1\nasync def fetch_all(urls) -> lis\nt[dict]:\n    pass\n"
    error = analyse_source(source, str(on_disk)).syntax_error
    assert error is not None and (error.span.line, error.span.col) == (2, 32)


def test_settling_an_edit_within_a_line_parses_nothing_and_equals_analyse_source(probes: None, monkeypatch: pytest.MonkeyPatch) -> None:
    functions = "".join(f"def f_{i}():\n    return {i}\n\n\n" for i in range(40))
    source = f"import os\n\n\n{functions}def last():\n    return os.sep\n"
    analyser = IncrementalAnalyser("m.py")
    analyser.analyse(source)
    edited = source.replace("return 17\n", "return y\n")
    analyser.analyse(edited, settle=False)
    assert analyser.needs_settling, "the Return probe reads the module through the memo"

    def whole_parse(*args: object) -> None:
        raise AssertionError("the whole file was parsed")

    with monkeypatch.context() as patched:
        patched.setattr(incremental, "parse_module", whole_parse)
        settled = analyser.analyse(edited)
    assert not analyser.needs_settling
    assert any(f.code == "XX802" for f in settled.findings)
    assert settled.findings == analyse_source(edited, "m.py").findings


def test_settling_after_lines_moved_equals_analyse_source(probes: None) -> None:
    functions = "".join(f"def f_{i}():\n    return {i}\n\n\n" for i in range(20))
    analyser = IncrementalAnalyser("m.py")
    analyser.analyse(functions)
    edited = functions.replace("    return 7\n", "    a = 1\n    return 7 + a\n")
    analyser.analyse(edited, settle=False)
    assert analyser.analyse(edited).findings == analyse_source(edited, "m.py").findings


class ScopeMemoProbe(Rule):
    """Caches a per-function fact in the memo, keyed by the function: nothing beyond the function."""

    code = "XX804"
    name = "scope-memo-probe"
    message = "{count} returns"
    docs = RuleDocs("-", "-", "-")

    def visit_Return(self, node: ast.Return, ctx: Context) -> Iterator[Finding]:
        key = ("returns", id(ctx.function))
        count = ctx.memo.get(key)
        if count is None:
            count = ctx.memo[key] = sum(isinstance(n, ast.Return) for n in ast.walk(ctx.function)) if ctx.function else 0
        yield self.report(node, ctx, count=count)


def test_any_memo_entry_counts_as_reading_beyond_the_segment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memo entries may hold the whole module and read it lazily (a type resolver), so using one makes the
    segment depend on the rest: the edit is settled."""
    rules = (ScopeMemoProbe(),)
    rule_set = RuleSet(Settings(), rules, Walker(rules), frozenset({"XX804"}))
    monkeypatch.setattr(incremental, "rule_set_for", lambda settings: rule_set)
    source = "".join(f"def f_{i}(x):\n    if x:\n        return 1\n    return {i}\n\n\n" for i in range(10))
    analyser = IncrementalAnalyser("m.py")
    analyser.analyse(source)
    analyser.analyse(source.replace("return 3\n", "return 3 + x\n"), settle=False)
    assert analyser.needs_settling


def test_an_enum_member_added_in_another_statement_reaches_a_function_that_did_not_change() -> None:
    """Fuzz-found: RV701 in an unchanged function reads the enum through the type resolver in the memo."""
    before = (
        "import enum\nfrom dataclasses import dataclass\n\n\nclass Level(str, enum.Enum):\n    LOW = \"low\"\n    HIGH \n\n\n"
        "@dataclass\nclass Alert:\n    level: Level\n\n\ndef is_urgent(alert: Alert) -> bool:\n    return alert.level in (\"HIGH\", \"critical\")\n"
    )
    after = before.replace("    HIGH \n", "    HIGH = \"high\"\n")
    analyser = IncrementalAnalyser("m.py")
    analyser.analyse(before)
    expected = analyse_source(after, "m.py").findings
    assert [f.code for f in expected] == ["RV701"]
    assert analyser.analyse(after).findings == expected


class ModuleMemoProbe(Rule):
    """Caches a module-wide fact in the memo: every reader depends on the whole module."""

    code = "XX805"
    name = "module-memo-probe"
    message = "{count} functions"
    docs = RuleDocs("-", "-", "-")

    def visit_Return(self, node: ast.Return, ctx: Context) -> Iterator[Finding]:
        count = ctx.memo.get("functions")
        if count is None:
            count = ctx.memo["functions"] = len(ctx.parents[0].body)  # type: ignore[attr-defined]
        yield self.report(node, ctx, count=count)


def test_a_memo_entry_built_from_the_module_still_marks_its_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = (ModuleMemoProbe(),)
    rule_set = RuleSet(Settings(), rules, Walker(rules), frozenset({"XX805"}))
    monkeypatch.setattr(incremental, "rule_set_for", lambda settings: rule_set)
    source = "".join(f"def f_{i}():\n    return {i}\n\n\n" for i in range(10))
    analyser = IncrementalAnalyser("m.py")
    analyser.analyse(source)
    edited = source + "def extra():\n    pass\n"
    analyser.analyse(edited, settle=False)
    assert analyser.needs_settling, "readers of a module-wide entry are settled again"
    assert [f.message for f in analyser.analyse(edited).findings] == ["11 functions"] * 10


def test_a_websocket_method_is_settled_without_reading_its_class(monkeypatch: pytest.MonkeyPatch) -> None:
    from review_ls.project.index import ProjectIndex

    methods = "".join(f"    async def on_{i}(self, websocket):\n        return {i}\n\n" for i in range(5))
    source = f"from starlette.endpoints import WebSocketEndpoint\n\n\nclass Hub(WebSocketEndpoint):\n{methods}"
    project = ProjectIndex()
    project.update_file("hub.py", source)
    analyser = IncrementalAnalyser("hub.py")
    analyser.analyse(source, None, project)
    hub = analyser._parsed.segments[-1] if analyser._parsed is not None else None
    assert hub is not None and hub.members is not None and len(hub.members) == 5
    assert not any(member.reads_beyond for member in hub.members), "RV603 asks whether a method is a class member without reading the class body"
    edited = source.replace("return 2\n", "return 2 + 1\n")
    assert analyser.analyse(edited, None, project) == analyse_source(edited, "hub.py", None, project)


def test_settling_after_lines_moved_parses_the_moved_lines_in_steps(probes: None, monkeypatch: pytest.MonkeyPatch) -> None:
    functions = "".join(f"def f_{i}():\n    return {i}\n\n\n" for i in range(40))
    source = f"import os\n\n\n{functions}def g():\n    return os\n"
    analyser = IncrementalAnalyser("m.py")
    analyser.analyse(source)
    edited = source.replace("    return 3\n", "    a = 3\n    return a\n")
    analyser.analyse(edited, settle=False)
    assert analyser.needs_settling, "the Return probe reads the module through the memo"

    def whole_parse(*args: object) -> None:
        raise AssertionError("the whole file was parsed")

    asked: list[int] = []

    def stop_on_third_step() -> bool:
        asked.append(1)
        return len(asked) == 3

    with monkeypatch.context() as patched:
        patched.setattr(incremental, "parse_module", whole_parse)
        patched.setattr(incremental, "_REBASE_LINES", 20)
        with pytest.raises(AnalysisCancelled):
            analyser.analyse(edited, should_stop=stop_on_third_step)
        assert analyser.needs_settling
        settled = analyser.analyse(edited, should_stop=lambda: False)
    assert not analyser.needs_settling
    assert sum(f.code == "XX802" for f in settled.findings) == 2, "the moved returns of names are found"
    assert settled.findings == analyse_source(edited, "m.py").findings


def test_settling_stops_between_the_members_of_a_class(probes: None, monkeypatch: pytest.MonkeyPatch) -> None:
    methods = "".join(f"    def m_{i}(self):\n        return x_{i}\n\n" for i in range(30))
    source = f"class Big:\n{methods}"
    analyser = IncrementalAnalyser("m.py")
    analyser.analyse(source)
    edited = source.replace("return x_7\n", "return x_77\n")
    analyser.analyse(edited, settle=False)
    assert analyser.needs_settling, "the Return probe reads the module through the memo"
    walked: list[str] = []
    real_member = incremental._Walk.class_member

    def class_member(walk: incremental._Walk, view: ast.ClassDef, member: incremental.Segment) -> incremental.Segment:
        walked.append(member.text)
        return real_member(walk, view, member)

    monkeypatch.setattr(incremental._Walk, "class_member", class_member)
    asked: list[int] = []

    def stop_once_three_members_walked() -> bool:
        asked.append(1)
        return len(walked) >= 3

    with pytest.raises(AnalysisCancelled):
        analyser.analyse(edited, should_stop=stop_once_three_members_walked)
    assert len(walked) == 3, "no member is walked once a newer edit asked the settling pass to stop"
    assert analyser.analyse(edited).findings == analyse_source(edited, "m.py").findings


def test_the_last_parse_is_kept_out_of_garbage_collections() -> None:
    source = (STDLIB / "textwrap.py").read_text(encoding="utf-8")
    analyser = IncrementalAnalyser("textwrap.py")
    analyser.analyse(source)
    assert analyser._parsed is not None
    node = analyser._parsed.segments[-1].nodes[0]
    collected = (o for generation in range(3) for o in gc.get_objects(generation))
    assert not any(o is node for o in collected), "full collections would walk the document's tree on every keystroke"


def test_changed_lines_equals_the_common_prefix_and_suffix() -> None:
    def by_scanning(old: list[str], new: list[str]) -> tuple[int, int, int]:
        limit, prefix, suffix = min(len(old), len(new)), 0, 0
        while prefix < limit and old[prefix] == new[prefix]:
            prefix += 1
        while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
            suffix += 1
        return prefix + 1, len(old) - suffix, len(new) - suffix

    rng = random.Random(5)
    for _ in range(3000):
        old = [rng.choice("ab") for _ in range(rng.randint(0, 12))]
        new = list(old)
        for _ in range(rng.randint(0, 3)):
            at = rng.randint(0, len(new))
            kind = rng.random()
            if kind < 0.4 or not new:
                new.insert(at, rng.choice("abc"))
            elif kind < 0.7:
                del new[min(at, len(new) - 1)]
            else:
                new[min(at, len(new) - 1)] = rng.choice("abc")
        assert incremental.changed_lines(old, new) == by_scanning(old, new), (old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    return 10\n", "    return f(10\n"),  # an open bracket: the tokenizer reads on to the end
        ("    return 10\n", '    return """10\n'),  # an open triple-quoted string
        ("    return 10\n", "    return [10,\n"),
        ("    return 10\n", "    if x\n    return 10\n"),
        ("        return 3\n", "        return g(3\n"),  # inside a class member
        ("        return 3\n", "        return '''3\n"),
    ],
)
def test_an_edit_that_leaves_something_open_is_reported_without_a_whole_parse(old: str, new: str, monkeypatch: pytest.MonkeyPatch) -> None:
    functions = "".join(f"def f_{i}():\n    return {i}\n\n\n" for i in range(40))
    methods = "".join(f"    def m_{i}(self):\n        return {i}\n\n" for i in range(12))
    source = f"import os\n\n\n{functions}class C:\n{methods}\n\n{functions.replace('def f_', 'def h_')}"
    analyser = IncrementalAnalyser("m.py")
    analyser.analyse(source)
    edited = source.replace(old, new, 1)
    expected = analyse_source(edited, "m.py")
    assert expected.syntax_error is not None

    def whole_parse(*args: object) -> None:
        raise AssertionError("the whole file was parsed")

    monkeypatch.setattr(incremental, "parse_module", whole_parse)
    result = analyser.analyse(edited)
    assert result.syntax_error == expected.syntax_error
    assert result.findings == expected.findings


SOURCE_FOR_LINES = "".join(f"\n\ndef f_{i}():\n    return {i}\n" for i in range(5))


def test_the_lines_of_the_analysed_text_are_split_once_and_equal_split_lines() -> None:
    from review_ls.engine.positions import split_lines

    analyser = IncrementalAnalyser("m.py")
    analyser.analyse(SOURCE_FOR_LINES)
    assert analyser.lines_of(SOURCE_FOR_LINES) is analyser.lines_of(SOURCE_FOR_LINES) and analyser.lines_of(SOURCE_FOR_LINES) == split_lines(SOURCE_FOR_LINES)
    edited = SOURCE_FOR_LINES.replace("return 3", "return (3")
    analyser.analyse(edited, settle=False)
    assert analyser.lines_of(edited) == split_lines(edited) and analyser.lines_of(SOURCE_FOR_LINES) == split_lines(SOURCE_FOR_LINES)


CYCLE_PRONE = """\
import requests


async def fetch(url):
    return requests.get(url).json()


class Client:
    async def load(self, url):
        return requests.get(url).text
"""


def test_an_incremental_walk_leaves_no_reference_cycle_behind() -> None:
    # (as `test_analysis.test_an_analysis_leaves_no_reference_cycle_behind`: RV302's judges in the walk's memo call back
    # into the walk's context; a server's dropped analyses would otherwise wait for a collection to free their trees)
    project = ProjectIndex.from_sources({"service.py": CYCLE_PRONE})
    settings = Settings(select=("ALL",))
    analyser = IncrementalAnalyser("service.py")
    assert [f.code for f in analyser.analyse(CYCLE_PRONE, settings, project).findings].count("RV302") == 2
    gc.collect()  # (what the first analysis loaded and keeps: rules, lazily defined classes)
    gc.disable()
    try:
        edited = CYCLE_PRONE.replace("return requests.get(url).text", "return requests.get(url).content")
        assert [f.code for f in analyser.analyse(edited, settings, project).findings].count("RV302") == 2
        assert gc.collect() == 0
    finally:
        gc.enable()
