"""Client options: what the editor sends (initializationOptions, didChangeConfiguration, workspace/configuration).

The options and their types are defined once, in `review_ls/options_schema.py` (`ClientOptions`);
this module parses what an editor sends into it. `settings.py` merges it with pyproject.toml into
the engine's `Settings`. Parsing never fails: each invalid option is reported as a problem and left
unset, so its default applies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from review_ls.config import validate_selectors
from review_ls.engine.model import Severity
from review_ls.options_schema import DEFAULT_MAX_FILE_SIZE as DEFAULT_MAX_FILE_SIZE
from review_ls.options_schema import EDITOR_ONLY_KEYS, OptionMeta, editor_options
from review_ls.options_schema import ClientOptions as ClientOptions
from review_ls.server.option_section import SECTION as SECTION
from review_ls.server.option_section import options_section as options_section


def is_for_review_ls(raw: object) -> bool:
    """True when settings an editor pushed are review-ls's (its section, or review-ls option names)."""
    if not isinstance(raw, Mapping):
        return False
    if SECTION in raw or ("settings" in raw and is_for_review_ls(raw["settings"])):
        return True
    return any(key in editor_options() for key in raw)


def parse_client_options(raw: object, origin: str) -> tuple[ClientOptions, list[str]]:
    """Parse the options an editor sent; return them and a description of each invalid one."""
    raw = options_section(raw)
    if raw is None:
        return ClientOptions(), []
    if not isinstance(raw, Mapping):
        return ClientOptions(), [f"{origin}: expected an object of review-ls options, got {type(raw).__name__}"]
    values: dict[str, Any] = {}
    problems: list[str] = []
    options = editor_options()
    for key, value in raw.items():
        option = options.get(key)
        if option is None:
            if key not in EDITOR_ONLY_KEYS:
                problems.append(f"{origin}: unknown option {key!r}")
            continue
        if value is None:
            continue
        name, meta = option
        try:
            values[name] = _PARSERS[meta.json_type](value, meta, f"{origin}: {key}")
        except ValueError as exc:
            problems.append(str(exc))
    return ClientOptions(**values), problems


def _selectors(value: object, meta: OptionMeta, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: expected a list of rule codes or prefixes")
    return tuple(validate_selectors(value, where))


def _severity(value: object, meta: OptionMeta, where: str) -> tuple[tuple[str, Severity], ...]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected an object of code -> {'|'.join(meta.choices)}")
    entries = []
    for code, level in value.items():
        (selector,) = validate_selectors([str(code)], where)
        try:
            entries.append((selector, Severity.parse(str(level))))
        except ValueError as exc:
            raise ValueError(f"{where}.{code}: {exc}") from None
    return tuple(entries)


def _choice(value: object, meta: OptionMeta, where: str) -> str:
    if value not in meta.choices:
        raise ValueError(f"{where}: expected one of {', '.join(meta.choices)}, got {value!r}")
    return str(value)


def _flag(value: object, meta: OptionMeta, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where}: expected true or false, got {value!r}")
    return value


def _size(value: object, meta: OptionMeta, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{where}: expected a positive number of bytes, got {value!r}")
    return value


# One parser per JSON type of the schema (every string option has choices).
_PARSERS: dict[str, Callable[[object, OptionMeta, str], Any]] = {
    "array": _selectors,
    "object": _severity,
    "string": _choice,
    "boolean": _flag,
    "integer": _size,
}
