"""RV7 — types and contracts: mistakes only visible once you know what an object is.

Detection stays on `ast` in the one walk: each rule picks candidate nodes cheaply (a string
literal some enum nearly matches, a subscript whose key is some model's field name, ...) and only
then asks the `TypeResolver` (project/inference.py) what the object is — local facts first, the
project's type facts next, jedi last and only within the rule's time budget. "Don't know" is
never a finding.
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Iterator, Sequence


from review_ls.engine.cst_edit import cst, replace_nodes
from review_ls.engine.facts import dotted_name
from review_ls.engine.fixes import FixContext
from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.engine.rule import Invalid, Option, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.frameworks import is_route_handler
from review_ls.project.inference import Callee, ResolvedClass, TypeResolver, ValueType
from review_ls.project.types import MODEL_KINDS, ParamFacts

_JEDI_BUDGET = Option(
    "jedi-budget-ms",
    200,
    "Milliseconds one analysis of a file may wait on jedi when the file's and the project's own facts "
    "cannot tell what an object is (0 turns jedi off; unknown types never produce findings).",
)
_POSITIONAL_KINDS = frozenset({"positional-only", "positional"})
_KEYWORD_KINDS = frozenset({"positional", "keyword-only"})


class _TypeAwareRule(Rule):
    """Shared plumbing of the RV7 rules: the resolver of the analysis, with jedi as the last resort."""

    kind = "T"
    options = (_JEDI_BUDGET,)

    def _type_of(self, expr: ast.expr, ctx: Context, resolver: TypeResolver) -> ValueType | None:
        """What `expr` holds: local and project facts first, then jedi within the budget."""
        found = resolver.type_of(expr, ctx.parents)
        if found is not None:
            return found
        milliseconds = self.config["jedi-budget-ms"]
        if milliseconds <= 0 or ctx.project is None:
            return None
        return resolver.infer_with_jedi(expr, ctx.parents, ctx.lines, resolver.budget(milliseconds / 1000))

    def _callee(self, call: ast.Call, ctx: Context, resolver: TypeResolver) -> Callee | None:
        """What `call` calls: local and project facts first, then jedi within the budget."""
        found = resolver.callee(call, ctx.parents)
        if found is not None:
            return found
        milliseconds = self.config["jedi-budget-ms"]
        if milliseconds <= 0 or ctx.project is None:
            return None
        return resolver.callee_with_jedi(call, ctx.parents, ctx.lines, resolver.budget(milliseconds / 1000))


def _is_str(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _source_of(fctx: FixContext, node: ast.AST) -> str | None:
    return ast.get_source_segment(fctx.source, node)


def _parameter_for(params: Sequence[ParamFacts], key: str | int) -> ParamFacts | None:
    """The parameter a keyword (by name) or a positional argument (by index) fills."""
    if isinstance(key, str):
        return next((p for p in params if p.name == key and p.kind in _KEYWORD_KINDS), None)
    positional = [p for p in params if p.kind in _POSITIONAL_KINDS]
    return positional[key] if key < len(positional) else None


# -- RV701 ------------------------------------------------------------------------------------------


class EnumLiteralCaseMismatch(_TypeAwareRule):
    """RV701: a string literal that matches a member value of the expected str Enum only ignoring case."""

    code = "RV701"
    name = "enum-literal-case-mismatch"
    kind = "T/X"
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
        resolver = TypeResolver.for_context(ctx)
        candidates = [(literal, other) for literal, other in pairs if resolver.knows_enum_value(literal.value)]  # type: ignore[attr-defined]
        if not candidates:
            return
        other = candidates[0][1]
        suffix = ""
        if isinstance(other, ast.Attribute) and other.attr == "value":  # `part.type.value == "motor"`
            other, suffix = other.value, ".value"
        value_type = self._type_of(other, ctx, resolver)
        for literal, _ in candidates:
            yield from self._check(literal, value_type, ctx, resolver, suffix)  # type: ignore[arg-type]

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report literals passed to a parameter or model field whose annotation is a str Enum."""
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
        resolver = TypeResolver.for_context(ctx)
        arguments = [(key, literal) for key, literal in arguments if resolver.knows_enum_value(literal.value)]
        if not arguments:
            return
        callee = self._callee(node, ctx, resolver)
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

    def visit_Assign(self, node: ast.Assign, ctx: Context) -> Iterator[Finding]:
        """Report `obj.field = "lit"` where the field is declared as a str Enum."""
        if not _is_str(node.value) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Attribute):
            return
        resolver = TypeResolver.for_context(ctx)
        if not resolver.knows_enum_value(node.value.value):  # type: ignore[attr-defined]
            return
        value_type = self._type_of(node.targets[0], ctx, resolver)
        if not _converts_by_itself(value_type):
            yield from self._check(node.value, value_type, ctx, resolver)  # type: ignore[arg-type]

    def _check(
        self, literal: ast.Constant, value_type: ValueType | None, ctx: Context, resolver: TypeResolver, suffix: str = ""
    ) -> Iterator[Finding]:
        """Report `literal` when it matches exactly one member value of the enum `value_type` only ignoring case.

        `suffix` is `.value` when the literal is compared with a member's value rather than the member.
        """
        if value_type is None or value_type.cls is None:
            return
        members = value_type.cls.str_enum_members()
        text = literal.value
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


def _converts_by_itself(value_type: ValueType | None) -> bool:
    """True for an enum with a `_missing_` hook: it may accept other spellings when a value is passed
    (comparisons still fail, so those are reported anyway)."""
    return value_type is not None and value_type.cls is not None and value_type.cls.method("_missing_") is not None


def _local_name_of_class(cls: ResolvedClass, resolver: TypeResolver) -> str | None:
    """How the current file can name `cls` without a new import (its own class, or an import of it)."""
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


# -- RV702 ------------------------------------------------------------------------------------------


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

    def visit_Subscript(self, node: ast.Subscript, ctx: Context) -> Iterator[Finding]:
        """Report `obj["field"]` on a model instance that declares `field`."""
        key = node.slice
        target = node.value
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)) or not isinstance(target, (ast.Name, ast.Attribute)):
            return
        field = key.value
        if isinstance(node.ctx, ast.Del) or not field.isidentifier() or keyword.iskeyword(field):
            return
        resolver = TypeResolver.for_context(ctx)
        if not resolver.knows_field(field):
            return
        value_type = self._type_of(target, ctx, resolver)
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
        fctx.replace_node_text(node, f"{target}.{node.slice.value}")
        applicability = Applicability.UNSAFE if fctx.finding.data_dict.get("via_jedi") else Applicability.SAFE
        return fctx.build(fctx.finding.fix_title or "Read the attribute", applicability)


# -- RV703 ------------------------------------------------------------------------------------------

_EVERYTHING = None  # the request object escapes (passed whole, dumped): every field may be read


class RequestFieldDropped(_TypeAwareRule):
    """RV703: a handler drops request fields that the function it calls would accept."""

    code = "RV703"
    name = "request-field-dropped"
    kind = "T/X"
    message = (
        "{callee}() has defaulted parameter{s} {fields} that the request model {model} also carries, "
        "but the handler never passes {them}: the client's choice is silently ignored"
    )
    fix_title = "Pass {passes}"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Finds a web route handler that receives a request model and calls a function with
            some of the request's fields, while that function has defaulted parameters named like
            other request fields that the handler never reads — the caller's `temperature`,
            `limit` or `method` is accepted by the API and then dropped. The callee may live in
            another module of the project.
            """,
        why="""
            The API contract says the field is honoured; the implementation quietly uses the
            default instead. Clients see no error, only wrong results, and the bug survives
            every test that does not vary that field.
            """,
        fix="""
            Pass the fields through: `generate(prompt=request.prompt, temperature=request.temperature)`.
            Fields the handler reads anywhere else, and requests passed on whole (or dumped with
            `model_dump()`), are not reported. The quick fix adds the keywords; it is marked
            unsafe because the call's behaviour changes.
            """,
    )
    valid = (
        """
        from fastapi import FastAPI
        from pydantic import BaseModel

        app = FastAPI()

        class GenerateRequest(BaseModel):
            prompt: str
            temperature: float = 0.7

        def generate(prompt: str, temperature: float = 0.2) -> str:
            return prompt

        @app.post("/generate")
        def generate_endpoint(request: GenerateRequest) -> str:
            if request.temperature > 1:
                raise ValueError("too hot")
            return generate(prompt=request.prompt)
        """,
        """
        from fastapi import FastAPI
        from pydantic import BaseModel

        app = FastAPI()

        class GenerateRequest(BaseModel):
            prompt: str
            temperature: float = 0.7

        def generate(prompt: str, temperature: float = 0.2) -> str:
            return prompt

        @app.post("/generate")
        def generate_endpoint(request: GenerateRequest) -> str:
            return generate(**request.model_dump())

        @app.post("/again")
        def again(request: GenerateRequest) -> str:
            return generate(request.prompt, request.temperature)

        @app.post("/logged")
        def logged(request: GenerateRequest) -> str:
            audit = request.model_dump()
            return generate(prompt=request.prompt) + str(audit)
        """,
        """
        from pydantic import BaseModel

        class GenerateRequest(BaseModel):
            prompt: str
            temperature: float = 0.7

        def generate(prompt: str, temperature: float = 0.2) -> str:
            return prompt

        def not_a_handler(request: GenerateRequest) -> str:
            return generate(prompt=request.prompt)
        """,
    )
    invalid = (
        Invalid(
            """
            from fastapi import FastAPI
            from pydantic import BaseModel

            app = FastAPI()


            class GenerateRequest(BaseModel):
                prompt: str
                temperature: float = 0.7


            def generate(prompt: str, temperature: float = 0.2) -> str:
                return prompt


            @app.post("/generate")
            def generate_endpoint(request: GenerateRequest) -> str:
                return generate(prompt=request.prompt)
            """,
            line=18,
            fixed="""
            from fastapi import FastAPI
            from pydantic import BaseModel

            app = FastAPI()


            class GenerateRequest(BaseModel):
                prompt: str
                temperature: float = 0.7


            def generate(prompt: str, temperature: float = 0.2) -> str:
                return prompt


            @app.post("/generate")
            def generate_endpoint(request: GenerateRequest) -> str:
                return generate(prompt=request.prompt, temperature=request.temperature)
            """,
        ),
        Invalid(
            """
            from fastapi import APIRouter
            from pydantic import BaseModel

            router = APIRouter()


            class SearchRequest(BaseModel):
                query: str
                limit: int = 10
                method: str = "bm25"


            class Index:
                async def search(self, query: str, limit: int = 20, method: str = "vector") -> list[str]:
                    return []


            index = Index()


            @router.post("/search")
            async def search(body: SearchRequest) -> list[str]:
                return await index.search(
                    body.query,
                )
            """,
            line=23,
            fixed="""
            from fastapi import APIRouter
            from pydantic import BaseModel

            router = APIRouter()


            class SearchRequest(BaseModel):
                query: str
                limit: int = 10
                method: str = "bm25"


            class Index:
                async def search(self, query: str, limit: int = 20, method: str = "vector") -> list[str]:
                    return []


            index = Index()


            @router.post("/search")
            async def search(body: SearchRequest) -> list[str]:
                return await index.search(
                    body.query,
                    limit=body.limit,
                    method=body.method,
                )
            """,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report calls in a route handler that leave request fields at the callee's defaults."""
        function = ctx.function
        if function is None or type(function) is ast.Lambda:
            return
        requests = self._request_models(function, ctx)  # type: ignore[arg-type]
        if not requests or any(kw.arg is None for kw in node.keywords):
            return
        resolver = TypeResolver.for_context(ctx)
        for request, model in requests:
            if not _passes_request_field(node, request):
                continue
            used = _request_attributes_read(function, request, ctx)
            fields = {f.name for f in model.model_fields()}
            if used is _EVERYTHING or not used <= fields:
                continue  # passed on whole, dumped (`model_dump()`), or read through a method: may use every field
            dropped = self._dropped(node, ctx, resolver, fields, used)
            if dropped:
                yield self._finding(node, ctx, request, model, dropped)

    def _request_models(self, function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> list[tuple[str, ResolvedClass]]:
        """The handler's parameters annotated with a request model (cached per function; empty if no handler)."""
        key = ("RV703-requests", id(function))
        cached = ctx.memo.get(key)
        if cached is None:
            cached = []
            args = function.args
            annotated = [a for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.annotation is not None]
            if annotated and is_route_handler(function, ctx):
                resolver = TypeResolver.for_context(ctx)
                for arg in annotated:
                    found = resolver.type_of(ast.Name(arg.arg, ast.Load()), ctx.parents)
                    if found is not None and found.cls is not None and found.cls.kind in MODEL_KINDS and not found.optional:
                        cached.append((arg.arg, found.cls))
            ctx.memo[key] = cached
        return cached

    def _dropped(self, call: ast.Call, ctx: Context, resolver: TypeResolver, fields: set[str], used: set[str]) -> list[str]:
        """Defaulted parameters of the callee named like request fields that neither the call nor the handler passes on."""
        callee = self._callee(call, ctx, resolver)
        params = callee.parameters() if callee is not None else None
        if params is None:
            return []
        passed = {kw.arg for kw in call.keywords}
        spread = any(isinstance(a, ast.Starred) for a in call.args)
        positional = [p for p in params if p.kind in _POSITIONAL_KINDS]
        covered = {p.name for p in (positional if spread else positional[: len(call.args)])}
        return [
            p.name
            for p in params
            if p.has_default
            and p.kind in _KEYWORD_KINDS
            and p.name in fields
            and p.name not in passed
            and p.name not in covered
            and p.name not in used
        ]

    def _finding(self, call: ast.Call, ctx: Context, request: str, model: ResolvedClass, dropped: list[str]) -> Finding:
        callee = dotted_name(call.func) or ast.unparse(call.func)
        return self.report(
            call,
            ctx,
            callee=callee,
            s="s" if len(dropped) > 1 else "",
            fields=", ".join(dropped),
            model=model.facts.name,
            them="them" if len(dropped) > 1 else "it",
            passes=", ".join(f"{name}={request}.{name}" for name in dropped),
            data={"request": request, "fields": ",".join(dropped)},
        )

    def fix(self, fctx: FixContext) -> Fix | None:
        """Add `field=request.field` keywords for the dropped fields."""
        call = fctx.node
        data = fctx.finding.data_dict
        call_cst = fctx.cst_node(call) if isinstance(call, ast.Call) else None
        if call_cst is None:
            return None
        request = data["request"]
        new_args = [
            cst.Arg(
                keyword=cst.Name(name),
                value=cst.Attribute(value=cst.Name(request), attr=cst.Name(name)),
                equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
            )
            for name in data["fields"].split(",")
        ]
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(call_cst): call_cst.with_changes(args=_appended(call_cst, new_args))}).code)
        return fctx.build(fctx.finding.fix_title or "Pass the request fields", Applicability.UNSAFE)


def _appended(call: cst.Call, new_args: list[cst.Arg]) -> list[cst.Arg]:
    """The call's arguments with `new_args` added, keeping a trailing comma / one-per-line layout."""
    args = list(call.args)
    if not args or not isinstance(args[-1].comma, cst.Comma):
        return [*args, *new_args]
    last = args[-1]
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        between = args[-2].comma
    elif isinstance(last.comma.whitespace_after, cst.ParenthesizedWhitespace):
        between = cst.Comma(whitespace_after=call.whitespace_before_args)
    else:
        between = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    spaced = [arg.with_changes(comma=between) for arg in new_args[:-1]]
    return [*args[:-1], last.with_changes(comma=between), *spaced, new_args[-1].with_changes(comma=last.comma)]


def _passes_request_field(call: ast.Call, request: str) -> bool:
    """True when an argument of `call` reads `request.<something>`."""
    for argument in (*call.args, *(kw.value for kw in call.keywords)):
        for node in ast.walk(argument):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == request:
                return True
    return False


def _request_attributes_read(function: ast.AST, request: str, ctx: Context) -> set[str] | None:
    """Attributes of `request` read anywhere in the handler; None when the object escapes whole."""
    key = ("RV703-reads", id(function), request)
    if key in ctx.memo:
        return ctx.memo[key]  # type: ignore[no-any-return]
    attributes: set[str] = set()
    escaped = False
    parents: dict[int, ast.AST] = {}
    for parent in ast.walk(function):
        for child in ast.iter_child_nodes(parent):
            parents[id(child)] = parent
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id == request:
            parent = parents.get(id(node))
            if isinstance(parent, ast.Attribute) and parent.value is node:
                attributes.add(parent.attr)
            elif not isinstance(parent, ast.arguments):
                escaped = True
    result = None if escaped else attributes
    ctx.memo[key] = result
    return result


# -- RV704 ------------------------------------------------------------------------------------------

_DICT_SAFE_METHODS = frozenset({"get", "items", "keys", "values"})


class OptionalFieldUnguarded(_TypeAwareRule):
    """RV704: an optional model field used as if it could not be None."""

    code = "RV704"
    name = "optional-field-unguarded"
    message = "{expr} is declared {annotation} and may be None, but is {use} here without a None check"
    fix_title = "Use ({expr} or {empty})"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Finds a model field declared `Optional[...]` / `X | None` (with no other default)
            that is subscripted, iterated, searched with `in` or used through an attribute, in a
            function that never checks it (`if x.field`, `x.field is not None`, `x.field or []`,
            an assignment to it). The owner's type comes from annotations, constructors and the
            project's models, with jedi as a fallback; unknown owners are not reported.
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

    def visit_Attribute(self, node: ast.Attribute, ctx: Context) -> Iterator[Finding]:
        """`x.field.attr`."""
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
        owner = self._type_of(use.value, ctx, resolver)
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
    return cached  # type: ignore[no-any-return]


def _checked_in(scope: ast.AST) -> Iterator[str]:
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
                if isinstance(inner, ast.Attribute):
                    dotted = dotted_name(inner)
                    if dotted is not None:
                        yield dotted


__all__ = ["EnumLiteralCaseMismatch", "ModelIndexedLikeDict", "OptionalFieldUnguarded", "RequestFieldDropped"]
