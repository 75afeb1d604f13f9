"""The options a user sets, defined once: `ClientOptions` and the metadata of each of its fields.

Every field of `ClientOptions` is one editor option (`review-ls.<key>` in VS Code, `settings["review-ls"]`
elsewhere). Its `OptionMeta` gives the editor key, the JSON type and choices the VS Code manifest
declares, the default the editor shows, and the `[tool.review-ls]` key when pyproject.toml has the
same option. `server/options.py` parses editor options by it, `config.py` takes the shared keys and
defaults from it, and tests/test_options_schema.py checks vscode-client/package.json and settings.ts
against it. Editor options and the engine's `Settings` stay two types; `server/settings.py` merges them.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.model import Severity

META = "review_ls.option"
JsonType = Literal["array", "object", "string", "boolean", "integer"]

# Files larger than this are not analysed (CLI `max-file-size`, server `maxFileSizeBytes`).
DEFAULT_MAX_FILE_SIZE = 5_000_000
SEVERITY_LEVELS = tuple(level.value for level in Severity)
PREFERENCES = ("editorFirst", "filesystemFirst", "editorOnly")
LOG_LEVELS = ("error", "warning", "info", "debug")
# Options the VS Code extension reads itself (it starts, stops and traces the server); a client that
# sends its whole `review-ls` section sends them too, and the server ignores them without a warning.
EDITOR_ONLY_KEYS = ("enable", "interpreter", "importStrategy", "trace")


@dataclass(frozen=True)
class OptionMeta:
    """How one editor option is named, typed and defaulted in the editor, and its pyproject.toml twin."""

    key: str
    json_type: JsonType
    editor_default: Any
    choices: tuple[str, ...] = ()
    pyproject_key: str | None = None


def _option(key: str, json_type: JsonType, editor_default: Any, choices: tuple[str, ...] = (), pyproject_key: str | None = None) -> Any:
    """An unset-by-default `ClientOptions` field described by an `OptionMeta`."""
    return dataclasses.field(default=None, metadata={META: OptionMeta(key, json_type, editor_default, choices, pyproject_key)})


@dataclass(frozen=True)
class ClientOptions:
    """Options set in the editor; None means "not set here" (a wider scope, pyproject.toml or the default applies).

    An empty `select`, `ignore` or `severity` in the editor is sent as null, so the editor default of
    those is the empty value and the project's `[tool.review-ls]` value applies.
    """

    select: tuple[str, ...] | None = _option("select", "array", [], pyproject_key="select")
    ignore: tuple[str, ...] | None = _option("ignore", "array", [], pyproject_key="ignore")
    severity: tuple[tuple[str, Severity], ...] | None = _option("severity", "object", {}, SEVERITY_LEVELS, pyproject_key="severity")
    configuration_preference: str | None = _option("configurationPreference", "string", "editorFirst", PREFERENCES)
    log_level: str | None = _option("logLevel", "string", "info", LOG_LEVELS)
    report_syntax_errors: bool | None = _option("reportSyntaxErrors", "boolean", True, pyproject_key="report-syntax-errors")
    scan_workspace_on_startup: bool | None = _option("scanWorkspaceOnStartup", "boolean", False)
    max_file_size_bytes: int | None = _option("maxFileSizeBytes", "integer", DEFAULT_MAX_FILE_SIZE, pyproject_key="max-file-size")

    def overlaid(self, other: ClientOptions) -> ClientOptions:
        """These options with every option that `other` sets taken from `other`."""
        return dataclasses.replace(self, **{f.name: getattr(other, f.name) for f in dataclasses.fields(other) if getattr(other, f.name) is not None})

    @property
    def preference(self) -> str:
        """How editor options and pyproject.toml combine (default: the editor's win)."""
        return self.configuration_preference or str(option_meta("configuration_preference").editor_default)

    @property
    def size_limit(self) -> int:
        """Documents longer than this many bytes are not analysed."""
        return self.max_file_size_bytes if self.max_file_size_bytes is not None else DEFAULT_MAX_FILE_SIZE


def option_meta(field_name: str) -> OptionMeta:
    """The metadata of the `ClientOptions` field `field_name`."""
    meta: OptionMeta = {f.name: f for f in dataclasses.fields(ClientOptions)}[field_name].metadata[META]
    return meta


def editor_options() -> dict[str, tuple[str, OptionMeta]]:
    """Every editor option: editor key -> (field name, metadata), in declaration order."""
    return {field.metadata[META].key: (field.name, field.metadata[META]) for field in dataclasses.fields(ClientOptions)}


def shared_pyproject_keys() -> dict[str, OptionMeta]:
    """The `[tool.review-ls]` keys that are also editor options -> their metadata."""
    return {meta.pyproject_key: meta for _, meta in editor_options().values() if meta.pyproject_key is not None}
