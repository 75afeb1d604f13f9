"""One `ast` walk per statement list, dispatching every node to the rules that subscribe to its type.

The walk is iterative (deeply nested expressions cannot exhaust the Python stack) and keeps the
context rules need: parents, enclosing functions and classes, the loops enclosing a node within
its function, and imports (module-level from `ModuleFacts`, plus those made inside functions).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from review_ls.engine.facts import ModuleFacts, dotted_name, import_bindings, resolve_through_imports
from review_ls.engine.model import Finding
from review_ls.engine.positions import LineIndex
from review_ls.engine.project_model import ProjectModel

if TYPE_CHECKING:
    from review_ls.engine.rule import Rule

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

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        self.dispatch: dict[type[ast.AST], list[Visitor]] = {}
        for rule in self.rules:
            for node_type, visitor in rule.iter_visitors():
                self.dispatch.setdefault(node_type, []).append(visitor)

    def walk(self, statements: Iterable[ast.AST], ctx: Context, errors: list[str]) -> list[Finding]:
        """Visit every node under `statements` (children of the module in `ctx.parents`)."""
        findings: list[Finding] = []
        dispatch = self.dispatch
        parents = ctx.parents
        stack: list[Any] = list(reversed(list(statements)))
        pop = stack.pop
        push = stack.append
        while stack:
            item = pop()
            if type(item) is tuple:
                self._apply_marker(item, ctx)
                continue
            node = item
            visitors = dispatch.get(type(node))
            if visitors:
                _run_visitors(visitors, node, ctx, findings, errors)
            if isinstance(node, (ast.Import, ast.ImportFrom)) and ctx.functions:
                if ctx.imports is ctx._saved_imports[-1]:  # copy on write: the import is local to its function
                    ctx.imports = dict(ctx.imports)
                ctx.imports.update(import_bindings(node))
            children = _children(node)
            if not children:
                continue
            parents.append(node)
            push(_POP_PARENT)
            _push_children(node, children, push)
        return findings

    def visit(self, node: ast.AST, ctx: Context, errors: list[str]) -> list[Finding]:
        """Run only the visitors of `node` itself, without descending (incremental re-analysis of a class)."""
        findings: list[Finding] = []
        _run_visitors(self.dispatch.get(type(node), ()), node, ctx, findings, errors)
        return findings

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


def _run_visitors(visitors: Iterable[Visitor], node: ast.AST, ctx: Context, findings: list[Finding], errors: list[str]) -> None:
    """Run each visitor on `node`, collecting findings; a rule that raises only costs its own findings."""
    for visitor in visitors:
        try:
            produced = visitor(node, ctx)
            if produced:
                findings.extend(produced)
        except Exception as exc:
            errors.append(f"{getattr(visitor, '__qualname__', visitor)} at line {getattr(node, 'lineno', '?')}: {exc!r}")


_LEAF_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields_of(node_type: type[ast.AST]) -> tuple[str, ...]:
    fields = _LEAF_FIELDS.get(node_type)
    if fields is None:
        fields = tuple(f for f in node_type._fields if f not in ("ctx", "op", "type_comment"))
        _LEAF_FIELDS[node_type] = fields
    return fields


def _children(node: ast.AST) -> list[ast.AST]:
    children: list[ast.AST] = []
    for name in _fields_of(type(node)):
        value = getattr(node, name, None)
        if value is None:
            continue
        if type(value) is list:
            for item in value:
                if isinstance(item, ast.AST):
                    children.append(item)
        elif isinstance(value, ast.AST):
            children.append(value)
    return children


def _push_children(node: ast.AST, children: list[ast.AST], push: Callable[[Any], None]) -> None:
    """Push children so they pop in source order, with context markers around scoped fields."""
    if isinstance(node, (ast.For, ast.AsyncFor)):
        _push_all(node.orelse, push)
        push(_POP_LOOP)
        _push_all(node.body, push)
        push((_ENTER_LOOP, node))
        push(node.iter)
        push(node.target)
    elif isinstance(node, ast.While):
        _push_all(node.orelse, push)
        push(_POP_LOOP)
        _push_all(node.body, push)
        push(node.test)
        push((_ENTER_LOOP, node))
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        push(_EXIT_FUNCTION)
        if isinstance(node, ast.Lambda):
            push(node.body)
        else:
            _push_all(node.body, push)
        push((_ENTER_FUNCTION, node))
        outside: list[ast.AST] = [node.args]
        if not isinstance(node, ast.Lambda):
            outside = [*node.decorator_list, node.args, *([node.returns] if node.returns else [])]
        _push_all(outside, push)
    elif isinstance(node, ast.ClassDef):
        push(_EXIT_CLASS)
        _push_all(node.body, push)
        push((_ENTER_CLASS, node))
        _push_all([*node.decorator_list, *node.bases, *node.keywords], push)
    elif isinstance(node, _COMPREHENSIONS):
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
        _push_all([*first.ifs], push)
        push(first.target)
        push((_ENTER_LOOP, node))
        push(first.iter)
    else:
        _push_all(children, push)


def _push_all(nodes: Sequence[ast.AST], push: Callable[[Any], None]) -> None:
    for child in reversed(nodes):
        push(child)
