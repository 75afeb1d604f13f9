"""Which calls block the event loop: flake8-async's list (sync HTTP, subprocess, files, os.path,
`time.sleep`, `input`), sync client objects (httpx/requests/urllib3, boto3, SQLAlchemy sessions)
and their methods, known by constructor, annotation or `with ... as` target.

`BlockingCalls` judges the calls of one function. It needs only a way to qualify a name through
the imports in effect (`qualify`) and which bare names the module or function rebinds, so the
walker (RV302) and the project's call facts (`project/call_facts.py`) share it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from review_ls.engine.facts import dotted_name

Qualify = Callable[[ast.AST], "str | None"]

_HTTP_VERBS = ("get", "options", "head", "post", "put", "patch", "delete", "request")
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
        *(f"os.path.{name}" for name in ("abspath", "exists", "lexists", "isfile", "isdir", "islink", "ismount", "getsize",
                                         "getmtime", "getatime", "getctime", "realpath", "samefile", "sameopenfile", "samestat")),
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
# Local file-system work (opening, reading and writing files, stat, mkdir, copies, deletes): flagged
# where an `async def` does it itself; a blocking chain through project functions needs network,
# subprocess, sleep or database I/O (helpers that read a small config, prompt or id file are not
# worth a thread per call, and they were most of the chains on real applications, issue #15).
_LOCAL_FILE_FUNCTIONS = frozenset({"open", "io.open", "io.open_code", "os.fdopen", "os.walk"})
_LOCAL_FILE_PREFIXES = ("os.path.", "shutil.")
# File-system metadata checks: one stat-like system call on a path, no file content read or written.
_METADATA_FUNCTIONS = frozenset(
    f"os.path.{name}" for name in ("abspath", "exists", "lexists", "isfile", "isdir", "islink", "ismount", "getsize",
                                   "getmtime", "getatime", "getctime", "realpath", "samefile", "sameopenfile", "samestat")
)
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


class BlockingCalls:
    """Judges the calls of one function body: which are blocking I/O, and what each names."""

    def __init__(
        self,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        qualify: Qualify,
        shadowed: frozenset[str],
        module_kinds: dict[str, str],
        nodes: list[ast.AST] | None = None,
    ) -> None:
        """Learn the function's sync objects; `nodes` are its own nodes (`own_nodes`) when the caller already has them."""
        self._qualify = qualify
        own = list(own_nodes(function.body)) if nodes is None else nodes
        local_defs = {n.name for n in own if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        self._shadowed = shadowed | local_defs if local_defs else shadowed
        # name -> (line, kind or None) bindings in source order: a name is what its last binding above made it
        self._bindings: dict[str, list[tuple[int, str | None]]] = {name: [(0, kind)] for name, kind in module_kinds.items()}
        for argument in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs):
            kind = self.annotation_kind(argument.annotation)
            if kind is not None:
                self._bindings[argument.arg] = [(0, kind)]
        for node in own:
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith)):
                self._learn(node)

    def blocking_name(self, call: ast.Call) -> str | None:
        """The blocking call's name as shown in the message (`requests.get`, `client.post`), or None."""
        func = call.func
        if isinstance(func, ast.Name) and func.id in self._shadowed:
            return None
        qualified = self._name_of(func)
        if qualified in BLOCKING_FUNCTIONS:
            return qualified
        if isinstance(func, ast.Attribute):
            kind = self.kind_of(func.value)
            if kind is not None and method_blocks(kind, func.attr, call):
                return f"{dotted_name(func.value) or kind}.{func.attr}" if dotted_name(func.value) else f"{kind_label(kind)}.{func.attr}"
        return None

    def is_metadata_check(self, call: ast.Call) -> bool:
        """True for a blocking call that only reads a path's metadata (`os.path.exists`, `Path.is_file`, `Path.resolve`)."""
        func = call.func
        if self._name_of(func) in _METADATA_FUNCTIONS:
            return True
        return isinstance(func, ast.Attribute) and func.attr in _PATH_METADATA_METHODS and self.kind_of(func.value) == PATH

    def is_local_file_io(self, call: ast.Call) -> bool:
        """True for a blocking call that works on the local file system (`open`, `os.path.exists`, `shutil.rmtree`, `Path.mkdir`, file methods)."""
        func = call.func
        name = self._name_of(func)
        if name is not None and (name in _LOCAL_FILE_FUNCTIONS or name.startswith(_LOCAL_FILE_PREFIXES)):
            return True
        return isinstance(func, ast.Attribute) and self.kind_of(func.value) in (FILE, PATH)

    def kind_of(self, node: ast.AST) -> str | None:
        """The kind of sync object an expression evaluates to (None when unknown)."""
        if isinstance(node, ast.Name):
            return self._kind_at(node.id, node.lineno)
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
            name = self._name_of(func)
            if name in ("open",) and isinstance(func, ast.Name) and func.id in self._shadowed:
                return None
            return OBJECT_KINDS.get(name or "")
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

    def _learn(self, node: ast.AST) -> None:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            kind = self.kind_of(node.value)
            if kind is not None:
                self._bind(node.targets[0].id, node.lineno, kind)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            kind = self.annotation_kind(node.annotation) or (self.kind_of(node.value) if node.value is not None else None)
            # `f: int = 7` declares another type: the name is no sync object from here on
            self._bind(node.target.id, node.lineno, kind)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name):
                    kind = self.kind_of(item.context_expr)
                    if kind is not None:
                        self._bind(item.optional_vars.id, node.lineno, kind)

    def _bind(self, name: str, line: int, kind: str | None) -> None:
        self._bindings.setdefault(name, []).append((line, kind))

    def _kind_at(self, name: str, line: int) -> str | None:
        """What `name` holds at `line`: its last binding on an earlier line (or a parameter/module binding)."""
        found: str | None = None
        for bound_line, kind in self._bindings.get(name, ()):
            if bound_line < line or bound_line == 0:
                found = kind
        return found

    def _name_of(self, node: ast.AST) -> str | None:
        return self._qualify(node) or dotted_name(node)


def kind_label(kind: str) -> str:
    """A short name for an object of `kind` in a message."""
    return kind.replace(" ", "_")


def module_object_kinds(module: ast.Module, qualify: Qualify) -> dict[str, str]:
    """Module-level names bound to sync objects (`client = httpx.Client()`); a later rebinding to anything else forgets them."""
    probe = BlockingCalls(ast.FunctionDef(name="<module>", args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]), body=[], decorator_list=[]), qualify, frozenset(), {})
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
        for target in targets:
            if isinstance(target, ast.Name):
                if kind is None:
                    kinds.pop(target.id, None)
                else:
                    kinds[target.id] = kind
    return kinds


def own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes of a function body, not entering nested functions, lambdas or classes (which are yielded themselves)."""
    stack: list[ast.AST] = list(reversed(body))
    pop, push = stack.pop, stack.append
    node_base = ast.AST
    while stack:
        node = pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        # `ast.iter_child_nodes`, pushed last child first, without its per-node generators
        for name in _reversed_fields(type(node)):
            value = getattr(node, name, None)
            if type(value) is list:
                for item in reversed(value):
                    if isinstance(item, node_base):
                        push(item)
            elif isinstance(value, node_base):
                push(value)


_REVERSED_FIELDS: dict[type, tuple[str, ...]] = {}  # a cache, filled per node type on first use


def _reversed_fields(node_type: type) -> tuple[str, ...]:
    """The fields of a node type, last first."""
    fields = _REVERSED_FIELDS.get(node_type)
    if fields is None:
        fields = _REVERSED_FIELDS[node_type] = tuple(reversed(getattr(node_type, "_fields", ())))
    return fields
