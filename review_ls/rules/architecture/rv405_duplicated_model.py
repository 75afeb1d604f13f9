"""RV405 duplicated-model: RV405: one model defined twice in the project, or one concept named differently across its models."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING

from review_ls.engine.lines import lines_with_ends
from review_ls.engine.model import Applicability, Finding, Fix, RelatedLocation, Severity, Span
from review_ls.engine.project_model import Needs
from review_ls.engine.rule import Invalid, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.project import ProjectIndex, project_for
from review_ls.project.file_facts import class_name_span
from review_ls.project.views import ClassRef
from review_ls.rules.architecture._shared import _index_path, _assigned_name

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext
    from review_ls.project.duplicates import Duplicate

_USER = "from pydantic import BaseModel\n\n\nclass User(BaseModel):\n    id: int\n    name: str\n"


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
            another). Copies in different API versions (`v1/` and `v2/`), tests, scripts, docs and
            database migrations (alembic `versions/`, Django `migrations/`: frozen copies of the
            schema as it was) are deliberate and not reported, and neither is a model that inherits
            from the other (`class PromptUpdate(PromptBase)` is a schema of its own, even when it
            repeats the fields), nor one resource's `Base`/`Create`/`Update`/`Patch`/`Read` schemas
            side by side in one module (`PromptBase` and `PromptUpdate` with the same fields today:
            separate create and update schemas are the API convention).
            """,
        why="""
            Copies drift: a field added to one model and not the other becomes a silent mismatch
            between what a client sends and what the server reads, and every change must be made
            twice. Inconsistent field names make clients map the same data back and forth.
            """,
        fix="""
            Keep one definition and import it everywhere. The canonical one is a definition that
            other classes inherit from, then the one the project already imports by name most
            often, then the one in a `models`/`schemas` module, then the first by path. When the copy's fields, defaults and bases match
            exactly and it has no methods, the quick fix replaces a copy of the same name with an
            import of the canonical model, and a copy under another name (`OrderResponse`) with an
            empty subclass of it that keeps its docstring: an alias (`OrderResponse = Order`)
            would rename the OpenAPI schema and drop its description. No fix is offered when the
            import would be circular: the canonical module already imports the copy's module,
            directly or through other modules (module-level imports, not `TYPE_CHECKING` ones);
            then move the model to a module both can import. The fix is marked unsafe: the class
            object changes, which matters for `isinstance` checks and identity comparisons.
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
        """
        from pydantic import BaseModel

        class PromptBase(BaseModel):
            genai_type: int | None = None
            genai_prompt: str | None = None
            enabled: bool | None = None

        class PromptUpdate(PromptBase):
            genai_type: int | None = None
            genai_prompt: str | None = None
            enabled: bool | None = None
        """,
        # One resource's Base and Update schemas side by side: the API convention, not a copy.
        Valid(
            """
            from pydantic import BaseModel

            class PromptBase(BaseModel):
                genai_type: int | None = None
                genai_prompt: str | None = None
                enabled: bool | None = None

            class PromptCreate(PromptBase):
                project: str | None = None

            class PromptUpdate(BaseModel):
                genai_type: int | None = None
                genai_prompt: str | None = None
                enabled: bool | None = None
            """,
            path="app/prompts/models.py",
            files=(("app/__init__.py", ""), ("app/prompts/__init__.py", ""), ("app/prompts/views.py", "from app.prompts.models import PromptUpdate\n")),
        ),
        # A frozen copy in a Django data migration (the schema as it was then).
        Valid(
            """
            from django.db import migrations
            from pydantic import BaseModel


            class User(BaseModel):
                id: int
                name: str


            class Migration(migrations.Migration):
                operations = []
            """,
            path="app/migrations/0031_backfill_users.py",
            files=(("app/__init__.py", ""), ("app/models.py", _USER)),
        ),
        Valid(
            """
            from pydantic import BaseModel

            revision = "f011c050b9ba"


            class User(BaseModel):
                id: int
                name: str
            """,
            path="app/alembic/versions/2021_06_02_f011c050b9ba.py",
            files=(("app/__init__.py", ""), ("app/models.py", _USER)),
        ),
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


            class OrderResponse(Order):
                pass
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
        Invalid(
            """
            from pydantic import BaseModel


            class User(BaseModel):
                id: int
                name: str
            """,
            line=4,
            path="app/events.py",
            message=(
                "User duplicates User (app.models); keep one model in a module both can import "
                "(importing it from app.models here would close an import cycle)"
            ),
            files=(("app/__init__.py", ""), ("app/models.py", "from app.audit import record\n" + _USER), ("app/audit.py", "from app.events import publish\n")),
        ),
        Invalid(
            """
            from pydantic import BaseModel


            class CaseRead(BaseModel):
                id: int
                title: str


            class IncidentReadBasic(BaseModel):
                id: int
                name: str
            """,
            line=9,
            path="app/case/models.py",
            message="IncidentReadBasic duplicates IncidentReadBasic (app.incident.models); keep one model and import it",
            files=(
                ("app/__init__.py", ""),
                ("app/case/__init__.py", ""),
                ("app/incident/__init__.py", ""),
                ("app/incident/models.py", "from pydantic import BaseModel\n\n\nclass IncidentReadBasic(BaseModel):\n    id: int\n    name: str\n"),
                ("app/task/__init__.py", ""),
                ("app/task/models.py", "from app.incident.models import IncidentReadBasic\n"),
            ),
            fixed="""
            from pydantic import BaseModel

            from app.incident.models import IncidentReadBasic


            class CaseRead(BaseModel):
                id: int
                title: str
            """,
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
        cycle = not same_file and duplicate.import_cycle
        advice = "keep one model and import it"
        if cycle:
            advice = f"keep one model in a module both can import (importing it from {canonical.module} here would close an import cycle)"
        problem = f"duplicates {canonical.name} ({where}); {advice}"
        fixable = duplicate.exact and not cycle and self._can_replace(node, ctx, canonical, same_file)
        finding = self.report(
            node,
            ctx,
            name=node.name,
            problem=problem,
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
        project = project_for(ctx)
        if not module or module == project.module_name(_index_path(ctx)) or (bound is not None and bound != f"{module}.{name}"):
            return False
        if not _importable(project, canonical):
            return False
        return bound is not None or name == node.name or name not in ctx.facts.bindings

    def fix(self, fctx: FixContext) -> Fix | None:
        """Replace the copy with an import of the canonical model, or with a subclass of it when the names differ."""
        statement = fctx.statement
        if not isinstance(statement, ast.ClassDef) or fctx.scope is not statement:
            return None
        data = fctx.finding.data_dict
        canonical = str(data.get("canonical", ""))
        module = str(data.get("module", ""))
        if not canonical:
            return None
        local = fctx.ensure_import(module, canonical) if module else canonical
        if local == statement.name:
            fctx.remove_scope()
        else:
            fctx.replace_scope(_subclass_of(statement, local, fctx))
        return fctx.build(fctx.finding.fix_title or "Replace the copy with the canonical model", self.fix_applicability)


def _importable(project: ProjectIndex, canonical: ClassRef) -> bool:
    """True when `from <module> import <name>` gives exactly the canonical class: the module name
    loads its file, and no later class of the same name there replaces it."""
    if project.path_of_module(canonical.module) != canonical.path:
        return False
    facts = project.facts(canonical.path)
    last = None if facts is None else next((c for c in reversed(facts.classes) if c.name == canonical.name), None)
    return last is not None and last.span == canonical.span


def _subclass_of(statement: ast.ClassDef, base: str, fctx: FixContext) -> str:
    """`class <Copy>(<base>):` keeping the copy's docstring: its name (and schema name) stays, its fields go."""
    nl = fctx.newline
    first = statement.body[0]
    body = "pass" + nl
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        start = first.lineno - fctx.scope_start
        end = (first.end_lineno or first.lineno) - fctx.scope_start + 1
        docstring = "".join(lines_with_ends(fctx.scope_source)[start:end]).strip()
        body = docstring + nl
    return f"class {statement.name}({base}):{nl}    {body}"
