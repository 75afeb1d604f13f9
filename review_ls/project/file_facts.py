"""What one file contributes to the project index, extracted with the standard library's `ast` only.

A file's facts are plain frozen values (hashable, picklable, comparable): its classes with their
bases and fields, the module-level instances and factory functions that may be settings objects,
the route handlers it registers by call (`app.add_api_route(...)`, `Route(path, endpoint)`,
`app.router.add_get(...)`, Django `path(...)`), whether it sets module-level names from the
environment (a config module), which heavy packages it imports unconditionally, and the imports that run
when it is imported (for the import graph, `import_graph.py`). Which class
is a settings class or a model is decided by the index, which can follow bases across files.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.facts import dotted_name, qualify_dotted
from review_ls.engine.model import Span
from review_ls.engine.positions import LineIndex, split_lines
from review_ls.patterns.imports import unconditional_heavy_imports
from review_ls.patterns.node_walk import walk_nodes
from review_ls.project.import_graph import ImportFact, import_facts
from review_ls.project.import_statements import ImportBindings, bindings_of, module_level_statements

if TYPE_CHECKING:
    from review_ls.project.function_memo import FunctionMemo

# Calls that register a route handler: method name -> which keyword names the handler.
_REGISTRATION_METHODS = frozenset(
    {
        "add_api_route",
        "add_api_websocket_route",
        "add_route",
        "add_websocket_route",
        "add_url_rule",
        "add_get",
        "add_post",
        "add_put",
        "add_patch",
        "add_delete",
        "add_head",
        "add_options",
        "add_view",
    }
)
# Route objects: Starlette `Route`/`WebSocketRoute`, Django `path`/`re_path`, aiohttp `web.get(...)` etc.
_ROUTE_CONSTRUCTORS = frozenset({"Route", "WebSocketRoute", "path", "re_path"})
_AIOHTTP_ROUTE_FUNCTIONS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "route", "view"})
_HANDLER_KEYWORDS = ("endpoint", "view_func", "handler", "view")
# Substrings without which a file registers no route by call (checked before walking the tree).
# (every one starts with `add_`: a file without `add_` is not searched for each)
_REGISTRATION_MARKERS = ("add_api_route", "add_api_websocket_route", "add_route", "add_websocket_route", "add_url_rule",
                         "add_get", "add_post", "add_put", "add_patch", "add_delete", "add_view")
# (one scan of the text for all of them: `any(marker in source ...)` scanned it once per marker)
_REGISTRATION_MARKER = re.compile("|".join(map(re.escape, _REGISTRATION_MARKERS)))
_ROUTE_CONSTRUCTOR_MARKER = "Route("
_FRAMEWORK_REGISTRATION_MARKERS = (("django", ("path(",)), ("aiohttp", ("web.get(", "web.post(", "web.put(", "web.patch(", "web.delete(", "web.route(", "web.view(")))
_ENVIRONMENT_MARKERS = ("getenv", "environ")
_ORM_COLUMN_CALLS = frozenset({"Column", "mapped_column", "column_property", "ForeignKey", "relationship"})
_FIELD_ALIAS_KEYWORDS = ("alias", "validation_alias", "env")


@dataclass(frozen=True, slots=True)
class FieldFact:
    """A class-level field: name, annotation and default as normalised source text ('' when absent)."""

    name: str
    annotation: str
    default: str
    line: int
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ClassFact:
    """A class defined at module level (also inside module-level `if`/`try` blocks)."""

    name: str
    span: Span
    bases: tuple[str, ...]
    decorators: tuple[str, ...]
    keywords: tuple[tuple[str, str], ...]
    fields: tuple[FieldFact, ...]
    only_fields: bool
    env_prefix: str = ""
    case_sensitive: bool = False
    has_tablename: bool = False

    @property
    def line(self) -> int:
        """The line of the class name."""
        return self.span.line

    @property
    def field_names(self) -> frozenset[str]:
        """The names of the fields."""
        return frozenset(f.name for f in self.fields)

    @property
    def shape(self) -> tuple[tuple[str, str], ...]:
        """The fields as sorted (name, annotation) pairs: what makes two models the same model."""
        return tuple(sorted((f.name, f.annotation) for f in self.fields))

    @property
    def position_free(self) -> tuple[object, ...]:
        """Everything but line numbers: what other files' findings can depend on."""
        fields = tuple((f.name, f.annotation, f.default, f.aliases) for f in self.fields)
        return (self.name, self.bases, self.decorators, self.keywords, fields, self.only_fields, self.env_prefix, self.case_sensitive, self.has_tablename)

    @property
    def exact_shape(self) -> tuple[object, ...]:
        """Bases, keywords and every field with its default: equal only for exact copies."""
        return (self.bases, self.keywords, tuple(sorted((f.name, f.annotation, f.default, f.aliases) for f in self.fields)))


@dataclass(frozen=True, slots=True)
class RouteRef:
    """A function registered as a route handler: its name and the module it comes from ('' = this file)."""

    name: str
    module: str = ""


@dataclass(frozen=True, slots=True)
class FileFacts:
    """Everything the index knows about one file."""

    classes: tuple[ClassFact, ...] = ()
    instances: tuple[tuple[str, str], ...] = ()
    factories: tuple[tuple[str, str], ...] = ()
    routes: tuple[RouteRef, ...] = ()
    configures_from_environment: bool = False
    heavy_imports: frozenset[str] = frozenset()
    imports: tuple[ImportFact, ...] = ()

    @property
    def position_free(self) -> tuple[object, ...]:
        """The facts without line numbers (an edit that only moves code keeps this equal)."""
        return (
            tuple(c.position_free for c in self.classes),
            self.instances,
            self.factories,
            self.routes,
            self.configures_from_environment,
            self.heavy_imports,
            self.imports,
        )

    @property
    def is_empty(self) -> bool:
        """True when the file contributes nothing to the index."""
        return not (
            self.classes or self.instances or self.factories or self.routes or self.configures_from_environment or self.heavy_imports or self.imports
        )


def facts_of_module(module: ast.Module, source: str, memo: FunctionMemo | None = None, bindings: ImportBindings | None = None) -> FileFacts:
    """The facts of an already parsed module (`memo`: the routes each unchanged function registers, from the
    last extraction; its context must be this extraction's, so the call facts are extracted first; `bindings`:
    its import statements' bindings, when the caller read them already)."""
    imports = module_imports(module, bindings)
    lines: LineIndex | None = None  # (only classes read lines)
    classes: list[ClassFact] = []
    instances: list[tuple[str, str]] = []
    factories: list[tuple[str, str]] = []
    for statement in module_level_statements(module.body):
        if isinstance(statement, ast.ClassDef):
            lines = lines or LineIndex(split_lines(source))
            classes.append(_class_fact(statement, imports, lines))
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            instance = _instance_binding(statement, imports)
            if instance is not None:
                instances.append(instance)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            factory = _factory_binding(statement, imports)
            if factory is not None:
                factories.append(factory)
    routes = tuple(_registered_routes(module, imports, memo)) if _may_register_routes(source) else ()
    return FileFacts(
        classes=tuple(classes),
        instances=tuple(instances),
        factories=tuple(factories),
        routes=routes,
        configures_from_environment=any(m in source for m in _ENVIRONMENT_MARKERS) and _configures_from_environment(module, imports),
        heavy_imports=unconditional_heavy_imports(module.body),
        imports=import_facts(module.body),
    )


def module_imports(module: ast.Module, bindings: ImportBindings | None = None) -> dict[str, str]:
    """Local name -> qualified name of every module-level import (also inside `if`/`try` blocks; `bindings`: the
    import statements' bindings when the caller read them already)."""
    imports: dict[str, str] = {}
    for statement in module_level_statements(module.body):
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            imports.update(bindings_of(statement, bindings))
    return imports


def _may_register_routes(source: str) -> bool:
    if "add_" in source and _REGISTRATION_MARKER.search(source):
        return True
    if _ROUTE_CONSTRUCTOR_MARKER in source:
        return True
    return any(framework in source and any(m in source for m in markers) for framework, markers in _FRAMEWORK_REGISTRATION_MARKERS)


def qualify(node: ast.AST, imports: dict[str, str]) -> str:
    """A Name/Attribute chain resolved through the imports ('' when it is no such chain)."""
    dotted = dotted_name(node)
    return "" if dotted is None else qualify_dotted(dotted, imports) or dotted


def normalised_source(node: ast.AST, lines: LineIndex) -> str:
    """The source text of `node` with all whitespace removed (a cheap comparison key)."""
    line: int = node.lineno  # type: ignore[attr-defined]
    end_line: int = node.end_lineno or line  # type: ignore[attr-defined]
    if line == end_line:
        text = lines.line_text(line)
        start = lines.column(line, node.col_offset)  # type: ignore[attr-defined]
        end = lines.column(line, node.end_col_offset)  # type: ignore[attr-defined]
        text = text[start:end]
    else:
        text = ast.unparse(node)
    return "".join(text.split())


def class_name_span(node: ast.ClassDef, lines: LineIndex) -> Span:
    """The span of the class's name in `class Name(...)`."""
    text = lines.line_text(node.lineno)
    start = lines.column(node.lineno, node.col_offset)
    column = text.find(node.name, start + len("class"))
    if column < 0:
        column = start
    return Span(node.lineno, column, node.lineno, column + len(node.name))


def _class_fact(node: ast.ClassDef, imports: dict[str, str], lines: LineIndex) -> ClassFact:
    bases = tuple(qualify(base, imports) or ast.unparse(base) for base in node.bases)
    decorators = tuple(qualify(d.func if isinstance(d, ast.Call) else d, imports) for d in node.decorator_list)
    keywords = tuple((k.arg or "**", normalised_source(k.value, lines)) for k in node.keywords)
    fields: list[FieldFact] = []
    only_fields = True
    env_prefix, case_sensitive, has_tablename = "", False, False
    if bases or decorators:
        for index, statement in enumerate(node.body):
            field = _field_fact(statement, imports, lines)
            if field is not None:
                fields.append(field)
                continue
            target = _assigned_name(statement)
            if target == "model_config" or (isinstance(statement, ast.ClassDef) and statement.name == "Config"):
                env_prefix, case_sensitive = _settings_config(statement)
                continue
            if target == "__tablename__":
                has_tablename = True
                continue
            is_docstring = index == 0 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            if not (is_docstring or isinstance(statement, ast.Pass)):
                only_fields = False
    return ClassFact(
        name=node.name,
        span=class_name_span(node, lines),
        bases=bases,
        decorators=decorators,
        keywords=keywords,
        fields=tuple(fields),
        only_fields=only_fields,
        env_prefix=env_prefix,
        case_sensitive=case_sensitive,
        has_tablename=has_tablename,
    )


def _assigned_name(statement: ast.stmt) -> str | None:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id
    return None


def _field_fact(statement: ast.stmt, imports: dict[str, str], lines: LineIndex) -> FieldFact | None:
    """A field: `name: T [= default]`, or an ORM column `name = Column(...)` / `models.CharField(...)`."""
    name = _assigned_name(statement)
    if name is None or name.startswith("_") or name == "model_config":
        return None
    if isinstance(statement, ast.AnnAssign):
        annotation = normalised_source(statement.annotation, lines)
        if "ClassVar" in annotation:
            return None
        value = statement.value
        default = normalised_source(value, lines) if value is not None else ""
        return FieldFact(name, annotation, default, statement.lineno, _field_aliases(value))
    value = cast(ast.Assign, statement).value
    if isinstance(value, ast.Call):
        callee = (dotted_name(value.func) or "").rsplit(".", 1)[-1]
        if callee in _ORM_COLUMN_CALLS or callee.endswith(("Field", "Key")):
            return FieldFact(name, "", normalised_source(value, lines), statement.lineno)
    return None


def _field_aliases(value: ast.expr | None) -> tuple[str, ...]:
    """Environment names a pydantic `Field(alias=...)`/`validation_alias`/`env` declares."""
    if not isinstance(value, ast.Call):
        return ()
    found: list[str] = []
    for keyword in value.keywords:
        if keyword.arg in _FIELD_ALIAS_KEYWORDS:
            found.extend(_string_constants(keyword.value))
    return tuple(found)


def _string_constants(node: ast.expr) -> Iterator[str]:
    """String constants in `node`: 'X', ('X', 'Y'), AliasChoices('X', 'Y')."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        for element in node.elts:
            yield from _string_constants(element)
    elif isinstance(node, ast.Call):
        for argument in node.args:
            yield from _string_constants(argument)


def _settings_config(statement: ast.stmt) -> tuple[str, bool]:
    """(env_prefix, case_sensitive) from `model_config = SettingsConfigDict(...)`/a dict, or `class Config:`."""
    pairs: list[tuple[str, ast.expr]] = []
    if isinstance(statement, ast.ClassDef):
        for inner in statement.body:
            name = _assigned_name(inner)
            assignment = cast(ast.Assign | ast.AnnAssign, inner)
            if name is not None and assignment.value is not None:
                pairs.append((name, assignment.value))
    else:
        value = cast(ast.Assign, statement).value
        if isinstance(value, ast.Call):
            pairs = [(k.arg, k.value) for k in value.keywords if k.arg]
        elif isinstance(value, ast.Dict):
            pairs = [(k.value, v) for k, v in zip(value.keys, value.values, strict=True) if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    prefix, case_sensitive = "", False
    for key, value in pairs:
        if key == "env_prefix" and isinstance(value, ast.Constant) and isinstance(value.value, str):
            prefix = value.value
        elif key == "case_sensitive" and isinstance(value, ast.Constant):
            case_sensitive = value.value is True
    return prefix, case_sensitive


def _is_class_like(qualified: str) -> bool:
    last = qualified.rsplit(".", 1)[-1]
    return bool(last) and last[0].isupper()


def _instance_binding(statement: ast.Assign | ast.AnnAssign, imports: dict[str, str]) -> tuple[str, str] | None:
    """(name, class) for `name = ClassName(...)` at module level."""
    name = _assigned_name(statement)
    value = statement.value
    if name is None or not isinstance(value, ast.Call):
        return None
    callee = qualify(value.func, imports)
    return (name, callee) if callee and _is_class_like(callee) else None


def _factory_binding(function: ast.FunctionDef | ast.AsyncFunctionDef, imports: dict[str, str]) -> tuple[str, str] | None:
    """(function, class) for a no-argument function whose last statement is `return ClassName(...)`."""
    arguments = function.args
    required = len(arguments.posonlyargs) + len(arguments.args) - len(arguments.defaults)
    if isinstance(function, ast.AsyncFunctionDef) or required > 0 or not function.body:
        return None
    last = function.body[-1]
    if not (isinstance(last, ast.Return) and isinstance(last.value, ast.Call)):
        return None
    callee = qualify(last.value.func, imports)
    return (function.name, callee) if callee and _is_class_like(callee) else None


def _registered_routes(module: ast.Module, imports: dict[str, str], memo: FunctionMemo | None = None) -> Iterator[RouteRef]:
    """Handlers registered by call anywhere in the module, statement by statement (with `memo`: those of its
    unchanged functions and methods from it)."""
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for statement in module.body:
        members: list[ast.AST] = [statement]
        if isinstance(statement, ast.ClassDef):
            members = [*statement.decorator_list, *statement.bases, *statement.keywords, *statement.body]
        for member in members:
            if memo is not None and isinstance(member, functions):
                function = member
                yield from memo.reuse("routes", function, None, lambda: tuple(_routes_registered_in(function, imports)))
            else:
                yield from _routes_registered_in(member, imports)


def _routes_registered_in(root: ast.AST, imports: dict[str, str]) -> Iterator[RouteRef]:
    """Handlers registered by call in `root` and below."""
    call_type = ast.Call
    for node in walk_nodes(root):
        if type(node) is not call_type:
            continue
        handler = _registered_handler(node, imports)
        if handler is None:
            continue
        if isinstance(handler, ast.Name) and handler.id not in imports:
            yield RouteRef(handler.id)
            continue
        qualified = qualify(handler, imports)
        module_name, _, name = qualified.rpartition(".")
        if module_name and name:
            yield RouteRef(name, module_name)


def _registered_handler(call: ast.Call, imports: dict[str, str]) -> ast.expr | None:
    """The handler expression a registration call names, if this call registers one."""
    func = call.func
    registers = (isinstance(func, ast.Attribute) and func.attr in _REGISTRATION_METHODS) or (
        isinstance(func, ast.Name) and func.id in _ROUTE_CONSTRUCTORS
    )
    if registers:
        pass
    elif isinstance(func, ast.Attribute) and func.attr in _ROUTE_CONSTRUCTORS | _AIOHTTP_ROUTE_FUNCTIONS:
        qualified = qualify(func, imports)
        if not qualified.startswith(("starlette.", "django.", "aiohttp.", "fastapi.")):
            return None
    else:
        return None
    for keyword in call.keywords:
        if keyword.arg in _HANDLER_KEYWORDS and isinstance(keyword.value, (ast.Name, ast.Attribute)):
            return keyword.value
    candidates = [a for a in call.args[:3] if isinstance(a, (ast.Name, ast.Attribute))]
    return candidates[-1] if candidates and len(call.args) >= 2 else None


def _configures_from_environment(module: ast.Module, imports: dict[str, str]) -> bool:
    """True when module-level names (or attributes of a module-level class) are read from the environment.

    That is the shape of a config module: `DATABASE_URL = os.getenv(...)`, or Flask-style
    `class Config: SECRET_KEY = os.environ["SECRET_KEY"]`.
    """
    for statement in module_level_statements(module.body):
        statements = statement.body if isinstance(statement, ast.ClassDef) else [statement]
        for assignment in statements:
            if isinstance(assignment, (ast.Assign, ast.AnnAssign)) and assignment.value is not None and _reads_environment(assignment.value, imports):
                return True
    return False


def _reads_environment(node: ast.AST, imports: dict[str, str]) -> bool:
    """True when `node` calls `os.getenv` or reads `os.environ`."""
    for child in ast.walk(node):
        if isinstance(child, (ast.Attribute, ast.Name)) and qualify(child, imports) in ("os.getenv", "os.environ"):
            return True
    return False
