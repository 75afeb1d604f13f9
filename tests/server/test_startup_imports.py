"""Start-up: the server answers `initialize` before pygls is imported, and loads the rest after it.

Editors restart servers and wait for the `initialize` reply. On stdio the reply is written while
pygls is still being imported (server/stdio_start.py); when pygls answers instead (another first
message, or an unusual request), the rules, the project model, the fix engine (libcst) and jedi
still load only after it (benchmarks/startup.py measures the times).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from review_ls.server.early_initialize import initialize_reply

HEAVY = ("review_ls.project.index", "review_ls.engine.fixes", "review_ls.docs", "libcst", "jedi", "review_ls.rules.")
CATALOG = "review_ls.rules._catalog"  # the registry's table of codes: data, no rule

INITIALIZE = """
import sys
from lsprotocol import types
from review_ls.server.app import create_server

server = create_server()
steps = server.protocol.lsp_initialize(types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri="file:///tmp"))
handler, arguments, _ = next(steps)  # pygls's own part, then the server's initialize handler
handler(*arguments)
try:
    next(steps)
except StopIteration as done:
    assert done.value.capabilities.text_document_sync is not None  # the reply
print("\\n".join(sorted(sys.modules)))
"""


def _modules_after(program: str) -> list[str]:
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout.split()


def test_answering_initialize_loads_no_rules_index_or_fix_engine() -> None:
    loaded = _modules_after(INITIALIZE)
    assert "review_ls.server.session" in loaded, "the program ran"
    assert [name for name in loaded if name.startswith(HEAVY) and name != CATALOG] == []


def test_importing_the_package_loads_only_the_package() -> None:
    loaded = _modules_after("import sys, review_ls\nprint('\\n'.join(sorted(sys.modules)))")
    assert [name for name in loaded if name.startswith("review_ls")] == ["review_ls"]


def test_the_public_api_is_there_on_first_use() -> None:
    program = "import review_ls\nprint(review_ls.analyse_source('x = 1\\n', 'm.py').findings, review_ls.Rule.__name__, 'Fix' in dir(review_ls))"
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["()", "Rule", "True"]


# The server as `review-ls serve` runs it, with the import of the pygls server held until the test
# writes to the gate pipe; the modules loaded by then (the early path's own) are written to a file.
GATED_SERVE = """
import os, sys
from importlib.abc import MetaPathFinder

class Gate(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "review_ls.server.app":
            sys.meta_path.remove(self)
            os.read(int(os.environ["GATE_FD"]), 1)
            with open(os.environ["LOADED_FILE"], "w") as loaded:
                loaded.write("\\n".join(sorted(sys.modules)))
        return None

sys.meta_path.insert(0, Gate())
from review_ls.cli import main
raise SystemExit(main(["serve", "--log-level", "warning"]))
"""
# A deadlock guard, not a timing assertion: a reply that never comes fails the test instead of hanging it.
NO_REPLY_AFTER = 120
INITIALIZE_PARAMS: dict[str, Any] = {"processId": None, "rootUri": None, "capabilities": {"textDocument": {"diagnostic": {}}}}


def _frame(message: object) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _read_frames(stream: IO[bytes], into: queue.Queue[tuple[bytes, dict[str, Any]] | None]) -> None:
    """Put each frame the server writes (raw bytes, decoded body) on the queue; None at the end."""
    while True:
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            line = stream.readline()
            if not line:
                into.put(None)
                return
            header += line
        length = next(int(line.split(b":")[1]) for line in header.split(b"\r\n") if line.lower().startswith(b"content-length"))
        body = stream.read(length)
        into.put((header + body, json.loads(body)))


class ServerProcess:
    """A `review-ls serve` process and the frames it has written."""

    def __init__(self, program: list[str], env: dict[str, str] | None = None, pass_fds: tuple[int, ...] = ()) -> None:
        self.process = subprocess.Popen(program, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, pass_fds=pass_fds)
        self.frames: queue.Queue[tuple[bytes, dict[str, Any]] | None] = queue.Queue()
        assert self.process.stdout is not None
        threading.Thread(target=_read_frames, args=(self.process.stdout, self.frames), daemon=True).start()

    def send(self, *messages: object) -> None:
        """Write messages (or raw frames, given as bytes) to the server."""
        assert self.process.stdin is not None
        for message in messages:
            self.process.stdin.write(message if isinstance(message, bytes) else _frame(message))
        self.process.stdin.flush()

    def next_response(self) -> tuple[bytes, dict[str, Any]]:
        """The next frame that is a response (notifications skipped)."""
        while True:
            item = self.frames.get(timeout=NO_REPLY_AFTER)
            assert item is not None, "the server closed its output"
            if "method" not in item[1]:
                return item

    def finish(self) -> tuple[list[dict[str, Any]], str]:
        """Shut the server down; the responses it wrote after the shutdown's, and its stderr."""
        self.send({"jsonrpc": "2.0", "id": "bye", "method": "shutdown"}, {"jsonrpc": "2.0", "method": "exit"})
        assert self.next_response()[1]["id"] == "bye"
        assert self.process.stderr is not None
        stderr = self.process.stderr.read().decode()
        self.process.wait(timeout=NO_REPLY_AFTER)
        rest = []
        while (item := self.frames.get(timeout=NO_REPLY_AFTER)) is not None:
            rest.append(item[1])
        return [m for m in rest if "method" not in m], stderr


def test_initialize_is_answered_before_pygls_is_imported_and_only_once(tmp_path: Path) -> None:
    gate_read, gate_write = os.pipe()
    loaded_file = tmp_path / "loaded.txt"
    env = {**os.environ, "GATE_FD": str(gate_read), "LOADED_FILE": str(loaded_file)}
    server = ServerProcess([sys.executable, "-c", GATED_SERVE], env, pass_fds=(gate_read,))
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": INITIALIZE_PARAMS}
    server.send(initialize)
    raw, reply = server.next_response()  # while the server's import is held at the gate
    expected = initialize_reply(initialize)
    assert expected is not None and raw == expected[1]
    assert reply["result"]["capabilities"]["diagnosticProvider"]["identifier"] == "review-ls"
    os.write(gate_write, b"x")
    server.send({"jsonrpc": "2.0", "method": "initialized", "params": {}}, {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///nowhere.py"}, "position": {"line": 0, "character": 0}}})
    assert server.next_response()[1] == {"id": 2, "jsonrpc": "2.0", "result": None}  # pygls serves the session
    later, stderr = server.finish()
    assert later == [], "pygls's own reply to initialize was dropped"
    assert "differs" not in stderr
    loaded = loaded_file.read_text().split()
    assert [name for name in loaded if name.split(".")[0] in ("pygls", "lsprotocol", "cattrs", "attrs", "attr", "asyncio", "libcst", "jedi")] == []
    early_path = {"review_ls", "review_ls.cli", "review_ls.output", "review_ls.server", "review_ls.server.stdio_start", "review_ls.server.early_initialize", "review_ls.server.option_section", "review_ls.server.framing"}
    assert {name for name in loaded if name.startswith("review_ls")} <= early_path


def _serve(env: dict[str, str] | None = None) -> ServerProcess:
    return ServerProcess([sys.executable, "-m", "review_ls", "serve", "--log-level", "warning"], env)


def test_a_server_answers_initialize_once_through_pygls_when_the_first_message_is_something_else() -> None:
    server = _serve()
    server.send({"jsonrpc": "2.0", "id": "early", "method": "workspace/executeCommand", "params": {"command": "review-ls.explainRule", "arguments": ["RV201"]}})
    server.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": INITIALIZE_PARAMS})
    assert server.next_response()[1]["id"] == "early"
    raw, _ = server.next_response()
    expected = initialize_reply({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": INITIALIZE_PARAMS})
    assert expected is not None and raw == expected[1]
    assert server.finish()[0] == []


def test_a_first_frame_that_is_not_json_gets_pygls_parse_error_and_initialize_still_works() -> None:
    server = _serve()
    server.send(b"Content-Length: 5\r\n\r\n{nope", {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": INITIALIZE_PARAMS})
    assert server.next_response()[1]["error"]["code"] == -32700
    assert server.next_response()[1]["result"]["capabilities"]["positionEncoding"] == "utf-16"
    assert server.finish()[0] == []


def test_an_initialize_the_builder_does_not_handle_is_answered_by_pygls() -> None:
    params = {**INITIALIZE_PARAMS, "capabilities": {"general": {"positionEncodings": "utf-8"}}}  # not a list
    server = _serve()
    server.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params})
    assert initialize_reply({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}) is None
    assert server.next_response()[1]["result"]["capabilities"]["positionEncoding"] == "utf-16"  # pygls's reading of it
    assert server.finish()[0] == []


def test_the_early_reply_can_be_turned_off() -> None:
    server = _serve({**os.environ, "REVIEW_LS_EARLY_INITIALIZE": "0"})
    server.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": INITIALIZE_PARAMS})
    assert server.next_response()[1]["result"]["serverInfo"]["name"] == "review-ls"
    assert server.finish()[0] == []
