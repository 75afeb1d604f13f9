"""One `ast` walk per statement list, dispatching every node to the rules that subscribe to its type.

The walk is iterative (deeply nested expressions cannot exhaust the Python stack) and keeps the
context rules need: parents, enclosing functions and classes, the loops enclosing a node within
its function, and imports (module-level from `ModuleFacts`, plus those made inside functions).
"""

from __future__ import annotations

import ast
import enum
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from review_ls.engine.facts import ModuleFacts, dotted_name, import_bindings, resolve_through_imports
from review_ls.engine.model import Finding
from review_ls.engine.positions import LineIndex
from review_ls.engine.project_model import ProjectModel

if TYPE_CHECKING:
    from review_ls.engine.roles import Role
    from review_ls.engine.rule import Rule

# Says what a file is for, from its path, facts and line accessor (patterns/roles.py:file_role).
RoleClassifier = Callable[[str | None, ModuleFacts, Callable[[int], str]], "Role"]

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
LoopNode = ast.For | ast.AsyncFor | ast.While | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
Visitor = Callable[[Any, "Context"], Iterable[Finding] | None]

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)

# Stack markers (tuples, so a type check tells them from nodes).
_POP_PARENT = ("pop-parent",)
_POP_LOOP = ("pop-loop",)
_EXIT_FUNCTION = ("exit-function",)
_EXIT_CLASS = ("exit-class",)
_ENTER_LOOP = "enter-loop"
_ENTER_FUNCTION = "enter-function"
_ENTER_CLASS = "enter-class"


class Context:
    """What a rule knows about the node it is visiting. Valid only during the visit."""

    __slots__ = (
        "path",
        "lines",
        "facts",
        "project",
        "parents",
        "functions",
        "classes",
        "loops",
        "imports",
        "_saved_loops",
        "_saved_imports",
        "memo",
    )

    def __init__(self, path: str | None, lines: LineIndex, facts: ModuleFacts, project: ProjectModel | None = None) -> None:
        self.path = path
        self.lines = lines
        self.facts = facts
        self.project = project
        self.parents: list[ast.AST] = []
        self.functions: list[FunctionNode] = []
        self.classes: list[ast.ClassDef] = []
        self.loops: list[LoopNode] = []
        self.imports: dict[str, str] = dict(facts.imports)
        self._saved_loops: list[list[LoopNode]] = []
        self._saved_imports: list[dict[str, str]] = []
        # Per-walk scratch space: facts a rule derives once per analysis (e.g. the module's type
        # facts), under a key the rule chooses. Gone when the walk ends.
        self.memo: dict[object, Any] = {}

    # -- where are we -------------------------------------------------------------------------
    @property
    def parent(self) -> ast.AST | None:
        """The parent of the visited node."""
        return self.parents[-1] if self.parents else None

    @property
    def function(self) -> FunctionNode | None:
        """The innermost enclosing function (or lambda)."""
        return self.functions[-1] if self.functions else None

    @property
    def class_(self) -> ast.ClassDef | None:
        """The innermost enclosing class."""
        return self.classes[-1] if self.classes else None

    def is_class_member(self, function: ast.AST) -> bool:
        """True when `function` (being visited, or enclosing the visited node) sits directly in the body of the class being walked.

        Told by the walk's parents, so the class body is not read (reading it makes a member depend on the whole class).
        """
        parents = self.parents
        position = next((i for i in range(len(parents) - 1, -1, -1) if parents[i] is function), len(parents))
        return position > 0 and self.class_ is not None and parents[position - 1] is self.class_

    @property
    def in_async_function(self) -> bool:
        """True inside the body of an `async def` (not inside a nested sync def or lambda)."""
        return isinstance(self.function, ast.AsyncFunctionDef)

    @property
    def loop(self) -> LoopNode | None:
        """The innermost loop enclosing the node within its function, if any."""
        return self.loops[-1] if self.loops else None

    @property
    def top_statement(self) -> ast.stmt | None:
        """The top-level statement being walked."""
        return self.parents[1] if len(self.parents) > 1 else None  # type: ignore[return-value]

    def statement_line(self, node: ast.AST) -> int:
        """First line of the innermost statement containing `node` (where a suppression may stand)."""
        if isinstance(node, ast.stmt):
            return node.lineno
        for parent in reversed(self.parents):
            if isinstance(parent, ast.stmt):
                return parent.lineno
        return getattr(node, "lineno", 1)

    def in_main_guard(self) -> bool:
        """True inside `if __name__ == "__main__":` at module level."""
        from review_ls.engine.facts import is_main_guard

        top = self.top_statement
        return top is not None and is_main_guard(top)

    # -- names ----------------------------------------------------------------------------------
    def qualified_name(self, node: ast.AST) -> str | None:
        """Resolve a Name/Attribute chain through the imports: `AC` -> 'httpx.AsyncClient'.

        Returns None when the head of the chain is not an imported name.
        """
        return resolve_through_imports(node, self.imports)

    def call_name(self, call: ast.Call) -> str | None:
        """The qualified name of a call's callee if imported, else its dotted name as written."""
        return self.qualified_name(call.func) or dotted_name(call.func)


class Walker:
    """Dispatches nodes to rule visitors by node type."""

    def __init__(self, rules: Sequence[Rule], classify: RoleClassifier | None = None) -> None:
        self.rules = tuple(rules)
        self.classify = classify
        self.dispatch: dict[type[ast.AST], list[Visitor]] = _dispatch_table(self.rules)
        self._calls_by_name = _calls_by_name(self.rules)
        # Every call visitor's place in rule order (to merge two by-name lists, `_imported_call_visitors`).
        self._call_rank = {visitor: rank for rank, (node_type, visitor) in enumerate(v for rule in self.rules for v in rule.iter_visitors()) if node_type is ast.Call}
        self._skipped = _skipped_types(self.dispatch)
        self._steps: dict[type, _Step] = {}
        self._dispatch_by_role: dict[Role, _Tables] = {}

    def dispatch_for(self, ctx: Context) -> dict[type[ast.AST], list[Visitor]]:
        """The visitors of the rules that apply to the file of `ctx` (by its role; all rules without a classifier)."""
        return self._tables_for(ctx)[0]

    def _tables_for(self, ctx: Context) -> _Tables:
        """The visitors by node type of the rules that apply to the file of `ctx`, the call visitors by callee name
        of the calls that some rule's `call_names` holds (the visitors of other calls are the by-type table's),
        the types the walk never pushes (leaves no visitor subscribes to, and None), and the walk's steps by node
        type (`_Step`, filled as types are met)."""
        if self.classify is None:
            return self.dispatch, self._calls_by_name, self._skipped, self._steps
        role = self.classify(ctx.path, ctx.facts, ctx.lines.line_text)
        tables = self._dispatch_by_role.get(role)
        if tables is None:
            applying = tuple(rule for rule in self.rules if role in rule.applies_to)
            dispatch = _dispatch_table(applying)
            tables = self._dispatch_by_role[role] = (dispatch, _calls_by_name(applying), _skipped_types(dispatch), {})
        return tables

    def walk(self, statements: Iterable[ast.AST], ctx: Context, errors: list[str]) -> list[Finding]:
        """Visit every node under `statements` (children of the module in `ctx.parents`)."""
        findings: list[Finding] = []
        dispatch, calls_by_name, skipped, steps = self._tables_for(ctx)
        call_type = ast.Call
        parents = ctx.parents
        stack: list[Any] = list(statements)
        stack.reverse()
        pop = stack.pop
        push = stack.append
        node_base = ast.AST
        one, many = _Field.ONE, _Field.MANY
        generic, import_shape, pop_parent, pop_parent_node = _Shape.GENERIC, _Shape.IMPORT, _POP_PARENT, parents.pop
        while stack:
            node = pop()
            if node is pop_parent:  # (the commonest marker, first)
                pop_parent_node()
                continue
            node_type = type(node)
            if node_type is tuple:
                self._apply_marker(node, ctx)
                continue
            visitors, shape, fields = steps.get(node_type) or _step_of(node_type, dispatch, steps)
            if visitors is not None:
                if node_type is call_type and calls_by_name:
                    visitors = self._call_visitors(node, ctx, calls_by_name, visitors)
                if visitors:
                    _run_visitors(visitors, node, ctx, findings, errors)
            if shape is not generic:
                if shape is not import_shape:
                    parents.append(node)
                    push(pop_parent)
                    _push_scoped_children(shape, node, push)
                    continue
                if ctx.functions:
                    if ctx.imports is ctx._saved_imports[-1]:  # copy on write: the import is local to its function
                        ctx.imports = dict(ctx.imports)
                    ctx.imports.update(import_bindings(node))
            if not fields:
                continue  # a leaf (`Name`, `Constant`, ...)
            # Push the fields' children in reverse (they pop in source order), except those of a `skipped` type (a leaf
            # no rule visits, or None); a node that pushes no child is left at once, without entering `parents`.
            mark = len(stack)
            push(pop_parent)
            for name, field in fields:
                value = getattr(node, name, None)
                if field is one:
                    if type(value) not in skipped:
                        push(value)
                elif field is many:
                    if value:
                        for child in reversed(value):
                            if type(child) not in skipped:
                                push(child)
                elif type(value) is list:  # (a field ast's docstring does not describe: told by its value)
                    for child in reversed(value):
                        if isinstance(child, node_base) and type(child) not in skipped:
                            push(child)
                elif isinstance(value, node_base) and type(value) not in skipped:
                    push(value)
            if len(stack) == mark + 1:
                pop()
            else:
                parents.append(node)
        return findings

    def visit(self, node: ast.AST, ctx: Context, errors: list[str]) -> list[Finding]:
        """Run only the visitors of `node` itself, without descending (incremental re-analysis of a class)."""
        findings: list[Finding] = []
        dispatch, calls_by_name, _, _ = self._tables_for(ctx)
        visitors: Sequence[Visitor] = dispatch.get(type(node), ())
        if isinstance(node, ast.Call) and calls_by_name:
            visitors = self._call_visitors(node, ctx, calls_by_name, visitors)
        _run_visitors(visitors, node, ctx, findings, errors)
        return findings

    def _call_visitors(self, call: ast.Call, ctx: Context, calls_by_name: dict[str, list[Visitor]], default: Sequence[Visitor]) -> Sequence[Visitor]:
        """The visitors of `call`: those of its callee's name (`f` of `f(...)` and `obj.f(...)`) when some rule's
        `call_names` holds it, as written or as imported; else `default` (the visitors of every call)."""
        func = call.func
        func_type = type(func)
        if func_type is ast.Attribute:
            return calls_by_name.get(func.attr, default)  # type: ignore[attr-defined]
        if func_type is not ast.Name:
            return default  # (`f()()`, `x[0]()`)
        callee: str = func.id  # type: ignore[attr-defined]
        target = ctx.imports.get(callee)
        if target is None:
            return calls_by_name.get(callee, default)
        return self._imported_call_visitors(callee, target, calls_by_name, default)  # (`from os import getenv as env_get`)

    def _imported_call_visitors(self, callee: str, target: str, calls_by_name: dict[str, list[Visitor]], default: Sequence[Visitor]) -> Sequence[Visitor]:
        """The visitors of a call `callee(...)` where `callee` is imported as `target`: a call by some rule's `call_names`
        either as written or as imported (`getenv` of `os.getenv`), else `default` (the visitors of every call)."""
        written = calls_by_name.get(callee)
        imported_as = target.rpartition(".")[2]
        imported = calls_by_name.get(imported_as) if imported_as != callee else None
        if imported is None:
            return written if written is not None else default
        if written is None:
            return imported
        rank = self._call_rank
        return sorted({*written, *imported}, key=lambda visitor: rank[visitor])

    @staticmethod
    def _apply_marker(marker: tuple[Any, ...], ctx: Context) -> None:
        kind = marker[0]
        if marker is _POP_PARENT:
            ctx.parents.pop()
        elif kind == _ENTER_LOOP:
            ctx.loops.append(marker[1])
        elif marker is _POP_LOOP:
            ctx.loops.pop()
        elif kind == _ENTER_FUNCTION:
            ctx.functions.append(marker[1])
            ctx._saved_loops.append(ctx.loops)
            ctx.loops = []
            ctx._saved_imports.append(ctx.imports)
        elif marker is _EXIT_FUNCTION:
            ctx.functions.pop()
            ctx.loops = ctx._saved_loops.pop()
            ctx.imports = ctx._saved_imports.pop()
        elif kind == _ENTER_CLASS:
            ctx.classes.append(marker[1])
        elif marker is _EXIT_CLASS:
            ctx.classes.pop()


def _dispatch_table(rules: Sequence[Rule]) -> dict[type[ast.AST], list[Visitor]]:
    """The visitors of `rules` by the node type they subscribe to (a call visitor with `call_names` only in `_calls_by_name`)."""
    table: dict[type[ast.AST], list[Visitor]] = {}
    for rule in rules:
        for node_type, visitor in rule.iter_visitors():
            if node_type is not ast.Call or rule.call_names is None:
                table.setdefault(node_type, []).append(visitor)
            else:
                table.setdefault(node_type, [])  # (present, maybe empty: the walk then looks the call's name up)
    return table


def _calls_by_name(rules: Sequence[Rule]) -> dict[str, list[Visitor]]:
    """For each callee name that some rule's `call_names` holds: the call visitors of `rules` that see such a call, in rule order.

    A call by any other name goes to the visitors of the rules without `call_names` only, so most calls skip the
    rules that look for one function (`print`, `setattr`, `.error`) without running them.
    """
    visitors = [(rule.call_names, visitor) for rule in rules for node_type, visitor in rule.iter_visitors() if node_type is ast.Call]
    names = {name for gate, _ in visitors if gate is not None for name in gate}
    return {name: [visitor for gate, visitor in visitors if gate is None or name in gate] for name in names}


def _run_visitors(visitors: Iterable[Visitor], node: ast.AST, ctx: Context, findings: list[Finding], errors: list[str]) -> None:
    """Run each visitor on `node`, collecting findings; a rule that raises only costs its own findings."""
    for visitor in visitors:
        try:
            produced = visitor(node, ctx)
            if produced:
                findings.extend(produced)
        except Exception as exc:
            errors.append(f"{getattr(visitor, '__qualname__', visitor)} at line {getattr(node, 'lineno', '?')}: {exc!r}")


class _Shape(enum.Enum):
    """How the walk descends into a node type: plain fields, or with context markers around a scope or loop."""

    GENERIC = "generic"
    IMPORT = "import"
    FOR = "for"
    WHILE = "while"
    FUNCTION = "function"
    LAMBDA = "lambda"
    CLASS = "class"
    COMPREHENSION = "comprehension"


_SHAPES: dict[type[ast.AST], _Shape] = {
    ast.Import: _Shape.IMPORT,
    ast.ImportFrom: _Shape.IMPORT,
    ast.For: _Shape.FOR,
    ast.AsyncFor: _Shape.FOR,
    ast.While: _Shape.WHILE,
    ast.FunctionDef: _Shape.FUNCTION,
    ast.AsyncFunctionDef: _Shape.FUNCTION,
    ast.Lambda: _Shape.LAMBDA,
    ast.ClassDef: _Shape.CLASS,
    **{comprehension: _Shape.COMPREHENSION for comprehension in _COMPREHENSIONS},
}

class _Field(enum.Enum):
    """What a field of a node type holds, by ast's description of the type (its docstring): one node (or None), a list
    of nodes (`expr*`), or, for a field the description does not give, whatever its value shows."""

    ONE = "one"
    MANY = "many"
    UNKNOWN = "unknown"


# Per node type: its shape and its child fields (name, what it holds) in reverse order (a cache filled on first sight of a type).
_PLANS: dict[type, tuple[_Shape, tuple[tuple[str, _Field], ...]]] = {}

# Fields that never hold a child the walk visits: expression contexts, operators of `BinOp`/`BoolOp`/`UnaryOp`/`AugAssign`
# and type comments.
_NOT_CHILDREN = frozenset({"ctx", "op", "type_comment"})

# ast's kinds of fields that hold no node (names, identifiers, constants' values, flags): the most common nodes (`Name`,
# `Constant`) are then leaves.
_SCALAR_KINDS = frozenset({"identifier", "string", "constant", "int", "object"})

# One field in ast's description of a node type: `expr func`, `expr* args`, `expr? returns`.
_FIELD_DESCRIPTION = re.compile(r"(\w+)([*?]?) (\w+)")


def _plan_of(node_type: type) -> tuple[_Shape, tuple[tuple[str, _Field], ...]]:
    """The shape of `node_type` and its fields that may hold child nodes, last field first."""
    plan = _PLANS[node_type] = (_SHAPES.get(node_type, _Shape.GENERIC), tuple(reversed(_child_fields(node_type))))
    return plan


# What the walk does at a node of one type, for one dispatch table: the visitors of the type (None if no rule subscribes),
# its shape and its child fields, last first (`_plan_of`). One dictionary look-up per node instead of two.
_Step = tuple[Sequence["Visitor"] | None, _Shape, tuple[tuple[str, _Field], ...]]
# A walker's tables for the rules that apply to a file (`Walker._tables_for`).
_Tables = tuple[dict[type[ast.AST], list["Visitor"]], dict[str, list["Visitor"]], frozenset[type], dict[type, _Step]]


def _step_of(node_type: type, dispatch: dict[type[ast.AST], list[Visitor]], steps: dict[type, _Step]) -> _Step:
    """The walk's step at a node of `node_type` under `dispatch`, kept in `steps` (one entry per node type met)."""
    shape, fields = _PLANS.get(node_type) or _plan_of(node_type)
    step = steps[node_type] = (dispatch.get(node_type), shape, fields)
    return step


def _child_fields(node_type: type) -> list[tuple[str, _Field]]:
    """The fields of `node_type` that may hold child nodes, in order, with what each holds (from ast's docstring of the type,
    `Call(expr func, expr* args, keyword* keywords)`)."""
    description = (node_type.__doc__ or "").partition("(")[2]
    kinds = {name: (kind, mark) for kind, mark, name in _FIELD_DESCRIPTION.findall(description)}
    fields: list[tuple[str, _Field]] = []
    for name in getattr(node_type, "_fields", ()):
        if name in _NOT_CHILDREN:
            continue
        described = kinds.get(name)
        if described is None:
            fields.append((name, _Field.UNKNOWN))
        elif described[0] not in _SCALAR_KINDS:
            fields.append((name, _Field.MANY if described[1] == "*" else _Field.ONE))
    return fields


def _skipped_types(dispatch: dict[type[ast.AST], list[Visitor]]) -> frozenset[type]:
    """The types the walk need not push: None (an absent optional child) and the node types without children, shape or
    visitor in `dispatch` (`Name`, `Constant`, `alias`, comparison operators, ... when no rule subscribes to them)."""
    leaves = (
        node_type
        for node_type in _AST_TYPES
        if node_type not in dispatch and node_type not in _SHAPES and not (_PLANS.get(node_type) or _plan_of(node_type))[1]
    )
    return frozenset({type(None), *leaves})


_AST_TYPES = tuple(value for value in vars(ast).values() if isinstance(value, type) and issubclass(value, ast.AST))


def _push_scoped_children(shape: _Shape, node: Any, push: Callable[[Any], None]) -> None:
    """Push the children of a loop, function, lambda, class or comprehension so they pop in source order, with context markers around the scoped part."""
    if shape is _Shape.FOR:
        _push_all(node.orelse, push)
        push(_POP_LOOP)
        _push_all(node.body, push)
        push((_ENTER_LOOP, node))
        push(node.iter)
        push(node.target)
    elif shape is _Shape.WHILE:
        _push_all(node.orelse, push)
        push(_POP_LOOP)
        _push_all(node.body, push)
        push(node.test)
        push((_ENTER_LOOP, node))
    elif shape is _Shape.FUNCTION:
        push(_EXIT_FUNCTION)
        _push_all(node.body, push)
        push((_ENTER_FUNCTION, node))
        if node.returns:
            push(node.returns)
        push(node.args)
        _push_all(node.decorator_list, push)
    elif shape is _Shape.LAMBDA:
        push(_EXIT_FUNCTION)
        push(node.body)
        push((_ENTER_FUNCTION, node))
        push(node.args)
    elif shape is _Shape.CLASS:
        push(_EXIT_CLASS)
        _push_all(node.body, push)
        push((_ENTER_CLASS, node))
        _push_all([*node.decorator_list, *node.bases, *node.keywords], push)
    else:
        # The first generator's iterable is evaluated once, outside the loop; its target and
        # conditions (and every later generator) run per item. (The first `comprehension` node
        # itself is not dispatched; rules look at the comprehension expression instead.)
        push(_POP_LOOP)
        if isinstance(node, ast.DictComp):
            push(node.value)
            push(node.key)
        else:
            push(node.elt)
        first, *rest = node.generators
        _push_all(rest, push)
        _push_all(first.ifs, push)
        push(first.target)
        push((_ENTER_LOOP, node))
        push(first.iter)


def _push_all(nodes: Sequence[ast.AST], push: Callable[[Any], None]) -> None:
    for child in reversed(nodes):
        push(child)
