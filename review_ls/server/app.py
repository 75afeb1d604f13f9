"""The pygls server: which LSP messages it handles, each delegated to the module that does the work.

Every handler is guarded: a failure is logged; a notification then does nothing and a request gets
a JSON-RPC error. Nothing a document contains can stop the server.
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from review_ls import __version__
from review_ls.server import code_actions, commands, configuration, hover, project, workspace_pull
from review_ls.server.protocol import ReviewProtocol
from review_ls.server.session import Session

log = logging.getLogger(__name__)
# Error texts can quote a command's arguments: a client's 1 MB argument must not be echoed whole.
_MAX_ERROR_TEXT = 300

Handler = Callable[[Any], None]
AsyncHandler = Callable[[Any], Awaitable[Any]]


class ReviewLanguageServer(LanguageServer):
    """The review-ls language server; `session` holds its state."""

    def __init__(self) -> None:
        super().__init__(
            "review-ls", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental, protocol_cls=ReviewProtocol
        )
        self.session = Session(self)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log unexpected errors instead of showing them in pop-ups; answer unreadable frames with ParseError."""
        if isinstance(self.protocol, ReviewProtocol) and self.protocol.answer_unreadable(error):
            return
        log.error("%s: %s", getattr(source, "__name__", source), error)


def create_server() -> ReviewLanguageServer:
    """A server with every feature registered."""
    server = ReviewLanguageServer()
    session = server.session

    def notification(method: str, options: Any = None) -> Callable[[Handler], Handler]:
        """Register a synchronous handler (notifications, and the initialize/shutdown hooks); failures are logged."""

        def register(handler: Handler) -> Handler:
            @functools.wraps(handler)
            def guarded(params: Any) -> None:
                try:
                    handler(params)
                except Exception:
                    log.exception("handling %s failed", method)

            server.feature(method, options)(guarded)
            return handler

        return register

    def request(method: str, options: Any = None) -> Callable[[AsyncHandler], AsyncHandler]:
        """Register an asynchronous request handler; a failure is logged and answered with a JSON-RPC error."""

        def register(handler: AsyncHandler) -> AsyncHandler:
            @functools.wraps(handler)
            async def guarded(params: Any) -> Any:
                try:
                    return await handler(params)
                except JsonRpcException:
                    raise
                except Exception as exc:
                    log.exception("handling %s failed", method)
                    raise JsonRpcInternalError(f"review-ls: {method} failed: {exc}") from exc

            server.feature(method, options)(guarded)
            return handler

        return register

    @notification(types.INITIALIZE)
    def initialize(params: types.InitializeParams) -> None:
        """Set the session up; offer workspace diagnostics to pull clients that scan the workspace (before pygls computes the capabilities).

        Only with `scanWorkspaceOnStartup` in the initialization options: a VS Code that is offered workspace
        diagnostics keeps a workspace pull open and no longer re-pulls open documents on a refresh, so a
        settings change would not reach the Problems panel (the smoke test's settings case).
        """
        session.initialize(params)
        if session.features.pull_diagnostics and session.settings.global_options.scan_workspace_on_startup:

            @request(types.WORKSPACE_DIAGNOSTIC)
            async def pull_workspace_diagnostics(params: types.WorkspaceDiagnosticParams) -> types.WorkspaceDiagnosticReport:
                """The workspace scan's diagnostics of the files that are not open, `unchanged` where the client is current."""
                return await workspace_pull.workspace_diagnostics(session, params)

    notification(types.INITIALIZED)(lambda params: session.spawn(session.initialized()))
    notification(types.SHUTDOWN)(lambda params: session.shutdown())
    notification(types.TEXT_DOCUMENT_DID_OPEN)(session.did_open)
    notification(types.TEXT_DOCUMENT_DID_CHANGE)(session.did_change)
    notification(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))(session.did_save)
    notification(types.TEXT_DOCUMENT_DID_CLOSE)(session.did_close)
    notification(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(lambda params: configuration.did_change_configuration(session, params))
    notification(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(lambda params: configuration.did_change_watched_files(session, params))

    @notification(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders_changed(params: types.DidChangeWorkspaceFoldersParams) -> None:
        """Follow added and removed workspace folders (pygls has updated its list)."""
        folders = [Path(p) for p in (to_fs_path(f.uri) for f in server.workspace.folders.values()) if p]
        session.settings.set_folders(folders)
        session.spawn(project.build_index(session))

    @request(types.TEXT_DOCUMENT_DIAGNOSTIC, types.DiagnosticOptions(identifier="review-ls", inter_file_dependencies=True, workspace_diagnostics=False))
    async def pull_diagnostics(params: types.DocumentDiagnosticParams) -> types.DocumentDiagnosticReport:
        """The current version's diagnostics, or `Unchanged` when the client already has them."""
        uri = params.text_document.uri
        outcome = await session.current_outcome(uri)
        result_id = session.result_id(uri)
        if outcome is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        session.mark_pulled(uri, outcome)
        if result_id is not None and params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(items=list(outcome.diagnostics), result_id=result_id)

    code_action_options = types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, code_actions.FIX_ALL_KIND], resolve_provider=True
    )

    @request(types.TEXT_DOCUMENT_CODE_ACTION, code_action_options)
    async def code_action(params: types.CodeActionParams) -> list[types.CodeAction] | None:
        """Quick fixes, suppressions and fix-all for the requested range."""
        return await code_actions.code_actions(session, params)

    @request(types.CODE_ACTION_RESOLVE)
    async def code_action_resolve(action: types.CodeAction) -> types.CodeAction:
        """The edit of the action the user picked."""
        return await code_actions.resolve(session, action)

    @request(types.TEXT_DOCUMENT_HOVER)
    async def hover_request(params: types.HoverParams) -> types.Hover | None:
        """The explanation of the findings under the cursor."""
        return await hover.hover(session, params)

    for name, handler in commands.HANDLERS.items():
        server.command(name)(_command(session, name, handler))
    return server


def _command(session: Session, name: str, handler: Callable[[Session, list[Any]], Awaitable[Any]]) -> Callable[..., Coroutine[Any, Any, Any]]:
    # pygls calls issubclass() on the first parameter's annotation, and typing.Any is no class before
    # Python 3.11: so the first parameter takes the server pygls injects, and the arguments follow.
    async def run(server: ReviewLanguageServer, *arguments: Any) -> Any:
        try:
            return await handler(session, list(arguments))
        except ValueError as exc:
            raise JsonRpcInternalError(str(exc)[:_MAX_ERROR_TEXT]) from exc
        except Exception as exc:
            trace = "".join(traceback.format_tb(exc.__traceback__))
            log.error("command %s failed: %s: %s\n%s", name, type(exc).__name__, str(exc)[:_MAX_ERROR_TEXT], trace)
            raise JsonRpcInternalError(f"review-ls: {name} failed: {str(exc)[:_MAX_ERROR_TEXT]}") from exc

    return run
