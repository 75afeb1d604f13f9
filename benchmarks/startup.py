"""Start-up cost, as pre-commit hooks and editors that restart servers feel it.

* `initialize`: spawn `python -m review_ls serve` -> the `initialize` reply (wall time, and the
  server's CPU time when the reply arrives, read from /proc);
* `first diagnostics`: in the same session, `initialized` and `didOpen` of a small file sent right
  after the reply -> its `publishDiagnostics` (from the spawn; it includes the rest of the server's
  import, which goes on after the early `initialize` reply);
* `check`: `review-ls check` of one small file, spawn -> exit (wall and CPU time of the process).

Each is repeated (`--repeat`); the median and the best run are printed, with the load average (the
machine may be shared: CPU time is the steadier figure). `ruff server` / `ruff check` are measured
beside them when ruff is installed. Targets: `initialize` <= 250 ms, `check` of a small file <= 120 ms.

Python runs with compiled bytecode, as an installed package does (pip compiles it; the extension's
bundle writes it on its first run): the cache goes to a temporary PYTHONPYCACHEPREFIX, filled by one
warm-up run. `--no-bytecode` measures compiling every module from source instead (what an editable
install under PYTHONDONTWRITEBYTECODE=1 does on every start).

    python benchmarks/startup.py [--repeat 7] [--no-ruff] [--no-bytecode]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SMALL_FILE = 'import os\n\n\ndef timeout() -> str:\n    return os.getenv("TIMEOUT", "10")\n'


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _frame(message: dict[str, object]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _read_message(stream: object) -> dict[str, object]:
    length = 0
    while True:
        line = stream.readline()  # type: ignore[attr-defined]
        if not line:
            raise RuntimeError("the server closed its output before answering")
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    result: dict[str, object] = json.loads(stream.read(length))  # type: ignore[attr-defined]
    return result


def time_session(command: list[str], folder: Path, env: dict[str, str]) -> tuple[tuple[float, float], tuple[float, float]]:
    """(wall ms, server CPU ms) from spawning the server to its `initialize` reply, and to the first diagnostics of small.py."""
    params = {"processId": os.getpid(), "rootUri": folder.as_uri(), "capabilities": {}, "workspaceFolders": [{"uri": folder.as_uri(), "name": "w"}]}
    started = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=folder, env=env)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(_frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}))
    process.stdin.flush()
    while "id" not in _read_message(process.stdout):  # notifications (log messages) may come first
        pass
    initialize = ((time.perf_counter() - started) * 1000, cpu_seconds(process.pid) * 1000)
    uri = (folder / "small.py").as_uri()
    document = {"uri": uri, "languageId": "python", "version": 1, "text": SMALL_FILE}
    process.stdin.write(_frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
    process.stdin.write(_frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": document}}))
    process.stdin.flush()
    while True:
        message = _read_message(process.stdout)
        if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:  # type: ignore[index]
            break
    diagnostics = ((time.perf_counter() - started) * 1000, cpu_seconds(process.pid) * 1000)
    process.stdin.write(_frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None}))
    process.stdin.write(_frame({"jsonrpc": "2.0", "method": "exit", "params": None}))
    process.stdin.flush()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return initialize, diagnostics


def time_check(command: list[str], folder: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall ms, CPU ms) of one check run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)
    wall = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000


def summary(samples: list[tuple[float, float]]) -> str:
    """Median and best of wall and CPU ms."""
    walls, cpus = [s[0] for s in samples], [s[1] for s in samples]
    return f"wall {statistics.median(walls):6.0f} (best {min(walls):4.0f}) ms   CPU {statistics.median(cpus):6.0f} (best {min(cpus):4.0f}) ms"


def main() -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs of each measurement (default: %(default)s)")
    parser.add_argument("--no-ruff", action="store_true", help="do not measure ruff beside review-ls")
    parser.add_argument("--no-bytecode", action="store_true", help="compile every module from source on each start (no bytecode cache)")
    arguments = parser.parse_args()
    ruff = None if arguments.no_ruff else shutil.which("ruff")
    with tempfile.TemporaryDirectory() as workspace, tempfile.TemporaryDirectory() as bytecode:
        folder = Path(workspace)
        (folder / "small.py").write_text(SMALL_FILE)
        env = dict(os.environ)
        if arguments.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = bytecode
        serve = [sys.executable, "-m", "review_ls", "serve", "--log-level", "warning"]
        check = [sys.executable, "-m", "review_ls", "check", "--no-cache", "small.py"]
        servers = [("review-ls", serve)] + ([("ruff server", [ruff, "server"])] if ruff else [])
        checks = [("review-ls check small.py", check)] + ([("ruff check small.py", [ruff, "check", "--no-cache", "small.py"])] if ruff else [])
        time_session(serve, folder, env)  # warm-up: writes the bytecode cache
        time_check(check, folder, env)
        print(f"load average {os.getloadavg()[0]:.2f}; {arguments.repeat} runs each; {'no bytecode' if arguments.no_bytecode else 'bytecode cached'}")
        for name, command in servers:
            sessions = [time_session(command, folder, env) for _ in range(arguments.repeat)]
            print(f"{name + ' initialize':34s} {summary([s[0] for s in sessions])}")
            print(f"{name + ' first diagnostics':34s} {summary([s[1] for s in sessions])}")
        for name, command in checks:
            print(f"{name:34s} {summary([time_check(command, folder, env) for _ in range(arguments.repeat)])}")
        print(f"load average {os.getloadavg()[0]:.2f}")
    print("targets: initialize <= 250 ms, check of a small file <= 120 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
