"""A long editing session against one server: many documents opened, edited and closed, with the
server's memory sampled along the way. Shared by the soak test slice and `benchmarks/soak.py`.

Documents are rule examples glued together (so they have findings) and standard-library modules.
Each gets `edits_per_document` edits while a few other documents are open and edited too: lines
inserted and deleted (findings move), comments typed a character at a time, and a parenthesis
that breaks the file and is removed by the next edit. After its last edit each document's
diagnostics must equal the engine's verdict on the editor's text (leaving out project-aware rules,
whose cross-file findings depend on the other documents); then it is closed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fuzz_corpus import composite_seed, invalid_example_seeds, stdlib_seeds
from fuzz_properties import parses
from lsp_editor import EditorClient
from lsp_oracle import editor_lines, server_rss_kib, single_file, units
from lsp_session import TrackedDocument
from lsprotocol import types


@dataclass
class SoakReport:
    """What a soak run did: documents, edits, RSS samples (edits so far, KiB) and wrong diagnostics."""

    documents: int = 0
    edits: int = 0
    rss: list[tuple[int, int]] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    def growth(self, baseline_edits: int) -> float:
        """RSS at the end relative to RSS at the first sample taken after `baseline_edits` edits."""
        baseline = next(kib for edits, kib in self.rss if edits >= baseline_edits)
        return self.rss[-1][1] / baseline - 1.0


def document_texts(rng: random.Random, count: int) -> Iterator[str]:
    """`count` texts: mostly composites of rule examples, every fourth a small stdlib module."""
    examples = invalid_example_seeds()
    modules = stdlib_seeds(max_bytes=30_000)
    for number in range(count):
        seed = rng.choice(modules) if number % 4 == 3 else composite_seed(rng, examples)
        yield seed.text if seed.text.endswith("\n") else seed.text + "\n"


def _edits(rng: random.Random, document: TrackedDocument, count: int) -> Iterator[None]:
    """Apply `count` edits to `document`, one per step; the text parses again after the last one."""
    broken: tuple[int, int] | None = None
    for number in range(count):
        lines = editor_lines(document.oracle.text)
        encoding = document.oracle.encoding
        if broken is not None:
            line, column = broken
            document.change(_range(line, column, line, column + 1), "")
            broken = None
        elif number < count - 1 and rng.random() < 0.15:
            line = rng.randrange(len(lines))
            column = units(lines[line].rstrip("\r\n"), encoding)
            document.insert(line, column, "(")
            broken = (line, column)
        elif rng.random() < 0.5:
            document.insert(rng.randrange(len(lines)), 0, "# soak\n")
        else:
            inserted = [i for i, text in enumerate(lines) if text.rstrip("\r\n") == "# soak"]
            if inserted:
                line = rng.choice(inserted)
                document.change(_range(line, 0, line + 1, 0), "")
            else:
                document.insert(0, 0, "# soak\n")
        yield


def _range(line: int, character: int, end_line: int, end_character: int) -> types.Range:
    return types.Range(start=types.Position(line=line, character=character), end=types.Position(line=end_line, character=end_character))


async def run_soak(
    client: EditorClient,
    server_pid: int,
    documents: int,
    edits_per_document: int,
    open_at_once: int = 8,
    sample_every: int = 1_000,
    seed: int = 1,
    on_sample: Callable[[int, int], None] | None = None,
) -> SoakReport:
    """Open, edit and close `documents` documents (`open_at_once` at a time), sampling the server's RSS."""
    rng = random.Random(seed)
    report = SoakReport()
    texts: Iterator[str] | None = document_texts(rng, documents)
    workspace = client.workspace_path
    active: list[tuple[TrackedDocument, Iterator[None]]] = []
    next_sample = sample_every

    async def finish(document: TrackedDocument) -> None:
        if parses(document.oracle.text):
            got, expected = await document.diagnostics(), document.expected()
        else:  # a comment typed into a line continuation: the last good findings stay, plus RV000
            got, expected = [d for d in await document.first_published() if d[0] == "RV000"][:1], document.expected()
        if got != expected:
            report.mismatches.append(f"{document.path.name} v{document.version}: got {got[:3]}..., expected {expected[:3]}...")
        document.close()
        document.texts.clear()

    async def sample() -> None:
        for document, _ in active:
            await document.first_published()  # let queued analyses finish before measuring
        kib = server_rss_kib(server_pid)
        report.rss.append((report.edits, kib))
        if on_sample is not None:
            on_sample(report.edits, kib)

    await sample()
    while texts is not None or active:
        while texts is not None and len(active) < open_at_once:
            text = next(texts, None)
            if text is None:
                texts = None
                break
            document = TrackedDocument(client, Path(workspace, f"doc_{report.documents:05d}.py"), text, compare=single_file)
            report.documents += 1
            active.append((document, _edits(rng, document, edits_per_document)))
        for entry in list(active):
            document, edits = entry
            if next(edits, StopIteration) is StopIteration:
                active.remove(entry)
                await finish(document)
                continue
            report.edits += 1
            if report.edits >= next_sample:
                next_sample += sample_every
                await sample()
    if report.rss[-1][0] != report.edits:
        await sample()
    return report
