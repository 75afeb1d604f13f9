"""Settings flows: options pushed or pulled from the editor, and pyproject.toml changes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import to_fs_path

from review_ls.server.options import SECTION, ClientOptions, is_for_review_ls, parse_client_options
from review_ls.server.project import configure_entry_points, refresh_from_disk

if TYPE_CHECKING:
    from review_ls.server.session import Session

log = logging.getLogger(__name__)


def did_change_configuration(session: Session, params: types.DidChangeConfigurationParams) -> None:
    """Take pushed options (if they are review-ls's), pull per-folder ones, and analyse again."""
    if is_for_review_ls(params.settings):
        options, problems = parse_client_options(params.settings, "settings")
        session.settings.set_options(options, session.settings.folder_options)
        session.report_invalid(problems)
    session.spawn(_reconfigure(session))


async def _reconfigure(session: Session) -> None:
    await pull_configuration(session)
    session.apply_log_level()
    session.settings_changed()


async def pull_configuration(session: Session) -> None:
    """Ask the client for the review-ls settings of each workspace folder (`workspace/configuration`)."""
    if not session.features.configuration:
        return
    folders = session.settings.folders
    if not folders:
        return
    items = [types.ConfigurationItem(section=SECTION, scope_uri=folder.as_uri()) for folder in folders]
    try:
        values = await session.server.workspace_configuration_async(types.ConfigurationParams(items=items))
    except Exception as exc:
        log.info("workspace/configuration failed: %s", exc)
        return
    folder_options: dict[Path, ClientOptions] = {}
    problems: list[str] = []
    for folder, value in zip(folders, values or ()):
        if value is not None:
            options, found = parse_client_options(value, f"settings of {folder.name}")
            folder_options[folder] = options
            problems.extend(found)
    session.settings.set_options(session.settings.global_options, folder_options)
    session.report_invalid(problems)


def pyproject_changed(session: Session) -> None:
    """A pyproject.toml changed: read them again and analyse the open documents again."""
    session.settings.reload_configuration()
    session.forget_warnings("pyproject.toml")
    configure_entry_points(session)
    session.settings_changed()


def check_pyproject_on_save(session: Session, saved: Path) -> None:
    """For clients that cannot watch files: re-read pyproject.toml when it (or any file) is saved and it changed."""
    if session.watching:
        return
    directories = [Path(state.path).parent for state in session.documents.values()] + [saved.parent]
    if saved.name == "pyproject.toml" or session.config_stamps.changed(directories, session.settings.folders):
        pyproject_changed(session)


def did_change_watched_files(session: Session, params: types.DidChangeWatchedFilesParams) -> None:
    """React to pyproject.toml and Python files changed outside the editor."""
    changed: list[str] = []
    deleted: list[str] = []
    config = False
    for event in params.changes:
        path = to_fs_path(event.uri)
        if path is None:
            continue
        if Path(path).name == "pyproject.toml":
            config = True
        elif event.uri not in session.documents:
            (deleted if event.type == types.FileChangeType.Deleted else changed).append(path)
    if config:
        pyproject_changed(session)
    if changed or deleted:
        session.spawn(refresh_from_disk(session, changed, deleted))
