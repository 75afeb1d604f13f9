"""One qualified-name API for detection and fixes: names resolve through module-level and
function-local imports alike (engine/facts.py: qualify_dotted, resolve_through_imports, imports_visible_at)."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from review_ls.config import Settings
from review_ls.engine.analysis import RuleSet, analyse_source, walk_statements
from review_ls.engine.facts import ModuleFacts, imports_visible_at, qualify_dotted, resolve_through_imports
from review_ls.engine.fixes import apply_edits, compute_fix
from review_ls.engine.positions import LineIndex
from review_ls.engine.rule import Rule
from review_ls.engine.walker import Context, Walker
from review_ls.rules import all_rules

MODULE = textwrap.dedent(
    """
    import numpy as np

    def outer():
        first()
        import pandas as pd
        def inner():
            import polars as pl
            third()
        second()
        from time import sleep as np
        fourth()
    """
)


def _name(tree: ast.Module, identifier: str) -> tuple[ast.AST, list[ast.AST]]:
    """The Name `identifier` in the tree, with its ancestors (outermost first)."""
    stack: list[tuple[ast.AST, list[ast.AST]]] = [(tree, [])]
    while stack:
        node, ancestors = stack.pop()
        if isinstance(node, ast.Name) and node.id == identifier:
            return node, ancestors
        stack.extend((child, [*ancestors, node]) for child in ast.iter_child_nodes(node))
    raise LookupError(identifier)


def test_a_dotted_name_resolves_through_the_imports_only_when_its_head_is_imported() -> None:
    imports = {"np": "numpy", "AC": "httpx.AsyncClient"}
    assert qualify_dotted("np.linalg.norm", imports) == "numpy.linalg.norm"
    assert qualify_dotted("AC", imports) == "httpx.AsyncClient"
    assert qualify_dotted("json.dumps", imports) is None
    assert resolve_through_imports(ast.parse("np.zeros", mode="eval").body, imports) == "numpy.zeros"


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("first", {"np": "numpy"}),
        ("second", {"np": "numpy", "pd": "pandas"}),
        ("third", {"np": "numpy", "pd": "pandas", "pl": "polars"}),
        ("fourth", {"np": "time.sleep", "pd": "pandas"}),
    ],
)
def test_the_imports_visible_at_a_node_include_earlier_imports_of_its_enclosing_functions(
    identifier: str, expected: dict[str, str]
) -> None:
    tree = ast.parse(MODULE)
    node, ancestors = _name(tree, identifier)
    visible = imports_visible_at(node, ancestors, ModuleFacts.from_module(tree).imports)
    assert {name: target for name, target in visible.items() if name in ("np", "pd", "pl")} == expected


def _fixed(code: str, source: str) -> str | None:
    settings = Settings(select=(code,))
    [finding] = analyse_source(source, "app.py", settings).all_findings
    assert finding.fixable
    fix = compute_fix(source, finding, "app.py", settings)
    return None if fix is None else apply_edits(source, fix.edits)


def test_a_fix_sees_the_function_local_import_the_detection_saw() -> None:
    source = "async def handler():\n    import time\n    time.sleep(1)\n"
    assert _fixed("RV302", source) == "import asyncio\nasync def handler():\n    import time\n    await asyncio.sleep(1)\n"


def test_a_finding_marked_fixable_through_a_function_local_import_gets_its_fix() -> None:
    source = textwrap.dedent(
        """
        def build(files):
            import io
            import zipfile
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                for name in files:
                    archive.write(name)
            return buffer.getvalue()
        """
    ).lstrip()
    fixed = _fixed("RV102", source)
    assert fixed is not None and "tempfile.SpooledTemporaryFile(" in fixed and "io.BytesIO()" not in fixed
    ast.parse(fixed)


class _ImportsProbe(Rule):
    """Records every Name where the walker's imports and `imports_visible_at` disagree."""

    code = "RV999"
    name = "imports-probe"
    message = "{detail}"

    def __init__(self) -> None:
        super().__init__()
        self.disagreements: list[str] = []

    def visit_Name(self, node: ast.Name, ctx: Context) -> None:
        visible = imports_visible_at(node, ctx.parents, ctx.facts.imports)
        if visible != ctx.imports:
            self.disagreements.append(f"{node.id} at line {node.lineno}: walker {ctx.imports} vs {visible}")


def _sources() -> list[str]:
    sources = [valid.source for rule in all_rules() for valid in rule.valid_examples()]
    sources += [invalid.source for rule in all_rules() for invalid in rule.invalid]
    sources += [path.read_text(encoding="utf-8") for path in sorted(Path(__file__).parents[1].glob("fixtures/projects/**/*.py"))]
    return sources + [MODULE]


def test_fixes_and_detection_see_the_same_imports_everywhere() -> None:
    probe = _ImportsProbe()
    rule_set = RuleSet(settings=Settings(), rules=(probe,), walker=Walker((probe,)), known_codes=frozenset())
    for source in _sources():
        try:
            module = ast.parse(source)
        except SyntaxError:  # RV000's examples
            continue
        walk_statements(rule_set, module, module.body, LineIndex.from_source(source), ModuleFacts.from_module(module), "example.py", None, [])
    assert probe.disagreements == []
