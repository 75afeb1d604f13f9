"""Instance attributes of a class: how each method assigns, grows, trims and iterates `self.<name>`.

One walk over a class's methods collects every use of `self.<name>`, so class-level rules can
decide once per class ("appended in subscribe(), never removed anywhere") instead of per node.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import field

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.facts import dotted_name

Method = ast.FunctionDef | ast.AsyncFunctionDef
_ITERATION_WRAPPERS = frozenset({"list", "tuple", "sorted", "set", "reversed", "enumerate"})
_VIEW_METHODS = frozenset({"values", "items", "keys", "copy"})


@dataclass(frozen=True)
class AttributeCall:
    """`self.<name>.<method>(...)` (or `self.<name>[key].<method>(...)` when `on_item`)."""

    method: Method
    call: ast.Call
    statement: ast.stmt
    name: str
    on_item: bool


@dataclass(frozen=True)
class AttributeAssignment:
    """`self.<name> = value` (value None for an annotation without a value)."""

    method: Method
    statement: ast.stmt
    value: ast.expr | None


@dataclass(frozen=True)
class AttributeLoop:
    """`for target in self.<name>` (also over `list(self.<name>)` or `self.<name>.values()`)."""

    method: Method
    loop: ast.For | ast.AsyncFor
    direct: bool


@dataclass
class AttributeUses:
    """Everything the methods of one class do with `self.<name>`."""

    name: str
    assignments: list[AttributeAssignment] = field(default_factory=list)
    augmented: list[AttributeAssignment] = field(default_factory=list)
    calls: list[AttributeCall] = field(default_factory=list)
    loops: list[AttributeLoop] = field(default_factory=list)
    deletions: int = 0
    slice_writes: int = 0
    slice_reads: int = 0

    def calls_named(self, names: frozenset[str], on_item: bool | None = None) -> list[AttributeCall]:
        """The calls of these methods on the attribute (on its items too unless `on_item` says)."""
        return [c for c in self.calls if c.name in names and (on_item is None or c.on_item == on_item)]


def class_methods(cls: ast.ClassDef) -> Iterator[Method]:
    """The methods defined directly in the class body (static methods excluded)."""
    for member in cls.body:
        if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and member.args.args:
            if not any(dotted_name(d) in ("staticmethod", "classmethod") for d in member.decorator_list):
                yield member


def instance_attribute_uses(cls: ast.ClassDef) -> dict[str, AttributeUses]:
    """Collect the uses of every `self.<name>` in the class's methods, keyed by name."""
    uses: dict[str, AttributeUses] = {}
    for method in class_methods(cls):
        _collect(method, method.args.args[0].arg, uses)
    return uses


def _collect(method: Method, self_name: str, uses: dict[str, AttributeUses]) -> None:
    stack: list[tuple[ast.AST, ast.AST | None, ast.stmt]] = [(s, None, s) for s in reversed(method.body)]
    parents: dict[int, ast.AST] = {}
    while stack:
        node, parent, statement = stack.pop()
        if isinstance(node, ast.ClassDef):
            continue
        if parent is not None:
            parents[id(node)] = parent
        if isinstance(node, (ast.For, ast.AsyncFor)):
            loop_name, direct = _iterated_attribute(node.iter, self_name)
            if loop_name is not None:
                uses.setdefault(loop_name, AttributeUses(loop_name)).loops.append(AttributeLoop(method, node, direct))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == self_name:
            _classify(node, method, statement, parents, uses.setdefault(node.attr, AttributeUses(node.attr)))
        for child in reversed(list(ast.iter_child_nodes(node))):
            stack.append((child, node, child if isinstance(child, ast.stmt) else statement))


def _iterated_attribute(iterable: ast.expr, self_name: str) -> tuple[str | None, bool]:
    """The attribute a `for` iterates (`self.x`, `list(self.x)`, `self.x.values()`) and whether directly."""
    direct = True
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id in _ITERATION_WRAPPERS and iterable.args:
        iterable, direct = iterable.args[0], False
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and iterable.func.attr in _VIEW_METHODS:
        iterable, direct = iterable.func.value, False
    if isinstance(iterable, ast.Attribute) and isinstance(iterable.value, ast.Name) and iterable.value.id == self_name:
        return iterable.attr, direct
    return None, direct


def _classify(node: ast.Attribute, method: Method, statement: ast.stmt, parents: dict[int, ast.AST], use: AttributeUses) -> None:
    parent = parents.get(id(node))
    if isinstance(parent, ast.Assign) and any(node is target for target in parent.targets):
        use.assignments.append(AttributeAssignment(method, parent, parent.value))
    elif isinstance(parent, ast.AnnAssign) and parent.target is node:
        use.assignments.append(AttributeAssignment(method, parent, parent.value))
    elif isinstance(parent, ast.AugAssign) and parent.target is node:
        use.augmented.append(AttributeAssignment(method, parent, parent.value))
    elif isinstance(parent, ast.Delete):
        use.deletions += 1
    elif isinstance(parent, ast.Attribute) and parent.value is node:
        call = parents.get(id(parent))
        if isinstance(call, ast.Call) and call.func is parent:
            use.calls.append(AttributeCall(method, call, statement, parent.attr, on_item=False))
    elif isinstance(parent, ast.Subscript) and parent.value is node:
        _classify_item(parent, method, statement, parents, use)


def _classify_item(item: ast.Subscript, method: Method, statement: ast.stmt, parents: dict[int, ast.AST], use: AttributeUses) -> None:
    is_slice = isinstance(item.slice, ast.Slice)
    if isinstance(item.ctx, ast.Del):
        use.deletions += 1
    elif isinstance(item.ctx, ast.Store) and is_slice:
        use.slice_writes += 1
    elif is_slice:
        use.slice_reads += 1
    parent = parents.get(id(item))
    if isinstance(parent, ast.Attribute) and parent.value is item:
        call = parents.get(id(parent))
        if isinstance(call, ast.Call) and call.func is parent:
            use.calls.append(AttributeCall(method, call, statement, parent.attr, on_item=True))
