"""`annotation_text` gives exactly what `ast.unparse` gives, for every annotation shape it covers."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import review_ls

from review_ls.project.annotation_text import annotation_text

SHAPES = [
    "int", "x.y.Z", "None", "...", "list[int]", "dict[str, list[x.Y]]", "Optional[int | None]", "a | b | c", "a | (b | c)",
    "(a | b) | c", "Callable[[int], str]", "tuple[int, ...]", "x[a,]", "x[()]", *(["x[*ts]"] if sys.version_info >= (3, 11) else []), "Literal['a', 'b']", "Annotated[int, Field(gt=0)]",
    "dict[str, int | None]", "a[b][c]", "(a | b)[c]", "f().x", "int & str", "x[1:2]", "'Forward'",
]


@pytest.mark.parametrize("source", SHAPES)
def test_covered_shapes_read_as_unparse_does_and_others_are_left_to_it(source: str) -> None:
    node = ast.parse(source, mode="eval").body
    found = annotation_text(node)
    assert found is None or found == ast.unparse(node)


def test_the_common_shapes_are_covered() -> None:
    for source in ("int", "x.y.Z", "None", "dict[str, list[x.Y]]", "Optional[int | None]", "a | (b | c)"):
        assert annotation_text(ast.parse(source, mode="eval").body) == source


def test_every_annotation_of_review_ls_agrees_with_unparse() -> None:
    covered = 0
    for path in sorted(Path(review_ls.__file__).parent.rglob("*.py"))[:60]:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            annotation = getattr(node, "annotation", None) if isinstance(node, (ast.arg, ast.AnnAssign)) else getattr(node, "returns", None)
            if isinstance(annotation, ast.expr):
                found = annotation_text(annotation)
                covered += found is not None
                assert found is None or found == ast.unparse(annotation)
    assert covered > 0
