"""Module-level names that only ever hold a builtin literal: `CONFIG = {...}`, `PRIORITIES = [{...}, {...}]`, `NAME = "x"`.

`literal_values(tree, text)` maps each such name to the kind of value it holds (`LiteralKind` strings, stored with the
module's type facts, `ModuleTypeFacts.literal_values`):
- 'dict', 'list', 'tuple', 'set' for a display or comprehension of that type; 'list[dict]', 'tuple[dict]', 'set[dict]'
  when it is a display whose elements are all dict displays (and there is at least one);
- 'str' (string or f-string), 'bytes', 'bool', 'int', 'float', 'complex', 'None' for a constant;
- 'mixed' when every binding is one of the above but they do not all agree (`X = None` here, `X = {}` there).

A name gets a kind only when *every* binding of it in its module is such a value: an assignment `NAME = <literal>` at
module level (in `if`/`try`/`for`/`while`/`with`/`match` blocks too). Any other binding of the name — another
assignment, an annotated or augmented assignment, a `for`/`with`/`except`/`match`/import target, a `def` or `class`,
`del`, a walrus in the module's own scope (its statements, comprehensions, decorators, defaults), a `global`
declaration anywhere (a function or class body may then rebind it), a `type` alias — and a star import in the module (it
may bind any name) leave it out. Bindings in function, lambda and class bodies without `global` are names of their own.

What this proves, for the RV7 rules' jedi questions (`TypeResolver.type_of`, `worth_inferring`): jedi infers such a
name, imported or not, from its binding statements in its module, which are all literal displays or constants; so its
answer is a set of builtin instances (the dict, list, str, ... of those statements), never a project class, and an item
of a non-empty display of dict displays is inferred from those dicts (plus whatever `append`s jedi finds, which only makes
its answer ambiguous). No RV7 rule reports on a builtin instance or an ambiguous answer.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from typing import Final

# The kind a binding that is not a literal gives its name (the name then has no fact).
_OPAQUE: Final = ""
MIXED: Final = "mixed"
# 'list[dict]' and the like: a display whose items are all dict displays.
ITEMS_ARE_DICTS: Final = "[dict]"

_DISPLAYS: dict[type, str] = {
    ast.Dict: "dict",
    ast.DictComp: "dict",
    ast.List: "list",
    ast.ListComp: "list",
    ast.Tuple: "tuple",
    ast.Set: "set",
    ast.SetComp: "set",
    ast.JoinedStr: "str",
}
_CONSTANTS: dict[type, str] = {str: "str", bytes: "bytes", bool: "bool", int: "int", float: "float", complex: "complex", type(None): "None"}
# Statements whose bodies run in the module's own scope (their bindings are module-level names).
_BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def literal_kind(value: ast.expr) -> str | None:
    """The `LiteralKind` of a display or constant expression ('list[dict]' for a list display of dict displays), else None."""
    kind = _DISPLAYS.get(type(value))
    if kind is not None:
        if isinstance(value, (ast.List, ast.Tuple, ast.Set)) and value.elts and all(type(e) is ast.Dict for e in value.elts):
            return kind + ITEMS_ARE_DICTS
        return kind
    if type(value) is ast.Constant:
        return _CONSTANTS.get(type(value.value))
    return None


def literal_values(tree: ast.Module, text: str | None = None) -> dict[str, str]:
    """Module-level name -> the `LiteralKind` every binding of it in the module agrees on ('mixed' when they differ), for
    the names only ever bound to a literal display or constant (`text`, the module's source, lets a module with no
    `global` and no `:=` skip the walk over every node)."""
    kinds: dict[str, str] = {}
    for name, kind in _module_bindings(tree.body):
        if name == "*":
            return {}
        known = kinds.get(name)
        if known is None:
            kinds[name] = kind
        elif known != kind and known != _OPAQUE:
            kinds[name] = _OPAQUE if kind == _OPAQUE else _agreed(known, kind)
    literals = {name: kind for name, kind in kinds.items() if kind != _OPAQUE}
    if literals and (text is None or "global" in text):
        for name in _declared_global(tree.body):
            literals.pop(name, None)
    if literals and (text is None or ":=" in text):
        for name in _walrus_targets(tree):
            literals.pop(name, None)
    return literals


def _agreed(a: str, b: str) -> str:
    """The kind two literal bindings agree on: the same container with or without item facts is that container."""
    container_a, container_b = a.removesuffix(ITEMS_ARE_DICTS), b.removesuffix(ITEMS_ARE_DICTS)
    return container_a if container_a == container_b else MIXED


def _module_bindings(body: Iterable[ast.stmt]) -> Iterator[tuple[str, str]]:
    """(name, kind) of every binding of the module's scope made by its statements ('*' for a star import; kind '' for a
    binding that is not a literal assignment). Expressions' walruses are left to `_rebound_anywhere`."""
    for statement in body:
        if isinstance(statement, ast.Assign):
            kind = literal_kind(statement.value)
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    yield target.id, kind if kind is not None else _OPAQUE
                else:
                    yield from _target_names(target)
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
            yield from _target_names(statement.target)
        elif isinstance(statement, _DEFINITIONS):
            yield statement.name, _OPAQUE
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                yield (alias.asname or alias.name.split(".", 1)[0]), _OPAQUE
        elif isinstance(statement, ast.Delete):
            for target in statement.targets:
                yield from _target_names(target)
        elif isinstance(statement, _BLOCKS):
            yield from _block_bindings(statement)
        elif type(statement).__name__ == "TypeAlias":  # `type X = ...` (3.12+)
            yield from _target_names(statement.name)  # type: ignore[attr-defined]


def _block_bindings(block: ast.stmt) -> Iterator[tuple[str, str]]:
    """The bindings of a compound statement at module level: its targets, then its bodies'."""
    if isinstance(block, (ast.For, ast.AsyncFor)):
        yield from _target_names(block.target)
    elif isinstance(block, (ast.With, ast.AsyncWith)):
        for item in block.items:
            if item.optional_vars is not None:
                yield from _target_names(item.optional_vars)
    elif isinstance(block, ast.Match):
        for case in block.cases:
            for node in ast.walk(case.pattern):
                name = getattr(node, "name", None) or getattr(node, "rest", None)
                if name:
                    yield name, _OPAQUE
            yield from _module_bindings(case.body)
    for handler in getattr(block, "handlers", ()):
        if handler.name:
            yield handler.name, _OPAQUE
        yield from _module_bindings(handler.body)
    for field in ("body", "orelse", "finalbody"):
        yield from _module_bindings(getattr(block, field, ()))


def _target_names(target: ast.expr) -> Iterator[tuple[str, str]]:
    """The names an assignment target binds (not those read by `a.b = ...` or `a[i] = ...`), as opaque bindings."""
    if isinstance(target, ast.Name):
        yield target.id, _OPAQUE
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _declared_global(body: Iterable[ast.stmt]) -> Iterator[str]:
    """Names a `global` statement declares anywhere in these statements (in functions and classes too: `global` is a
    statement, so only statement lists are walked)."""
    for statement in body:
        if isinstance(statement, ast.Global):
            yield from statement.names
            continue
        for field in _STATEMENT_LISTS:
            inner = getattr(statement, field, None)
            if inner:
                yield from _declared_global(inner)
        for clause in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
            yield from _declared_global(clause.body)


_STATEMENT_LISTS = ("body", "orelse", "finalbody")


def _walrus_targets(tree: ast.Module) -> Iterator[str]:
    """Names a walrus binds in the module's own scope: outside function, lambda and class bodies (a walrus there binds a
    local, or a class attribute; one that a `global` makes the module's name is found by `_declared_global`), but in
    what the module evaluates of a definition (decorators, defaults, bases, annotations) and in its comprehensions."""
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            yield node.target.id
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            pending.extend((*node.decorator_list, node.args, *((node.returns,) if node.returns is not None else ())))
        elif isinstance(node, ast.ClassDef):
            pending.extend((*node.decorator_list, *node.bases, *node.keywords))
        elif isinstance(node, ast.Lambda):
            pending.append(node.args)
        else:
            pending.extend(ast.iter_child_nodes(node))
