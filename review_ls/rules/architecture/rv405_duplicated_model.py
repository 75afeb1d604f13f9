"""RV405 duplicated-model: RV405: one model defined twice in the project, or one concept named differently across its models."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator

from review_ls.engine.fixes import FixContext
from review_ls.engine.model import Applicability, Finding, Fix, RelatedLocation, Severity, Span
from review_ls.engine.project_model import Needs
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.project import project_for
from review_ls.project.duplicates import Duplicate
from review_ls.project.file_facts import class_name_span
from review_ls.project.views import ClassRef
from review_ls.rules.architecture._shared import _index_path, _assigned_name


class DuplicatedModel(Rule):
    """RV405: one model defined twice in the project, or one concept named differently across its models."""

    code = "RV405"
    name = "duplicated-model"
    needs = frozenset({Needs.PROJECT_INDEX})
    message = "{name} {problem}"
    fix_title = "Replace {name} with the canonical {canonical}"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Uses the project index to find pydantic models and dataclasses defined more than once:
            the same name with the same fields in two modules, or the same fields (names and
            annotations, at least three) under names that differ only by a role suffix (`Order`,
            `OrderResponse`, `OrderDTO`; models of different concepts may share a shape). The
            finding points at the other
            definitions (related information). Also reports, as a hint, one concept named
            differently in models of the same package (`metadata` in one model, `metadata_vars` in
            another). Copies in different API versions (`v1/` and `v2/`), tests, scripts and docs
            are deliberate and not reported.
            """,
        why="""
            Copies drift: a field added to one model and not the other becomes a silent mismatch
            between what a client sends and what the server reads, and every change must be made
            twice. Inconsistent field names make clients map the same data back and forth.
            """,
        fix="""
            Keep one definition (the one in a `models`/`schemas` module, else the first by path)
            and import it everywhere. When the copy's fields, defaults and bases match exactly and
            it has no methods, the quick fix replaces the copy with an import of the canonical
            model (or an alias of it in the same file). It is marked unsafe: the class object
            changes, which matters for `isinstance` checks and schema names.
            """,
    )
    valid = (
        """
        from pydantic import BaseModel

        class UserIn(BaseModel):
            name: str
            email: str
            password: str

        class UserOut(BaseModel):
            name: str
            email: str
            id: int
        """,
        """
        from pydantic import BaseModel

        class Job(BaseModel):
            name: str
            metadata: dict = {}
            metadata_vars: dict = {}

        class JobRun(BaseModel):
            job: str
            metadata: dict = {}
        """,
        """
        from dataclasses import dataclass

        @dataclass
        class Point:
            x: float
            y: float

        @dataclass
        class Velocity:
            x: float
            y: float
        """,
    )
    invalid = (
        Invalid(
            """
            from pydantic import BaseModel


            class Order(BaseModel):
                id: int
                total: float
                items: list[str] = []


            class OrderResponse(BaseModel):
                id: int
                total: float
                items: list[str] = []
            """,
            line=10,
            fixed="""
            from pydantic import BaseModel


            class Order(BaseModel):
                id: int
                total: float
                items: list[str] = []


            OrderResponse = Order
            """,
        ),
        Invalid(
            """
            from pydantic import BaseModel

            class Simulation(BaseModel):
                name: str
                metadata: dict[str, str] = {}

            class SimulationResult(BaseModel):
                simulation: str
                metadata_vars: dict[str, str] = {}
            """,
            line=9,
        ),
    )

    def visit_ClassDef(self, node: ast.ClassDef, ctx: Context) -> Iterator[Finding]:
        """Report a model that copies another, and fields named differently from the same concept elsewhere."""
        if ctx.function is not None or ctx.class_ is not None:
            return
        project = project_for(ctx)
        path = _index_path(ctx)
        span = class_name_span(node, ctx.lines)
        duplicate = project.duplicate_of(path, span.line)
        if duplicate is not None and duplicate.copy.name == node.name:
            yield self._duplicate_finding(node, ctx, duplicate, path, span)
        for variant in project.field_variants(path, span.line):
            statement = next((s for s in node.body if s.lineno == variant.line and _assigned_name(s) == variant.field), None)
            if statement is None:
                continue
            related = (RelatedLocation(variant.other.path, variant.other.span, f"{variant.other.name}.{variant.other_field} is defined here"),)
            target = statement.target if isinstance(statement, ast.AnnAssign) else statement
            yield self.report(
                target,
                ctx,
                name=f"{node.name}.{variant.field}",
                problem=f"names the concept that {variant.other.name} calls {variant.other_field}; use one name across the API",
                related=related,
                severity=Severity.HINT,
                fixable=False,
                canonical="",
            )

    def _duplicate_finding(self, node: ast.ClassDef, ctx: Context, duplicate: Duplicate, path: str, span: Span) -> Finding:
        canonical = duplicate.canonical
        same_file = canonical.path == path
        where = f"line {canonical.span.line}" if same_file else (canonical.module or canonical.path)
        related = (
            RelatedLocation(canonical.path, canonical.span, f"{canonical.name} (canonical) is defined here"),
            *(
                RelatedLocation(other.path, other.span, f"another copy: {other.name}")
                for other in duplicate.copies
                if other != canonical
            ),
        )
        fixable = duplicate.exact and self._can_replace(node, ctx, canonical, same_file)
        finding = self.report(
            node,
            ctx,
            name=node.name,
            problem=f"duplicates {canonical.name} ({where}); keep one model and import it",
            canonical=canonical.name,
            related=related,
            fixable=fixable,
            data={"module": "" if same_file else canonical.module, "canonical": canonical.name},
        )
        return dataclasses.replace(finding, span=span)

    @staticmethod
    def _can_replace(node: ast.ClassDef, ctx: Context, canonical: ClassRef, same_file: bool) -> bool:
        name = canonical.name
        if same_file:
            return canonical.span.line < node.lineno and name != node.name
        module = canonical.module
        bound = ctx.facts.imports.get(name)
        if not module or (bound is not None and bound != f"{module}.{name}"):
            return False
        return bound is not None or name == node.name or name not in ctx.facts.bindings

    def fix(self, fctx: FixContext) -> Fix | None:
        """Replace the copy with an import of the canonical model (or an alias of it in the same file)."""
        statement = fctx.statement
        if not isinstance(statement, ast.ClassDef) or fctx.scope is not statement:
            return None
        data = fctx.finding.data_dict
        canonical = str(data.get("canonical", ""))
        module = str(data.get("module", ""))
        if not canonical:
            return None
        if module:
            local = fctx.ensure_import(module, canonical)
            if local == statement.name:
                fctx.remove_scope()
            else:
                fctx.replace_scope(f"{statement.name} = {local}{fctx.newline}")
        else:
            fctx.replace_scope(f"{statement.name} = {canonical}{fctx.newline}")
        return fctx.build(fctx.finding.fix_title or "Replace the copy with the canonical model", self.fix_applicability)
