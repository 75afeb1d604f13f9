"""Client options: what the editor sends (initializationOptions, didChangeConfiguration, workspace/configuration).

`ClientOptions` is the editor's side only; `settings.py` merges it with pyproject.toml into the
engine's `Settings`. Parsing never fails: each invalid option is reported as a problem and left
unset, so its default applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from review_ls.config import DEFAULT_MAX_FILE_SIZE, validate_selectors
from review_ls.engine.model import Severity

SECTION = "review-ls"
PREFERENCES = ("editorFirst", "filesystemFirst", "editorOnly")
LOG_LEVELS = ("error", "warning", "info", "debug")
# Keys the VS Code extension reads itself; the server accepts them silently.
_CLIENT_ONLY_KEYS = frozenset({"path", "interpreter", "trace", "importStrategy", "enable", "showNotifications"})


@dataclass(frozen=True)
class ClientOptions:
    """Options set in the editor; None means "not set here" (a wider scope or the default applies)."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    severity: tuple[tuple[str, Severity], ...] | None = None
    configuration_preference: str | None = None
    log_level: str | None = None
    report_syntax_errors: bool | None = None
    scan_workspace_on_startup: bool | None = None
    max_file_size_bytes: int | None = None

    def overlaid(self, other: ClientOptions) -> ClientOptions:
        """These options with every option that `other` sets taken from `other`."""
        values = {f.name: getattr(other, f.name) if getattr(other, f.name) is not None else getattr(self, f.name) for f in fields(self)}
        return ClientOptions(**values)

    @property
    def preference(self) -> str:
        """How editor options and pyproject.toml combine (default: the editor's win)."""
        return self.configuration_preference or "editorFirst"

    @property
    def size_limit(self) -> int:
        """Documents longer than this many bytes are not analysed."""
        return self.max_file_size_bytes if self.max_file_size_bytes is not None else DEFAULT_MAX_FILE_SIZE


def options_section(raw: object) -> object:
    """The review-ls part of what an editor sent: `{"review-ls": {...}}`, `{"settings": {...}}` or the options."""
    while isinstance(raw, Mapping):
        if SECTION in raw:
            raw = raw[SECTION]
        elif "settings" in raw and isinstance(raw["settings"], Mapping):
            raw = raw["settings"]
        else:
            break
    return raw


def is_for_review_ls(raw: object) -> bool:
    """True when settings an editor pushed are review-ls's (its section, or review-ls option names)."""
    if not isinstance(raw, Mapping):
        return False
    if SECTION in raw or ("settings" in raw and is_for_review_ls(raw["settings"])):
        return True
    return any(key in _PARSERS for key in raw)


def parse_client_options(raw: object, origin: str) -> tuple[ClientOptions, list[str]]:
    """Parse the options an editor sent; return them and a description of each invalid one."""
    raw = options_section(raw)
    if raw is None:
        return ClientOptions(), []
    if not isinstance(raw, Mapping):
        return ClientOptions(), [f"{origin}: expected an object of review-ls options, got {type(raw).__name__}"]
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in raw.items():
        parser = _PARSERS.get(key)
        if parser is None:
            if key not in _CLIENT_ONLY_KEYS:
                problems.append(f"{origin}: unknown option {key!r}")
            continue
        if value is None:
            continue
        try:
            name, parsed = parser(value, f"{origin}: {key}")
        except ValueError as exc:
            problems.append(str(exc))
            continue
        values[name] = parsed
    return ClientOptions(**values), problems


def _selectors(name: str) -> Any:
    def parse(value: object, where: str) -> tuple[str, tuple[str, ...]]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{where}: expected a list of rule codes or prefixes")
        return name, tuple(validate_selectors(value, where))

    return parse


def _severity(value: object, where: str) -> tuple[str, tuple[tuple[str, Severity], ...]]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected an object of code -> error|warning|info|hint")
    entries = []
    for code, level in value.items():
        (selector,) = validate_selectors([str(code)], where)
        try:
            entries.append((selector, Severity.parse(str(level))))
        except ValueError as exc:
            raise ValueError(f"{where}.{code}: {exc}") from None
    return "severity", tuple(entries)


def _choice(name: str, choices: tuple[str, ...]) -> Any:
    def parse(value: object, where: str) -> tuple[str, str]:
        if value not in choices:
            raise ValueError(f"{where}: expected one of {', '.join(choices)}, got {value!r}")
        return name, str(value)

    return parse


def _flag(name: str) -> Any:
    def parse(value: object, where: str) -> tuple[str, bool]:
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected true or false, got {value!r}")
        return name, value

    return parse


def _size(value: object, where: str) -> tuple[str, int]:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{where}: expected a positive number of bytes, got {value!r}")
    return "max_file_size_bytes", value


_PARSERS: dict[str, Any] = {
    "select": _selectors("select"),
    "ignore": _selectors("ignore"),
    "severity": _severity,
    "configurationPreference": _choice("configuration_preference", PREFERENCES),
    "logLevel": _choice("log_level", LOG_LEVELS),
    "reportSyntaxErrors": _flag("report_syntax_errors"),
    "scanWorkspaceOnStartup": _flag("scan_workspace_on_startup"),
    "maxFileSizeBytes": _size,
}
