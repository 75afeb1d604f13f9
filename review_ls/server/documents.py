"""What one analysis works on (`Snapshot`) and what it produced (`Outcome`), per open document."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from lsprotocol import types

from review_ls.config import Settings
from review_ls.engine.incremental import IncrementalAnalyser
from review_ls.engine.model import AnalysisResult, Finding, Span
from review_ls.engine.project_model import ProjectModel


@dataclass(frozen=True)
class Snapshot:
    """One version of a document with the settings and project it is analysed under: safe to share with a worker."""

    uri: str
    path: str
    version: int | None
    text: str
    settings: Settings
    project: ProjectModel | None
    generation: int
    size_limit: int

    @property
    def key(self) -> tuple[int | None, int]:
        """What makes a result current: the document version and the settings/project generation."""
        return self.version, self.generation

    @property
    def too_large(self) -> bool:
        """True when the text has more UTF-8 bytes than `size_limit` (counted only when it might)."""
        text, limit = self.text, self.size_limit
        return len(text) > limit or (len(text) * 4 > limit and len(text.encode("utf-8", "surrogatepass")) > limit)


@dataclass(frozen=True)
class Outcome:
    """The analysis of one snapshot, with its diagnostics ready to send (empty when it was not analysed)."""

    snapshot: Snapshot
    result: AnalysisResult | None
    diagnostics: tuple[types.Diagnostic, ...]
    lines: list[str]
    settled: bool = True
    skipped_reason: str | None = None
    parses: bool = True  # False: the text has a syntax error (indexing it would change no fact)
    tree: ast.Module | None = None  # the text's tree as `ast.parse` makes it, when the analysis has it (settled)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding, the syntax error included."""
        return () if self.result is None else self.result.all_findings

    @cached_property
    def _by_location(self) -> dict[tuple[str, Span], Finding]:
        return {(f.code, f.span): f for f in self.findings}

    def finding(self, code: str, span: Span) -> Finding | None:
        """The finding with this code at this span, if this outcome has it."""
        return self._by_location.get((code, span))


@dataclass
class OpenDocument:
    """Server state of one open document. `analyser` is used only by this document's analysis job."""

    uri: str
    path: str
    analyser: IncrementalAnalyser
    result_id: int = 0
    content: tuple[Finding, ...] | None = None
    published: tuple[Any, ...] | None = None
    pulled_result_id: int | None = None  # the result id of the diagnostics the client last pulled (None: it never pulled)
    pulled_version: int | None = None  # and the document version they were for
    size_warning_shown: bool = False
    lost_sync_shown: bool = False  # the user was told that the server lost track of the document's edits
    indexed_on_open: bool = False  # the index learned this document from the editor, not from the workspace
    indexed_version: int | None = None  # the version whose text the index last took (see dependents.py)
    indexing_seconds: float = 0.0  # how long indexing this document's text last took (wall time; see dependents.py)

    @classmethod
    def open(cls, uri: str, path: str) -> OpenDocument:
        """State for a newly opened document."""
        return cls(uri=uri, path=path, analyser=IncrementalAnalyser(path))
