"""Opening a file, repeated: `python benchmarks/lsp_latency.py --opens N` (issue #16 target: open <= 100 ms on _pydecimal).

Each run starts a fresh `python -m review_ls serve` on a workspace holding a copy of the file, waits until the
workspace is indexed (its work-done progress ends) and one second more, then sends `didOpen` and times it to the
first `publishDiagnostics` of version 1, with the server's CPU time over the same interval (all threads, from
/proc: 10 ms ticks). The trace mode (`--trace`) measures one open per run; this prints the median of N, with the
load average (the machine may be shared: CPU time moves less with load than wall time).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from typing_trace import _drain, cpu_seconds, key_latency, make_client, wait_until


async def open_once(path: Path) -> tuple[float, float]:
    """(wall ms, server CPU ms) from `didOpen` of a copy of `path` to its first diagnostics, in a fresh server."""
    client = make_client()
    with tempfile.TemporaryDirectory() as workspace:
        copy = Path(workspace) / path.name
        shutil.copy(path, copy)
        await client.start_io(sys.executable, "-m", "review_ls", "serve", "--log-level", "warning")
        process = client._server  # the asyncio subprocess: its pid is needed for CPU time
        assert process is not None and process.stderr is not None
        drain = asyncio.create_task(_drain(process.stderr))
        capabilities = types.ClientCapabilities(
            window=types.WindowClientCapabilities(work_done_progress=True),
            text_document=types.TextDocumentClientCapabilities(publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True)),
        )
        folder = types.WorkspaceFolder(uri=Path(workspace).as_uri(), name="open")
        await client.initialize_async(types.InitializeParams(capabilities=capabilities, root_uri=folder.uri, workspace_folders=[folder], process_id=os.getpid()))
        client.initialized(types.InitializedParams())
        await wait_until(client.progress_ended, client.progress_ended.is_set, 120.0)
        await asyncio.sleep(1.0)
        cpu_before = cpu_seconds(process.pid)
        opened = time.perf_counter()
        item = types.TextDocumentItem(uri=copy.as_uri(), language_id="python", version=1, text=copy.read_text(encoding="utf-8"))
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        await wait_until(client.published, lambda: key_latency(client.arrivals, opened, 1) is not None, 120.0)
        wall = key_latency(client.arrivals, opened, 1) or float("nan")
        cpu = (cpu_seconds(process.pid) - cpu_before) * 1000
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
        drain.cancel()
    return wall, cpu


def run_opens(path: Path, count: int) -> int:
    """Open `path` in `count` fresh servers; print each open and the medians."""
    load = os.getloadavg()[0]
    runs = [asyncio.run(open_once(path)) for _ in range(count)]
    walls, cpus = [wall for wall, _ in runs], [cpu for _, cpu in runs]
    print(f"file: {path} ({path.read_text(encoding='utf-8').count(chr(10)):,} lines); {count} opens; load average {load:.2f} -> {os.getloadavg()[0]:.2f}")
    print("open (didOpen -> publish) ms: " + ", ".join(f"{wall:.0f}" for wall in walls))
    print(f"median {statistics.median(walls):.1f} ms (best {min(walls):.1f}); server CPU median {statistics.median(cpus):.0f} ms")
    print("target: open <= 100 ms")
    return 0
