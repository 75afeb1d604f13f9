"""Latency of the language server as an editor feels it: time to first diagnostics, then per keystroke.

Starts `python -m review_ls serve`, opens a large real file (default: the standard library's
`_pydecimal.py`, 6,425 lines, copied into a fresh workspace folder), measures the time from
`didOpen` to its first `publishDiagnostics`,
then makes single-character edits spread through the file (typing a letter at the end of a name,
so the file keeps parsing), each timed from `didChange` to the `publishDiagnostics` of that
version. Prints open ms and edit p50/p95/max. Targets: open <= 150 ms, edit p95 <= 25 ms.

`--trace` types as people do instead (see `typing_trace.py`): seeded bursts of 3-8 keys 80-150 ms
apart with pauses of 0.2-2 s, once while the file keeps parsing and once while it is broken
mid-word (`def` -> `defx`); each key is timed from `didChange` to the first `publishDiagnostics`
for its version (or a newer one). Prints p50/p95/p99 per state with a breakdown by the pause before
the key, the server's CPU time per edit, open and `initialize` latency, and the same for
`ruff server` when ruff is installed. Targets on `_pydecimal.py`: key p95 <= 20 ms, p99 <= 40 ms,
open <= 100 ms, CPU per edit <= 30 ms, initialize <= 250 ms.

    python benchmarks/lsp_latency.py [--file PATH] [--edits 20] [--verbose]
    python benchmarks/lsp_latency.py --trace [--file PATH] [--bursts 40] [--seed 1] [--no-ruff]
    python benchmarks/lsp_latency.py --opens 7 [--file PATH]   (open only, median of fresh servers: open_latency.py)
"""

from __future__ import annotations

import argparse
import asyncio
import keyword
import re
import statistics
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

DEFAULT_FILE = Path(sysconfig.get_paths()["stdlib"]) / "_pydecimal.py"
_NAME = re.compile(r"[A-Za-z_]\w*")


class LatencyClient(LanguageClient):
    """A client that notes when each version's diagnostics arrive and when the server's start-up work ends."""

    def __init__(self) -> None:
        super().__init__("review-ls-latency", "1")
        self.arrivals: dict[tuple[str, int | None], float] = {}
        self.progress_ended: set[str] = set()
        self.event = asyncio.Event()


def make_client() -> LatencyClient:
    """The benchmark's client, with handlers for diagnostics and work-done progress."""
    client = LatencyClient()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        client.arrivals.setdefault((params.uri, params.version), time.perf_counter())
        client.event.set()

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def create_progress(params: types.WorkDoneProgressCreateParams) -> None:
        return None

    @client.feature(types.PROGRESS)
    def progress(params: types.ProgressParams) -> None:
        value = params.value if isinstance(params.value, dict) else {}
        if value.get("kind") == "end":
            client.progress_ended.add(str(params.token))
            client.event.set()

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def show_message(params: types.ShowMessageParams) -> None:
        print(f"server says: {params.message}", file=sys.stderr)

    return client


async def wait_for(client: LatencyClient, condition: object, timeout: float = 120.0) -> None:
    """Wait until `condition()` holds, re-checking whenever the server sends something we track."""

    async def poll() -> None:
        while not condition():  # type: ignore[operator]
            client.event.clear()
            await client.event.wait()

    await asyncio.wait_for(poll(), timeout)


def edit_positions(lines: list[str], count: int) -> list[tuple[int, int]]:
    """(line, column) of `count` insertions spread through the file: the end of the first name on a code line."""
    positions = []
    for k in range(count):
        index = (k * len(lines)) // count + len(lines) // (2 * count)
        while index < len(lines):
            stripped = lines[index].strip()
            names = [m for m in _NAME.finditer(lines[index]) if not keyword.iskeyword(m.group())]
            if stripped and not stripped.startswith("#") and names:
                positions.append((index, names[0].end()))
                break
            index += 1
    return positions


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


async def measure(path: Path, edits: int, verbose: bool) -> tuple[float, list[float]]:
    """Run the server, open `path`, edit it; return (open ms, per-edit ms)."""
    client = make_client()
    await client.start_io(sys.executable, "-m", "review_ls", "serve", "--log-level", "warning")
    with tempfile.TemporaryDirectory() as workspace:
        text = path.read_text(encoding="utf-8")
        copy = Path(workspace) / path.name  # the file belongs to the workspace, as files being edited do
        copy.write_text(text, encoding="utf-8")
        capabilities = types.ClientCapabilities(
            window=types.WindowClientCapabilities(work_done_progress=True),
            text_document=types.TextDocumentClientCapabilities(
                publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
            ),
        )
        await client.initialize_async(types.InitializeParams(capabilities=capabilities, root_uri=Path(workspace).as_uri()))
        client.initialized(types.InitializedParams())
        await wait_for(client, lambda: client.progress_ended)  # the workspace index is built
        uri = copy.as_uri()
        opened = time.perf_counter()
        item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        await wait_for(client, lambda: (uri, 1) in client.arrivals)
        open_ms = (client.arrivals[(uri, 1)] - opened) * 1000
        lines = text.split("\n")
        timings = []
        for version, (line, column) in enumerate(edit_positions(lines, edits), start=2):
            position = types.Position(line=line, character=column)
            change = types.TextDocumentContentChangePartial(range=types.Range(start=position, end=position), text="x")
            identifier = types.VersionedTextDocumentIdentifier(uri=uri, version=version)
            sent = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(text_document=identifier, content_changes=[change]))
            await wait_for(client, lambda version=version: (uri, version) in client.arrivals)
            timings.append((client.arrivals[(uri, version)] - sent) * 1000)
            lines[line] = lines[line][:column] + "x" + lines[line][column:]
            if verbose:
                print(f"  edit at line {line + 1:5d}: {timings[-1]:7.1f} ms  {lines[line].strip()[:60]}")
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return open_ms, timings


def main() -> int:
    """Parse arguments, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="the file to open (default: %(default)s)")
    parser.add_argument("--edits", type=int, default=20, help="single-character edits (default: %(default)s)")
    parser.add_argument("--verbose", action="store_true", help="print each edit's latency")
    parser.add_argument("--trace", action="store_true", help="type in bursts and pauses, in both states, beside ruff")
    parser.add_argument("--bursts", type=int, default=40, help="bursts per state in --trace mode (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the --trace typing (default: %(default)s)")
    parser.add_argument("--no-ruff", action="store_true", help="do not run `ruff server` beside review-ls in --trace mode")
    parser.add_argument("--opens", type=int, default=0, metavar="N", help="only open the file, in N fresh servers; print the median")
    arguments = parser.parse_args()
    if arguments.opens:
        from open_latency import run_opens

        return run_opens(arguments.file.resolve(), arguments.opens)
    if arguments.trace:
        from typing_trace import run_traces

        return run_traces(arguments.file.resolve(), arguments.bursts, arguments.seed, with_ruff=not arguments.no_ruff)
    lines = arguments.file.read_text(encoding="utf-8").count("\n")
    open_ms, timings = asyncio.run(measure(arguments.file.resolve(), arguments.edits, arguments.verbose))
    print(f"file: {arguments.file} ({lines:,} lines)")
    print(f"open: {open_ms:.1f} ms to first diagnostics (target <= 150 ms)")
    print(
        f"edit: p50 {statistics.median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms, "
        f"max {max(timings):.1f} ms over {len(timings)} edits (target p95 <= 25 ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
