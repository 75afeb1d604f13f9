"""Keeping other open documents current when a file they depend on changes.

When a document's settled diagnostics have been published, its text is indexed (debounced: a new
change of the document restarts the delay and cancels the pending update), and the open documents
whose findings read facts that changed (`project/dependencies.py`: the shared facts, or the facts
of a module they reach through calls and imports) are analysed again. Their new diagnostics are
published (push), or the client is asked to pull again (`workspace/diagnostic/refresh`).
Saves and files changed on disk go through the same update. Nothing here runs before the edited
document's own diagnostics are out, and the indexing runs on a worker thread.

The quiet period before the indexing grows with what indexing the document last cost: the indexing
only serves the *other* documents, and on a large file it takes long enough (0.2-0.7 s on 50k lines)
that a key typed meanwhile shares the interpreter with it. So it waits for a pause that is long
compared with its own length, instead of starting at the first short pause in the typing.
"""

from __future__ import annotations

import ast
import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from review_ls.files import SourceReadError, read_source
from review_ls.project.dependencies import ModuleReach, files_affected
from review_ls.project.function_memo import ExtractionStopped
from review_ls.server.scheduler import CancelToken

if TYPE_CHECKING:
    from review_ls.project.index import ProjectIndex
    from review_ls.server.session import Session

log = logging.getLogger(__name__)

# How long a document must be quiet after its settled result before its text is indexed: at least
# DEPENDENTS_DELAY, and QUIET_PER_INDEXING_SECOND times as long as indexing its text last took, at most MAX_QUIET.
DEPENDENTS_DELAY = 0.25
QUIET_PER_INDEXING_SECOND = 10.0
MAX_QUIET = 5.0
_JOB = "dependents:"


def document_settled(session: Session, uri: str) -> None:
    """The document's settled diagnostics are out: index its text soon, then update its dependents."""
    state = session.documents.get(uri)
    version = session.version_of(uri)
    if state is None or version is None or state.indexed_version == version:
        return
    delay = quiet_period(state.indexing_seconds)
    session.scheduler.debounce(_JOB + uri, delay, lambda token: session.spawn(_index_document(session, uri, version, token)))


def quiet_period(indexing_seconds: float) -> float:
    """How long a document whose indexing last took `indexing_seconds` must be quiet before it is indexed again."""
    return min(MAX_QUIET, max(DEPENDENTS_DELAY, QUIET_PER_INDEXING_SECOND * indexing_seconds))


def document_changed(session: Session, uri: str) -> None:
    """The document changed again: its pending index update waits for the next settled result."""
    session.scheduler.cancel(_JOB + uri)


async def _index_document(session: Session, uri: str, version: int, token: CancelToken) -> None:
    """Index the open document's text (if still at `version`) and re-analyse the documents it affects."""
    snapshot = session.snapshot(uri)
    if token.cancelled or snapshot is None or snapshot.version != version or snapshot.too_large:
        return
    state = session.documents[uri]
    state.indexed_version = version
    settled = session.scheduler.latest(uri)
    tree = settled.tree if settled is not None and settled.snapshot.text == snapshot.text else None
    started = time.perf_counter()
    await update_index(session, {snapshot.path: snapshot.text}, (), token, {snapshot.path: tree} if tree is not None else None)
    took = time.perf_counter() - started
    # (a stopped indexing took at least this long: the estimate never shrinks from it)
    state.indexing_seconds = max(state.indexing_seconds, took) if token.cancelled else took
    if token.cancelled and state.indexed_version == version:
        state.indexed_version = None  # a key stopped the indexing: the next settled result indexes the text


async def update_index(
    session: Session,
    texts: Mapping[str, str | None],
    deleted: Iterable[str],
    token: CancelToken | None = None,
    trees: Mapping[str, ast.Module] | None = None,
) -> None:
    """Index new texts (None: read the file from disk) and forget `deleted` files; re-analyse the open documents that changed.

    `trees`: texts already parsed (by the document's analysis), by path. The indexing runs on a worker
    thread; it is skipped when `token` is cancelled before it starts.
    """
    open_paths = {state.path: uri for uri, state in session.documents.items()}
    loop = asyncio.get_running_loop()
    affected = await loop.run_in_executor(
        session.executor, reindex, session.project.index, dict(texts), tuple(deleted), tuple(open_paths), token, trees
    )
    if affected is None:
        return
    uris = [open_paths[path] for path in sorted(affected) if path in open_paths]
    log.info("re-analysing %d open document(s) that depend on %s", len(uris), ", ".join(sorted(texts) or sorted(deleted)))
    session.reanalyse(uris)


def reindex(
    index: ProjectIndex,
    texts: Mapping[str, str | None],
    deleted: tuple[str, ...],
    open_paths: tuple[str, ...],
    token: CancelToken | None = None,
    trees: Mapping[str, ast.Module] | None = None,
) -> set[str] | None:
    """Update the index (worker thread); the open paths whose findings may change (the updated ones included), None if no fact changed.

    `trees` holds the parsed tree of some texts (equal to `ast.parse` of them): those are not parsed again.
    A `token` cancelled meanwhile (a new key in the document) stops the extraction between functions:
    the files not yet updated keep their last facts, so a key never waits for the indexing of a large file."""
    if token is not None and token.cancelled:
        return None
    should_stop = None if token is None else (lambda: token.cancelled)
    before_reach = ModuleReach(index)
    before = {path: before_reach.reach(path) for path in open_paths}
    changed = [*texts, *deleted]
    shared_before = {path: _shared_facts(index, path) for path in changed}
    any_change = False
    for path in deleted:
        any_change = index.remove_file(path) or any_change
    for path, text in texts.items():
        if text is None:
            try:
                text = read_source(Path(path)).text
            except SourceReadError:
                any_change = index.remove_file(path) or any_change
                continue
        try:
            any_change = index.update_file(path, text, (trees or {}).get(path), should_stop) or any_change
        except ExtractionStopped:
            break
    if not any_change:
        return None
    shared_changed = any(_shared_facts(index, path) != shared_before[path] for path in changed)
    after = ModuleReach(index)
    affected: set[str] = {path for path in changed if path in before}
    for path in changed:
        affected |= files_affected(before, after, path, shared_changed)
    return affected


def _shared_facts(index: ProjectIndex, path: str) -> object:
    """What every file may read of one file: its position-free facts and its type pre-filter names."""
    facts = index.facts(path)
    types = index.types.for_path(path)
    type_names = None if types is None else (types.enum_values, types.field_names, types.optional_fields)
    return (None if facts is None else facts.position_free, type_names)
