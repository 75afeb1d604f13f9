"""RV704's guarded expressions come from one walk of the function: the same set as walking each tested part again."""

from __future__ import annotations

import ast
import sysconfig
from collections.abc import Iterator
from pathlib import Path

from review_ls.engine.facts import dotted_name
from review_ls.rules.contracts.rv704_optional_field_unguarded import _checked_in


def _reference(scope: ast.AST) -> Iterator[str]:
    """The walk before it was made one pass: every tested part of every node walked again."""
    for node in ast.walk(scope):
        tested: list[ast.AST] = []
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            tested.append(node.test)
        elif isinstance(node, ast.BoolOp):
            tested.extend(node.values)
        elif isinstance(node, ast.comprehension):
            tested.extend(node.ifs)
        elif isinstance(node, ast.Match):
            tested.append(node.subject)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            tested.extend(node.targets if isinstance(node, ast.Assign) else [node.target])
        elif isinstance(node, ast.NamedExpr):
            tested.append(node.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("isinstance", "getattr", "hasattr"):
            tested.extend(node.args)
        for root in tested:
            for inner in ast.walk(root):
                if isinstance(inner, ast.Attribute) and (dotted := dotted_name(inner)) is not None:
                    yield dotted


GUARDS = """
def render(job, other):
    if job.labels and not other.spec.items:
        pass
    team = job.owner.team if job.owner.team else None
    job.meta.extra = {}
    job.count += 1
    assert isinstance(job.config.value, dict), other.message.text
    while (found := other.cache.entry) is None:
        break
    match job.state.kind:
        case _:
            pass
    values = [x for x in job.items if x.enabled.flag]
    return getattr(job.hidden, "x"), job.unguarded.read
"""


def test_the_guarded_expressions_of_each_shape() -> None:
    function = ast.parse(GUARDS).body[0]
    found = frozenset(_checked_in(function))
    assert found == {
        "job.labels", "other.spec.items", "other.spec", "job.owner.team", "job.owner", "job.meta.extra", "job.meta", "job.count",
        "job.config.value", "job.config", "other.cache.entry", "other.cache", "job.state.kind", "job.state", "x.enabled.flag", "x.enabled", "job.hidden",
    }  # not `job.unguarded.read`, `other.message.text` (an assert's message) or `job.items` (iterated, not tested)
    assert found == frozenset(_reference(function))


def test_one_walk_finds_what_the_walk_per_part_found_on_real_code() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    scopes = [n for name in ("argparse.py", "inspect.py", "_pydecimal.py", "asyncio/base_events.py") for n in ast.parse((stdlib / name).read_text(encoding="utf-8")).body]
    assert len(scopes) > 300
    assert all(frozenset(_checked_in(scope)) == frozenset(_reference(scope)) for scope in scopes)


def test_parts_inside_parts_add_nothing_twice_and_lose_nothing() -> None:
    source = "def f(job):\n    if (seen := job.a.b) and isinstance(job.c, int) or [x for x in job.items if x.d]:\n        job.e[job.f] = lambda: job.g\n"
    function = ast.parse(source).body[0]
    found = list(_checked_in(function))
    assert frozenset(found) == frozenset(_reference(function)) == {"job.a.b", "job.a", "job.c", "x.d", "job.items", "job.e", "job.f"}
