"""The typing-trace mode of `lsp_latency.py`: keys in seeded bursts and pauses, as people type.

One run per server (review-ls, then `ruff server` if ruff is installed), each over a copy of the file
in a fresh workspace folder. Two states are typed, one after the other, on the same document:

* **parses**: every burst types letters at the end of a name, so the file keeps parsing;
* **broken**: every burst types letters right after a `def` keyword (`def` -> `defx` ...), so the file
  does not parse while the keys arrive; after the burst the letters are deleted again (an untimed
  change), as when the user finishes the line.

Bursts have 3-8 keys 80-150 ms apart, with pauses of 0.2-2 s before them. Keys are sent on schedule,
without waiting for answers; a key's latency runs from its `didChange` to the first
`publishDiagnostics` for its version or a newer one. CPU per edit is the server process's CPU time
over the state (including background work up to 2.5 s after the last key) divided by the changes
sent. Columns are computed on the file's text as str indexes, which equal UTF-16 columns for ASCII
files such as `_pydecimal.py`.
"""

from __future__ import annotations

import asyncio
import keyword
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

STATES = ("parses", "broken")
PAUSE_BUCKETS = ((0.0, 0.2), (0.2, 0.3), (0.3, 0.4), (0.4, 0.6), (0.6, 1.0), (1.0, 2.01))
DRAIN_SECONDS = 2.5
_NAME_END = re.compile(r"[A-Za-z_]\w*\b")
_DEF = re.compile(r"^\s*def ")


@dataclass(frozen=True)
class Change:
    """One planned `didChange`: insert `text` at (line, column) replacing `length` characters, `at` seconds into the state."""

    at: float
    pause: float
    line: int
    column: int
    length: int
    text: str
    timed: bool


def plan_state(lines: list[str], state: str, bursts: int, rng: random.Random) -> list[Change]:
    """The changes of one state: `bursts` bursts at distinct sites spread over the file."""
    if state == "parses":
        sites = [(i, name.end()) for i, line in enumerate(lines) if (name := _first_name(line)) is not None]
    else:
        sites = [(i, line.index("def ") + 3) for i, line in enumerate(lines) if _DEF.match(line)]
    chosen = sorted(rng.sample(sites, min(bursts, len(sites))), key=lambda site: rng.random())
    changes: list[Change] = []
    clock = 0.0
    for line, column in chosen:
        pause = rng.uniform(0.2, 2.0)
        clock += pause
        keys = rng.randint(3, 8)
        for key in range(keys):
            gap = pause if key == 0 else rng.uniform(0.08, 0.15)
            clock += 0 if key == 0 else gap
            changes.append(Change(clock, gap, line, column + key, 0, rng.choice("abcdefghijklmnopqrstuvwxyz"), True))
        if state == "broken":
            clock += rng.uniform(0.08, 0.15)
            changes.append(Change(clock, 0.0, line, column, keys, "", False))  # the line is finished: parses again
    return changes


def _first_name(line: str) -> re.Match[str] | None:
    """The first name on a code line that is not a keyword (typing at its end keeps the file parsing)."""
    if line.lstrip().startswith(("#", "def ", "class ")):
        return None
    return next((m for m in _NAME_END.finditer(line) if not keyword.iskeyword(m.group()) and not keyword.issoftkeyword(m.group())), None)


class TraceClient(LanguageClient):
    """Notes when diagnostics arrive, per version, and when the server's start-up progress ends."""

    def __init__(self) -> None:
        super().__init__("review-ls-typing-trace", "1")
        self.arrivals: list[tuple[float, int | None]] = []
        self.progress_ended = asyncio.Event()
        self.published = asyncio.Event()


def make_client() -> TraceClient:
    """The trace's client, with handlers for diagnostics and work-done progress."""
    client = TraceClient()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        client.arrivals.append((time.perf_counter(), params.version))
        client.published.set()

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def create_progress(params: types.WorkDoneProgressCreateParams) -> None:
        return None

    @client.feature(types.PROGRESS)
    def progress(params: types.ProgressParams) -> None:
        value = params.value if isinstance(params.value, dict) else {}
        if value.get("kind") == "end":
            client.progress_ended.set()

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def show_message(params: types.ShowMessageParams) -> None:
        print(f"server says: {params.message}", file=sys.stderr)

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def log_message(params: types.LogMessageParams) -> None:
        return None

    return client


@dataclass
class ServerRun:
    """What one server's run measured."""

    name: str
    initialize_ms: float = 0.0
    open_ms: float = 0.0
    keys: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # state -> (pause, latency ms)
    cpu_per_edit_ms: dict[str, float] = field(default_factory=dict)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_until(event: asyncio.Event, condition: object, timeout: float) -> bool:
    """Wait until `condition()` holds, re-checking whenever `event` fires; False on timeout."""

    async def poll() -> None:
        while not condition():  # type: ignore[operator]
            event.clear()
            await event.wait()

    try:
        await asyncio.wait_for(poll(), timeout)
    except asyncio.TimeoutError:
        return False
    return True


def key_latency(arrivals: list[tuple[float, int | None]], sent: float, version: int) -> float | None:
    """ms from `sent` to the first publication of `version` or newer."""
    for when, published in arrivals:
        if when >= sent and published is not None and published >= version:
            return (when - sent) * 1000
    return None


async def run_server(name: str, command: list[str], path: Path, plans: dict[str, list[Change]], warm_up: bool) -> ServerRun:
    """Start one server, open the file, type every state's plan; return the measurements."""
    run = ServerRun(name)
    client = make_client()
    with tempfile.TemporaryDirectory() as workspace:
        copy = Path(workspace) / path.name
        shutil.copy(path, copy)
        text = copy.read_text(encoding="utf-8")
        spawned = time.perf_counter()
        await client.start_io(*command)
        process = client._server  # the asyncio subprocess: its pid is needed for CPU time
        assert process is not None and process.stderr is not None
        drain = asyncio.create_task(_drain(process.stderr))
        capabilities = types.ClientCapabilities(
            window=types.WindowClientCapabilities(work_done_progress=True),
            text_document=types.TextDocumentClientCapabilities(
                publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
                synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
            ),
        )
        folder = types.WorkspaceFolder(uri=Path(workspace).as_uri(), name="trace")
        await client.initialize_async(
            types.InitializeParams(capabilities=capabilities, root_uri=folder.uri, workspace_folders=[folder], process_id=os.getpid())
        )
        run.initialize_ms = (time.perf_counter() - spawned) * 1000
        client.initialized(types.InitializedParams())
        if warm_up:
            await wait_until(client.progress_ended, client.progress_ended.is_set, 120.0)
        else:
            await asyncio.sleep(1.0)
        uri = copy.as_uri()
        opened = time.perf_counter()
        item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        await wait_until(client.published, lambda: key_latency(client.arrivals, opened, 1) is not None, 120.0)
        run.open_ms = key_latency(client.arrivals, opened, 1) or float("nan")
        await asyncio.sleep(DRAIN_SECONDS)
        version = 1
        for state in STATES:
            cpu_before = cpu_seconds(process.pid)
            sent: list[tuple[Change, int, float]] = []
            start = time.perf_counter()
            for change in plans[state]:
                delay = start + change.at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                version += 1
                here = types.Position(line=change.line, character=change.column)
                until = types.Position(line=change.line, character=change.column + change.length)
                content = types.TextDocumentContentChangePartial(range=types.Range(start=here, end=until), text=change.text)
                identifier = types.VersionedTextDocumentIdentifier(uri=uri, version=version)
                sent.append((change, version, time.perf_counter()))
                client.text_document_did_change(types.DidChangeTextDocumentParams(text_document=identifier, content_changes=[content]))
            await wait_until(client.published, lambda: key_latency(client.arrivals, sent[-1][2], version) is not None, 60.0)
            await asyncio.sleep(DRAIN_SECONDS)
            run.cpu_per_edit_ms[state] = (cpu_seconds(process.pid) - cpu_before) * 1000 / len(sent)
            latencies = []
            for change, number, when in sent:
                latency = key_latency(client.arrivals, when, number)
                if change.timed and latency is not None:
                    latencies.append((change.pause, latency))
            missing = sum(change.timed for change, _, _ in sent) - len(latencies)
            if missing:
                print(f"{name} {state}: {missing} keys never got diagnostics", file=sys.stderr)
            run.keys[state] = latencies
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
        drain.cancel()
    return run


async def _drain(stream: asyncio.StreamReader) -> None:
    """Read a server's stderr so that a chatty server never blocks on a full pipe."""
    while await stream.read(65536):
        pass


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


def summary(latencies: list[float]) -> str:
    """p50 / p95 / p99 in ms."""
    if not latencies:
        return "-"
    return f"{statistics.median(latencies):6.1f} / {percentile(latencies, 0.95):6.1f} / {percentile(latencies, 0.99):6.1f}"


def print_report(path: Path, runs: list[ServerRun], bursts: int, seed: int) -> None:
    """The comparison table, then the breakdown by pause."""
    lines = path.read_text(encoding="utf-8").count("\n")
    print(f"file: {path} ({lines:,} lines); {bursts} bursts per state, seed {seed}")
    header = f"{'':28s}" + "".join(f"{run.name:>28s}" for run in runs)
    print(header)
    print(f"{'initialize (spawn -> reply)':28s}" + "".join(f"{run.initialize_ms:25.1f} ms" for run in runs))
    print(f"{'open (didOpen -> publish)':28s}" + "".join(f"{run.open_ms:25.1f} ms" for run in runs))
    for state in STATES:
        print(f"{state + ' key p50/p95/p99':28s}" + "".join(f"{summary([l for _, l in run.keys[state]]):>25s} ms" for run in runs))
        print(f"{state + ' CPU per edit':28s}" + "".join(f"{run.cpu_per_edit_ms[state]:25.1f} ms" for run in runs))
    print("\nby the pause before the key: median / max ms (keys)")
    for state in STATES:
        for low, high in PAUSE_BUCKETS:
            cells = []
            for run in runs:
                inside = [latency for pause, latency in run.keys[state] if low <= pause < high]
                cells.append(f"{statistics.median(inside):7.1f} / {max(inside):7.1f} ({len(inside):3d})" if inside else "-")
            print(f"  {state:7s} {low:4.2f}-{min(high, 2.0):4.2f} s" + "".join(f"{cell:>28s}" for cell in cells))
    print("\ntargets (review-ls): key p95 <= 20 ms, p99 <= 40 ms, open <= 100 ms, CPU per edit <= 30 ms, initialize <= 250 ms")


def run_traces(path: Path, bursts: int, seed: int, with_ruff: bool) -> int:
    """Measure review-ls (and ruff) on the same typing plan; print the tables."""
    lines = path.read_text(encoding="utf-8").split("\n")
    rng = random.Random(seed)
    plans = {state: plan_state(lines, state, bursts, rng) for state in STATES}
    runs = [asyncio.run(run_server("review-ls", [sys.executable, "-m", "review_ls", "serve", "--log-level", "warning"], path, plans, True))]
    ruff = shutil.which("ruff")
    if with_ruff and ruff:
        runs.append(asyncio.run(run_server("ruff server", [ruff, "server"], path, plans, False)))
    elif with_ruff:
        print("ruff is not installed (pip install ruff): measuring review-ls alone", file=sys.stderr)
    print_report(path, runs, bursts, seed)
    return 0
