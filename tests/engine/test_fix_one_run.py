"""`fix_source` finishes in one run: every fix applied, a second run changes nothing."""

from __future__ import annotations

from review_ls.config import Settings
from review_ls.engine.fixes import edits_overlap, fix_source, merge_edits
from review_ls.engine.model import Span, TextEdit


def _regex_module(functions: int, per_function: int) -> str:
    lines = ["import re", ""]
    for f in range(functions):
        lines += ["", f"def parse_{f}(lines):", "    out = []", "    for line in lines:"]
        lines += [f"        out.append(re.findall(r'key{f}_{p}=(\\d+)', line))" for p in range(per_function)]
        lines += ["    return out", ""]
    return "\n".join(lines)


def _call_all(source: str, functions: int, data: list[str]) -> list[object]:
    namespace: dict[str, object] = {}
    exec(compile(source, "<m>", "exec"), namespace)  # noqa: S102 - the module under test
    return [namespace[f"parse_{f}"](data) for f in range(functions)]  # type: ignore[operator]


def test_fourteen_regexes_in_one_function_are_fixed_in_one_run() -> None:
    source = _regex_module(1, 14)
    settings = Settings(select=("RV104",))
    once = fix_source(source, "m.py", settings)
    assert len(once.applied) == 14
    assert "re.findall(" not in once.source
    assert fix_source(once.source, "m.py", settings).source == once.source
    data = [f"key0_{p}={p * 7}" for p in range(14)]
    assert _call_all(once.source, 1, data) == _call_all(source, 1, data)


def test_many_findings_across_functions_are_fixed_in_one_run() -> None:
    source = _regex_module(12, 3)
    once = fix_source(source, "m.py", Settings(select=("RV104",)))
    assert len(once.applied) == 36
    assert fix_source(once.source, "m.py", Settings(select=("RV104",))).source == once.source


def test_insertions_at_one_point_do_not_conflict() -> None:
    insert = TextEdit(Span(3, 0, 3, 0), "A = 1\n")
    other = TextEdit(Span(3, 0, 3, 0), "B = 2\n")
    assert not edits_overlap([insert], [other])
    assert not edits_overlap([insert], [TextEdit(Span(3, 0, 5, 0), "x\n")])  # at the start of a replacement
    assert edits_overlap([TextEdit(Span(4, 0, 4, 0), "C\n")], [TextEdit(Span(3, 0, 5, 0), "x\n")])
    assert edits_overlap([TextEdit(Span(3, 0, 4, 0), "")], [TextEdit(Span(3, 2, 5, 0), "")])


def test_same_point_imports_are_kept_once_and_sorted() -> None:
    point = Span(2, 0, 2, 0)
    merged = merge_edits([[TextEdit(point, "import re\n")], [TextEdit(point, "import os\n")], [TextEdit(point, "import re\n")]])
    assert [edit.content for edit in merged] == ["import os\nimport re\n"]
