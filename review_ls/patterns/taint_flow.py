"""Taint within one function: where values that derive from given sources reach file or URL sinks.

A single forward pass over the function's statements in source order (nested functions and
lambdas are not entered). Each local name (and dotted attribute target, `self.path`) maps to the
`Tainted` value it holds. A value is tainted when it derives from a source through assignments,
attributes, subscripts, containers, f-strings, `%`, `+`, `.format`, `str.join`, `os.path.join`,
`Path(...)`/`/`, methods of a tainted receiver, and calls to project functions whose summary says
the argument flows to the return value (the `calls` hook). It is not tainted through `int`,
`UUID`, `len`, `secure_filename`, `basename`, comparisons, or unknown calls.

Sanitisers are judged per function, erring on the quiet side: a containment check anywhere
(`resolve()` + `is_relative_to`, `commonpath`, normalise + `startswith`, `safe_join`, ...) silences
the file sinks; a name tested against a constant collection, an anchored regex or a validator
is clean from the start.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from dataclasses import field, replace

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.facts import dotted_name, short_source
from review_ls.patterns.node_walk import walk_nodes
from review_ls.patterns.paths import GUARD_CALL_NAMES, GUARD_WORDS, NAME_ONLY_ATTRIBUTES, callee_name, function_nodes
from review_ls.patterns.taint_sinks import FILE, URL, Qualifier, Sink, file_sink, url_sink
from review_ls.patterns.taint_sources import request_read

Function = ast.FunctionDef | ast.AsyncFunctionDef

CLEANING_CALLS = frozenset(
    {
        "int", "float", "bool", "len", "hash", "UUID", "uuid.UUID", "isinstance", "basename", "secure_filename",
        "quote", "quote_plus", "urlencode", "slugify", "escape", "md5", "sha1", "sha256", "hexdigest", "uuid4",
        "get_valid_filename", "fullmatch", "match", "type", "id", "abs", "round", "ord", "bin", "hex",
    }
)
# Calls that pass their arguments' text on (the first tainted argument gives the value).
PASSING_CALLS = frozenset(
    {
        "str", "bytes", "os.fspath", "fspath", "os.path.normpath", "os.path.abspath", "os.path.realpath", "os.path.expanduser",
        "os.path.expandvars", "posixpath.normpath", "urllib.parse.unquote", "unquote", "unquote_plus", "urllib.parse.unquote_plus",
        "dict", "list", "tuple", "set", "sorted", "reversed", "next", "iter", "min", "max", "filter", "map", "enumerate", "zip",
        "os.path.dirname", "dirname", "urllib.parse.urljoin", "urljoin", "repr", "format", "typing.cast", "cast",
        "os.path.splitext", "splitext", "io.BytesIO", "BytesIO",
    }
)
JOIN_CALLS = frozenset({"os.path.join", "posixpath.join", "ntpath.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PurePosixPath", "Path", "PurePath", "join", "safe_join_unchecked"})
# Methods of a tainted receiver whose result says something about it rather than carrying its text.
CHECKING_METHODS = frozenset(
    {
        "startswith", "endswith", "isdigit", "isalnum", "isalpha", "isidentifier", "isnumeric", "isdecimal", "count",
        "find", "rfind", "index", "rindex", "exists", "is_file", "is_dir", "is_absolute", "is_relative_to", "stat",
        "__len__", "isascii", "is_valid", "match", "fullmatch", "search", "lstat", "samefile",
    }
)
ARCHIVE_OPENERS = frozenset({"ZipFile", "TarFile"})
ARCHIVE_MEMBER_METHODS = frozenset({"namelist", "getnames", "infolist", "getmembers", "getinfo", "getmember"})
_NORMALISERS = frozenset({"normpath", "realpath", "abspath", "resolve"})
_VALIDATOR_WORDS = ("validat", "sanitiz", "sanitis", "allow", "whitelist", "secure", "is_safe", "check")
_URL_GUARD_WORDS = ("safe", "ssrf", "validate_url", "is_allowed", "allowed_host", "check_url", "is_valid_url")
_SCHEME_HOST = re.compile(r"[A-Za-z][\w+.-]*://[^/?#]*")


@dataclass(frozen=True)
class Tainted:
    """A value that derives from a source.

    `origin` is the source it comes from (a parameter name, or a request read such as
    `request.args`); `shown` is how a message names it (`profile.filename`); `base` and `join` are
    set when the value is a path made by joining it onto a trusted base; `url_part` says where
    the source's text sits in a string built from it: `whole`, `host`, `path` or `query`; `via`
    holds the local names it passed through; `segment` is set for a route path parameter that
    cannot hold `/`; `through` names the project function whose return value carried it. `upload`
    is set while the value is an uploaded file (`"file"`) or an archive opened from one (`"zip"`,
    `"tar"`): only its `filename` and the archive's member names are the client's text.
    """

    origin: str
    shown: str
    base: ast.expr | None = None
    join: ast.expr | None = None
    url_part: str = "whole"
    via: frozenset[str] = frozenset()
    segment: bool = False
    through: str | None = None
    upload: str = ""


@dataclass(frozen=True)
class Flow:
    """A tainted value reaching a sink: directly (`callee` None) or as argument `slot` of a project call."""

    sink: Sink
    call: ast.Call
    value: Tainted
    statement: ast.stmt
    callee: object = None


ProjectCall = Callable[[ast.Call, Sequence[tuple["int | str", Tainted]]], "tuple[bool, object]"]
"""The project-call hook: given a call and its tainted arguments (by slot: position or keyword),
say whether its return value is tainted and what it leads to (a chain, or None)."""


# The node types `TaintPass.run` acts on (the others only carry `statement` along).
_HANDLED_TYPES = frozenset({ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr, ast.For, ast.AsyncFor, ast.comprehension, ast.With, ast.AsyncWith,
                            ast.Return, ast.Call, ast.Compare})


@dataclass
class TaintPass:
    """One forward pass over a function (see the module docstring)."""

    function: Function
    sources: dict[str, Tainted]
    qualify: Qualifier
    requests: frozenset[str] = frozenset()
    websockets: frozenset[str] = frozenset()
    project_call: ProjectCall | None = None
    env: dict[str, Tainted] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    flows: list[Flow] = field(default_factory=list)
    returned: list[Tainted] = field(default_factory=list)
    clean: frozenset[str] = frozenset()
    statement: ast.stmt | None = None

    def run(self, nodes: Sequence[ast.AST] | None = None) -> TaintPass:
        """Walk the function once and collect flows and returned taint. `nodes`: the function's own nodes (`own_node_list`)
        when the caller has them and reads no flow's `statement` (each is then a placeholder)."""
        self.env.update(self.sources)
        items: list[tuple[ast.AST, ast.stmt | None]] = list(function_nodes(self.function)) if nodes is None else [(node, None) for node in nodes]
        self.clean = checked_names(self.function, items)
        for name in self.clean:
            self.env.pop(name, None)
        handled = _HANDLED_TYPES
        for node, statement in items:
            if type(node) not in handled:
                continue
            self.statement = statement
            if isinstance(node, ast.Assign):
                value = self.value_of(node.value)
                for target in node.targets:
                    self.bind(target, value, node.value)
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                self.bind(node.target, self.value_of(node.value), node.value)
            elif isinstance(node, ast.AugAssign):
                self.augment(node)
            elif isinstance(node, ast.NamedExpr):
                self.bind(node.target, self.value_of(node.value), node.value)
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                self.bind(node.target, self.value_of(node.iter), None)
            elif isinstance(node, ast.comprehension):
                self.bind(node.target, self.value_of(node.iter), None)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None and isinstance(item.context_expr, ast.Call):
                        value = self.value_of(item.context_expr)
                        if value is None or value.upload or file_sink(item.context_expr, self.qualify) is None:
                            self.bind(item.optional_vars, value, None)
            elif isinstance(node, ast.Return) and node.value is not None:
                value = self.value_of(node.value)
                if value is not None:
                    self.returned.append(value)
            elif isinstance(node, ast.Call):
                self.call(node)
            elif isinstance(node, ast.Compare):
                self._compares_with_base(node)
        if items:
            self.statement = items[-1][1]
        return self

    # -- statements -----------------------------------------------------------------------------
    def bind(self, target: ast.expr, value: Tainted | None, expr: ast.expr | None) -> None:
        """Record what `target` holds after an assignment."""
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.bind(element.value if isinstance(element, ast.Starred) else element, value, None)
            return
        if isinstance(target, ast.Subscript):
            container = dotted_name(target.value)
            if container is not None and value is not None:
                self.env[container] = value
            return
        key = dotted_name(target)
        if key is None:
            return
        self.constants.pop(key, None)
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            self.constants[key] = expr.value
        if value is None or key in self.clean:
            self.env.pop(key, None)
            for name in [n for n in self.env if n.startswith(f"{key}.")]:
                del self.env[name]
        else:
            shown = key if value.base is None and value.through is None and len(key) <= 40 else value.shown
            self.env[key] = replace(value, shown=shown, via=value.via | {key})

    def augment(self, node: ast.AugAssign) -> None:
        key = dotted_name(node.target)
        if key is None:
            return
        added = self.value_of(node.value)
        if added is None:
            return
        if key in self.env:
            return
        prefix = self.constants.get(key)
        part = _part_after(prefix if prefix is not None else "x", added.url_part)
        self.env[key] = replace(added, url_part=part, base=None, join=None)

    def call(self, call: ast.Call) -> None:
        """Record a flow when `call` is a sink given a tainted argument, or a project call that leads to one."""
        statement = self.statement or ast.Pass()
        if self._compares_with_base(call):
            return
        for sink in (file_sink(call, self.qualify), url_sink(call, self.qualify)):
            if sink is None:
                continue
            value = self.value_of(sink.argument)
            if value is not None and not value.upload and not (sink.weak and value.url_part == "whole"):
                self.flows.append(Flow(sink, call, value, statement))
            return
        if isinstance(call.func, ast.Attribute) and call.func.attr == "extractall" and not any(k.arg == "filter" for k in call.keywords):
            archive = self.value_of(call.func.value)
            if archive is not None and archive.upload == "tar":
                shown = f"a member name of {archive.shown}"
                self.flows.append(Flow(Sink(FILE, "extractall", call.func.value), call, replace(archive, upload="", shown=shown), statement))
                return
        if self.project_call is None:
            return
        tainted = self._tainted_arguments(call)
        if tainted:
            _, leads_to = self.project_call(call, tainted)
            if leads_to is not None:
                slot, value = tainted[0]
                self.flows.append(Flow(Sink(FILE, callee_name(call), call), call, value, statement, leads_to))

    def _compares_with_base(self, node: ast.Call | ast.Compare) -> bool:
        """`is_below(path, BASE)` or `path.parent != BASE`: a call or comparison given a joined path
        and its base checks containment; the joined name counts as checked from here on."""
        operands = node.args if isinstance(node, ast.Call) else [node.left, *node.comparators]
        if len(operands) < 2:
            return False
        read: list[set[str]] | None = None  # (the operands' names: read only once some tainted value has a base)
        checked = False
        for name, value in list(self.env.items()):
            if value.base is None:
                continue
            if read is None:
                read = [_names(operand) for operand in operands]
            base_names = _names(value.base)
            if base_names and any(name in names for names in read) and any(base_names & names for names in read if name not in names):
                del self.env[name]
                checked = True
        return checked

    def _tainted_arguments(self, call: ast.Call) -> list[tuple[int | str, Tainted]]:
        found: list[tuple[int | str, Tainted]] = []
        for index, argument in enumerate(call.args):
            if isinstance(argument, ast.Starred):
                break
            value = self.value_of(argument)
            if value is not None:
                found.append((index, value))
        for keyword in call.keywords:
            if keyword.arg is not None and (value := self.value_of(keyword.value)) is not None:
                found.append((keyword.arg, value))
        return found

    # -- expressions ----------------------------------------------------------------------------
    def value_of(self, expr: ast.AST | None) -> Tainted | None:
        """What an expression carries from a source, or None."""
        if expr is None:
            return None
        if isinstance(expr, ast.expr):
            read = request_read(expr, self.requests, self.websockets)
            if read is not None:
                return Tainted(read, _shown(expr, read))
        if isinstance(expr, ast.Name):
            return self.env.get(expr.id)
        if isinstance(expr, ast.Attribute):
            key = dotted_name(expr)
            if key is not None and key in self.env:
                return self.env[key]
            inner = self.value_of(expr.value)
            if inner is not None and inner.upload:
                return replace(inner, upload="", shown=key or inner.shown) if expr.attr == "filename" and inner.upload == "file" else inner
            if expr.attr in NAME_ONLY_ATTRIBUTES:
                return None
            if inner is None:
                return None
            shown = key if key is not None and len(key) <= 40 else inner.shown
            return replace(inner, shown=shown if inner.base is None else inner.shown)
        if isinstance(expr, ast.Subscript):
            inner = self.value_of(expr.value)
            if inner is not None and inner.origin != inner.shown:
                return inner
            if inner is not None:
                return replace(inner, shown=short_source(expr))
            return None
        if isinstance(expr, ast.Await):
            return self.value_of(expr.value)
        if isinstance(expr, ast.Starred):
            return self.value_of(expr.value)
        if isinstance(expr, ast.NamedExpr):
            return self.value_of(expr.value)
        if isinstance(expr, (ast.Compare, ast.Lambda, ast.UnaryOp)):
            return None
        if isinstance(expr, ast.IfExp):
            return self.value_of(expr.body) or self.value_of(expr.orelse)
        if isinstance(expr, ast.BoolOp):
            return next((v for value in expr.values if (v := self.value_of(value)) is not None), None)
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            return next((v for element in expr.elts if (v := self.value_of(element)) is not None), None)
        if isinstance(expr, ast.Dict):
            return next((v for element in expr.values if (v := self.value_of(element)) is not None), None)
        if isinstance(expr, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return self.value_of(expr.elt) or next((v for g in expr.generators if (v := self.value_of(g.iter)) is not None), None)
        if isinstance(expr, ast.DictComp):
            return self.value_of(expr.value)
        if isinstance(expr, ast.JoinedStr):
            return self._string([v.value if isinstance(v, ast.FormattedValue) else v for v in expr.values], expr, joins=True)
        if isinstance(expr, ast.BinOp):
            return self._binary(expr)
        if isinstance(expr, ast.Call):
            return self._call_value(expr)
        return None

    def _binary(self, expr: ast.BinOp) -> Tainted | None:
        if isinstance(expr.op, ast.Div):
            left, right = self.value_of(expr.left), self.value_of(expr.right)
            if left is not None:
                return left
            if right is not None and not _is_empty(expr.left):
                return replace(right, base=expr.left, join=expr, url_part="path")
            return None
        if isinstance(expr.op, ast.Add):
            return self._string(_flatten_add(expr), expr, joins=True)
        if isinstance(expr.op, ast.Mod):
            template = self._constant_text(expr.left)
            value = self.value_of(expr.right)
            if value is None:
                return self.value_of(expr.left)
            if template is None:
                return value
            prefix = template.split("%", 1)[0]
            return self._placed(value, prefix, expr)
        return None

    def _string(self, parts: list[ast.expr], expr: ast.expr, joins: bool) -> Tainted | None:
        """A string built from `parts` in order: tainted by its first tainted part, placed after the text before it."""
        prefix = ""
        for index, part in enumerate(parts):
            value = self.value_of(part)
            if value is not None:
                if index > 0 and joins and "/" in prefix and not _is_empty(parts[0]) and self.value_of(parts[0]) is None:
                    return replace(value, base=parts[0], join=expr, url_part=_part_after(prefix, value.url_part))
                return replace(value, url_part=_part_after(prefix, value.url_part), base=None, join=None)
            text = self._constant_text(part)
            prefix += text if text is not None else "x"
        return None

    @staticmethod
    def _placed(value: Tainted, prefix: str, expr: ast.expr) -> Tainted:
        """`value` formatted into a template after `prefix`: joined onto the folder the prefix names, if it names one."""
        part = _part_after(prefix, value.url_part)
        if "/" in prefix and "://" not in prefix:
            folder = ast.Constant(prefix.rsplit("/", 1)[0] or "/")
            return replace(value, url_part=part, base=folder, join=expr)
        return replace(value, url_part=part, base=None, join=None)

    def _constant_text(self, expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value
        key = dotted_name(expr)
        return self.constants.get(key) if key is not None else None

    def _call_value(self, call: ast.Call) -> Tainted | None:
        func = call.func
        name = self.qualify(func) or dotted_name(func) or ""
        short = name.rsplit(".", 1)[-1]
        if short in CLEANING_CALLS or name in CLEANING_CALLS:
            return None
        if isinstance(func, ast.Attribute) and func.attr == "format":
            template = self._constant_text(func.value)
            if template is not None and "{" not in template:
                return None
            for argument in [*call.args, *(k.value for k in call.keywords)]:
                value = self.value_of(argument)
                if value is not None:
                    prefix = template.split("{", 1)[0] if template is not None else "x"
                    return self._placed(value, prefix, call)
            return self.value_of(func.value)
        if isinstance(func, ast.Attribute) and func.attr == "join" and isinstance(func.value, ast.Constant):
            return next((v for a in call.args if (v := self.value_of(a)) is not None), None)
        if name in JOIN_CALLS or (isinstance(func, ast.Attribute) and func.attr == "joinpath"):
            parts = [func.value, *call.args] if isinstance(func, ast.Attribute) and func.attr == "joinpath" else list(call.args)
            if not parts or any(isinstance(p, ast.Starred) for p in parts):
                return next((v for a in parts if (v := self.value_of(a)) is not None), None)
            first = self.value_of(parts[0])
            if first is not None:
                return first
            for part in parts[1:]:
                value = self.value_of(part)
                if value is not None:
                    return replace(value, base=parts[0], join=call, url_part="path") if not _is_empty(parts[0]) else value
            return None
        if short in ARCHIVE_OPENERS or name == "tarfile.open":
            opened = next((v for a in [*call.args, *(k.value for k in call.keywords)] if (v := self.value_of(a)) is not None), None)
            if opened is not None and opened.upload:
                return replace(opened, upload="zip" if short == "ZipFile" else "tar")
            return None
        if name in PASSING_CALLS or short in ("normpath", "abspath", "realpath", "expanduser", "unquote", "urljoin"):
            values = [v for a in call.args if (v := self.value_of(a)) is not None]
            if not values:
                return None
            if short == "urljoin":
                return replace(values[-1], url_part="host" if self.value_of(call.args[0]) is None else values[-1].url_part)
            return values[0]
        if isinstance(func, ast.Attribute):
            receiver = self.value_of(func.value)
            if receiver is not None and receiver.upload:
                if receiver.upload in ("zip", "tar") and func.attr in ARCHIVE_MEMBER_METHODS:
                    return replace(receiver, upload="", shown=f"a member name of {receiver.shown}")
                return receiver
            if receiver is not None:
                if func.attr in CHECKING_METHODS:
                    return None
                if func.attr == "replace" and call.args and isinstance(call.args[0], ast.Constant) and call.args[0].value in (".", ".."):
                    return None  # `name.replace(".", "")`: no '..' is left
                if receiver.origin == receiver.shown and func.attr in ("get", "getlist", "get_one", "getone"):
                    return replace(receiver, shown=_shown(call, receiver.origin))
                return receiver
        if self.project_call is not None:
            tainted = self._tainted_arguments(call)
            if tainted:
                returns, _ = self.project_call(call, tainted)
                if returns:
                    return replace(tainted[0][1], base=None, join=None, through=callee_name(call))
        return None


def checked_names(function: Function, items: Sequence[tuple[ast.AST, ast.stmt | None]] | None = None) -> frozenset[str]:
    """Names the function tests against a collection (`in ALLOWED`), an anchored regex, a `..`/`/`
    membership test or a validator call: their values count as checked from the start. `items` are
    the function's `function_nodes`, when the caller has them."""
    found: set[str] = set()
    for node, _ in function_nodes(function) if items is None else items:
        if isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            left = node.left
            if isinstance(left, ast.Constant) and left.value in ("..", "../", "/", "\\", "://"):
                found |= _names(node.comparators[0])
            elif _constant_collection(node.comparators[-1]):
                found |= _names(left)
        elif isinstance(node, ast.Call):
            name = (dotted_name(node.func) or "").lower()
            short = name.rsplit(".", 1)[-1]
            if short in ("match", "fullmatch") and node.args:
                pattern = node.args[0]
                anchored = short == "fullmatch" or (isinstance(pattern, ast.Constant) and str(pattern.value).endswith(("$", "\\Z"))) or not isinstance(pattern, ast.Constant)
                if anchored:
                    found |= {n for a in node.args[1:] for n in _names(a)} | (_names(node.func.value) if isinstance(node.func, ast.Attribute) and not name.startswith("re.") else set())
            elif any(word in short for word in _VALIDATOR_WORDS):
                found |= {n for a in [*node.args, *(k.value for k in node.keywords)] for n in _names(a)}
    return frozenset(found)


def compared_names(function: Function) -> frozenset[str]:
    """Names the function compares, tests a prefix of, matches or passes to a validator: looser than
    `checked_names`, for URL values (where any test suggests the value was thought about)."""
    found: set[str] = set(checked_names(function))
    for node, _ in function_nodes(function):
        if isinstance(node, ast.Compare):
            found |= _names(node)
        elif isinstance(node, ast.Call):
            name = (dotted_name(node.func) or "").lower()
            if any(word in name for word in (*_VALIDATOR_WORDS, "match", "clean", "safe", "startswith", "isalnum", "isidentifier")):
                found |= _names(node)
    return frozenset(found)


def normalised_and_compared(function: Function) -> bool:
    """True when the function normalises a path (`normpath`/`realpath`/`abspath`/`resolve`) and tests a prefix with `startswith`."""
    names = {callee_name(n) for n, _ in function_nodes(function) if isinstance(n, ast.Call)}
    return "startswith" in names and bool(names & _NORMALISERS)


def contains_url_guard(function: Function) -> bool:
    """True when the function guards its outbound requests (an SSRF-safe transport, a URL validator)."""
    for node, _ in function_nodes(function):
        if isinstance(node, ast.Call):
            name = (dotted_name(node.func) or callee_name(node)).lower()
            if any(word in name for word in _URL_GUARD_WORDS):
                return True
    return False


def contains_file_guard(function: Function) -> bool:
    """True when the function checks that a path stays inside a directory (see the module docstring).

    `send_from_directory(folder, name)` checks `name` only: it is a sink for `folder`, not a guard.
    """
    for node, _ in function_nodes(function):
        if isinstance(node, ast.Call):
            name = callee_name(node)
            if (name in GUARD_CALL_NAMES and name != "send_from_directory") or any(word in name.lower() for word in GUARD_WORDS):
                return True
        elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            if isinstance(node.left, ast.Constant) and node.left.value in ("..", "../", "/"):
                return True
    return normalised_and_compared(function)


def _constant_collection(expr: ast.expr) -> bool:
    """True for a literal list/tuple/set/dict of constants, or a named collection that is not the request
    (`ALLOWED`, `existing_plugins`): membership in it is an allow-list."""
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return all(isinstance(e, ast.Constant) for e in expr.elts)
    if isinstance(expr, ast.Dict):
        return all(isinstance(k, ast.Constant) for k in expr.keys)
    name = dotted_name(expr)
    if name is None:
        return isinstance(expr, ast.Call) and callee_name(expr) in ("keys", "values")
    return name.split(".", 1)[0] not in ("request", "req", "self.request")


def _names(expr: ast.AST) -> set[str]:
    found = set()
    for node in walk_nodes(expr):
        if isinstance(node, (ast.Name, ast.Attribute)):
            name = dotted_name(node)
            if name is not None:
                found.add(name)
    return found


def _flatten_add(expr: ast.expr) -> list[ast.expr]:
    parts: list[ast.expr] = []
    while isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        parts.append(expr.right)
        expr = expr.left
    parts.append(expr)
    return list(reversed(parts))


def _part_after(prefix: str, inner: str) -> str:
    """Where text placed after `prefix` sits in a URL: `whole` (nothing before), `host`, `path` or `query`."""
    if prefix == "":
        return inner
    if "?" in prefix or "#" in prefix:
        return "query"
    if _SCHEME_HOST.fullmatch(prefix):
        return "host"
    return "path"


def _is_empty(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and not expr.value


def _shown(expr: ast.expr, read: str) -> str:
    """How a message names a request read: the expression itself when short (`request.args["p"]`)."""
    text = ast.unparse(expr)
    return text if len(text) <= 40 else read


FLOW_KINDS = (FILE, URL)
