"""`annotation_names`: the last names an annotation mentions, asked once per annotation node."""

from __future__ import annotations

import ast

from review_ls.patterns.annotation_names import annotation_names
from review_ls.patterns.web_inputs import is_text_annotation, upload_parameters


def _annotation(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def test_the_last_part_of_every_name_and_attribute_chain() -> None:
    assert annotation_names(_annotation("Annotated[fastapi.UploadFile, File()]")) == {"Annotated", "UploadFile", "File", "fastapi"}
    assert annotation_names(_annotation("typing.Optional[str] | None")) == {"Optional", "typing", "str"}
    assert annotation_names(_annotation("get()().attr")) == {"", "get"}  # a chain that is not a dotted name counts as ''


def test_the_same_node_is_answered_from_the_memo_and_another_node_afresh() -> None:
    node = _annotation("list[UploadFile]")
    assert annotation_names(node) is annotation_names(node)
    assert annotation_names(_annotation("list[str]")) == {"list", "str"}


def test_text_and_upload_parameters_read_the_names() -> None:
    function = ast.parse("def f(a: str, b: Literal['x'], c: UploadFile, d: int, e: 'str'): ...").body[0]
    assert isinstance(function, ast.FunctionDef)
    kinds = {a.arg: is_text_annotation(a.annotation) for a in function.args.args}
    assert kinds == {"a": True, "b": False, "c": True, "d": False, "e": True}  # an upload carries its file name
    assert upload_parameters(function) == {"c"}
