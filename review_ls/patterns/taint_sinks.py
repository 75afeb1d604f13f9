"""Calls where request data does harm: file-path sinks (RV601) and outbound URLs (RV602).

`file_sink` and `url_sink` take a call and a qualifier (callee expression -> absolute dotted name
through the module's imports) and return the sink's short name and the argument that must not be
caller-controlled, or None.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.facts import dotted_name

Qualifier = Callable[[ast.expr], "str | None"]

FILE = "file"
URL = "url"

_FILE_FUNCTIONS = frozenset(
    {
        "open", "io.open", "os.open", "codecs.open", "aiofiles.open", "anyio.open_file", "os.remove", "os.unlink",
        "os.rmdir", "os.removedirs", "os.listdir", "os.scandir", "os.walk", "os.rename", "os.replace", "os.makedirs",
        "os.mkdir", "os.truncate", "os.chmod", "shutil.rmtree", "shutil.copy", "shutil.copy2", "shutil.copyfile",
        "shutil.copytree", "shutil.move", "shutil.unpack_archive", "shutil.make_archive", "flask.send_file",
        "quart.send_file", "send_file", "tarfile.open", "zipfile.ZipFile", "aiofiles.os.remove", "aiofiles.os.unlink",
        "flask.send_from_directory", "send_from_directory", "quart.send_from_directory", "werkzeug.utils.send_from_directory",
        "django.http.FileResponse", "starlette.responses.FileResponse", "fastapi.responses.FileResponse",
        "aiohttp.web.FileResponse", "litestar.response.File", "sanic.response.file", "sanic.response.file_stream",
    }
)
_FILE_CLASS_SUFFIXES = ("FileResponse",)
_PATH_METHODS = frozenset(
    {"open", "read_text", "read_bytes", "write_text", "write_bytes", "unlink", "rmdir", "iterdir", "glob", "rglob", "touch", "rename"}
)
_PATH_KEYWORDS = ("path", "file", "filename", "filepath", "src", "name")
_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")
_OUTBOUND_FUNCTIONS = frozenset(
    {
        *(f"{module}.{verb}" for module in ("requests", "httpx") for verb in _HTTP_VERBS),
        "urllib.request.urlopen",
        "urllib.request.Request",
        "urllib.request.urlretrieve",
        "urllib3.request",
        "aiohttp.request",
    }
)
_CLIENT_METHODS = frozenset({*_HTTP_VERBS, "build_request", "fetch", "ws_connect", "websocket_connect", "urlopen"})
_METHOD_FIRST = frozenset({"request", "stream", "build_request"})
_CLIENT_WORDS = ("client", "http", "upstream", "proxy", "requests")
# Receivers named like this are often not HTTP clients (`db.session.get(Model, id)`, `api.get(key)`):
# a call on them counts only when the argument is visibly a URL built from the request data.
_WEAK_CLIENT_WORDS = ("session", "api", "pool")


# The last names of every sink callee: a function calling none of them has no sink of its own.
SINK_CANDIDATES = frozenset(
    {name.rsplit(".", 1)[-1] for name in _FILE_FUNCTIONS}
    | _PATH_METHODS
    | {"FileResponse"}
    | {name.rsplit(".", 1)[-1] for name in _OUTBOUND_FUNCTIONS}
    | _CLIENT_METHODS
)


_FILE_SHORT_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in _FILE_FUNCTIONS) | _PATH_METHODS | {"FileResponse"}
_HTTP_MODULES = ("requests", "httpx", "urllib", "aiohttp", "urllib3")


def may_be_sink(call: ast.Call) -> bool:
    """A cheap syntactic pre-check: False when `call` cannot be a file or URL sink (most calls)."""
    func = call.func
    short = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if short in _FILE_SHORT_NAMES:
        return True
    if short not in SINK_CANDIDATES:
        return False
    if not isinstance(func, ast.Attribute):
        return True
    receiver = (dotted_name(func.value) or "").lower()
    return receiver.startswith(_HTTP_MODULES) or any(word in receiver for word in (*_CLIENT_WORDS, *_WEAK_CLIENT_WORDS))


@dataclass(frozen=True)
class Sink:
    """A call that uses one of its arguments as a file path or a URL (`weak`: a guess from the receiver's name)."""

    kind: str
    name: str
    argument: ast.expr
    weak: bool = False


def file_sink(call: ast.Call, qualify: Qualifier) -> Sink | None:
    """The path argument of a call that opens, serves, lists, moves or deletes a file (None otherwise)."""
    qualified = qualify(call.func)
    name = qualified or dotted_name(call.func) or ""
    short = name.rsplit(".", 1)[-1]
    if name in _FILE_FUNCTIONS or (qualified is not None and short.endswith(_FILE_CLASS_SUFFIXES)) or short in ("FileResponse",):
        argument = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in (*_PATH_KEYWORDS, "directory")), None)
        return Sink(FILE, short, argument) if argument is not None else None
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _PATH_METHODS and qualified is None:
        return Sink(FILE, func.attr, func.value)
    return None


def url_sink(call: ast.Call, qualify: Qualifier) -> Sink | None:
    """The URL argument of an outbound HTTP call (`requests.get(url)`, `client.post(url)`, `urlopen(url)`), or None."""
    keyword = next((k.value for k in call.keywords if k.arg == "url"), None)
    qualified = qualify(call.func)
    if qualified in _OUTBOUND_FUNCTIONS:
        short = qualified.rsplit(".", 1)[-1]
        index = 1 if short in _METHOD_FIRST else 0
        argument = call.args[index] if len(call.args) > index else keyword
        return Sink(URL, qualified, argument) if argument is not None else None
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in _CLIENT_METHODS or qualified is not None:
        return None
    receiver = (dotted_name(func.value) or ast.unparse(func.value) if isinstance(func.value, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)) else "").lower()
    strong = any(word in receiver for word in _CLIENT_WORDS)
    if not strong and not any(word in receiver for word in _WEAK_CLIENT_WORDS):
        return None
    index = 1 if func.attr in _METHOD_FIRST else 0
    argument = call.args[index] if len(call.args) > index else keyword
    return Sink(URL, f"{dotted_name(func.value) or 'client'}.{func.attr}", argument, weak=not strong) if argument is not None else None
