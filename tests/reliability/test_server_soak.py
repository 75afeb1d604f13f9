"""Long sessions: many documents opened, edited and closed against one server. Diagnostics stay
correct, closed documents leave nothing behind, and memory levels off.

The default run soaks 60 documents (600 edits); `pytest -m slow` runs the full 1,000 documents and
10,000 edits with the memory bound; `python benchmarks/soak.py` prints RSS over time.
"""

from __future__ import annotations

import pytest
from lsp_editor import EditorClient
from soak_session import run_soak

pytestmark = pytest.mark.asyncio(loop_scope="module")

async def test_a_short_soak_keeps_every_documents_diagnostics_correct(vscode: EditorClient) -> None:
    report = await run_soak(vscode, vscode._server.pid, documents=60, edits_per_document=10, sample_every=200)
    assert report.edits == 600 and report.documents == 60
    assert report.mismatches == []


@pytest.mark.slow
async def test_a_full_soak_levels_off_in_memory(vscode: EditorClient) -> None:
    report = await run_soak(vscode, vscode._server.pid, documents=1_000, edits_per_document=10)
    print("RSS (edits, KiB):", report.rss)
    assert report.mismatches == []
    assert report.growth(baseline_edits=1_000) <= 0.10, report.rss
