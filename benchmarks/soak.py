"""Soak the language server: open, edit and close many documents against one `review-ls serve`,
printing the server's resident memory (RSS) as the edits go by.

Defaults: 1,000 documents, 10 edits each (10,000 edits), 8 documents open at a time. Passes when
every document's final diagnostics equal the engine's and RSS at the end is within 10% of RSS after
the first 1,000 edits (a per-document leak grows linearly; bounded caches level off).

    python benchmarks/soak.py [--documents N] [--edits-per-document N] [--open N] [--seed S]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests" / "reliability"), str(HERE.parent / "tests" / "e2e")]

from lsp_editor import make_client  # noqa: E402
from lsprotocol import types  # noqa: E402
from pytest_lsp import client_capabilities  # noqa: E402
from soak_session import run_soak  # noqa: E402

BASELINE_EDITS = 1_000
ALLOWED_GROWTH = 0.10


async def soak(documents: int, edits_per_document: int, open_at_once: int, seed: int) -> int:
    """Run the soak against a fresh server; print RSS over time; return the exit code."""
    client = make_client()
    await client.start_io(sys.executable, "-m", "review_ls", "serve")
    with tempfile.TemporaryDirectory(prefix="review-ls-soak-") as scratch:
        workspace = Path(scratch)
        result = await client.initialize_session(
            types.InitializeParams(
                capabilities=client_capabilities("visual_studio_code"),
                root_uri=workspace.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="soak")],
            )
        )
        client.encoding = result.capabilities.position_encoding or types.PositionEncodingKind.Utf16
        client.workspace_path = workspace
        start = time.perf_counter()
        print(f"{'edits':>7}  {'RSS MiB':>8}  {'seconds':>7}", flush=True)

        def sampled(edits: int, kib: int) -> None:
            print(f"{edits:>7}  {kib / 1024:>8.1f}  {time.perf_counter() - start:>7.1f}", flush=True)

        server_pid = client._server.pid  # type: ignore[union-attr]
        report = await run_soak(client, server_pid, documents, edits_per_document, open_at_once, seed=seed, on_sample=sampled)
        await client.shutdown_session()
    await client.stop()
    print(f"{report.documents} documents opened, edited and closed; {report.edits} edits in {time.perf_counter() - start:.1f} s")
    code = 0
    if report.edits >= BASELINE_EDITS:
        baseline = next(kib for edits, kib in report.rss if edits >= BASELINE_EDITS)
        growth = report.growth(BASELINE_EDITS)
        print(f"RSS after {BASELINE_EDITS} edits: {baseline / 1024:.1f} MiB; at the end: {report.rss[-1][1] / 1024:.1f} MiB ({growth:+.1%}, allowed {ALLOWED_GROWTH:+.0%})")
        code = 1 if growth > ALLOWED_GROWTH else 0
    print(f"documents whose final diagnostics differed from the engine's: {len(report.mismatches)}")
    for mismatch in report.mismatches[:20]:
        print(f"  {mismatch}")
    return 1 if report.mismatches else code


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the soak."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=1_000)
    parser.add_argument("--edits-per-document", type=int, default=10)
    parser.add_argument("--open", type=int, default=8, help="documents open at the same time")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    return asyncio.run(soak(args.documents, args.edits_per_document, args.open, args.seed))


if __name__ == "__main__":
    sys.exit(main())
