"""Files: which calls read a whole file, which open one, and which iterables list files."""

from __future__ import annotations

import ast
import codecs
from collections.abc import Callable, Sequence
from typing import cast

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.facts import dotted_name
from review_ls.patterns.names import SCOPE_NODES

Qualifier = Callable[[ast.AST], "str | None"]
"""Resolves a Name/Attribute chain through the imports (`Context.qualified_name`), None if not imported."""

OPENER_FUNCTIONS = frozenset({"open", "io.open", "codecs.open", "gzip.open", "bz2.open", "lzma.open"})
NOT_FILE_OPENERS = frozenset(
    {"os.open", "webbrowser.open", "tarfile.open", "shelve.open", "dbm.open", "wave.open", "aifc.open", "sunau.open"}
)
WHOLE_READ_METHODS = frozenset({"read_text", "read_bytes", "read", "readlines"})
LISTING_FUNCTIONS = frozenset({"os.walk", "os.fwalk", "os.listdir", "os.scandir", "glob.glob", "glob.iglob"})
LISTING_METHODS = frozenset({"rglob", "glob", "iglob", "iterdir", "walk", "listdir", "scandir"})
LISTING_WRAPPERS = frozenset({"sorted", "list", "tuple", "set", "reversed", "enumerate", "tqdm", "tqdm.tqdm", "iter"})
PATH_LIST_NAMES = frozenset(
    {"paths", "files", "filenames", "file_names", "filepaths", "file_paths", "fnames", "file_list", "filelist", "path_list"}
)
PATH_LIST_SUFFIXES = ("_paths", "_files", "_filenames")
PATH_CONSTRUCTORS = frozenset(
    {"Path", "PurePath", "PosixPath", "WindowsPath", "pathlib", "os", "open", "io", "codecs", "importlib", "resources"}
)
MODULE_DUNDERS = frozenset({"__file__", "__package__", "__name__"})


@dataclass(frozen=True)
class FileRead:
    """A call that reads a whole file: `p.read_text()`, `p.read_bytes()`, `fh.read()`, `fh.readlines()`.

    `opener` is the call that opened the file for `read`/`readlines` (`open(p)`, `p.open()`), and
    `handle` the name it is bound to by an enclosing `with` (None when the read is chained onto
    the opener itself). `source` is the expression naming the file: the path for
    `read_text`/`read_bytes`, the opener call otherwise; `path` is the path alone (None when
    the opener takes no path argument).
    """

    call: ast.Call
    method: str
    source: ast.expr
    path: ast.expr | None
    opener: ast.Call | None = None
    handle: str | None = None

    @property
    def label(self) -> str:
        """How the read is shown in a message: `read_text()`, `fh.read()`, `open(...).read()`."""
        if self.handle is not None:
            return f"{self.handle}.{self.method}()"
        if self.opener is not None:
            callee = (dotted_name(self.opener.func) or "open").rsplit(".", 1)[-1]
            return f"{callee}(...).{self.method}()"
        return f"{self.method}()"


def is_opener(expr: ast.AST, qualify: Qualifier) -> bool:
    """True for calls that open a file object: `open(p)`, `io.open`, `gzip.open`, `p.open()`, `zf.open(name)`."""
    if not isinstance(expr, ast.Call):
        return False
    qualified = qualify(expr.func)
    if qualified is not None:
        return qualified in OPENER_FUNCTIONS
    func = expr.func
    if isinstance(func, ast.Name):
        return func.id == "open"
    return isinstance(func, ast.Attribute) and func.attr == "open" and dotted_name(func) not in NOT_FILE_OPENERS


def with_bound_opener(name: str, ancestors: Sequence[ast.AST], qualify: Qualifier) -> ast.Call | None:
    """The opener call an enclosing `with ... as name:` binds `name` to, if any."""
    for ancestor in reversed(ancestors):
        if isinstance(ancestor, SCOPE_NODES):
            return None
        if isinstance(ancestor, (ast.With, ast.AsyncWith)):
            for item in ancestor.items:
                target = item.optional_vars
                if isinstance(target, ast.Name) and target.id == name:
                    return item.context_expr if is_opener(item.context_expr, qualify) else None  # type: ignore[return-value]
    return None


def whole_file_read(call: ast.Call, ancestors: Sequence[ast.AST], qualify: Qualifier) -> FileRead | None:
    """Describe `call` if it reads a whole file (no size argument), else None."""
    func = call.func
    if type(func) is not ast.Attribute or func.attr not in WHOLE_READ_METHODS:
        return None
    method = func.attr
    if method in ("read_text", "read_bytes"):
        if method == "read_bytes" and (call.args or call.keywords):
            return None
        if call.args and not is_encoding_name(call.args[0]):
            return None  # `dist.read_text("METADATA")`: another API whose argument names a file
        return FileRead(call, method, func.value, func.value)
    if call.keywords or not _reads_everything(call.args):
        return None
    receiver = func.value
    if is_opener(receiver, qualify):
        return FileRead(call, method, receiver, opened_path(receiver, qualify), opener=receiver)  # type: ignore[arg-type]
    if isinstance(receiver, ast.Name):
        opener = with_bound_opener(receiver.id, ancestors, qualify)
        if opener is not None:
            return FileRead(call, method, opener, opened_path(opener, qualify), opener=opener, handle=receiver.id)
    return None


def is_method_opener(opener: ast.Call, qualify: Qualifier) -> bool:
    """True for `p.open(...)` (the path is the receiver), False for `open(p, ...)`-style functions."""
    return isinstance(opener.func, ast.Attribute) and qualify(opener.func) is None


def opened_path(opener: ast.Call, qualify: Qualifier) -> ast.expr | None:
    """The path an opener opens: the receiver of `p.open()`, the first argument of `open(p)`."""
    if is_method_opener(opener, qualify):
        return cast(ast.Attribute, opener.func).value
    return opener.args[0] if opener.args else None


def is_encoding_name(expr: ast.expr) -> bool:
    """True for a string literal that names a codec Python knows (`"utf-8"`, `"latin-1"`)."""
    if not (isinstance(expr, ast.Constant) and isinstance(expr.value, str)):
        return False
    try:
        codecs.lookup(expr.value)
    except LookupError:
        return False
    return True


def _reads_everything(args: Sequence[ast.expr]) -> bool:
    """True for `read()`, `read(-1)` and `read(None)` (no size limit)."""
    if not args:
        return True
    if len(args) != 1 or not isinstance(args[0], (ast.Constant, ast.UnaryOp)):
        return False
    value = args[0]
    if isinstance(value, ast.UnaryOp):
        return isinstance(value.op, ast.USub) and isinstance(value.operand, ast.Constant) and value.operand.value == 1
    return value.value is None


def opener_mode(opener: ast.Call, qualify: Qualifier) -> ast.expr | None | bool:
    """The mode argument of an opener call (None when absent; False when it cannot be told)."""
    index = 0 if is_method_opener(opener, qualify) else 1
    if any(isinstance(a, ast.Starred) for a in opener.args) or any(k.arg is None for k in opener.keywords):
        return False
    for keyword in opener.keywords:
        if keyword.arg == "mode":
            return keyword.value
    return opener.args[index] if len(opener.args) > index else None


def opens_text_with_universal_newlines(opener: ast.Call, qualify: Qualifier) -> bool:
    """True when the opener reads text (no 'b' in a literal mode) with the default newline handling."""
    if is_method_opener(opener, qualify) or qualify(opener.func) not in (None, "io.open"):
        return False  # `x.open()` may be a zip member (binary); gzip/bz2/lzma default to binary; codecs.open keeps \r\n
    mode = opener_mode(opener, qualify)
    if mode is False:
        return False
    if mode is not None and not (isinstance(mode, ast.Constant) and isinstance(mode.value, str) and set(mode.value) <= set("rt")):
        return False
    return len(opener.args) <= 5 and all(k.arg != "newline" for k in opener.keywords)


def is_file_listing(expr: ast.expr, qualify: Qualifier) -> bool:
    """True for iterables of files: `root.rglob(...)`, `os.walk(d)`, `os.listdir(d)`, `glob.glob(...)`,
    `iterdir()`, wrapped in `sorted`/`list`/`enumerate`/`tqdm`, and names like `paths` or `log_files`."""
    while True:
        if isinstance(expr, ast.Subscript):
            expr = expr.value
            continue
        if not isinstance(expr, ast.Call):
            break
        qualified = qualify(expr.func)
        if qualified in LISTING_FUNCTIONS:
            return True
        func = expr.func
        if qualified is None and isinstance(func, ast.Attribute) and func.attr in LISTING_METHODS:
            return True
        wrapper = qualified or dotted_name(func)
        if wrapper in LISTING_WRAPPERS and expr.args:
            expr = expr.args[0]
            continue
        if wrapper == "filter" and len(expr.args) == 2:
            expr = expr.args[1]
            continue
        return False
    name = expr.attr if isinstance(expr, ast.Attribute) else expr.id if isinstance(expr, ast.Name) else None
    if name is None:
        return False
    lowered = name.lower()
    return lowered in PATH_LIST_NAMES or lowered.endswith(PATH_LIST_SUFFIXES)


def is_fixed_path(expr: ast.expr) -> bool:
    """True for a path fixed in the code (`"setup.cfg"`, `Path(__file__).with_name("VERSION")`,
    `CONFIG_PATH`, `importlib.resources.files(__package__) / "words.txt"`): it names one known,
    usually small file rather than data."""
    has_literal = False
    for node in ast.walk(expr):
        if isinstance(node, ast.Name):
            fixed = node.id.isupper() or node.id in MODULE_DUNDERS
            if not fixed and node.id not in PATH_CONSTRUCTORS:
                return False
            has_literal = has_literal or fixed
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            has_literal = True
    return has_literal
