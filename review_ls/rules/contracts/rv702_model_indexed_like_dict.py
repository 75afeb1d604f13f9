"""RV702 model-indexed-like-dict: RV702: a pydantic model or dataclass instance indexed like a dict."""

from __future__ import annotations

import ast
import keyword
from collections.abc import Iterator
from typing import TYPE_CHECKING

from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.engine.rule import Invalid, RuleDocs
from review_ls.engine.walker import Context
from review_ls.project.jedi_gates import may_be_model_field
from review_ls.rules.contracts._type_aware import _TypeAwareRule, _source_of, type_resolver

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


class ModelIndexedLikeDict(_TypeAwareRule):
    """RV702: a pydantic model or dataclass instance indexed like a dict."""

    code = "RV702"
    name = "model-indexed-like-dict"
    message = "{target} is a {kind} ({model}), not a dict: {target}[{field!r}] raises TypeError; use {target}.{field}"
    fix_title = "Use {target}.{field}"
    docs = RuleDocs(
        what="""
            Finds `obj["field"]` where `obj` is an instance of a pydantic model, a dataclass or a
            named tuple that declares `field` — typically code written against the JSON before it
            was parsed into a model, or a dict refactored into a model. The type comes from
            annotations, constructors (`m = Model(...)`), loops over annotated lists and the
            project's models, with jedi as a fallback; dicts, `model_dump()` results, TypedDicts,
            classes defining `__getitem__` and objects of unknown type are never reported.
            """,
        why="""
            Models are not subscriptable: the line raises `TypeError` the first time it runs,
            usually in an error path or a rarely used branch that tests did not reach.
            """,
        fix="""
            Read the attribute: `obj.field`. The quick fix rewrites the subscript (marked unsafe
            when only jedi's inference said what `obj` is).
            """,
    )
    valid = (
        """
        from pydantic import BaseModel

        class User(BaseModel):
            name: str

        def names(user: User, payload: dict) -> list[str]:
            data = user.model_dump()
            row = {"name": user.name}
            return [data["name"], row["name"], payload["name"], user.model_dump()["name"]]
        """,
        """
        from typing import TypedDict

        class Movie(TypedDict):
            title: str

        def title(movie: Movie) -> str:
            return movie["title"]
        """,
        """
        from dataclasses import dataclass

        @dataclass
        class Row:
            name: str

            def __getitem__(self, key):
                return getattr(self, key)

        def name(row: Row, other) -> str:
            return row["name"] + other["name"]
        """,
    )
    invalid = (
        Invalid(
            """
            from dataclasses import dataclass


            @dataclass
            class Point:
                x: float
                y: float


            def norm(p: Point) -> float:
                return (p.x**2 + p["y"] ** 2) ** 0.5
            """,
            line=11,
            fixed="""
            from dataclasses import dataclass


            @dataclass
            class Point:
                x: float
                y: float


            def norm(p: Point) -> float:
                return (p.x**2 + p.y ** 2) ** 0.5
            """,
        ),
        Invalid(
            """
            from pydantic import BaseModel


            class User(BaseModel):
                name: str
                email: str


            def greeting(payload: dict) -> str:
                user = User(**payload)
                return f"Hello {user['name']}"
            """,
            line=11,
            fixed="""
            from pydantic import BaseModel


            class User(BaseModel):
                name: str
                email: str


            def greeting(payload: dict) -> str:
                user = User(**payload)
                return f"Hello {user.name}"
            """,
        ),
        Invalid(
            """
            from pydantic import BaseModel


            class Config(BaseModel):
                url: str


            class Service:
                def __init__(self, config: Config) -> None:
                    self.config = config

                def endpoint(self) -> str:
                    return self.config["url"]
            """,
            line=13,
            fixed="""
            from pydantic import BaseModel


            class Config(BaseModel):
                url: str


            class Service:
                def __init__(self, config: Config) -> None:
                    self.config = config

                def endpoint(self) -> str:
                    return self.config.url
            """,
        ),
    )

    def visit_Subscript(self, node: ast.Subscript, ctx: Context) -> Iterator[Finding] | None:
        """Report `obj["field"]` on a model instance that declares `field` (a plain function: other subscripts leave
        without making a generator)."""
        key = node.slice
        target = node.value
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)) or not isinstance(target, (ast.Name, ast.Attribute)):
            return None
        field = key.value
        if isinstance(node.ctx, ast.Del) or not field.isidentifier() or keyword.iskeyword(field):
            return None
        return self._indexed_by_name(node, target, field, ctx)

    def _indexed_by_name(self, node: ast.Subscript, target: ast.Name | ast.Attribute, field: str, ctx: Context) -> Iterator[Finding]:
        """The finding of `target[field]` when `target` holds a model that declares `field`."""
        resolver = type_resolver(ctx)
        if not resolver.knows_field(field):
            return
        value_type = self._type_of(target, ctx, resolver, lambda: may_be_model_field(resolver, field))
        cls = value_type.cls if value_type is not None else None
        if cls is None or not cls.is_model or cls.defines_getitem or cls.field(field) is None:
            return
        yield self.report(
            node,
            ctx,
            target=ast.unparse(target),
            kind=cls.kind.value,
            model=cls.facts.name,
            field=field,
            data={"via_jedi": value_type.via_jedi},  # type: ignore[union-attr]
        )

    def fix(self, fctx: FixContext) -> Fix | None:
        """Rewrite `obj["field"]` as `obj.field`."""
        node = fctx.node
        if not isinstance(node, ast.Subscript) or not isinstance(node.slice, ast.Constant):
            return None
        target = _source_of(fctx, node.value)
        if target is None:
            return None
        fctx.replace_node_text(node, f"{target}.{node.slice.value!s}")
        applicability = Applicability.UNSAFE if fctx.finding.data_dict.get("via_jedi") else Applicability.SAFE
        return fctx.build(fctx.finding.fix_title or "Read the attribute", applicability)
