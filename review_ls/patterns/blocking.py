"""Which calls block the event loop: flake8-async's list (sync HTTP, subprocess, files, os.path,
`time.sleep`, `input`), sync client objects (httpx/requests/urllib3, boto3, SQLAlchemy sessions)
and their methods, known by constructor, annotation or `with ... as` target.

`BlockingCalls` judges the calls of one function. It needs only a way to qualify a name through
the imports in effect (`qualify`) and which bare names the module or function rebinds, so the
walker (RV302) and the project's call facts (`project/call_facts.py`) share it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping

from review_ls.engine.facts import dotted_name
from review_ls.patterns.node_walk import own_node_list

Qualify = Callable[[ast.AST], "str | None"]

_HTTP_VERBS = ("get", "options", "head", "post", "put", "patch", "delete", "request")
# `os.path` functions that ask the file system (stat, lstat, readlink; `_joinrealpath` is `realpath`'s
# worker). Not `abspath`/`relpath`/`normpath`/`samestat`: string work on the path (at most a
# `getcwd()`, which reads no disk), so nothing there waits for I/O.
_OS_PATH_METADATA = ("exists", "lexists", "isfile", "isdir", "islink", "ismount", "getsize", "getmtime", "getatime", "getctime",
                     "realpath", "_joinrealpath", "samefile", "sameopenfile")
BLOCKING_FUNCTIONS = frozenset(
    {
        "time.sleep",
        "input",
        "open",
        "io.open",
        "io.open_code",
        "os.fdopen",
        *(f"{package}.{verb}" for package in ("requests", "httpx", "httpx2") for verb in _HTTP_VERBS),
        "requests.api.request",
        "urllib3.request",
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "subprocess.Popen",
        "os.system",
        "os.popen",
        "os.posix_spawn",
        "os.posix_spawnp",
        *(f"os.spawn{suffix}" for suffix in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")),
        *(f"os.wait{suffix}" for suffix in ("", "3", "4", "id", "pid")),
        "os.walk",
        *(f"os.path.{name}" for name in _OS_PATH_METADATA),
        "shutil.copy",
        "shutil.copy2",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.copyfileobj",
        "shutil.rmtree",
        "shutil.move",
        "shutil.make_archive",
        "shutil.unpack_archive",
        "socket.create_connection",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
    }
)

# Names that can only be urllib's when nothing in the module or function binds them (they come from
# a star import such as `from urllib.request import *`, as flake8-async reads them).
_UNBOUND_NAMES = {"urlopen": "urllib.request.urlopen", "urlretrieve": "urllib.request.urlretrieve",
                  "request.urlopen": "urllib.request.urlopen", "request.urlretrieve": "urllib.request.urlretrieve"}

# The last names of the blocking functions (and of the unbound ones): what a method call must be named to be one.
_BLOCKING_TAILS = frozenset(name.rsplit(".", 1)[-1] for name in (*BLOCKING_FUNCTIONS, *_UNBOUND_NAMES))

# What a constructor (or annotation) makes: a kind of sync object whose methods block.
HTTP_CLIENT, URLLIB3_POOL, FILE, PATH, BOTO3, DB_SESSION, DB_ENGINE = "http client", "urllib3 pool", "file", "path", "boto3 client", "DB session", "DB engine"
_URLLIB3_TYPES = ("PoolManager", "ProxyManager", "HTTPConnectionPool", "HTTPSConnectionPool", "connectionpool.ConnectionPool",
                  "connectionpool.HTTPConnectionPool", "connectionpool.HTTPSConnectionPool", "poolmanager.PoolManager",
                  "poolmanager.ProxyManager", "request.RequestMethods")
OBJECT_KINDS: dict[str, str] = {
    "httpx.Client": HTTP_CLIENT,
    "httpx2.Client": HTTP_CLIENT,
    "requests.Session": HTTP_CLIENT,
    "requests.session": HTTP_CLIENT,
    "requests.sessions.Session": HTTP_CLIENT,
    **{f"urllib3.{name}": URLLIB3_POOL for name in _URLLIB3_TYPES},
    "open": FILE,
    "io.open": FILE,
    "io.open_code": FILE,
    "os.fdopen": FILE,
    **{f"io.{name}": FILE for name in ("TextIOWrapper", "BufferedReader", "BufferedWriter", "BufferedRandom", "FileIO")},
    **{f"typing.{name}": FILE for name in ("IO", "TextIO", "BinaryIO")},
    **{f"pathlib.{name}": PATH for name in ("Path", "PosixPath", "WindowsPath")},
    "Path": PATH,
    "boto3.client": BOTO3,
    "boto3.resource": BOTO3,
    "botocore.client.BaseClient": BOTO3,
    "sqlalchemy.orm.Session": DB_SESSION,
    "sqlalchemy.orm.session.Session": DB_SESSION,
    "sqlmodel.Session": DB_SESSION,
    "sqlalchemy.create_engine": DB_ENGINE,
    "sqlalchemy.engine.Engine": DB_ENGINE,
}

# The last names of those constructors: what a method call must be named to make one.
_OBJECT_KIND_TAILS = frozenset(name.rsplit(".", 1)[-1] for name in OBJECT_KINDS)
_HTTP_METHODS = frozenset({"close", "delete", "get", "head", "options", "patch", "post", "put", "request", "send", "stream"})
_FILE_METHODS = frozenset({"read", "read1", "readall", "readinto", "readline", "readlines", "write", "writelines", "seek", "tell", "truncate", "flush", "close"})
_PATH_METHODS = frozenset({"open", "exists", "is_dir", "is_file", "is_symlink", "is_mount", "stat", "lstat", "read_text", "read_bytes",
                           "write_text", "write_bytes", "mkdir", "rmdir", "unlink", "rename", "replace", "touch", "iterdir", "glob",
                           "rglob", "chmod", "owner", "group", "readlink", "samefile", "symlink_to", "hardlink_to", "walk", "resolve"})
_BOTO3_LOCAL_METHODS = frozenset({"get_paginator", "get_waiter", "can_paginate", "generate_presigned_url", "generate_presigned_post", "Bucket", "Object", "Table"})
_SESSION_METHODS = frozenset({"execute", "scalars", "scalar", "commit", "flush", "refresh", "get", "rollback", "merge", "query", "connection"})
_ENGINE_METHODS = frozenset({"connect", "begin", "execute", "dispose", "raw_connection"})
# Methods of a path that give another path (so `Path(x).absolute().exists()` is a path call).
_PATH_DERIVING = frozenset({"absolute", "resolve", "expanduser", "joinpath", "with_name", "with_suffix", "with_stem", "relative_to"})
_WRAPPERS = frozenset({"typing.Optional", "Optional", "typing.Union", "Union"})
# Containers whose annotation names the type of their items: `for f in files` over `files: list[IO]` binds a file.
_CONTAINER_TYPES = frozenset({"list", "List", "set", "Set", "frozenset", "FrozenSet", "Sequence", "MutableSequence", "Iterable", "Iterator", "Collection"})
# Statements and expressions that bind names in a function's scope.
_BINDING_TYPES = frozenset({ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.NamedExpr, ast.AugAssign, ast.ExceptHandler,
                            ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef})
# Local file-system work (opening, reading and writing files, stat, mkdir, copies, deletes): flagged
# where an `async def` does it itself; a blocking chain through project functions needs network,
# subprocess, sleep or database I/O (helpers that read a small config, prompt or id file are not
# worth a thread per call, and they were most of the chains on real applications, issue #15).
_LOCAL_FILE_FUNCTIONS = frozenset({"open", "io.open", "io.open_code", "os.fdopen", "os.walk"})
_LOCAL_FILE_PREFIXES = ("os.path.", "shutil.")
# File-system metadata checks: one stat-like system call on a path, no file content read or written.
_METADATA_FUNCTIONS = frozenset(f"os.path.{name}" for name in _OS_PATH_METADATA)
_PATH_METADATA_METHODS = frozenset({"exists", "is_dir", "is_file", "is_symlink", "is_mount", "stat", "lstat", "resolve", "owner",
                                    "group", "readlink", "samefile"})


def method_blocks(kind: str, method: str, call: ast.Call) -> bool:
    """True when calling `method` on a sync object of `kind` blocks."""
    if kind == HTTP_CLIENT:
        return method in _HTTP_METHODS
    if kind == URLLIB3_POOL:
        if method in ("request", "urlopen"):
            first = call.args[0] if call.args else None
            return isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.upper() in {"GET", "OPTIONS", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT", "PATCH"}
        return not method.startswith("_")
    if kind == FILE:
        return method in _FILE_METHODS
    if kind == PATH:
        return method in _PATH_METHODS
    if kind == BOTO3:
        return method not in _BOTO3_LOCAL_METHODS and method != "meta" and not method.startswith("_")
    if kind == DB_SESSION:
        return method in _SESSION_METHODS
    if kind == DB_ENGINE:
        return method in _ENGINE_METHODS
    return False


_DEFINITION_TYPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})


def _with_local_definitions(shadowed: frozenset[str], nodes: list[ast.AST]) -> frozenset[str]:
    """`shadowed` and the names of the functions and classes among a function's own `nodes`."""
    local_defs = {n.name for n in nodes if type(n) in _DEFINITION_TYPES}  # type: ignore[attr-defined]
    return shadowed | local_defs if local_defs else shadowed


def _names_local_file_io(name: str | None) -> bool:
    """True when the qualified `name` of a callee works on the local file system (`open`, `os.path.*`, `shutil.*`)."""
    return name is not None and (name in _LOCAL_FILE_FUNCTIONS or name.startswith(_LOCAL_FILE_PREFIXES))


class BlockingCalls:
    """Judges the calls of one function body: which are blocking I/O, and what each names."""

    def __init__(
        self,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        qualify: Qualify,
        shadowed: frozenset[str],
        module_kinds: Mapping[str, str | None],
        nodes: list[ast.AST] | None = None,
    ) -> None:
        """Learn the function's sync objects; `nodes` are its own nodes (`own_nodes`) when the caller already has them
        (its statements, `:=` and `except` clauses in source order suffice).

        `module_kinds` are the names the function sees from outside (the module's, or an enclosing
        function's for a nested one; None marks a name known to hold something else).
        """
        self._qualify = qualify
        own = list(own_nodes(function.body)) if nodes is None else nodes
        self.shadowed = _with_local_definitions(shadowed, own)
        # A name the function binds (a parameter, an assignment or loop target, ...) is its own local
        # everywhere in it: what the module bound to that name is not what the function uses.
        # name -> (line, kind or None) bindings: a name is what its last binding above made it.
        self._bindings: dict[str, list[tuple[int, str | None]]] = {name: [(0, kind)] for name, kind in module_kinds.items()}
        self._element_kinds: dict[str, str] = {}  # parameters annotated as containers of sync objects
        self._local_names: set[str] = set()  # every name the function itself binds
        arguments = function.args
        for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
            self._bindings[argument.arg] = [(0, self.annotation_kind(argument.annotation))]
            self._local_names.add(argument.arg)
            element = self._element_kind(argument.annotation)
            if element is not None:
                self._element_kinds[argument.arg] = element
        for extra in (arguments.vararg, arguments.kwarg):
            if extra is not None:
                self._bindings[extra.arg] = [(0, None)]
                self._local_names.add(extra.arg)
        parameters = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg) if a is not None}
        outer = set(module_kinds) - parameters
        declared_outside: set[str] = set()
        binding_types, learn = _BINDING_TYPES, self._learn
        for node in own:
            if type(node) in binding_types:
                learn(node)
            elif type(node) is ast.Global or type(node) is ast.Nonlocal:
                declared_outside.update(node.names)
        for name in outer - declared_outside:
            is_variable = name.removesuffix("()").isidentifier()  # not an attribute (`self.client`): those keep what the class made them
            if is_variable and len(self._bindings[name]) > 1:
                del self._bindings[name][0]  # bound in the function: the outer name is not visible in it

    def blocking_name(self, call: ast.Call) -> str | None:
        """The blocking call's name as shown in the message (`requests.get`, `client.post`), or None."""
        func = call.func
        qualified = _name_that_may_block(func, self._qualify, self.shadowed)
        if qualified is not None:
            if qualified in BLOCKING_FUNCTIONS:
                return qualified
            unbound = _UNBOUND_NAMES.get(qualified)
            if unbound is not None and self._is_unbound(qualified.partition(".")[0], func):
                return unbound
        if isinstance(func, ast.Attribute):
            kind = self.kind_of(func.value)
            if kind is not None and method_blocks(kind, func.attr, call):
                return f"{dotted_name(func.value) or kind}.{func.attr}" if dotted_name(func.value) else f"{kind_label(kind)}.{func.attr}"
        return None

    @property
    def local_names(self) -> frozenset[str]:
        """Every name the function binds itself (parameters, assignment and loop targets, imports): a nested function sees them."""
        return frozenset(self._local_names)

    def _is_unbound(self, head: str, func: ast.AST) -> bool:
        """True when `head` is neither imported nor bound by the module, the enclosing functions or this one."""
        return self._qualify(func) is None and head not in self.shadowed and head not in self._local_names and head not in self._bindings

    def is_metadata_check(self, call: ast.Call) -> bool:
        """True for a blocking call that only reads a path's metadata (`os.path.exists`, `Path.is_file`, `Path.resolve`)."""
        func = call.func
        if self._name_of(func) in _METADATA_FUNCTIONS:
            return True
        return isinstance(func, ast.Attribute) and func.attr in _PATH_METADATA_METHODS and self.kind_of(func.value) == PATH

    def is_local_file_io(self, call: ast.Call) -> bool:
        """True for a blocking call that works on the local file system (`open`, `os.path.exists`, `shutil.rmtree`, `Path.mkdir`, file methods)."""
        func = call.func
        if _names_local_file_io(self._name_of(func)):
            return True
        return isinstance(func, ast.Attribute) and self.kind_of(func.value) in (FILE, PATH)

    def kind_of(self, node: ast.AST) -> str | None:
        """The kind of sync object an expression evaluates to (None when unknown)."""
        if isinstance(node, ast.Name):
            return self._kind_at(node.id, node.lineno)
        if isinstance(node, ast.Attribute):  # `self.client`, `x.y`: what an attribute assignment or the class made it
            dotted = dotted_name(node)
            return self._kind_at(dotted, node.lineno) if dotted is not None and dotted in self._bindings else None
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                receiver = self.kind_of(func.value)
                if receiver == PATH:
                    return FILE if func.attr == "open" else PATH if func.attr in _PATH_DERIVING else None
                if func.attr == "client" and self._name_of(func.value) in ("boto3.Session", "boto3.session.Session"):
                    return BOTO3
                if func.attr == "client" and isinstance(func.value, ast.Call) and self._name_of(func.value.func) in ("boto3.Session", "boto3.session.Session"):
                    return BOTO3
            if type(func) is ast.Attribute and func.attr not in _OBJECT_KIND_TAILS:
                return None  # (a method named like no constructor of a sync object: see `_BLOCKING_TAILS`)
            name = self._name_of(func)
            if name in ("open",) and isinstance(func, ast.Name) and func.id in self.shadowed:
                return None
            kind = OBJECT_KINDS.get(name or "")
            if kind is None and isinstance(func, ast.Name) and f"{func.id}()" in self._bindings:
                return self._kind_at(f"{func.id}()", node.lineno)  # a function annotated `-> httpx.Client`
            return kind
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return PATH if self.kind_of(node.left) == PATH else None
        return None

    def annotation_kind(self, annotation: ast.AST | None) -> str | None:
        """The kind named by an annotation, looking through `Optional[...]`, `Union[...]` and `X | None`."""
        if annotation is None:
            return None
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            return self.annotation_kind(annotation.left) or self.annotation_kind(annotation.right)
        if isinstance(annotation, ast.Subscript) and self._name_of(annotation.value) in _WRAPPERS:
            inner = annotation.slice
            parts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return next((k for k in map(self.annotation_kind, parts) if k is not None), None)
        return OBJECT_KINDS.get(self._name_of(annotation) or "") if isinstance(annotation, (ast.Name, ast.Attribute)) else None

    def kinds_at(self, line: int) -> dict[str, str | None]:
        """What every name the function sees holds at `line`: the scope a function nested there closes over."""
        return {name: self._kind_at(name, line) for name in self._bindings}

    def _element_kind(self, annotation: ast.AST | None) -> str | None:
        """The kind of the items of a container annotation (`list[TextIOWrapper]`, `Sequence[httpx.Client]`, `tuple[X, ...]`)."""
        if not isinstance(annotation, ast.Subscript):
            return None
        container = (self._name_of(annotation.value) or "").rsplit(".", 1)[-1]
        inner = annotation.slice
        if container in ("tuple", "Tuple"):  # only `tuple[X, ...]` names one type for every item
            if isinstance(inner, ast.Tuple) and len(inner.elts) == 2 and isinstance(inner.elts[1], ast.Constant) and inner.elts[1].value is Ellipsis:
                return self.annotation_kind(inner.elts[0])
            return None
        return self.annotation_kind(inner) if container in _CONTAINER_TYPES else None

    def _learn(self, node: ast.AST) -> None:
        """Record what a binding statement makes of the names it binds (None: something that is no sync object)."""
        line = node.lineno  # type: ignore[attr-defined]
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._bind_target(target, node.value, line)
        elif isinstance(node, ast.AnnAssign):
            declared = dotted_name(node.target) if isinstance(node.target, (ast.Name, ast.Attribute)) else None
            if declared is not None:
                # `f: int = 7` declares another type: the name is no sync object from here on
                kind = self.annotation_kind(node.annotation) or (self.kind_of(node.value) if node.value is not None else None)
                self._bind(declared, line, kind)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self._bind_target(item.optional_vars, item.context_expr, line)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            # items of a container parameter not rebound above (its only binding is the parameter's)
            iterated = node.iter.id if isinstance(node.iter, ast.Name) else None
            element = self._element_kinds.get(iterated) if iterated is not None and len(self._bindings.get(iterated, ())) == 1 else None
            if element is not None and isinstance(node.target, ast.Name):
                self._bind(node.target.id, line, element)
            else:
                self._bind_target(node.target, None, line)
        elif isinstance(node, ast.NamedExpr):
            self._bind(node.target.id, line, self.kind_of(node.value))
        elif isinstance(node, ast.AugAssign):
            self._bind_target(node.target, None, line)
        elif isinstance(node, ast.ExceptHandler):
            if node.name:
                self._bind(node.name, line, None)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            kind = self.annotation_kind(node.returns) if isinstance(node, ast.FunctionDef) else None
            self._bind(f"{node.name}()", line, kind)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                self._bind(alias.asname or alias.name.split(".", 1)[0], line, None)

    def _bind_target(self, target: ast.AST, value: ast.AST | None, line: int) -> None:
        """Bind the names of an assignment target to what `value` makes (tuples element by element)."""
        if isinstance(target, ast.Name):
            self._bind(target.id, line, self.kind_of(value) if value is not None else None)
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts) and not any(isinstance(v, ast.Starred) for v in value.elts) else None
            for position, element in enumerate(target.elts):
                self._bind_target(element, values[position] if values is not None else None, line)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, None, line)
        elif isinstance(target, ast.Attribute):
            dotted = dotted_name(target)
            if dotted is not None:
                self._bind(dotted, line, self.kind_of(value) if value is not None else None)

    def _bind(self, name: str, line: int, kind: str | None) -> None:
        self._local_names.add(name)
        bindings = self._bindings.get(name)
        if bindings is not None:
            bindings.append((line, kind))
        elif kind is not None:  # a name that never held a sync object needs no record of holding something else
            self._bindings[name] = [(line, kind)]

    def _kind_at(self, name: str, line: int) -> str | None:
        """What `name` holds at `line`: its latest binding on an earlier line (or a parameter/outer binding)."""
        found: str | None = None
        found_line = -1
        for bound_line, kind in self._bindings.get(name, ()):
            if found_line <= bound_line < line:
                found, found_line = kind, bound_line
        return found

    def _name_of(self, node: ast.AST) -> str | None:
        return _qualified_name(node, self._qualify)


def _name_that_may_block(func: ast.expr, qualify: Qualify, shadowed: frozenset[str]) -> str | None:
    """The name the callee `func` stands for (`_qualified_name`) when it may name a blocking function; None for a name
    the module or the function rebinds, and for a method named like no blocking function (the name of `x.attr`
    resolved through imports ends with `.attr`)."""
    kind = type(func)
    if kind is ast.Name and func.id in shadowed:  # type: ignore[attr-defined]
        return None
    if kind is ast.Attribute and func.attr not in _BLOCKING_TAILS:  # type: ignore[attr-defined]
        return None
    return _qualified_name(func, qualify)


def _qualified_name(node: ast.AST, qualify: Qualify) -> str | None:
    """The name a Name/Attribute chain stands for: through `qualify` where it resolves, else as written (no `builtins.`)."""
    name = qualify(node) or dotted_name(node)
    return _without_builtins(name) if name is not None else None


def _without_builtins(name: str) -> str:
    """`name` without a leading `builtins.` (`builtins.open` is `open`)."""
    return name[len("builtins."):] if name.startswith("builtins.") else name


def object_making_names(imports: Mapping[str, str]) -> frozenset[str]:
    """The bare names whose call or annotation names a sync object's type (`OBJECT_KINDS`) when names are
    qualified through `imports` (`qualify_dotted`): `Client` after `from httpx import Client`, `open`."""
    candidates = {*imports, *(name for name in OBJECT_KINDS if "." not in name)}
    # (a bare name is qualified as `imports` map it, else it is itself: `_qualified_name` with `qualify_dotted`)
    return frozenset(name for name in candidates if _without_builtins(imports.get(name) or name) in OBJECT_KINDS)


def may_hold_sync_objects(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    nodes: list[ast.AST],
    calls: list[ast.Call],
    module_kinds: Mapping[str, str | None],
    object_makers: frozenset[str],
) -> bool:
    """False when no name or expression of the function can hold a sync object, so `BlockingCalls.kind_of` is None
    for every expression in it. `nodes` are its statements (as for `BlockingCalls`), `calls` all its own calls, and
    `object_makers` the bare names that make one (`object_making_names`); True may be wrong, False never is.

    (Every kind comes from an outer name's kind, an annotation naming a sync object's type, or a call of its
    constructor or of `<session>.client`: without any, no binding the function learns holds one.)"""
    return (
        any(kind is not None for kind in module_kinds.values())
        or _parameters_may_name_object(function, object_makers)
        or _calls_may_make_object(calls, object_makers)
        or _statements_may_name_object(nodes, object_makers)
    )


def _parameters_may_name_object(function: ast.FunctionDef | ast.AsyncFunctionDef, object_makers: frozenset[str]) -> bool:
    """False when no parameter's annotation names a sync object's type (or a container of them)."""
    arguments = function.args
    for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
        if argument.annotation is not None and _may_name_object(argument.annotation, object_makers):
            return True
    return False  # (`*args` and `**kwargs` are bound to no sync object whatever their annotations say)


def _calls_may_make_object(calls: list[ast.Call], object_makers: frozenset[str]) -> bool:
    """False when none of `calls` can make a sync object (given no name holds one)."""
    # (a method call makes one only when named as a constructor's last name; `client` is one, as boto3's `<session>.client` is named)
    name_type, attribute_type, attributes = ast.Name, ast.Attribute, _OBJECT_KIND_TAILS
    for call in calls:
        func = call.func
        kind = type(func)
        if kind is attribute_type:
            if func.attr in attributes:  # type: ignore[attr-defined]
                return True
        elif kind is name_type:
            if func.id in object_makers:  # type: ignore[attr-defined]
                return True
        else:
            return True  # (a call of a call or of a subscript: judged the long way)
    return False


def _statements_may_name_object(nodes: list[ast.AST], object_makers: frozenset[str]) -> bool:
    """False when no annotated assignment or nested function's return annotation among `nodes` names a sync object's type."""
    annotated_type, function_type = ast.AnnAssign, ast.FunctionDef
    for node in nodes:
        node_type = type(node)
        if node_type is annotated_type:
            if _may_name_object(node.annotation, object_makers):  # type: ignore[attr-defined]
                return True
        elif node_type is function_type and node.returns is not None and _may_name_object(node.returns, object_makers):  # type: ignore[attr-defined]
            return True
    return False


def _may_name_object(annotation: ast.expr, object_makers: frozenset[str]) -> bool:
    """False when `annotation` names no sync object's type, even inside `Optional[...]`, `X | Y` or a container."""
    kind = type(annotation)
    if kind is ast.Name:
        return annotation.id in object_makers  # type: ignore[attr-defined]
    if kind is ast.Attribute:
        return annotation.attr in _OBJECT_KIND_TAILS  # type: ignore[attr-defined]
    if kind is ast.BinOp:
        return _may_name_object(annotation.left, object_makers) or _may_name_object(annotation.right, object_makers)  # type: ignore[attr-defined]
    if kind is ast.Subscript:
        return _may_name_object(annotation.slice, object_makers)  # type: ignore[attr-defined]
    if kind is ast.Tuple:
        return any(_may_name_object(element, object_makers) for element in annotation.elts)  # type: ignore[attr-defined]
    return False


class BlockingCallsByName:
    """`BlockingCalls` for a function that holds no sync object (`may_hold_sync_objects` is False): calls judged by
    their names alone, without learning the function's bindings (learnt only for a name urllib's star import may bind)."""

    def __init__(
        self,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        qualify: Qualify,
        shadowed: frozenset[str],
        module_kinds: Mapping[str, str | None],
        nodes: list[ast.AST],
    ) -> None:
        """As `BlockingCalls`, with `nodes` required."""
        self._function, self._qualify, self._outer_shadowed, self._module_kinds, self._nodes = function, qualify, shadowed, module_kinds, nodes
        self.shadowed = _with_local_definitions(shadowed, nodes)
        self._learnt: BlockingCalls | None = None

    def blocking_name(self, call: ast.Call) -> str | None:
        """As `BlockingCalls.blocking_name` (no receiver holds a sync object here)."""
        qualified = _name_that_may_block(call.func, self._qualify, self.shadowed)
        if qualified in BLOCKING_FUNCTIONS:
            return qualified
        if qualified in _UNBOUND_NAMES:
            return self._learnt_calls().blocking_name(call)
        return None

    def is_local_file_io(self, call: ast.Call) -> bool:
        """As `BlockingCalls.is_local_file_io` (no receiver is a file or a path here)."""
        return _names_local_file_io(_qualified_name(call.func, self._qualify))

    def _learnt_calls(self) -> BlockingCalls:
        """The judge that has learnt the function's bindings (made on first use)."""
        if self._learnt is None:
            self._learnt = BlockingCalls(self._function, self._qualify, self._outer_shadowed, self._module_kinds, self._nodes)
        return self._learnt


def blocking_calls(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    qualify: Qualify,
    shadowed: frozenset[str],
    module_kinds: Mapping[str, str | None],
    nodes: list[ast.AST],
    calls: list[ast.Call],
    object_makers: frozenset[str],
) -> BlockingCalls | BlockingCallsByName:
    """The judge of a function's calls: `BlockingCallsByName` when it can hold no sync object, else `BlockingCalls`
    (`calls`, `object_makers`: see `may_hold_sync_objects`; names qualified through the imports `object_makers` came from)."""
    if may_hold_sync_objects(function, nodes, calls, module_kinds, object_makers):
        return BlockingCalls(function, qualify, shadowed, module_kinds, nodes)
    return BlockingCallsByName(function, qualify, shadowed, module_kinds, nodes)


def kind_label(kind: str) -> str:
    """A short name for an object of `kind` in a message."""
    return kind.replace(" ", "_")


_EMPTY_FUNCTION = ast.FunctionDef(name="<module>", args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]), body=[], decorator_list=[])


def module_object_kinds(module: ast.Module, qualify: Qualify) -> dict[str, str]:
    """Module-level names bound to sync objects (`client = httpx.Client()`); a later rebinding to anything else forgets them."""
    probe = BlockingCalls(_EMPTY_FUNCTION, qualify, frozenset(), {})
    kinds: dict[str, str] = {}
    for statement in module.body:
        targets: list[ast.expr] = []
        value: ast.AST | None = None
        kind: str | None = None
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
            kind = probe.kind_of(value)
        elif isinstance(statement, ast.AnnAssign):
            targets, value = [statement.target], statement.value
            kind = probe.annotation_kind(statement.annotation) or (probe.kind_of(value) if value is not None else None)
        elif isinstance(statement, ast.FunctionDef):  # `def get_client() -> httpx.Client:`: what a call of it makes
            targets, kind = [ast.Name(id=f"{statement.name}()")], probe.annotation_kind(statement.returns)
        for target in targets:
            if isinstance(target, ast.Name):
                if kind is None:
                    kinds.pop(target.id, None)
                else:
                    kinds[target.id] = kind
    return kinds


def instance_attribute_kinds(cls: ast.ClassDef, qualify: Qualify, module_kinds: Mapping[str, str | None]) -> dict[str, str]:
    """Attributes of a class's instances that hold a sync object wherever the class sets them
    (`self.session = requests.Session()` in `__init__`, `client: httpx.Client` in the class body)."""
    probe = BlockingCalls(_EMPTY_FUNCTION, qualify, frozenset(), module_kinds)
    found: dict[str, str | None] = {}

    def note(attribute: str, kind: str | None) -> None:
        found[attribute] = kind if found.get(attribute, kind) == kind else None  # set to two kinds: neither

    for statement in cls.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            note(statement.target.id, probe.annotation_kind(statement.annotation) or (probe.kind_of(statement.value) if statement.value is not None else None))
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    note(target.id, probe.kind_of(statement.value))
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.args.args:
            me = statement.args.args[0].arg
            nodes = list(own_nodes(statement.body))
            if not any(isinstance(n, (ast.Assign, ast.AnnAssign)) for n in nodes):
                continue
            method = BlockingCalls(statement, qualify, frozenset(), module_kinds, nodes)
            for node in nodes:
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == me:
                            note(target.attr, method.kind_of(node.value))
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Attribute) and isinstance(node.target.value, ast.Name) and node.target.value.id == me:
                    note(node.target.attr, method.annotation_kind(node.annotation) or (method.kind_of(node.value) if node.value is not None else None))
    return {attribute: kind for attribute, kind in found.items() if kind is not None}


def own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes of a function body, not entering nested functions, lambdas or classes (which are yielded themselves),
    without names' contexts and operators (`node_walk.own_node_list`)."""
    return iter(own_node_list(body))
