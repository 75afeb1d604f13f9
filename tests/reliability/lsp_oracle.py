"""What an editor holds and what the server should say, computed without pygls or the server.

`OracleDocument` applies LSP changes the way VS Code and Neovim do (only \\n, \\r\\n and \\r end a
line; columns in the negotiated encoding), so a test notices when the server's copy of a document
drifts from the editor's. `expected_diagnostics` is the engine's verdict on a text, in LSP terms.
"""

from __future__ import annotations

import functools
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.model import Span
from review_ls.rules import all_rules

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_BREAK = re.compile(r"\r\n|\r|\n")

DiagnosticKey = tuple[str, tuple[int, int, int, int]]


def editor_lines(text: str) -> list[str]:
    """The lines of `text` as an LSP client counts them, each with its line ending."""
    lines = _LINE.findall(text)
    if not lines or lines[-1].endswith(("\n", "\r")):
        lines.append("")
    return lines


def units(text: str, encoding: str) -> int:
    """Length of `text` in the position encoding's units."""
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def column_of(line: str, units_wanted: int, encoding: str) -> int:
    """The code-point index in `line` that is `units_wanted` units from its start (clamped to the line)."""
    body = _BREAK.split(line, maxsplit=1)[0]
    count = 0
    for index, char in enumerate(body):
        if count >= units_wanted:
            return index
        count += units(char, encoding)
    return len(body)


@dataclass
class OracleDocument:
    """An editor's copy of one document."""

    text: str
    version: int
    encoding: str = types.PositionEncodingKind.Utf16

    def offset(self, position: types.Position) -> int:
        """The string index of an LSP position."""
        lines = editor_lines(self.text)
        if position.line >= len(lines):
            return len(self.text)
        start = sum(len(line) for line in lines[: position.line])
        return start + column_of(lines[position.line], position.character, self.encoding)

    def apply(self, range_: types.Range, new_text: str) -> None:
        """Replace `range_` by `new_text`."""
        begin, end = self.offset(range_.start), self.offset(range_.end)
        self.text = self.text[:begin] + new_text + self.text[end:]

    def end(self) -> types.Position:
        """The position just after the last character."""
        lines = editor_lines(self.text)
        last = _BREAK.split(lines[-1], maxsplit=1)[0]
        return types.Position(line=len(lines) - 1, character=units(last, self.encoding))


def lsp_range(text: str, span: Span, encoding: str) -> tuple[int, int, int, int]:
    """An engine span of `text` as an LSP range (0-based lines, columns in `encoding` units)."""
    lines = [_BREAK.split(line, maxsplit=1)[0] for line in editor_lines(text)]

    def point(line: int, col: int) -> tuple[int, int]:
        body = lines[line - 1] if 0 < line <= len(lines) else ""
        return line - 1, units(body[:col], encoding)

    return (*point(span.line, span.col), *point(span.end_line, span.end_col))


@functools.cache
def project_aware_codes() -> frozenset[str]:
    """Codes of rules that read the project index (cross-file facts, inference).

    The server analyses with its workspace index, which holds every document opened so far, so
    their findings may differ from a single-file analysis; tests that compare with the engine
    leave them out (or give every document distinct content).
    """
    return frozenset(rule.code for rule in all_rules() if "project" in inspect.getsource(rule))


def single_file(keys: list[DiagnosticKey]) -> list[DiagnosticKey]:
    """`keys` without the findings of project-aware rules."""
    aware = project_aware_codes()
    return [key for key in keys if key[0] not in aware]


def expected_diagnostics(text: str, path: Path | str, encoding: str, settings: Settings | None = None) -> list[DiagnosticKey]:
    """(code, LSP range) of every finding the engine reports for `text`, sorted."""
    result = analyse_source(text, str(path), settings or Settings())
    return sorted((f.code, lsp_range(text, f.span, encoding)) for f in result.all_findings)


def diagnostic_keys(diagnostics: list[types.Diagnostic]) -> list[DiagnosticKey]:
    """(code, range) of published diagnostics, sorted (comparable with `expected_diagnostics`)."""
    return sorted(
        (str(d.code), (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)) for d in diagnostics
    )


def server_rss_kib(pid: int) -> int:
    """Resident memory of a process in KiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise LookupError(f"no VmRSS for process {pid}")
