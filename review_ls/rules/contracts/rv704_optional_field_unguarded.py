"""RV704 optional-field-unguarded: RV704: an optional model field used as if it could not be None."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Applicability, Finding, Fix, Severity
from review_ls.engine.rule import Invalid, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.node_walk import walk_nodes
from review_ls.project.inference import TypeResolver
from review_ls.project.types import MODEL_KINDS
from review_ls.rules.contracts._type_aware import _TypeAwareRule, _source_of

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


_DICT_SAFE_METHODS = frozenset({"get", "items", "keys", "values"})


class OptionalFieldUnguarded(_TypeAwareRule):
    """RV704: an optional model field used as if it could not be None."""

    code = "RV704"
    name = "optional-field-unguarded"
    severity = Severity.HINT
    default_enabled = False
    precision_note = """
        Off by default, hint severity: 0.39 on the judged corpus sample (docs/precision.md): `None` is often ruled out by an
        invariant (a sibling attribute set together) or by the caller's check, which the rule does not
        follow. The owner's type comes from the project's facts only, never from jedi: a jedi answer
        within a per-file time budget shared with RV701-RV703 made the findings depend on the
        machine's load and on `PYTHONHASHSEED`; without it the same code always gets the same findings
        (on the corpus jedi added none).
        """
    # No jedi fallback, so no `jedi-budget-ms` option: findings must not depend on time.
    options = ()
    message = "{expr} is declared {annotation} and may be None, but is {use} here without a None check"
    fix_title = "Use ({expr} or {empty})"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Finds a model field declared `Optional[...]` / `X | None` (with no other default)
            that is subscripted, iterated, searched with `in` or used through an attribute, in a
            function that never checks it (`if x.field`, `x.field is not None`, `x.field or []`,
            an assignment to it). The owner's type comes from annotations, constructors and the
            project's models (not from jedi, so the findings never depend on time); unknown owners
            are not reported.
            """,
        why="""
            The model says the field may be missing; the code says it never is. The first
            request without it fails with `TypeError: 'NoneType' object is not iterable`.
            """,
        fix="""
            Check for None, or give the field a non-None default (`Field(default_factory=list)`)
            if None is not a meaningful value. Where an empty value is a safe stand-in (iterating,
            `in`, `.get()`/`.items()` on a dict), the quick fix writes `(x.field or [])` /
            `(x.field or {})`; it is marked unsafe because it treats None as empty.
            """,
    )
    valid = (
        """
        from pydantic import BaseModel, Field

        class Order(BaseModel):
            items: list[str] | None = None
            tags: list[str] | None = Field(default_factory=list)
            notes: list[str] = []

        def count(order: Order) -> int:
            total = 0
            if order.items:
                for item in order.items:
                    total += 1
            for tag in order.tags:
                total += 1
            return total + len([n for n in order.notes]) + len(order.items or [])
        """,
        """
        from typing import Optional
        from pydantic import BaseModel

        class Order(BaseModel):
            metadata: Optional[dict[str, str]] = None

        def source(order: Order, other) -> str:
            if order.metadata is None:
                return ""
            return order.metadata["source"] + other.metadata["source"]
        """,
    )
    invalid = (
        Invalid(
            """
            from pydantic import BaseModel


            class Order(BaseModel):
                id: int
                items: list[str] | None = None


            def count_items(order: Order) -> int:
                total = 0
                for item in order.items:
                    total += 1
                return total
            """,
            line=11,
            fixed="""
            from pydantic import BaseModel


            class Order(BaseModel):
                id: int
                items: list[str] | None = None


            def count_items(order: Order) -> int:
                total = 0
                for item in (order.items or []):
                    total += 1
                return total
            """,
        ),
        Invalid(
            """
            from typing import Optional
            from dataclasses import dataclass


            @dataclass
            class Job:
                name: str
                labels: Optional[dict[str, str]] = None


            def team(job: Job) -> str:
                return job.labels["team"]
            """,
            line=12,
        ),
        Invalid(
            """
            from typing import Optional
            from pydantic import BaseModel


            class Job(BaseModel):
                labels: Optional[dict[str, str]]


            def team(job: Job) -> str | None:
                return job.labels.get("team")
            """,
            line=10,
            fixed="""
            from typing import Optional
            from pydantic import BaseModel


            class Job(BaseModel):
                labels: Optional[dict[str, str]]


            def team(job: Job) -> str | None:
                return (job.labels or {}).get("team")
            """,
        ),
    )

    def visit_Subscript(self, node: ast.Subscript, ctx: Context) -> Iterator[Finding]:
        """`x.field[...]`."""
        if isinstance(node.value, ast.Attribute) and isinstance(node.ctx, ast.Load):
            yield from self._check(node.value, ctx, "subscripted", None)

    def visit_For(self, node: ast.For | ast.AsyncFor, ctx: Context) -> Iterator[Finding]:
        """`for y in x.field`."""
        if isinstance(node.iter, ast.Attribute):
            yield from self._check(node.iter, ctx, "iterated", "iterate")

    visit_AsyncFor = visit_For

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, ctx: Context) -> Iterator[Finding]:
        """`[y for y in x.field]` (each generator's iterable)."""
        for generator in node.generators:
            if isinstance(generator.iter, ast.Attribute):
                yield from self._check(generator.iter, ctx, "iterated", "iterate")

    visit_SetComp = visit_GeneratorExp = visit_DictComp = visit_ListComp

    def visit_Compare(self, node: ast.Compare, ctx: Context) -> Iterator[Finding]:
        """`y in x.field`."""
        for op, right in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, ast.Attribute):
                yield from self._check(right, ctx, "searched with `in`", "iterate")

    def visit_Attribute(self, node: ast.Attribute, ctx: Context) -> Iterator[Finding] | None:
        """`x.field.attr` (a plain function: the other attributes leave without making a generator)."""
        return self._attribute_use(node, ctx) if isinstance(node.value, ast.Attribute) else None

    def _attribute_use(self, node: ast.Attribute, ctx: Context) -> Iterator[Finding]:
        if isinstance(node.value, ast.Attribute):
            safe = "dict-method" if node.attr in _DICT_SAFE_METHODS else None
            yield from self._check(node.value, ctx, f"used through .{node.attr}", safe)

    def _check(self, use: ast.Attribute, ctx: Context, how: str, safe_use: str | None) -> Iterator[Finding]:
        resolver = TypeResolver.for_context(ctx)
        if not resolver.knows_optional_field(use.attr):
            return
        expr = dotted_name(use)
        if expr is not None and expr in _guarded_expressions(ctx):
            return
        owner = resolver.type_of(use.value, ctx.parents)  # facts only: deterministic (see precision_note)
        cls = owner.cls if owner is not None else None
        if cls is None or owner.optional or cls.kind not in MODEL_KINDS:  # type: ignore[union-attr]
            return
        found = cls.field(use.attr)
        if found is None:
            return
        field, _ = found
        annotation = field.annotation
        if annotation is None or not annotation.optional or (field.has_default and not field.default_is_none):
            return
        empty = _safe_empty(annotation.container, safe_use)
        yield self.report(
            use,
            ctx,
            expr=expr or ast.unparse(use),
            annotation=annotation.text or "optional",
            use=how,
            empty=empty or "",
            fixable=empty is not None,
            data={"empty": empty or ""},
        )

    def fix(self, fctx: FixContext) -> Fix | None:
        """Rewrite `x.field` as `(x.field or [])` / `(x.field or {})` where an empty value is a safe stand-in."""
        empty = fctx.finding.data_dict.get("empty")
        text = _source_of(fctx, fctx.node)
        if not empty or text is None or not isinstance(fctx.node, ast.Attribute):
            return None
        fctx.replace_node_text(fctx.node, f"({text} or {empty})")
        return fctx.build(fctx.finding.fix_title or "Treat None as empty", Applicability.UNSAFE)


def _safe_empty(container: str | None, safe_use: str | None) -> str | None:
    """The empty value that behaves like the field for this use: `[]` / `{}`, else None (advice only)."""
    if safe_use == "iterate":
        return {"list": "[]", "dict": "{}"}.get(container or "")
    if safe_use == "dict-method" and container == "dict":
        return "{}"
    return None


def _guarded_expressions(ctx: Context) -> frozenset[str]:
    """Dotted expressions the enclosing function checks, defaults or reassigns anywhere (cached per function)."""
    scope: ast.AST | None = ctx.functions[0] if ctx.functions else ctx.top_statement
    if scope is None:
        return frozenset()
    key = ("RV704-guards", id(scope))
    cached = ctx.memo.get(key)
    if cached is None:
        cached = ctx.memo[key] = frozenset(_checked_in(scope))
    return cached


def _checked_in(scope: ast.AST) -> Iterator[str]:
    """Dotted expressions under a tested, defaulted or reassigned part of `scope`, read from one flat walk of it: the
    attributes of each such part (a part inside another adds none the outer part has not: the set is the same as
    walking around the parts)."""
    parts_of = _CHECKED_PARTS
    for node in walk_nodes(scope):
        part_getter = parts_of.get(type(node))
        if part_getter is not None:
            for part in part_getter(node):
                yield from _attributes_in(part)


def _attributes_in(part: ast.AST) -> Iterator[str]:
    """The dotted names of the attributes in `part` (itself included)."""
    for node in walk_nodes(part):
        if type(node) is ast.Attribute:
            dotted = dotted_name(node)
            if dotted is not None:
                yield dotted


def _checked_call_arguments(node: ast.Call) -> list[ast.expr]:
    """The arguments of `isinstance`/`getattr`/`hasattr`: what they test counts as checked."""
    func = node.func
    return node.args if isinstance(func, ast.Name) and func.id in ("isinstance", "getattr", "hasattr") else []


# Per node type: its children whose expressions count as checked (a test, a target, a value, an isinstance argument).
_CHECKED_PARTS: dict[type, Callable[[Any], Sequence[ast.AST]]] = {
    ast.If: lambda n: (n.test,),
    ast.While: lambda n: (n.test,),
    ast.IfExp: lambda n: (n.test,),
    ast.Assert: lambda n: (n.test,),
    ast.BoolOp: lambda n: n.values,
    ast.comprehension: lambda n: n.ifs,
    ast.Match: lambda n: (n.subject,),
    ast.Assign: lambda n: n.targets,
    ast.AugAssign: lambda n: (n.target,),
    ast.AnnAssign: lambda n: (n.target,),
    ast.NamedExpr: lambda n: (n.value,),
    ast.Call: _checked_call_arguments,
}
