"""Small `ast` helpers about names: which names an expression reads, which a target binds."""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Iterator, Sequence

from review_ls.patterns.node_walk import SCOPE_NODES as SCOPE_NODES  # (defined with the walk; imported from here by the rules)
from review_ls.patterns.node_walk import walk_nodes


def names_read(node: ast.AST) -> set[str]:
    """Every bare name read anywhere inside `node`."""
    return {n.id for n in walk_nodes(node) if type(n) is ast.Name and type(n.ctx) is ast.Load}


def names_bound(target: ast.AST) -> set[str]:
    """Names bound by an assignment/loop target (`a`, `a, (b, c)`, `*rest`)."""
    return {n.id for n in walk_nodes(target) if type(n) is ast.Name}


def names_assigned_in(statements: Iterable[ast.stmt]) -> set[str]:
    """Names bound anywhere inside these statements (assignments, loop targets, with-as, walrus, imports)."""
    bound: set[str] = set()
    for statement in statements:
        for node in walk_nodes(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                bound.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, ast.alias):
                bound.add((node.asname or node.name).split(".", 1)[0])
    return bound


def loop_bound_names(loop: ast.AST) -> frozenset[str]:
    """Names that change from one iteration of `loop` to the next (its target, and what its body binds)."""
    return _loop_bound_names(loop)


@functools.lru_cache(maxsize=16)
def _loop_bound_names(loop: ast.AST) -> frozenset[str]:
    """`loop_bound_names`, found once per loop: the rules ask again for every call in the loop's body."""
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        return frozenset(names_bound(loop.target) | names_assigned_in(loop.body))
    if isinstance(loop, ast.While):
        return frozenset(names_assigned_in(loop.body))
    if isinstance(loop, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        bound: set[str] = set()
        for generator in loop.generators:
            bound |= names_bound(generator.target)
        return frozenset(bound)
    return frozenset()


@functools.lru_cache(maxsize=8192)  # (the model's query facts ask for the same receiver names again and again)
def snake_case(name: str) -> str:
    """`AsyncClient` -> 'async_client'."""
    out: list[str] = []
    for index, char in enumerate(name):
        if char.isupper() and index and (not name[index - 1].isupper() or (index + 1 < len(name) and name[index + 1].islower())):
            out.append("_")
        out.append(char.lower())
    return "".join(out)


def name_words(name: str) -> set[str]:
    """The lower-case words of an identifier: `addListener` / `add_listener` -> {'add', 'listener'}."""
    return {word for word in snake_case(name).split("_") if word}


def nodes_within(nodes: Sequence[ast.AST]) -> Iterator[ast.AST]:
    """Every node inside `nodes` in source order (pre-order), not entering nested functions or classes."""
    stack: list[ast.AST] = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, SCOPE_NODES):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))
