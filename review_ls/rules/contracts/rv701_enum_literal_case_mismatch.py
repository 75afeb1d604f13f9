"""RV701 enum-literal-case-mismatch: RV701: a string literal that matches a member value of the expected str Enum only ignoring case."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, cast

from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.engine.module_summary import module_summary_has
from review_ls.engine.rule import Invalid, RuleDocs
from review_ls.engine.walker import Context
from review_ls.project.jedi_gates import may_misspell_enum_value, may_pass_misspelt_enum_value
from review_ls.project.types import ParamFacts, declared_enum_values
from review_ls.rules.contracts._type_aware import _POSITIONAL_KINDS, _KEYWORD_KINDS, _TypeAwareRule, type_resolver

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext
    from review_ls.project.inference import ResolvedClass, TypeResolver, ValueType


def _is_str(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _own_enum_values(statement: ast.stmt) -> frozenset[str]:
    """Casefolded str values that the enum-like classes of one top-level statement declare (a module summary)."""
    if type(statement) not in _MAY_DECLARE_CLASSES:
        return _NONE  # (`declared_enum_values` reads classes only, and those nested in `if`/`try` blocks)
    return declared_enum_values((statement,))


_MAY_DECLARE_CLASSES = frozenset({ast.ClassDef, ast.If, ast.Try, *((ast.TryStar,) if hasattr(ast, "TryStar") else ())})
_NONE: frozenset[str] = frozenset()


def _imports_enum_value(ctx: Context, folded: str) -> bool:
    """True when an enum of the project modules this file imports declares the casefolded str value `folded`.

    Kept per analysis: the project's enum values, and the imported ones, united only when a literal is one of
    the project's (the imported modules are project modules: a value no module declares is not imported)."""
    project = ctx.project
    key = ("RV701.project-enum-values", id(project), None if project is None else project.fingerprint)
    declared: frozenset[str] | None = ctx.facts.derived.get(key)
    if declared is None:
        from review_ls.project.inference import project_types_of  # (inference loads only when a file compares or passes string literals)

        types = project_types_of(project)
        declared = ctx.facts.derived[key] = types.enum_values if types is not None else frozenset()
    if folded not in declared:
        return False
    imported_key = ("RV701.imported-enum-values", *key[1:])
    imported: frozenset[str] | None = ctx.facts.derived.get(imported_key)
    if imported is None:
        from review_ls.project.inference import TypeResolver

        imported = ctx.facts.derived[imported_key] = TypeResolver(ast.Module(body=[], type_ignores=[]), ctx.path, (), project, ctx.facts.imports).imported_enum_values()
    return folded in imported


def _may_be_enum_value(literal: str, ctx: Context) -> bool:
    """The pre-filter: True when an enum visible to this file may have a member value equal to `literal`
    ignoring case (`TypeResolver.knows_enum_value`). It reads neither the module nor the analysis memo,
    so a walk it stops stays valid until the file's own enums gain that value (`module_summary.py`)."""
    folded = literal.casefold()
    return _imports_enum_value(ctx, folded) or module_summary_has(ctx, _own_enum_values, folded)


def _parameter_for(params: Sequence[ParamFacts], key: str | int) -> ParamFacts | None:
    """The parameter a keyword (by name) or a positional argument (by index) fills."""
    if isinstance(key, str):
        return next((p for p in params if p.name == key and p.kind in _KEYWORD_KINDS), None)
    positional = [p for p in params if p.kind in _POSITIONAL_KINDS]
    return positional[key] if key < len(positional) else None


class EnumLiteralCaseMismatch(_TypeAwareRule):
    """RV701: a string literal that matches a member value of the expected str Enum only ignoring case."""

    code = "RV701"
    name = "enum-literal-case-mismatch"
    message = "{literal!r} is not a value of {enum}: the member {enum}.{member} is {value!r} (the case differs)"
    fix_title = "Use {enum}.{member}"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Finds a string literal compared with (`==`, `!=`, `in`), assigned to, or passed as a
            model field or function parameter whose declared type is an Enum with string values,
            when no member value equals the literal but exactly one matches it ignoring case:
            `part.type == "motor"` against `MOTOR = "MOTOR"`. The type comes from annotations,
            constructors and the project's models (other modules included), with jedi as a
            fallback; when the type is not known, nothing is reported.
            """,
        why="""
            The comparison is silently always false (and `!=` always true), and a model built
            from the literal fails validation at run time — in the code path nobody tested. A
            str Enum compares equal only to its exact value.
            """,
        fix="""
            Use the member instead of the literal: `part.type == PartType.MOTOR`. The quick fix
            replaces the literal and imports the enum when it lives in another module. It is
            marked unsafe because it changes what the code does (that is the point).
            """,
    )
    valid = (
        """
        import enum
        from pydantic import BaseModel

        class PartType(str, enum.Enum):
            MOTOR = "MOTOR"
            BOX = "BOX"

        class Part(BaseModel):
            name: str
            type: PartType

        def motors(parts: list[Part]) -> list[Part]:
            # equal to a member value: correct, and names are plain strings
            return [p for p in parts if p.type == "MOTOR" or p.name == "motor"]
        """,
        """
        import enum

        class Color(str, enum.Enum):
            RED = "red"

        class Size(str, enum.Enum):
            RED = "RED"

        def is_red(color: Color) -> bool:
            # another enum has "RED", but Color's own value is "red"
            return color == "red"
        """,
        """
        def is_motor(row: dict, part) -> bool:
            # a dict value and an object of unknown type: nothing to compare against
            return row["type"] == "motor" or part.type == "motor"
        """,
        """
        import enum

        class Mode(enum.Enum):
            FAST = "FAST"
            Fast = "Fast"

        def check(mode: Mode) -> bool:
            # two members match ignoring case: ambiguous, so no finding
            return mode == "fast"
        """,
        """
        import enum
        from pydantic import BaseModel

        class Color(str, enum.Enum):
            RED = "RED"

            @classmethod
            def _missing_(cls, value):
                return cls(str(value).upper())

        class Paint(BaseModel):
            color: Color

        # the enum converts other spellings itself when a value is passed
        paint = Paint(color="red")
        """,
    )
    invalid = (
        Invalid(
            """
            import enum
            from pydantic import BaseModel


            class PartType(str, enum.Enum):
                MOTOR = "MOTOR"
                BOX = "BOX"


            class Part(BaseModel):
                name: str
                type: PartType


            def motors(parts: list[Part]) -> list[Part]:
                return [part for part in parts if part.type == "motor"]
            """,
            line=16,
            fixed="""
            import enum
            from pydantic import BaseModel


            class PartType(str, enum.Enum):
                MOTOR = "MOTOR"
                BOX = "BOX"


            class Part(BaseModel):
                name: str
                type: PartType


            def motors(parts: list[Part]) -> list[Part]:
                return [part for part in parts if part.type == PartType.MOTOR]
            """,
        ),
        Invalid(
            """
            import enum
            from pydantic import BaseModel


            class PartType(str, enum.Enum):
                MOTOR = "MOTOR"
                BOX = "BOX"


            class Part(BaseModel):
                name: str
                type: PartType


            def packaging() -> Part:
                return Part(name="crate", type="box")
            """,
            line=16,
            fixed="""
            import enum
            from pydantic import BaseModel


            class PartType(str, enum.Enum):
                MOTOR = "MOTOR"
                BOX = "BOX"


            class Part(BaseModel):
                name: str
                type: PartType


            def packaging() -> Part:
                return Part(name="crate", type=PartType.BOX)
            """,
        ),
        Invalid(
            """
            from enum import StrEnum


            class Status(StrEnum):
                OPEN = "open"
                CLOSED = "closed"


            def count(status: Status) -> int:
                return 0


            open_count = count("Open")
            """,
            line=13,
            fixed="""
            from enum import StrEnum


            class Status(StrEnum):
                OPEN = "open"
                CLOSED = "closed"


            def count(status: Status) -> int:
                return 0


            open_count = count(Status.OPEN)
            """,
        ),
        Invalid(
            """
            import enum
            from dataclasses import dataclass


            class Level(str, enum.Enum):
                LOW = "low"
                HIGH = "high"


            @dataclass
            class Alert:
                level: Level


            def is_urgent(alert: Alert) -> bool:
                return alert.level in ("HIGH", "critical")
            """,
            line=16,
        ),
    )

    def visit_Compare(self, node: ast.Compare, ctx: Context) -> Iterator[Finding]:
        """Report `x == "lit"`, `"lit" != x` and `x in ("lit", ...)` against a str Enum typed `x`."""
        if len(node.ops) != 1:
            return
        op, left, right = node.ops[0], node.left, node.comparators[0]
        if isinstance(op, (ast.Eq, ast.NotEq)):
            if _is_str(right) and not _is_str(left):
                pairs = [(right, left)]
            elif _is_str(left) and not _is_str(right):
                pairs = [(left, right)]
            else:
                return
        elif isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
            pairs = [(element, left) for element in right.elts if _is_str(element)]
        else:
            return
        candidates = [(literal, other) for literal, other in pairs if _may_be_enum_value(cast(str, literal.value), ctx)]  # type: ignore[attr-defined]
        if not candidates:
            return
        resolver = type_resolver(ctx)
        candidates = [(literal, other) for literal, other in candidates if _may_be_misspelt(cast(str, literal.value), resolver)]  # type: ignore[attr-defined]
        if not candidates:
            return
        other = candidates[0][1]
        suffix = ""
        if isinstance(other, ast.Attribute) and other.attr == "value":  # `part.type.value == "motor"`
            other, suffix = other.value, ".value"
        value_type = self._type_of(other, ctx, resolver)
        for literal, _ in candidates:
            yield from self._check(literal, value_type, ctx, resolver, suffix)  # type: ignore[arg-type]

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding] | None:
        """Report literals passed to a parameter or model field whose annotation is a str Enum (a plain function: a call
        without a string literal argument leaves without making a generator)."""
        for argument in node.args:
            if type(argument) is ast.Constant and type(argument.value) is str:
                return self._call_literals(node, ctx)
        for kw in node.keywords:
            if type(kw.value) is ast.Constant and type(kw.value.value) is str:
                return self._call_literals(node, ctx)
        return None

    def _call_literals(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        arguments: list[tuple[str | int, ast.Constant]] = []
        for index, argument in enumerate(node.args):
            if type(argument) is ast.Constant and type(argument.value) is str:
                arguments.append((index, argument))
            elif type(argument) is ast.Starred:
                break
        for kw in node.keywords:
            value = kw.value
            if type(value) is ast.Constant and type(value.value) is str and kw.arg:
                arguments.append((kw.arg, value))
        if not arguments:
            return
        arguments = [(key, literal) for key, literal in arguments if _may_be_enum_value(cast(str, literal.value), ctx)]
        if not arguments:
            return
        resolver = type_resolver(ctx)
        arguments = [(key, literal) for key, literal in arguments if _may_be_misspelt(cast(str, literal.value), resolver)]
        if not arguments:
            return
        callee = self._callee(node, ctx, resolver, lambda: _may_fill_an_enum_parameter(node, arguments, resolver))
        params = callee.parameters() if callee is not None else None
        if callee is None or params is None:
            return
        for key, literal in arguments:
            param = _parameter_for(params, key)
            if param is None or param.annotation is None:
                continue
            value_type = resolver.from_annotation(param.annotation, callee.annotation_module(param))
            if not _converts_by_itself(value_type):
                yield from self._check(literal, value_type, ctx, resolver)

    def visit_Assign(self, node: ast.Assign, ctx: Context) -> Iterator[Finding] | None:
        """Report `obj.field = "lit"` where the field is declared as a str Enum (a plain function: other assignments
        leave without making a generator)."""
        if not _is_str(node.value) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Attribute):
            return None
        return self._assigned_literal(node.targets[0], node.value, ctx)  # type: ignore[arg-type]  # (`_is_str`: a str Constant)

    def _assigned_literal(self, target: ast.Attribute, literal: ast.Constant, ctx: Context) -> Iterator[Finding]:
        """The finding of `target = literal` when the attribute is declared as a str Enum with the literal spelt in other case."""
        text = cast(str, literal.value)
        if not _may_be_enum_value(text, ctx):
            return
        resolver = type_resolver(ctx)
        if not _may_be_misspelt(text, resolver):
            return
        value_type = self._type_of(target, ctx, resolver)
        if not _converts_by_itself(value_type):
            yield from self._check(literal, value_type, ctx, resolver)

    def _check(
        self, literal: ast.Constant, value_type: ValueType | None, ctx: Context, resolver: TypeResolver, suffix: str = ""
    ) -> Iterator[Finding]:
        """Report `literal` when it matches exactly one member value of the enum `value_type` only ignoring case.

        `suffix` is `.value` when the literal is compared with a member's value rather than the member.
        """
        if value_type is None or value_type.cls is None:
            return
        members = value_type.cls.str_enum_members()
        text = cast(str, literal.value)  # callers pass str literals only
        if not members or any(value == text for _, value in members):
            return
        matching = {value for _, value in members if value.casefold() == text.casefold()}
        if len(matching) != 1:
            return
        value = matching.pop()
        member = next(name for name, candidate in members if candidate == value)
        cls = value_type.cls
        local = _local_name_of_class(cls, resolver)
        importable = local is None and bool(cls.module.module) and cls.facts.name not in ctx.facts.bindings
        yield self.report(
            literal,
            ctx,
            literal=text,
            enum=cls.facts.name,
            member=member + suffix,
            value=value,
            fixable=local is not None or importable,
            data={"local": local or "", "module": cls.module.module, "enum": cls.facts.name, "member": member + suffix},
        )

    def fix(self, fctx: FixContext) -> Fix | None:
        """Replace the literal with `Enum.MEMBER`, importing the enum if needed."""
        data = fctx.finding.data_dict
        if not isinstance(fctx.node, ast.Constant):
            return None
        local = data.get("local") or fctx.ensure_import(data["module"], data["enum"])
        fctx.replace_node_text(fctx.node, f"{local}.{data['member']}")
        return fctx.build(fctx.finding.fix_title or "Use the enum member", Applicability.UNSAFE)


def _may_be_misspelt(literal: str, resolver: TypeResolver) -> bool:
    """True when an enum this file sees (`_may_be_enum_value` said one may) holds `literal` spelt with other case,
    not only as written (a literal spelt exactly like every matching value is never reported: no type needs to be looked up)."""
    return may_misspell_enum_value(resolver, literal)


def _may_fill_an_enum_parameter(call: ast.Call, arguments: list[tuple[str | int, ast.Constant]], resolver: TypeResolver) -> bool:
    """True when jedi's callee of `call` could take one of the literal `arguments` as a value of an enum spelt with other
    case (jedi is asked about `obj.method(...)` calls only: `TypeResolver.callee_with_jedi`)."""
    func = call.func
    return isinstance(func, ast.Attribute) and any(
        may_pass_misspelt_enum_value(resolver, func.attr, key, cast(str, literal.value)) for key, literal in arguments
    )


def _converts_by_itself(value_type: ValueType | None) -> bool:
    """True for an enum with a `_missing_` hook: it may accept other spellings when a value is passed
    (comparisons still fail, so those are reported anyway)."""
    return value_type is not None and value_type.cls is not None and value_type.cls.method("_missing_") is not None


def _local_name_of_class(cls: ResolvedClass, resolver: TypeResolver) -> str | None:
    """How the current file can name `cls` without a new import (its own class, or an import of it)."""
    from review_ls.project.inference import ResolvedClass  # (loaded with the resolver)

    local = resolver.local
    if cls.module is local:
        return cls.facts.name
    for name, target in local.imports.items():
        if target == cls.qualified_name:
            return name
        if target == cls.module.module and cls.module.module:
            return f"{name}.{cls.facts.name}"
        found = resolver.resolve_qualified(target)
        if isinstance(found, ResolvedClass) and found.same_as(cls):
            return name
    return None
