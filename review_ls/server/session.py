"""The state of one client connection, and the document lifecycle: open, change, save, close, results.

Everything here runs on the event loop, except `run_analysis` (on a worker thread, over a snapshot).
Settings flows live in `configuration.py`, the project index in `project.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source, rule_set_for
from review_ls.engine.incremental import AnalysisCancelled, IncrementalAnalyser
from review_ls.engine.model import AnalysisResult
from review_ls.engine.positions import split_lines
from review_ls.files import PYTHON_SUFFIXES, SourceReadError, read_source
from review_ls.project.ahead import load_model_modules
from review_ls.python_target import nearest_pyproject_folder, newer_target_notice
from review_ls.server import configuration, dependents, project
from review_ls.server.client import ClientFeatures
from review_ls.server.diagnostics import FindingToDiagnostic
from review_ls.server.documents import OpenDocument, Outcome, Snapshot
from review_ls.server.options import parse_client_options
from review_ls.server.positions import PositionMapper
from review_ls.server.protocol import ReviewProtocol
from review_ls.server.project import ProjectState
from review_ls.server.scheduler import AnalysisScheduler
from review_ls.server.settings import WorkspaceSettings
from review_ls.server.text_sync import LspTextDocument, use_lsp_lines
from review_ls.server.watching import ConfigStamps, register_watchers

log = logging.getLogger(__name__)


class Session:
    """What the server knows about its client, workspace and open documents."""

    def __init__(self, server: LanguageServer) -> None:
        self.server = server
        self.features = ClientFeatures()
        self.documents: dict[str, OpenDocument] = {}
        self.settings = WorkspaceSettings([], self.warn)
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="review-ls")
        self.scheduler = AnalysisScheduler(self.executor, self.snapshot, self.run_analysis, self.accept)
        self.project = ProjectState()
        self.converter = FindingToDiagnostic(self.features)
        self.generation = 0
        self.scanned: set[str] = set()
        self.workspace_pulled = False  # the client pulls workspace diagnostics: the scan no longer pushes them
        self.watching = False
        self.config_stamps = ConfigStamps()
        self._warned: set[str] = set()
        self._python_target_folders: set[Path] = set()  # folders whose requires-python was compared with ours
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = threading.get_ident()
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- lifecycle ------------------------------------------------------------------------------
    def initialize(self, params: types.InitializeParams) -> None:
        """Read the client's capabilities, workspace folders and initialization options."""
        use_lsp_lines(self.server)
        with contextlib.suppress(RuntimeError):  # no running loop: only when driven without one (unit tests)
            self._loop, self._loop_thread = asyncio.get_running_loop(), threading.get_ident()
        self.features = ClientFeatures.from_capabilities(params.capabilities)
        self.converter = FindingToDiagnostic(self.features)
        folders = [Path(p) for p in (to_fs_path(f.uri) for f in params.workspace_folders or ()) if p]
        if not folders and params.root_uri and (root := to_fs_path(params.root_uri)):
            folders = [Path(root)]
        elif not folders and params.root_path:
            folders = [Path(params.root_path)]
        self.settings.set_folders(folders)
        self.project = ProjectState(self.settings.folders)
        options, problems = parse_client_options(params.initialization_options, "initializationOptions")
        self.settings.set_options(options, {})
        self.report_invalid(problems)
        self.apply_log_level()

    async def initialized(self) -> None:
        """Load the rules, pull per-folder settings, watch pyproject.toml, index the project and maybe scan it."""
        # After the `initialize` reply (the client waits for it): import and instantiate the rules
        # now, not on the first keystroke.
        rule_set_for(Settings())
        load_model_modules()
        if isinstance(self.server.protocol, ReviewProtocol):
            self.server.protocol.prepare_publishing()
        gc.freeze()  # modules and rules live as long as the server: keep full collections from scanning them
        await configuration.pull_configuration(self)
        self.settings_changed()
        self.watching = await register_watchers(self)
        await project.build_index(self)
        options = [self.settings.global_options, *self.settings.folder_options.values()]
        if any(o.scan_workspace_on_startup for o in options):
            from review_ls.server.workspace_scan import scan_workspace

            await scan_workspace(self)

    def shutdown(self) -> None:
        """Stop background work and analyses."""
        self.scheduler.shutdown()
        for task in self._tasks:
            task.cancel()
        self.executor.shutdown(wait=False, cancel_futures=True)

    def spawn(self, coroutine: Any) -> None:
        """Run a coroutine in the background, logging (not raising) its failure."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)

        def finished(done: asyncio.Task[Any]) -> None:
            self._tasks.discard(done)
            if not done.cancelled() and done.exception() is not None:
                log.error("background task failed", exc_info=done.exception())

        task.add_done_callback(finished)

    # -- documents ------------------------------------------------------------------------------
    def did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        """Start analysing a newly opened Python document."""
        uri = params.text_document.uri
        path = to_fs_path(uri) or uri
        if params.text_document.language_id != "python" and not path.endswith(PYTHON_SUFFIXES):
            return
        self.documents[uri] = OpenDocument.open(uri, path)
        self._say_if_the_project_targets_a_newer_python(Path(path).parent)
        if uri in self.scanned and self.features.pull_diagnostics:
            self.scanned.discard(uri)
            self._publish(uri, None, [])  # the pulled diagnostics take over from the scan's
        if not self.watching and self.config_stamps.changed([Path(path).parent], self.settings.folders):
            configuration.pyproject_changed(self)
        if self.project.knows(path):
            self.scheduler.schedule(uri)
        else:
            self.documents[uri].indexed_on_open = True
            self.spawn(project.index_then_analyse(self, uri))  # a file from outside the workspace

    def _say_if_the_project_targets_a_newer_python(self, folder: Path) -> None:
        """Warn once per session when the project's `requires-python` is newer than the Python running the server."""
        if folder in self._python_target_folders:
            return
        self._python_target_folders.add(folder)
        root = nearest_pyproject_folder(folder)
        notice = newer_target_notice(root) if root is not None else None
        if notice is not None:
            self.warn(notice)

    def did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        """Analyse the changed document (the protocol has applied the change, or marked the document out of sync)."""
        uri = params.text_document.uri
        state = self.documents.get(uri)
        if state is None:
            return
        reason = self.lost_sync(uri)
        if reason is not None:
            self._hide_out_of_sync(state, reason)
            return
        if state.lost_sync_shown:  # a full-text change brought the document back in sync
            state.lost_sync_shown = False
            self.log_message(f"{Path(state.path).name} is in sync again", types.MessageType.Info)
        dependents.document_changed(self, uri)
        self.scheduler.schedule(uri)

    def did_save(self, params: types.DidSaveTextDocumentParams) -> None:
        """Re-read pyproject.toml if the client cannot watch it; resync a document that lost sync; index the saved text."""
        uri = params.text_document.uri
        configuration.check_pyproject_on_save(self, Path(to_fs_path(uri) or uri))
        if uri in self.documents:
            if self.lost_sync(uri) is not None:
                self._resync_from_save(uri, params.text)
            self.spawn(project.index_saved_document(self, uri))

    def lost_sync(self, uri: str) -> str | None:
        """Why the server's copy of the document may differ from the editor's (None when it is in sync)."""
        document = self.server.workspace.text_documents.get(uri)
        return getattr(document, "lost_sync", None)

    def _hide_out_of_sync(self, state: OpenDocument, reason: str) -> None:
        """A change could not be applied: stop analysing the document, clear its findings, and say so once."""
        self.scheduler.forget(state.uri)
        state.content, state.published = None, None
        if self.features.pull_diagnostics:
            if self.features.diagnostic_refresh:
                self.server.workspace_diagnostic_refresh(None)
        else:
            self._publish(state.uri, None, [])
        if not state.lost_sync_shown:
            state.lost_sync_shown = True
            name = Path(state.path).name
            self.show(f"lost track of the edits to {name} ({reason}); its findings are hidden until you save it, or close and reopen it", types.MessageType.Warning)

    def _resync_from_save(self, uri: str, saved_text: str | None) -> None:
        """Take a document that lost sync back from its save: the text the save carries, else the file just written."""
        state = self.documents[uri]
        document = self.server.workspace.text_documents.get(uri)
        if saved_text is None:
            try:
                saved_text = read_source(Path(state.path), max_bytes=self.settings.options_for(Path(state.path)).size_limit).text
            except (SourceReadError, OSError) as exc:
                log.warning("cannot resynchronise %s from the saved file: %s", state.path, exc)
                return
        if isinstance(document, LspTextDocument):
            document.resync(saved_text)
            state.lost_sync_shown = False
            self.log_message(f"{Path(state.path).name} is in sync again (read from the saved file)", types.MessageType.Info)
            self.scheduler.schedule(uri)

    def did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        """Forget a closed document and clear its diagnostics."""
        uri = params.text_document.uri
        self.scheduler.forget(uri)
        dependents.document_changed(self, uri)
        state = self.documents.pop(uri, None)
        self.scanned.discard(uri)
        self._publish(uri, None, [])
        if state is not None and state.indexed_on_open:
            # Its facts came from the editor: keep them only as far as a file on disk backs them.
            on_disk = Path(state.path).is_file()
            self.spawn(project.refresh_from_disk(self, [state.path] if on_disk else [], [] if on_disk else [state.path]))

    def version_of(self, uri: str) -> int | None:
        """The document's current version (None when it is not open)."""
        document = self.server.workspace.text_documents.get(uri)
        if document is None or uri not in self.documents or getattr(document, "lost_sync", None) is not None:
            return None
        version: int | None = document.version
        return version

    def snapshot(self, uri: str) -> Snapshot | None:
        """An immutable picture of an open document for one analysis."""
        state = self.documents.get(uri)
        document = self.server.workspace.text_documents.get(uri)
        if state is None or document is None or getattr(document, "lost_sync", None) is not None:
            return None
        path = Path(state.path)
        return Snapshot(
            uri=uri,
            path=state.path,
            version=document.version,
            text=document.source,
            settings=self.settings.settings_for(path),
            project=self.project.index,
            generation=self.generation,
            size_limit=self.settings.options_for(path).size_limit,
        )

    async def current_outcome(self, uri: str) -> Outcome | None:
        """The analysis of the document's current version (waiting for it if needed)."""
        if uri not in self.documents:
            return None
        return await self.scheduler.current(uri)

    # -- analysis (worker thread) ------------------------------------------------------------------
    def run_analysis(self, snapshot: Snapshot, settle: bool, should_stop: Any) -> Outcome | None:
        """Analyse a snapshot on a worker thread; None when the document closed or settling was stopped."""
        state = self.documents.get(snapshot.uri)
        if state is None:
            return None
        if snapshot.too_large:
            name = Path(snapshot.path).name
            reason = f"{name} is larger than {snapshot.size_limit:,} bytes (maxFileSizeBytes), so it is not analysed"
            return Outcome(snapshot, None, (), [], skipped_reason=reason)
        try:
            result = state.analyser.analyse(snapshot.text, snapshot.settings, snapshot.project, settle=settle, should_stop=should_stop)
            settled, parses = not state.analyser.needs_settling, state.analyser.text_parses
        except AnalysisCancelled:
            return None
        except Exception:
            log.exception("incremental analysis of %s failed; analysing the whole file", snapshot.path)
            state.analyser = IncrementalAnalyser(snapshot.path)
            result, settled, parses = _analyse_plainly(snapshot), True, True
        lines = state.analyser.lines_of(snapshot.text)  # (split once, by the analysis)
        mapper = self.mapper(lines)
        diagnostics = self.converter.convert(result.all_findings, snapshot.uri, snapshot.version, snapshot.path, mapper, self.mapper_for_file)
        tree = state.analyser.settled_tree() if settled and parses else None
        return Outcome(snapshot, result, tuple(diagnostics), lines, settled=settled, parses=parses, tree=tree)

    def mapper(self, lines: list[str]) -> PositionMapper:
        """A position converter for these lines under the negotiated encoding."""
        return PositionMapper(lines, self.server.workspace.position_codec)

    def mapper_for_file(self, path: str) -> PositionMapper | None:
        """A position converter for another file (related locations), read from disk."""
        try:
            return self.mapper(split_lines(read_source(Path(path)).text))
        except (SourceReadError, OSError):
            return None

    # -- results (event loop) ------------------------------------------------------------------------
    def accept(self, outcome: Outcome) -> None:
        """Take a current analysis result: publish it (push clients) or keep it for pulls."""
        state = self.documents.get(outcome.snapshot.uri)
        if state is None:
            return
        if outcome.skipped_reason and not state.size_warning_shown:
            state.size_warning_shown = True
            self.show(outcome.skipped_reason, types.MessageType.Info)
        content = tuple(outcome.findings)
        if state.content != content:
            state.content = content
            state.result_id += 1
        stale_on_client = state.pulled_result_id is not None and state.pulled_result_id != state.result_id
        # While the user types the client pulls after each change; a result it will not ask for (settled, or a
        # re-analysis of the version it already has: settings or another file changed) needs a refresh.
        if stale_on_client and (outcome.settled or outcome.snapshot.version == state.pulled_version):
            if self.features.pull_diagnostics and self.features.diagnostic_refresh:
                self.server.workspace_diagnostic_refresh(None)
        if not self.features.pull_diagnostics:
            key = (outcome.snapshot.version, content)
            if state.published != key:
                state.published = key
                self._publish(outcome.snapshot.uri, outcome.snapshot.version, list(outcome.diagnostics))
        if outcome.settled and (outcome.parses or not self.project.knows(state.path)):
            dependents.document_settled(self, outcome.snapshot.uri)  # (a known file's facts stay while its text does not parse)

    def result_id(self, uri: str) -> str | None:
        """The id of the diagnostics last accepted for the document (for pull `Unchanged` reports)."""
        state = self.documents.get(uri)
        return None if state is None else str(state.result_id)

    def mark_pulled(self, uri: str, outcome: Outcome) -> None:
        """Remember which result the client pulled for this document (it is told to pull again when that goes stale)."""
        state = self.documents.get(uri)
        if state is not None:
            state.pulled_result_id = state.result_id
            state.pulled_version = outcome.snapshot.version

    def publish_scanned(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        """Publish a workspace scan's diagnostics for a file that is not open."""
        if diagnostics or uri in self.scanned:
            self._publish(uri, None, diagnostics)
        if diagnostics:
            self.scanned.add(uri)
        else:
            self.scanned.discard(uri)

    def _publish(self, uri: str, version: int | None, diagnostics: list[types.Diagnostic]) -> None:
        self.server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    def reanalyse(self, uris: list[str]) -> None:
        """Analyse these open documents again (facts they read changed); pull clients are asked to refresh."""
        for uri in uris:
            if uri in self.documents:
                self.scheduler.schedule(uri)

    def settings_changed(self) -> None:
        """Settings or cross-file facts changed: analyse every open document again."""
        self.generation += 1
        for uri in list(self.documents):
            self.scheduler.schedule(uri)
        if self.features.pull_diagnostics and self.features.diagnostic_refresh:
            self.server.workspace_diagnostic_refresh(None)

    # -- messages ---------------------------------------------------------------------------------
    def apply_log_level(self) -> None:
        """Follow the `logLevel` option."""
        level = self.settings.global_options.log_level
        if level is not None:
            logging.getLogger("review_ls").setLevel(level.upper())

    def warn(self, message: str) -> None:
        """Show a warning once (invalid settings, unreadable pyproject.toml); from a worker thread, on the event loop."""
        if self._loop is not None and threading.get_ident() != self._loop_thread:
            self._loop.call_soon_threadsafe(self.warn, message)
            return
        if message not in self._warned:
            self._warned.add(message)
            self.show(message, types.MessageType.Warning)

    def forget_warnings(self, about: str) -> None:
        """Let warnings that mention `about` be shown again (the file they were about changed)."""
        self._warned = {w for w in self._warned if about not in w}

    def report_invalid(self, problems: list[str]) -> None:
        """Warn about invalid editor options (their defaults apply)."""
        if problems:
            self.warn("invalid settings, using the defaults for them: " + "; ".join(problems))

    def log_message(self, message: str, kind: types.MessageType) -> None:
        """Write a message to the client's log for the server (`window/logMessage`) and to the server's log."""
        log.info("%s", message)
        self.server.window_log_message(types.LogMessageParams(type=kind, message=f"review-ls: {message}"))

    def show(self, message: str, kind: types.MessageType) -> None:
        """Show a message to the user (`window/showMessage`) and log it."""
        level = logging.WARNING if kind in (types.MessageType.Warning, types.MessageType.Error) else logging.INFO
        log.log(level, "%s", message)
        self.server.window_show_message(types.ShowMessageParams(type=kind, message=f"review-ls: {message}"))


def _analyse_plainly(snapshot: Snapshot) -> AnalysisResult:
    """The whole-file analysis, as the CLI does it (the fallback if the incremental analyser fails)."""
    try:
        return analyse_source(snapshot.text, snapshot.path, snapshot.settings, snapshot.project)
    except Exception:
        log.exception("analysis of %s failed", snapshot.path)
        return AnalysisResult(())
