"""Module-level names that only ever hold a builtin literal (`CONFIG = {...}`, `PRIORITIES = [{...}, {...}]`), and
plain functions that only return one (`def page(...): ...; return {"items": ..., "total": ...}`).

`module_literals(tree, text)` gives both, stored with the module's type facts (`ModuleTypeFacts.literal_values` and
`literal_returns`), as `LiteralKind` strings:
- 'dict', 'list', 'tuple', 'set' for a display or comprehension of that type; 'list[dict]', 'tuple[dict]', 'set[dict]'
  when it is a display whose elements are all dict displays (and there is at least one);
- 'str' (string or f-string), 'bytes', 'bool', 'int', 'float', 'complex', 'None' for a constant;
- 'mixed' when every binding (or return) is one of the above but they do not all agree (`X = None` here, `X = {}` there).

A name gets a value kind only when *every* binding of it in its module is such a value: an assignment
`NAME = <literal>` at module level (in `if`/`try`/`for`/`while`/`with`/`match` blocks too). Any other binding of the
name — another assignment, an annotated or augmented assignment, a `for`/`with`/`except`/`match`/import target, a `def`
or `class`, `del`, a walrus in the module's own scope (its statements, comprehensions, decorators, defaults), a `global`
declaration anywhere (a function or class body may then rebind it), a `type` alias — and a star import in the module (it
may bind any name) leave it out. Bindings in function, lambda and class bodies without `global` are names of their own.

A function gets a return kind when its name's one binding in the module is a plain `def` (not `async`, no decorators:
a decorator may return anything; no return annotation: jedi would answer with it), it is not a generator (no `yield` in it), it has a `return`, and each of its own
`return`s (not those of functions it defines) gives a literal, a bare `return` None; unless its body ends in a `return`
or `raise`, falling off the end adds None ('mixed').

What this proves, for the RV7 rules' jedi questions (`TypeResolver.type_of`, `worth_inferring`): jedi infers such a
name, imported or not, from its binding statements in its module, and a call of such a function from its `return`
statements; all are literal displays or constants, so its answer is a set of builtin instances (the dict, list, str, ...
of those statements), never a project class. An item of a non-empty display of dict displays is inferred from those
dicts (plus whatever `append`s jedi finds, which only makes its answer ambiguous). No RV7 rule reports on a builtin
instance or an ambiguous answer.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from typing import Final, NamedTuple

# The kind a binding that is not a literal gives its name (the name then has no fact).
_OPAQUE: Final = ""
# The kind of a plain module-level `def` (no decorators, no return annotation) while the bindings are collected.
_FUNCTION: Final = "def"
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
# The fields of a compound statement that hold its statement lists (handlers and match cases are walked on their own).
_STATEMENT_LISTS = ("body", "orelse", "finalbody")


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


class ModuleLiterals(NamedTuple):
    """What a module's names hold when only literals can be: its values, and what its functions return."""

    values: dict[str, str]  # module-level name -> its `LiteralKind`
    returns: dict[str, str]  # module-level function -> the `LiteralKind` of what a call of it returns


def module_literals(tree: ast.Module, text: str | None = None) -> ModuleLiterals:
    """The module-level names only ever bound to a literal display or constant, with the kind every binding agrees on
    ('mixed' when they differ); and the functions a call of which returns such a literal (`text`, the module's source,
    lets a module with no `global`, `:=` or `yield` skip walks)."""
    kinds: dict[str, str] = {}
    functions: dict[str, ast.FunctionDef] = {}
    for name, kind in _module_bindings(tree.body, functions):
        if name == "*":
            return ModuleLiterals({}, {})
        known = kinds.get(name)
        if known is None:
            kinds[name] = kind
        elif known == _FUNCTION or kind == _FUNCTION:
            kinds[name] = _OPAQUE  # a function also bound otherwise, or defined twice
        elif known != kind and known != _OPAQUE:
            kinds[name] = _OPAQUE if kind == _OPAQUE else _agreed(known, kind)
    literals = {name: kind for name, kind in kinds.items() if kind != _OPAQUE}
    if literals and (text is None or "global" in text):
        for name in _declared_global(tree.body):
            literals.pop(name, None)
    if literals and (text is None or ":=" in text):
        for name in _walrus_targets(tree):
            literals.pop(name, None)
    returns: dict[str, str] = {}
    for name in [name for name, kind in literals.items() if kind == _FUNCTION]:
        del literals[name]
        function = functions[name]
        returned = _returned_kind(function)
        if returned is None:
            continue
        if (text is None or "yield" in text) and any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in ast.walk(function)):
            continue  # a generator (or one that defines one: left out too)
        returns[name] = returned
    return ModuleLiterals(literals, returns)


def literal_of(pairs: tuple[tuple[str, str], ...], name: str) -> str | None:
    """The kind `name` has in (name, kind) pairs (`ModuleTypeFacts.literal_values` or `literal_returns`), else None."""
    for known, kind in pairs:
        if known == name:
            return kind
    return None


def _returned_kind(function: ast.FunctionDef) -> str | None:
    """The `LiteralKind` every `return` of the function agrees on ('None' for a bare one, and for the end of its body
    unless that is a `return` or `raise`), when it has one and each returns a literal; else None."""
    kind: str | None = None
    for statement in _own_statements(function.body):
        if not isinstance(statement, ast.Return):
            continue
        returned = literal_kind(statement.value) if statement.value is not None else "None"
        if returned is None:
            return None
        kind = returned if kind is None or kind == returned else _agreed(kind, returned)
    if kind is not None and not isinstance(function.body[-1], (ast.Return, ast.Raise)):
        kind = kind if kind == "None" else MIXED
    return kind


def _own_statements(body: Iterable[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a function body, those of its blocks included, but not those of the functions and classes it
    defines."""
    return _statements_within(body, into_definitions=False)


def _statements_within(body: Iterable[ast.stmt], into_definitions: bool) -> Iterator[ast.stmt]:
    """These statements and those of their blocks (and, `into_definitions`, of the functions and classes they define)."""
    for statement in body:
        yield statement
        if not into_definitions and isinstance(statement, _DEFINITIONS):
            continue
        for field in _STATEMENT_LISTS:
            inner = getattr(statement, field, None)
            if inner:
                yield from _statements_within(inner, into_definitions)
        for clause in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
            yield from _statements_within(clause.body, into_definitions)


def _agreed(a: str, b: str) -> str:
    """The kind two literal bindings agree on: the same container with or without item facts is that container."""
    container_a, container_b = a.removesuffix(ITEMS_ARE_DICTS), b.removesuffix(ITEMS_ARE_DICTS)
    return container_a if container_a == container_b else MIXED


def _module_bindings(body: Iterable[ast.stmt], functions: dict[str, ast.FunctionDef]) -> Iterator[tuple[str, str]]:
    """(name, kind) of every binding of the module's scope made by its statements ('*' for a star import; kind '' for a
    binding that is not a literal assignment, `_FUNCTION` for a plain `def` without decorators or return annotation, kept
    in `functions`).
    Expressions' walruses are left to `_walrus_targets`."""
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
        elif isinstance(statement, ast.FunctionDef) and not statement.decorator_list and statement.returns is None:
            functions[statement.name] = statement
            yield statement.name, _FUNCTION
        elif isinstance(statement, _DEFINITIONS):
            yield statement.name, _OPAQUE
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                yield (alias.asname or alias.name.split(".", 1)[0]), _OPAQUE
        elif isinstance(statement, ast.Delete):
            for target in statement.targets:
                yield from _target_names(target)
        elif isinstance(statement, _BLOCKS):
            yield from _block_bindings(statement, functions)
        elif type(statement).__name__ == "TypeAlias":  # `type X = ...` (3.12+)
            yield from _target_names(statement.name)  # type: ignore[attr-defined]


def _block_bindings(block: ast.stmt, functions: dict[str, ast.FunctionDef]) -> Iterator[tuple[str, str]]:
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
            yield from _module_bindings(case.body, functions)
    for handler in getattr(block, "handlers", ()):
        if handler.name:
            yield handler.name, _OPAQUE
        yield from _module_bindings(handler.body, functions)
    for field in _STATEMENT_LISTS:
        yield from _module_bindings(getattr(block, field, ()), functions)


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
    for statement in _statements_within(body, into_definitions=True):
        if isinstance(statement, ast.Global):
            yield from statement.names



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
