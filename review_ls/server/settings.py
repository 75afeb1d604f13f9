"""Settings per file: the editor's options for the file's workspace folder, merged with its pyproject.toml.

`configurationPreference` decides the merge: `editorFirst` (editor options override pyproject.toml),
`filesystemFirst` (the `[tool.review-ls]` table wins; editor options fill in what it leaves at its
default) or `editorOnly` (pyproject.toml is ignored). Each workspace folder has its own
`ConfigResolver` and options.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

from review_ls.config import ConfigError, ConfigResolver, ProjectConfig, Settings, is_within
from review_ls.server.options import ClientOptions


class WorkspaceSettings:
    """Resolves the engine `Settings` of each file, and what the editor asked for each folder."""

    def __init__(self, folders: Sequence[Path], report_problem: Callable[[str], None]) -> None:
        self._report_problem = report_problem
        self.global_options = ClientOptions()
        self.folder_options: dict[Path, ClientOptions] = {}
        self._folders: list[Path] = []
        self._resolvers: dict[Path, ConfigResolver] = {}
        self._settings: dict[str, Settings] = {}
        self.set_folders(folders)

    @property
    def folders(self) -> list[Path]:
        """The workspace folders, deepest first."""
        return list(self._folders)

    def set_folders(self, folders: Sequence[Path]) -> None:
        """Replace the workspace folders (multi-root workspaces)."""
        self._folders = sorted({f.resolve() for f in folders}, key=lambda f: len(f.parts), reverse=True)
        self.folder_options = {f: o for f, o in self.folder_options.items() if f in self._folders}
        self.reload_configuration()

    def reload_configuration(self) -> None:
        """Forget every pyproject.toml read (one changed) and every resolved setting."""
        self._resolvers.clear()
        self._settings.clear()

    def set_options(self, global_options: ClientOptions, folder_options: dict[Path, ClientOptions]) -> None:
        """Take new editor options (global ones, and those of particular folders)."""
        self.global_options = global_options
        self.folder_options = dict(folder_options)
        self._settings.clear()

    def folder_of(self, path: Path) -> Path:
        """The workspace folder holding `path` (for a file outside every folder: its own directory)."""
        for folder in self._folders:
            if is_within(path, folder):
                return folder
        return path.parent.resolve()

    def options_for(self, path: Path) -> ClientOptions:
        """The editor options that apply to `path`."""
        folder = self.folder_of(path)
        specific = self.folder_options.get(folder)
        return self.global_options if specific is None else self.global_options.overlaid(specific)

    def resolver_for(self, folder: Path) -> ConfigResolver:
        """The pyproject.toml resolver of one workspace folder (an unreadable or invalid file gives the defaults, with a warning)."""
        resolver = self._resolvers.get(folder)
        if resolver is None:
            resolver = self._resolvers[folder] = DefaultingResolver(folder, self._report_problem)
        return resolver

    def project_config(self, path: Path) -> ProjectConfig:
        """The pyproject.toml configuration governing `path` (defaults, with a warning, when it is invalid)."""
        return self.resolver_for(self.folder_of(path)).config_for(path)

    def settings_for(self, path: Path) -> Settings:
        """The engine settings of one file."""
        key = str(path)
        settings = self._settings.get(key)
        if settings is None:
            settings = self._settings[key] = self._resolve(path)
        return settings

    def _resolve(self, path: Path) -> Settings:
        options = self.options_for(path)
        preference = options.preference
        if preference == "editorOnly":
            config = ProjectConfig(root=self.folder_of(path))
        else:
            config = self.project_config(path)
            if preference == "filesystemFirst" and config.source != "<defaults>":
                merged = fill_in_settings(config.settings, options)
                return dataclasses.replace(config, settings=merged).settings_for(path)
        merged = merge_settings(config.settings, options)
        return dataclasses.replace(config, settings=merged).settings_for(path)


class DefaultingResolver(ConfigResolver):
    """A folder's resolver that never raises: where pyproject.toml cannot be read or is invalid, the defaults apply.

    The index and the workspace scan walk the folder with it (on worker threads), so one bad
    pyproject.toml costs neither the cross-file facts nor the findings; `report` hears why.
    """

    def __init__(self, folder: Path, report: Callable[[str], None]) -> None:
        super().__init__(fallback_root=folder)
        self._folder = folder
        self._report = report

    def config_for(self, path: Path) -> ProjectConfig:
        """The configuration governing `path`, or the defaults (reported) when its pyproject.toml is unusable."""
        try:
            return super().config_for(path)
        except ConfigError as exc:
            self._report(f"{exc}; using the defaults")
            return ProjectConfig(root=self._folder)


def merge_settings(project: Settings, options: ClientOptions) -> Settings:
    """Project settings with the editor's options on top (the editor's severities win ties)."""
    return Settings(
        select=options.select if options.select is not None else project.select,
        ignore=options.ignore if options.ignore is not None else project.ignore,
        severity=(*(options.severity or ()), *project.severity),
        options=project.options,
        report_syntax_errors=project.report_syntax_errors if options.report_syntax_errors is None else options.report_syntax_errors,
    )


def fill_in_settings(project: Settings, options: ClientOptions) -> Settings:
    """Project settings, with the editor's options only where the project left the default."""
    default = Settings()
    return Settings(
        select=project.select if project.select != default.select or options.select is None else options.select,
        ignore=project.ignore if project.ignore or options.ignore is None else options.ignore,
        severity=(*project.severity, *(options.severity or ())),
        options=project.options,
        report_syntax_errors=project.report_syntax_errors
        if project.report_syntax_errors != default.report_syntax_errors or options.report_syntax_errors is None
        else options.report_syntax_errors,
    )
