"""RV703 request-field-dropped: RV703: a handler drops request fields that the function it calls would accept."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from review_ls.engine.cst_edit import cst, replace_nodes
from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.engine.rule import Invalid, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.frameworks import is_route_handler
from review_ls.patterns.node_walk import walk_nodes
from review_ls.project.jedi_gates import may_drop_defaulted_parameter
from review_ls.project.types import MODEL_KINDS
from review_ls.rules.contracts._type_aware import _POSITIONAL_KINDS, _KEYWORD_KINDS, _TypeAwareRule, type_resolver

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext
    from review_ls.project.inference import ResolvedClass, TypeResolver


_EVERYTHING = None  # the request object escapes (passed whole, dumped): every field may be read


class RequestFieldDropped(_TypeAwareRule):
    """RV703: a handler drops request fields that the function it calls would accept."""

    code = "RV703"
    name = "request-field-dropped"
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

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding] | None:
        """Report calls in a route handler that leave request fields at the callee's defaults (a plain function: calls
        outside a function with annotated parameters leave without making a generator)."""
        function = ctx.function
        if function is None or type(function) is ast.Lambda:
            return None
        requests = self._request_models(function, ctx)  # type: ignore[arg-type]
        if not requests or any(kw.arg is None for kw in node.keywords):
            return None
        return self._call_findings(node, ctx, function, requests)  # type: ignore[arg-type]

    def _call_findings(self, node: ast.Call, ctx: Context, function: ast.FunctionDef | ast.AsyncFunctionDef, requests: list[tuple[str, ResolvedClass]]) -> Iterator[Finding]:
        resolver = type_resolver(ctx)
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
        annotated = _annotated_parameters(function, ctx)
        if not annotated:
            return []  # (without reading the memo: an incremental walk counts that as reading the whole module)
        key = ("RV703-requests", id(function))
        cached = ctx.memo.get(key)
        if cached is None:
            cached = []
            if is_route_handler(function, ctx):
                resolver = type_resolver(ctx)
                for arg in annotated:
                    found = resolver.type_of(ast.Name(arg.arg, ast.Load()), ctx.parents)
                    if found is not None and found.cls is not None and found.cls.kind in MODEL_KINDS and not found.optional:
                        cached.append((arg.arg, found.cls))
            ctx.memo[key] = cached
        return cached

    def _dropped(self, call: ast.Call, ctx: Context, resolver: TypeResolver, fields: set[str], used: set[str]) -> list[str]:
        """Defaulted parameters of the callee named like request fields that neither the call nor the handler passes on."""
        passed = {kw.arg for kw in call.keywords}
        if fields <= used | passed:
            return []  # every field is passed on already: no callee can drop one (none is looked up)
        callee = self._callee(call, ctx, resolver, lambda: _may_drop(call, resolver, fields - used - passed))
        params = callee.parameters() if callee is not None else None
        if params is None:
            return []
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
    elif isinstance(cast(cst.Comma, last.comma).whitespace_after, cst.ParenthesizedWhitespace):
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
        cached: set[str] | None = ctx.memo[key]
        return cached
    # One walk: every read of the name is either the object of an attribute (`request.x`), a parameter's default (not a
    # use), or the object itself escaping whole.
    attributes: set[str] = set()
    reads = attribute_reads = defaults = 0
    for node in walk_nodes(function):
        kind = type(node)
        if kind is ast.Name:
            reads += node.id == request  # type: ignore[attr-defined]
        elif kind is ast.Attribute:
            value = node.value  # type: ignore[attr-defined]
            if type(value) is ast.Name and value.id == request:
                attribute_reads += 1
                attributes.add(node.attr)  # type: ignore[attr-defined]
        elif kind is ast.arguments:
            for default in (*node.defaults, *node.kw_defaults):  # type: ignore[attr-defined]
                if type(default) is ast.Name and default.id == request:
                    defaults += 1
    result = None if reads > attribute_reads + defaults else attributes
    ctx.memo[key] = result
    return result


def _may_drop(call: ast.Call, resolver: TypeResolver, fields: set[str]) -> bool:
    """True when jedi's callee of `call` could have a parameter with a default named like one of `fields` (jedi is asked
    about `obj.method(...)` calls only: `TypeResolver.callee_with_jedi`)."""
    func = call.func
    return isinstance(func, ast.Attribute) and may_drop_defaulted_parameter(resolver, func.attr, fields)


def _annotated_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> list[ast.arg]:
    """The parameters of `function` with an annotation, kept for the function last asked about (its calls ask in a row)."""
    args = function.args
    return ctx.facts.for_last_node(
        "RV703.last-annotated-parameters", function, lambda: [a for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.annotation is not None]
    )
