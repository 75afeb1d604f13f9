"""The e2e tests' editor: pytest-lsp's client that also keeps what an editor keeps, and small helpers."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

WAIT_SECONDS = 60  # an upper bound that only a broken server reaches


class EditorClient(LanguageClient):
    """pytest-lsp's client that also keeps what an editor would: published versions, registrations, applied edits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.published: list[types.PublishDiagnosticsParams] = []
        self.registrations: list[types.Registration] = []
        self.applied_edits: list[types.WorkspaceEdit] = []
        self.texts: dict[str, TextDocument] = {}
        self.encoding: str = types.PositionEncodingKind.Utf16
        self.server_capabilities: types.ServerCapabilities | None = None  # what the server answered to `initialize`
        self.workspace_path = Path()
        self.changed = asyncio.Event()
        self.before_apply: Callable[[], object] | None = None  # what the user does just before an edit from the server lands

    @property
    def pulls(self) -> bool:
        """True when this profile pulls diagnostics (the server then does not push them)."""
        return bool(self.capabilities and self.capabilities.text_document and self.capabilities.text_document.diagnostic)

    # -- documents --------------------------------------------------------------------------------
    def open(self, path: Path, text: str | None = None) -> str:
        """Open a file (with `text`, or its content on disk); return its URI."""
        uri = path.as_uri()
        text = path.read_text(encoding="utf-8") if text is None else text
        self.texts[uri] = TextDocument(uri, text, version=1, position_codec=PositionCodec(self.encoding))
        item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        self.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        return uri

    def edit(self, uri: str, range_: types.Range, text: str) -> int:
        """Send an incremental change; return the new version."""
        document = self.texts[uri]
        version = (document.version or 0) + 1
        change = types.TextDocumentContentChangePartial(range=range_, text=text)
        document.apply_change(change)
        document.version = version
        identifier = types.VersionedTextDocumentIdentifier(uri=uri, version=version)
        self.text_document_did_change(types.DidChangeTextDocumentParams(text_document=identifier, content_changes=[change]))
        return version

    def insert(self, uri: str, line: int, character: int, text: str) -> int:
        """Insert text at a 0-based line and column."""
        position = types.Position(line=line, character=character)
        return self.edit(uri, types.Range(start=position, end=position), text)

    def text_of(self, uri: str) -> str:
        """The client's copy of a document."""
        return self.texts[uri].source

    def version_of(self, uri: str) -> int:
        """The client's version of a document."""
        return self.texts[uri].version or 0

    def apply(self, edit: types.WorkspaceEdit) -> str:
        """Apply a workspace edit (of one document) to the client's copy, as an editor would; return the text."""
        uri, edits, version = _document_edits(edit)
        document = self.texts[uri]
        assert version is None or version == document.version, "edit for another version"
        for text_edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
            change = types.TextDocumentContentChangePartial(range=text_edit.range, text=text_edit.new_text)
            document.apply_change(change)
        return document.source

    # -- diagnostics -----------------------------------------------------------------------------------
    async def diagnostics_of(self, uri: str, version: int | None = None) -> list[types.Diagnostic]:
        """The diagnostics of a document's current version: pulled, or awaited until published."""
        version = self.version_of(uri) if version is None else version
        if self.pulls:
            report = await self.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
            assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
            return list(report.items)
        published = await self.wait_for(lambda p: p.uri == uri and p.version == version)
        return list(published.diagnostics)

    async def wait_for(self, matches: Callable[[types.PublishDiagnosticsParams], bool]) -> types.PublishDiagnosticsParams:
        """The first published diagnostics that match (waiting for them)."""
        return await self.wait_until(lambda: next((p for p in self.published if matches(p)), None))

    async def wait_until(self, found: Callable[[], Any]) -> Any:
        """Wait until `found()` returns something (checked whenever diagnostics, progress or messages arrive)."""

        async def poll() -> Any:
            while True:
                result = found()
                if result is not None and result is not False:
                    return result
                self.changed.clear()
                await self.changed.wait()

        return await asyncio.wait_for(poll(), WAIT_SECONDS)

    async def changes(self, uri: str, before: int, predicate: Callable[[list[types.Diagnostic]], bool]) -> list[types.Diagnostic]:
        """Diagnostics of `uri` published after the first `before` publications, once they satisfy `predicate`."""
        published = await self.wait_for(lambda p: p.uri == uri and self.published.index(p) >= before and predicate(list(p.diagnostics)))
        return list(published.diagnostics)

    async def diagnostics_once(self, uri: str, before: int, predicate: Callable[[list[types.Diagnostic]], bool]) -> list[types.Diagnostic]:
        """The diagnostics of `uri` once a change the server is applying (settings, pyproject.toml) shows.

        Push: the first publication after `before` that satisfies `predicate`. Pull: pull again until
        it does (the server applies settings asynchronously, and Neovim has no diagnostic refresh).
        """
        if not self.pulls:
            return await self.changes(uri, before, predicate)

        async def pulled() -> list[types.Diagnostic]:
            while not predicate(diagnostics := await self.diagnostics_of(uri)):
                pass
            return diagnostics

        return await asyncio.wait_for(pulled(), WAIT_SECONDS)


def _document_edits(edit: types.WorkspaceEdit) -> tuple[str, list[types.TextEdit], int | None]:
    if edit.document_changes:
        (change,) = edit.document_changes
        assert isinstance(change, types.TextDocumentEdit)
        return change.text_document.uri, [e for e in change.edits if isinstance(e, types.TextEdit)], change.text_document.version
    assert edit.changes is not None
    ((uri, edits),) = edit.changes.items()
    return uri, list(edits), None


def _publish(client: EditorClient, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.published.append(params)
    client.changed.set()


def _progress(client: EditorClient, params: types.ProgressParams) -> None:
    DEFAULT_CLIENT_FEATURES[types.PROGRESS](client, params)
    client.changed.set()


def _show_message(client: EditorClient, params: types.ShowMessageParams) -> None:
    DEFAULT_CLIENT_FEATURES[types.WINDOW_SHOW_MESSAGE](client, params)
    client.changed.set()


def _register(client: EditorClient, params: types.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)


def _apply_edit(client: EditorClient, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
    """Apply the server's edit as an editor does: an edit for another version of the document is refused."""
    if client.before_apply is not None:
        before, client.before_apply = client.before_apply, None
        before()
    uri, _, version = _document_edits(params.edit)
    if version is not None and version != client.version_of(uri):
        return types.ApplyWorkspaceEditResult(applied=False, failure_reason=f"{uri} is at version {client.version_of(uri)}, the edit is for {version}")
    client.applied_edits.append(params.edit)
    client.apply(params.edit)
    return types.ApplyWorkspaceEditResult(applied=True)


def make_client() -> EditorClient:
    """The test client with pytest-lsp's default handlers, plus an editor's own."""
    client = EditorClient(converter_factory=default_converter)
    features = {
        **DEFAULT_CLIENT_FEATURES,
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: _publish,
        types.CLIENT_REGISTER_CAPABILITY: _register,
        types.WORKSPACE_APPLY_EDIT: _apply_edit,
        types.PROGRESS: _progress,
        types.WINDOW_SHOW_MESSAGE: _show_message,
    }
    register_lsp_features(client, features)
    return client


def source(text: str) -> str:
    """Dedent a test source."""
    return textwrap.dedent(text).lstrip("\n")


def codes(diagnostics: list[types.Diagnostic]) -> list[tuple[str, int]]:
    """(code, 1-based line) of each diagnostic, sorted."""
    return sorted((str(d.code), d.range.start.line + 1) for d in diagnostics)
