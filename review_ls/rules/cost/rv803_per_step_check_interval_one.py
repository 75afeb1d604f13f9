"""RV803 per-step-check-interval-one: RV803: `if step % CHECK_INTERVAL == 0` with an interval of 1 — the check runs on every step."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.cst_edit import cst, replace_nodes
from review_ls.engine.facts import BindingKind
from review_ls.engine.model import Finding, Fix
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.names import name_words, names_read, nodes_within, snake_case
from review_ls.rules.cost._shared import _outer_targets

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


_INTERVAL_WORDS = frozenset({"interval", "every", "freq", "frequency", "period", "cadence", "stride", "rate", "check"})


@dataclass(frozen=True)
class _Interval:
    """The right operand of `step % N`: how it is named and where its value 1 comes from."""

    label: str
    origin: str  # "literal", "module" or "class" or "local"


class PerStepCheckIntervalOne(Rule):
    """RV803: `if step % CHECK_INTERVAL == 0` with an interval of 1 — the check runs on every step."""

    code = "RV803"
    name = "per-step-check-interval-one"
    applies_to = SERVICE_CODE
    message = "{interval} is 1, so the check under `% {interval}` runs on every iteration of the step loop"
    fix_title = "Make {interval} a parameter of {function}()"
    docs = RuleDocs(
        what="""
            Finds `step % N == 0` (or `not step % N`) inside a loop, where `step` comes from the loop
            and `N` is the literal 1 or a constant named like an interval (`CHECK_INTERVAL`,
            `EVAL_EVERY`, `self.log_freq`, a local `check_every = 1`) whose value is 1. Intervals
            that come from parameters, settings or configuration are not reported.
            """,
        why="""
            The modulo says "only every N steps" but with N = 1 the guarded work — a collision
            check, a validation pass, a checkpoint, a metrics flush — runs on every single step,
            typically dominating the loop's cost while looking throttled to a reader.
        """,
        fix="""
            Make the interval a parameter (with the constant as its default) so callers and
            configuration can raise it, and pick a default that matches the check's cost. The quick
            fix adds the parameter to the enclosing function and uses it in the modulo.
            """,
    )
    valid = (
        """
        CHECK_INTERVAL = 10

        def run(sim, steps):
            for step in range(steps):
                sim.advance()
                if step % CHECK_INTERVAL == 0:
                    sim.check_collisions()
        """,
        """
        def run(sim, steps, check_interval=1):
            for step in range(steps):
                sim.advance()
                if step % check_interval == 0:
                    sim.check_collisions()
        """,
        """
        def run(sim, settings):
            for step in range(settings.steps):
                if step % settings.check_interval == 0:
                    sim.check_collisions()
        """,
        """
        BATCH = 1

        def chunks(items):
            for index, item in enumerate(items):
                if index % 2 == 0:
                    yield item
        """,
    )
    invalid = (
        Invalid(
            """
            CHECK_INTERVAL = 1


            def run(sim, steps):
                for step in range(steps):
                    sim.advance()
                    if step % CHECK_INTERVAL == 0:
                        sim.check_collisions()
            """,
            line=7,
            fixed="""
            CHECK_INTERVAL = 1


            def run(sim, steps, check_interval=CHECK_INTERVAL):
                for step in range(steps):
                    sim.advance()
                    if step % check_interval == 0:
                        sim.check_collisions()
            """,
        ),
        Invalid(
            """
            class Trainer:
                EVAL_EVERY = 1

                def fit(self, batches, *, epochs):
                    for step, batch in enumerate(batches):
                        self.update(batch)
                        if not step % self.EVAL_EVERY:
                            self.evaluate()
            """,
            line=7,
        ),
        Invalid(
            """
            def simulate(world, ticks, *, seed=0):
                for tick in range(ticks):
                    world.step()
                    if tick % 1 == 0:
                        world.validate()
            """,
            line=4,
            fixed="""
            def simulate(world, ticks, *, seed=0, check_interval=1):
                for tick in range(ticks):
                    world.step()
                    if tick % check_interval == 0:
                        world.validate()
            """,
        ),
    )

    def visit_BinOp(self, node: ast.BinOp, ctx: Context) -> Iterator[Finding]:
        """Report `loop_variable % N` tested against zero, where N is 1."""
        if not isinstance(node.op, ast.Mod) or not ctx.loops or not self._tested_for_zero(node, ctx.parent):
            return
        loop_names: set[str] = set()
        for loop in ctx.loops:
            loop_names |= _outer_targets(loop)
        if not (names_read(node.left) & loop_names):
            return
        interval = self._interval_of_one(node.right, ctx)
        if interval is None:
            return
        function = ctx.function
        fixable = isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and interval.origin in ("literal", "module")
        name = function.name if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) else "the function"
        yield self.report(node, ctx, interval=interval.label, function=name, fixable=fixable)

    @staticmethod
    def _tested_for_zero(node: ast.BinOp, parent: ast.AST | None) -> bool:
        if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
            return True
        if isinstance(parent, ast.Compare) and len(parent.ops) == 1 and isinstance(parent.ops[0], (ast.Eq, ast.NotEq)):
            other = parent.comparators[0] if parent.left is node else parent.left
            return isinstance(other, ast.Constant) and other.value == 0
        return False

    @staticmethod
    def _interval_of_one(expr: ast.expr, ctx: Context) -> _Interval | None:
        if isinstance(expr, ast.Constant):
            return _Interval("1", "literal") if expr.value == 1 and type(expr.value) is int else None
        name = expr.attr if isinstance(expr, ast.Attribute) else expr.id if isinstance(expr, ast.Name) else None
        if name is None or not (name_words(name) & _INTERVAL_WORDS):
            return None
        if isinstance(expr, ast.Name):
            function = ctx.function
            local = _local_constant(function, name) if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
            if local is not None:
                return _Interval(name, "local") if local == 1 else None
            if function is not None and name in {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}:
                return None
            binding = ctx.facts.bindings.get(name)
            if binding is not None and binding.kind is BindingKind.CONSTANT and binding.detail == "1":
                return _Interval(name, "module")
            return None
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id in ("self", "cls") and ctx.class_ is not None:
            value = _class_constant(ctx.class_, name)
            if value == 1:
                return _Interval(f"{expr.value.id}.{name}", "class")
        return None

    def fix(self, fctx: FixContext) -> Fix | None:
        """Add the interval as a parameter (defaulting to the constant) and use it in the modulo."""
        node = fctx.node
        function = next((a for a in reversed(fctx.ancestors) if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
        if not isinstance(node, ast.BinOp) or function is None:
            return None
        right = node.right
        if isinstance(right, ast.Name):
            parameter, default = (right.id.lower() if right.id.isupper() else snake_case(right.id)), right.id
        elif isinstance(right, ast.Constant):
            parameter, default = "check_interval", "1"
        else:
            return None
        used = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)} | {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
        base, counter = parameter, 2
        while parameter in used:
            parameter, counter = f"{base}_{counter}", counter + 1
        function_cst, right_cst = fctx.cst_node(function), fctx.cst_node(right) if isinstance(right, ast.Name) else None
        binop_cst = fctx.cst_node(node)
        if function_cst is None or binop_cst is None:
            return None
        new_param = cst.Param(name=cst.Name(parameter), default=cst.parse_expression(default), equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))
        params = function_cst.params
        if params.star_arg is not cst.MaybeSentinel.DEFAULT or params.kwonly_params:
            params = params.with_changes(kwonly_params=[*params.kwonly_params, new_param])
        else:
            params = params.with_changes(params=[*params.params, new_param])
        replacements: dict[int, object] = {
            id(binop_cst.right if right_cst is None else right_cst): cst.Name(parameter),
            id(function_cst.params): params,
        }
        fctx.replace_scope(replace_nodes(fctx.cst_module, replacements).code)
        return fctx.build(f"Make {default if isinstance(right, ast.Name) else 'the interval'} a parameter of {function.name}()")


def _local_constant(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> object | None:
    """The constant a function assigns to a local `name` (None if it is not a plain constant)."""
    values = []
    for node in nodes_within(function.body):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            values.append(node.value.value if isinstance(node.value, ast.Constant) else object())
    return values[0] if len(values) == 1 else None


def _class_constant(cls: ast.ClassDef, name: str) -> object | None:
    for statement in cls.body:
        if isinstance(statement, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in statement.targets):
            return statement.value.value if isinstance(statement.value, ast.Constant) else None
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.target.id == name:
            return statement.value.value if isinstance(statement.value, ast.Constant) else None
    return None
