"""The base of the RV7 rules (`_TypeAwareRule`: the type resolver, with jedi as the last resort) and their shared helpers."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from review_ls.engine.project_model import Needs
from review_ls.engine.rule import Option, Rule
from review_ls.engine.walker import Context
from review_ls.project.jedi_gates import POSITIONAL_KINDS

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext
    from review_ls.project.inference import Callee, TypeResolver, ValueType


_JEDI_BUDGET = Option(
    "jedi-budget-ms",
    200,
    "Milliseconds one analysis of a file may wait on jedi when the file's and the project's own facts "
    "cannot tell what an object is (0 turns jedi off; unknown types never produce findings).",
)


_POSITIONAL_KINDS = POSITIONAL_KINDS


_KEYWORD_KINDS = frozenset({"positional", "keyword-only"})


def type_resolver(ctx: Context) -> TypeResolver:
    """The type resolver of this analysis (type inference, and jedi with it, loads when a rule first asks for a type)."""
    from review_ls.project.inference import TypeResolver

    return TypeResolver.for_context(ctx)


class _TypeAwareRule(Rule):
    """Shared plumbing of the RV7 rules: the resolver of the analysis, with jedi as the last resort."""

    needs = frozenset({Needs.PROJECT_INDEX, Needs.TYPES})
    options: ClassVar[tuple[Option, ...]] = (_JEDI_BUDGET,)

    def _type_of(self, expr: ast.expr, ctx: Context, resolver: TypeResolver, answer_matters: Callable[[], bool] | None = None) -> ValueType | None:
        """What `expr` holds: local and project facts first, then jedi within the budget (only when
        `answer_matters()` says a type could still change the rule's result)."""
        found = resolver.type_of(expr, ctx.parents)
        if found is not None or not self._may_ask_jedi(ctx) or (answer_matters is not None and not answer_matters()):
            return found
        return resolver.infer_with_jedi(expr, ctx.parents, ctx.lines, resolver.budget(self.config["jedi-budget-ms"] / 1000))

    def _callee(self, call: ast.Call, ctx: Context, resolver: TypeResolver, answer_matters: Callable[[], bool] | None = None) -> Callee | None:
        """What `call` calls: local and project facts first, then jedi within the budget (only when
        `answer_matters()` says a callee could still change the rule's result)."""
        found = resolver.callee(call, ctx.parents)
        if found is not None or not self._may_ask_jedi(ctx) or (answer_matters is not None and not answer_matters()):
            return found
        return resolver.callee_with_jedi(call, ctx.parents, ctx.lines, resolver.budget(self.config["jedi-budget-ms"] / 1000))

    def _may_ask_jedi(self, ctx: Context) -> bool:
        """True when jedi has a budget and a workspace to infer in."""
        return bool(self.config["jedi-budget-ms"] > 0 and ctx.project is not None)


def _source_of(fctx: FixContext, node: ast.AST) -> str | None:
    return ast.get_source_segment(fctx.source, node)
