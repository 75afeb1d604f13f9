"""Driving the server like an editor while keeping an independent copy of every document version.

`TrackedDocument` sends changes through pytest-lsp's client and applies them to an
`OracleDocument`, remembering each version's text, so a test can check every publication
against the engine's verdict on exactly that version's text.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from lsp_editor import WAIT_SECONDS, EditorClient, make_client
from lsp_oracle import DiagnosticKey, OracleDocument, diagnostic_keys, expected_diagnostics
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

from review_ls.config import Settings


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "review_ls", "serve"], client_factory=make_client)


async def start_session(client: EditorClient, workspace: Path, profile: str, options: object = None) -> None:
    """Initialize a session with `workspace` as its only folder."""
    params = types.InitializeParams(
        capabilities=client_capabilities(profile),
        workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="workspace")],
        root_uri=workspace.as_uri(),
        initialization_options=options,
    )
    result = await client.initialize_session(params)
    client.encoding = result.capabilities.position_encoding or types.PositionEncodingKind.Utf16
    client.workspace_path = workspace


class TrackedDocument:
    """One open document: the client's messages go out, the oracle keeps what the editor holds."""

    def __init__(self, client: EditorClient, path: Path, text: str, compare: Callable[[list[DiagnosticKey]], list[DiagnosticKey]] | None = None) -> None:
        self.client = client
        self.compare = compare or (lambda keys: keys)
        self.settings: Settings | None = None  # what the server analyses under (None: the defaults)
        self.path = path
        self.uri = path.as_uri()
        self.oracle = OracleDocument(text, 1, client.encoding)
        self.texts: dict[int, str] = {1: text}
        item = types.TextDocumentItem(uri=self.uri, language_id="python", version=1, text=text)
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))

    @property
    def version(self) -> int:
        """The version the editor holds."""
        return self.oracle.version

    def change(self, range_: types.Range, text: str, version: int | None = None) -> int:
        """Send one incremental change (as version `version`, default: the next one); return the version."""
        self.oracle.apply(range_, text)
        self.oracle.version = self.oracle.version + 1 if version is None else version
        self.texts[self.oracle.version] = self.oracle.text
        change = types.TextDocumentContentChangePartial(range=range_, text=text)
        identifier = types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.oracle.version)
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(text_document=identifier, content_changes=[change]))
        return self.oracle.version

    def insert(self, line: int, character: int, text: str) -> int:
        """Insert `text` at a 0-based line and column (in the client's units)."""
        position = types.Position(line=line, character=character)
        return self.change(types.Range(start=position, end=position), text)

    def replace_all(self, text: str, version: int | None = None) -> int:
        """Send a full-text change; return the version."""
        self.oracle.text = text
        self.oracle.version = self.oracle.version + 1 if version is None else version
        self.texts[self.oracle.version] = text
        identifier = types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.oracle.version)
        change = types.TextDocumentContentChangeWholeDocument(text=text)
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(text_document=identifier, content_changes=[change]))
        return self.oracle.version

    def close(self) -> None:
        """Close the document."""
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=self.uri)))

    def expected(self, version: int | None = None, settings: Settings | None = None) -> list[DiagnosticKey]:
        """The engine's findings for a version's text (default: the current one), as LSP keys (those compared)."""
        text = self.texts[self.version if version is None else version]
        return self.compare(expected_diagnostics(text, self.path, self.client.encoding, settings or self.settings))

    async def diagnostics(self) -> list[DiagnosticKey]:
        """The diagnostics of the current version once they equal the engine's (pulled or pushed);
        on timeout, the last ones received, for the assertion message."""
        expected = self.expected()
        if self.client.pulls:
            return self.compare(await _pull_until(self.client, self.uri, expected, self.compare))
        version = self.version
        try:
            published = await self.client.wait_for(
                lambda p: p.uri == self.uri and p.version == version and self.compare(diagnostic_keys(list(p.diagnostics))) == expected
            )
        except (asyncio.TimeoutError, TimeoutError):
            return self.compare(self.last_published())
        return self.compare(diagnostic_keys(list(published.diagnostics)))

    async def first_published(self) -> list[DiagnosticKey]:
        """The first diagnostics published for the current version (push clients), whatever they are."""
        version = self.version
        published = await self.client.wait_for(lambda p: p.uri == self.uri and p.version == version)
        return diagnostic_keys(list(published.diagnostics))

    def last_published(self) -> list[DiagnosticKey]:
        """The diagnostics most recently published for this document (empty if none)."""
        for params in reversed(self.client.published):
            if params.uri == self.uri:
                return diagnostic_keys(list(params.diagnostics))
        return []

    def publications(self) -> list[types.PublishDiagnosticsParams]:
        """Every publication for this document so far."""
        return [p for p in self.client.published if p.uri == self.uri]


async def _pull_until(
    client: EditorClient, uri: str, expected: list[DiagnosticKey], compare: Callable[[list[DiagnosticKey]], list[DiagnosticKey]]
) -> list[DiagnosticKey]:
    """Pull until the report equals `expected` (a fast result may be settled a moment later)."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        keys = compare(diagnostic_keys(list(getattr(report, "items", []))))
        if keys == expected or asyncio.get_running_loop().time() > deadline:
            return keys
        await asyncio.sleep(0.05)
