"""Paths built from untrusted text: follow a value through one function to a filesystem sink.

The analysis is a single forward pass over a function's statements in source order. It knows
which local names hold untrusted text (parameters, and what is computed from them), which hold
a path made by joining untrusted text onto a trusted base directory, and reports each such join
that reaches a call which opens, serves, deletes or lists the path. Containment checks
(`resolve()` + `is_relative_to()`, `commonpath`, `secure_filename`, ...) anywhere in the function
silence it: the pass is meant to be cheap and to err on the quiet side.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Iterator, Mapping

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.facts import dotted_name, resolve_through_imports
from review_ls.patterns.node_walk import own_nodes_with_statements, walk_nodes

Qualifier = Callable[[ast.expr], "str | None"]

JOIN_FUNCTIONS = frozenset({"os.path.join", "posixpath.join", "ntpath.join", "pathlib.Path", "pathlib.PurePath", "Path", "PurePath"})
PATH_SINK_FUNCTIONS = frozenset(
    {
        "open", "io.open", "os.open", "codecs.open", "aiofiles.open", "os.remove", "os.unlink", "os.rmdir",
        "os.removedirs", "os.listdir", "os.scandir", "os.walk", "shutil.rmtree", "shutil.copy", "shutil.copy2",
        "shutil.copyfile", "shutil.copytree", "shutil.move", "flask.send_file", "send_file", "tarfile.open",
        "zipfile.ZipFile",
    }
)
PATH_SINK_CLASSES = ("FileResponse", "FileWrapper")
PATH_SINK_METHODS = frozenset(
    {"open", "read_text", "read_bytes", "write_text", "write_bytes", "unlink", "rmdir", "iterdir", "glob", "rglob"}
)
GUARD_CALL_NAMES = frozenset(
    {
        "is_relative_to", "relative_to", "commonpath", "commonprefix", "secure_filename", "safe_join", "safe_path",
        "send_from_directory", "basename", "split_template_path",
    }
)
GUARD_WORDS = ("sanitiz", "sanitis", "validat", "safe", "secure", "inside", "within", "contain", "subpath", "traversal", "check_path")
NON_PROPAGATING_CALLS = frozenset({"int", "float", "bool", "len", "hash", "UUID", "uuid.UUID", "isinstance", "basename"})
NAME_ONLY_ATTRIBUTES = frozenset({"name", "stem", "suffix", "suffixes"})


@dataclass(frozen=True)
class PathEscape:
    """Untrusted text joined onto a base directory (`join`) that reaches a filesystem call (`sink`)."""

    join: ast.expr
    base: ast.expr
    source: str
    sink: ast.Call
    sink_name: str
    variable: str | None
    assignment: ast.stmt | None
    statement: ast.stmt


@dataclass(frozen=True)
class _Joined:
    join: ast.expr
    base: ast.expr
    source: str
    variable: str | None
    assignment: ast.stmt | None
    statement: ast.stmt


def qualifier_for(imports: Mapping[str, str]) -> Qualifier:
    """A function resolving `Name`/`Attribute` chains through `imports` (local -> qualified name)."""

    return functools.partial(resolve_through_imports, imports=imports)


def function_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[tuple[ast.AST, ast.stmt]]:
    """Every node of a function body in source order (pre-order) with its innermost statement, not entering nested scopes."""
    return iter(_function_node_list(function))


@functools.lru_cache(maxsize=4)
def _function_node_list(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[tuple[ast.AST, ast.stmt], ...]:
    """`function_nodes`, walked once per function: the RV6 rules ask for the same function several times in a row."""
    return tuple(own_nodes_with_statements(function.body))


def callee_name(call: ast.Call) -> str:
    """The last name of a call's callee: `os.path.join(...)` -> 'join', `p.resolve().is_relative_to(b)` -> 'is_relative_to'."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def has_containment_guard(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True when the function checks containment somewhere (`is_relative_to`, `commonpath`, `".." in p`, ...)."""
    for node, _ in function_nodes(function):
        if isinstance(node, ast.Call):
            name = callee_name(node)
            if name in GUARD_CALL_NAMES or any(word in name.lower() for word in GUARD_WORDS):
                return True
        elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            if isinstance(node.left, ast.Constant) and node.left.value in ("..", "../", "/"):
                return True
    return False


class _TaintPass:
    """One forward pass over a function: tainted names, joined paths, and the sinks they reach."""

    def __init__(self, sources: set[str], qualify: Qualifier) -> None:
        self.qualify = qualify
        self.statement: ast.stmt | None = None
        self.tainted: dict[str, str] = {name: name for name in sources}
        self.joined: dict[str, _Joined] = {}
        self.escapes: dict[int, PathEscape] = {}

    # -- what an expression carries -----------------------------------------------------------
    def source_of(self, expr: ast.AST) -> str | None:
        """The untrusted source an expression's value derives from, if any."""
        stack = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Name) and node.id in self.tainted:
                return self.tainted[node.id]
            if isinstance(node, ast.Call) and callee_name(node) in NON_PROPAGATING_CALLS:
                continue
            if isinstance(node, ast.Attribute) and node.attr in NAME_ONLY_ATTRIBUTES:
                continue
            if isinstance(node, (ast.Compare, ast.BoolOp, ast.Lambda)):
                continue
            stack.extend(ast.iter_child_nodes(node))
        return None

    def join_in(self, expr: ast.AST) -> _Joined | None:
        """A join of a trusted base with untrusted text inside `expr`, or a joined name it reads."""
        for node in walk_nodes(expr):  # (`ast.walk`'s order)
            if isinstance(node, ast.Name) and node.id in self.joined:
                return self.joined[node.id]
            found = self._join_at(node)
            if found is not None:
                return found
        return None

    def _join_at(self, node: ast.AST) -> _Joined | None:
        parts: list[ast.expr] = []
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            parts = _flatten(node, ast.Div)
        elif isinstance(node, ast.Call) and node.args:
            name = self.qualify(node.func) or dotted_name(node.func) or ""
            if name in JOIN_FUNCTIONS:
                parts = list(node.args)
            elif isinstance(node.func, ast.Attribute) and node.func.attr == "joinpath":
                parts = [node.func.value, *node.args]
        elif isinstance(node, ast.JoinedStr) and any(isinstance(v, ast.Constant) and "/" in str(v.value) for v in node.values):
            parts = [v.value if isinstance(v, ast.FormattedValue) else v for v in node.values]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            parts = _flatten(node, ast.Add)
            if not any(isinstance(p, ast.Constant) and isinstance(p.value, str) and "/" in p.value for p in parts[1:]):
                return None
        if len(parts) < 2 or isinstance(parts[0], ast.Starred):
            return None
        base = parts[0]
        if self.source_of(base) is not None or (isinstance(base, ast.Constant) and not base.value):
            return None
        for part in parts[1:]:
            source = self.source_of(part)
            if source is not None:
                return _Joined(node, base, _shown_source(part, source), None, None, self.statement)  # type: ignore[arg-type]
        return None

    # -- statements ----------------------------------------------------------------------------
    def assign(self, target: ast.expr, value: ast.expr, statement: ast.stmt) -> None:
        if not isinstance(target, ast.Name):
            for name in (n.id for n in ast.walk(target) if isinstance(n, ast.Name)):
                self.tainted.pop(name, None)
                self.joined.pop(name, None)
            return
        name = target.id
        joined = self.join_in(value)
        source = self.source_of(value)
        self.tainted.pop(name, None)
        self.joined.pop(name, None)
        if joined is not None:
            direct = joined.variable is None and joined.join is value
            self.joined[name] = _Joined(
                joined.join,
                joined.base,
                joined.source,
                name if direct else joined.variable,
                statement if direct else joined.assignment,
                joined.statement,
            )
        elif source is not None:
            self.tainted[name] = source

    def loop(self, node: ast.For | ast.AsyncFor) -> None:
        source = self.source_of(node.iter)
        for name in (n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)):
            self.joined.pop(name, None)
            if source is not None:
                self.tainted[name] = source
            else:
                self.tainted.pop(name, None)

    def call(self, call: ast.Call) -> None:
        if self._compares_with_base(call):
            return
        sink, argument = _path_sink(call, self.qualify)
        if sink is None or argument is None:
            return
        joined = self.join_in(argument)
        if joined is not None and id(joined.join) not in self.escapes:
            self.escapes[id(joined.join)] = PathEscape(
                joined.join, joined.base, joined.source, call, sink, joined.variable, joined.assignment, joined.statement
            )

    def _compares_with_base(self, call: ast.Call) -> bool:
        """`is_path_inside(path, base)`: a call given a joined path and its base checks containment; the
        joined name counts as checked from here on."""
        if len(call.args) < 2:
            return False
        read = [{n.id for n in walk_nodes(argument) if isinstance(n, ast.Name)} for argument in call.args]
        checked = False
        for name, joined in list(self.joined.items()):
            base_names = {n.id for n in walk_nodes(joined.base) if isinstance(n, ast.Name)}
            if any(name in names for names in read) and base_names and any(base_names & names for names in read if name not in names):
                del self.joined[name]
                checked = True
        return checked


def _path_sink(call: ast.Call, qualify: Qualifier) -> tuple[str | None, ast.expr | None]:
    """(the sink's name, the path argument) of a call that uses a path, else (None, None): the call alone tells."""
    name = qualify(call.func) or dotted_name(call.func) or ""
    first = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in ("path", "file", "filename")), None)
    if name in PATH_SINK_FUNCTIONS or name.rsplit(".", 1)[-1].endswith(PATH_SINK_CLASSES):
        return name.rsplit(".", 1)[-1], first
    if isinstance(call.func, ast.Attribute) and call.func.attr in PATH_SINK_METHODS and qualify(call.func) is None:
        return call.func.attr, call.func.value
    return None, None


def _flatten(node: ast.expr, operator: type[ast.operator]) -> list[ast.expr]:
    """`a / b / c` -> [a, b, c] (left-associative chains of one operator)."""
    parts: list[ast.expr] = []
    while isinstance(node, ast.BinOp) and isinstance(node.op, operator):
        parts.append(node.right)
        node = node.left
    parts.append(node)
    return list(reversed(parts))


def path_escapes(function: ast.FunctionDef | ast.AsyncFunctionDef, sources: set[str], qualify: Qualifier) -> list[PathEscape]:
    """Joins of untrusted `sources` onto a trusted base that reach a filesystem sink unchecked."""
    if not sources or has_containment_guard(function):
        return []
    if not has_path_sink(function, qualify):
        return []  # (the pass records an escape only at a call that uses a path: without one, it is not run)
    return _escapes_in_one_pass(function, sources, qualify)


def has_path_sink(function: ast.FunctionDef | ast.AsyncFunctionDef, qualify: Qualifier) -> bool:
    """True when a call of the function (`function_nodes`) uses a path as `path_escapes`' pass tells one: its sink and the path argument."""
    for node, _ in function_nodes(function):
        if isinstance(node, ast.Call):
            sink, argument = _path_sink(node, qualify)  # (what the pass's `call` asks first, of the call alone)
            if sink is not None and argument is not None:
                return True
    return False


def _escapes_in_one_pass(function: ast.FunctionDef | ast.AsyncFunctionDef, sources: set[str], qualify: Qualifier) -> list[PathEscape]:
    """`path_escapes` the long way: one forward pass over the function."""
    taint = _TaintPass(sources, qualify)
    for node, statement in function_nodes(function):
        taint.statement = statement
        if isinstance(node, ast.Assign):
            for target in node.targets:
                taint.assign(target, node.value, node)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            taint.assign(node.target, node.value, node)
        elif isinstance(node, ast.NamedExpr):
            taint.assign(node.target, node.value, node)  # type: ignore[arg-type]
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            taint.loop(node)
        elif isinstance(node, ast.Call):
            taint.call(node)
    return list(taint.escapes.values())


def _shown_source(part: ast.expr, source: str) -> str:
    """How a finding names the untrusted text joined as `part`: the joined expression itself when it
    is a plain name or attribute (`profile.filename`), with the request input it comes from when that
    differs (`file.filename (from files)`); else the request input."""
    if isinstance(part, ast.FormattedValue):
        part = part.value
    shown = dotted_name(part)
    if shown is None or len(shown) > 40 or shown == source:
        return source
    return shown if shown.split(".", 1)[0] == source else f"{shown} (from {source})"
