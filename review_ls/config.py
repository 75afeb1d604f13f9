"""Configuration: `[tool.review-ls]` in pyproject.toml, resolved into per-file `Settings`.

`ProjectConfig` is what one pyproject.toml says; `Settings` is what the engine and the rules see
for one file (per-file ignores already applied). Invalid configuration raises `ConfigError`, whose
text is one line naming the file and the key.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.model import Severity
from review_ls.options_schema import DEFAULT_MAX_FILE_SIZE as DEFAULT_MAX_FILE_SIZE
from review_ls.options_schema import option_meta, shared_pyproject_keys
from review_ls.toml_parser import toml_parser

SECTION = "tool.review-ls"
DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".review-ls-cache",
    "__pycache__",
    "__pypackages__",
    "node_modules",
    "build",
    "dist",
    "site-packages",
    ".eggs",
)


# The selector that stands for the default rule set: every rule whose `default_enabled` is true.
# It is the default `select`; an explicit `select` replaces it, `extend-select` adds to it.
DEFAULT_SELECTOR = "DEFAULT"


class ConfigError(Exception):
    """Invalid configuration; `str()` is one line naming the file and the key."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: [{SECTION}] {key}: {problem}")
        self.source = source
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Settings:
    """What the engine needs to analyse one file. Hashable, so rule sets can be cached by it."""

    select: tuple[str, ...] = (DEFAULT_SELECTOR,)
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    report_syntax_errors: bool = option_meta("report_syntax_errors").editor_default

    def is_enabled(self, code: str) -> bool:
        """True when `code` is selected and not ignored (the more specific selector wins)."""
        selected = _best_match(code, self.select)
        if selected is None:
            return False
        ignored = _best_match(code, self.ignore)
        return ignored is None or selected > ignored

    def severity_for(self, code: str, default: Severity) -> Severity:
        """The configured severity of `code` (the most specific override), else `default`."""
        best: tuple[int, Severity] | None = None
        for selector, severity in self.severity:
            if _matches(code, selector) and (best is None or len(selector) > best[0]):
                best = (len(selector), severity)
        return best[1] if best else default

    def options_for(self, code: str) -> dict[str, Any]:
        """The configured options of the rule `code`."""
        for rule_code, values in self.options:
            if rule_code == code:
                return dict(values)
        return {}

    def with_overrides(
        self, select: Iterable[str] | None = None, ignore: Iterable[str] = (), extend_select: Iterable[str] = ()
    ) -> Settings:
        """Return settings with `select` replaced (if given), then `extend_select` and `ignore` added."""
        return replace(
            self,
            select=(*(tuple(select) if select is not None else self.select), *extend_select),
            ignore=(*self.ignore, *ignore),
        )


def _matches(code: str, selector: str) -> bool:
    if selector == DEFAULT_SELECTOR:
        from review_ls.rules import default_off_codes

        return code not in default_off_codes()
    return selector == "ALL" or code.startswith(selector)


def _best_match(code: str, selectors: tuple[str, ...]) -> int | None:
    """Length of the most specific selector matching `code` ('ALL' and the default set count as 0), or None."""
    best: int | None = None
    for selector in selectors:
        if _matches(code, selector):
            length = 0 if selector in ("ALL", DEFAULT_SELECTOR) else len(selector)
            best = length if best is None else max(best, length)
    return best


@dataclass(frozen=True)
class ProjectConfig:
    """The `[tool.review-ls]` table of one pyproject.toml (or the defaults when there is none)."""

    root: Path
    source: str = "<defaults>"
    settings: Settings = field(default_factory=Settings)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes; larger files are skipped with a notice
    entry_points: tuple[str, ...] = ()  # `module:function` / `module:*`: functions run once per invocation

    def settings_for(self, path: Path | str) -> Settings:
        """The settings of one file: the project's, plus the per-file ignores whose glob matches."""
        if not self.per_file_ignores:
            return self.settings
        relative = _relative_posix(Path(path), self.root)
        extra: list[str] = []
        for pattern, codes in self.per_file_ignores:
            if glob_matches(relative, pattern):
                extra.extend(codes)
        return self.settings.with_overrides(ignore=extra) if extra else self.settings

    def is_excluded(self, path: Path | str, walk_root: Path | None = None) -> bool:
        """True when `path` (or a folder above it, below `walk_root`) matches `exclude`/`extend-exclude`.

        Folders at or above the walked root were named explicitly by the user, so they do not count.
        """
        relative = _relative_posix(Path(path), self.root)
        parts = relative.split("/")
        first = 0
        if walk_root is not None:
            root_relative = _relative_posix(walk_root, self.root)
            if root_relative not in ("", ".") and relative.startswith(root_relative + "/"):
                first = root_relative.count("/") + 1
        name_pattern, path_pattern = self._exclude_matchers
        for index in range(first, len(parts)):
            if name_pattern.match(parts[index]) or path_pattern.match("/".join(parts[: index + 1])):
                return True
        return False

    def is_excluded_in_folder(self, folder_relative: str, name: str) -> bool:
        """`is_excluded` for `name` in a folder (root-relative POSIX path, "" for the root) whose own parts are not excluded.

        A walk that matched each folder on the way down matches only the last part of what it finds.
        """
        name_pattern, path_pattern = self._exclude_matchers
        return bool(name_pattern.match(name) or path_pattern.match(f"{folder_relative}/{name}" if folder_relative else name))

    def folder_relative(self, folder: str) -> str | None:
        """An absolute folder's path relative to the root, POSIX ("" for the root); None when it is not below the root by name."""
        relative = os.path.relpath(folder, os.path.abspath(self.root))
        if relative == ".":
            return ""
        if relative == ".." or relative.startswith(".." + os.sep):
            return None
        return relative.replace(os.sep, "/")

    @cached_property
    def _exclude_matchers(self) -> tuple[re.Pattern[str], re.Pattern[str]]:
        """`exclude` + `extend-exclude` compiled into two regexes: one for a path's last part, one for the path.

        Same semantics as `glob_matches`: a pattern without '/' matches a basename (or the whole path);
        a pattern with '/' matches the path or anything below it.
        """
        names: list[str] = []
        paths: list[str] = []
        for raw in (*self.exclude, *self.extend_exclude):
            pattern = raw.strip().removeprefix("./")
            bare = pattern.rstrip("/")
            if "/" not in bare:
                names.append(fnmatch.translate(bare))
                paths.append(fnmatch.translate(pattern))
            else:
                paths.extend((fnmatch.translate(bare), fnmatch.translate(bare + "/*")))
        never = r"(?!x)x"
        return re.compile("|".join(names) or never), re.compile("|".join(paths) or never)


def glob_matches(relative_posix: str, pattern: str) -> bool:
    """Match a root-relative POSIX path against a glob; a pattern without '/' matches any basename."""
    pattern = pattern.strip().removeprefix("./")
    if "/" not in pattern.rstrip("/"):
        return fnmatch.fnmatchcase(relative_posix.rsplit("/", 1)[-1], pattern.rstrip("/")) or fnmatch.fnmatchcase(
            relative_posix, pattern
        )
    return fnmatch.fnmatchcase(relative_posix, pattern.rstrip("/")) or fnmatch.fnmatchcase(
        relative_posix, pattern.rstrip("/") + "/*"
    )


def _relative_posix(path: Path, root: Path) -> str:
    """`path` relative to `root`, with '/' separators (cheap `abspath` first; `resolve` only across links)."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    if not relative.startswith(".."):
        return relative.replace(os.sep, "/")
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


# -- loading -----------------------------------------------------------------------------------

# Keys only pyproject.toml has; the keys it shares with the editor (select, ignore, severity,
# report-syntax-errors, max-file-size) come from review_ls/options_schema.py with their defaults.
# The rule option that bounds jedi; `jedi` and `jedi-budget-ms` at the top of the table set it for every rule that has it.
JEDI_BUDGET_OPTION = "jedi-budget-ms"
_PYPROJECT_ONLY_KEYS = frozenset(
    {"extend-select", "per-file-ignores", "exclude", "extend-exclude", "respect-gitignore", "options", "jedi", JEDI_BUDGET_OPTION, "entry-points"}
)
# `entry-points` entries: `package.module:function`, `package.module:Class.method`, `package.module:Class.*`, `package.module:*`.
ENTRY_POINT_SYNTAX = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:(\*|[A-Za-z_]\w*(\.([A-Za-z_]\w*|\*))?)")
_SHARED = shared_pyproject_keys()
_KNOWN_KEYS = _PYPROJECT_ONLY_KEYS | _SHARED.keys()


# Numeric rule options are counts and durations: never negative, and small enough for any C API they reach.
MAX_OPTION_NUMBER = 2**31 - 1


def _in_range(value: object) -> object:
    """`value` if it is not a number or is within 0..MAX_OPTION_NUMBER, else raise ValueError."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not 0 <= value <= MAX_OPTION_NUMBER:
        raise ValueError(f"must be between 0 and {MAX_OPTION_NUMBER}, got {value!r}")
    return value


def load_project_config(pyproject: Path) -> ProjectConfig | None:
    """Read `[tool.review-ls]` from a pyproject.toml; None when the file has no such table."""
    source = str(pyproject)
    tomllib = toml_parser()
    try:
        with pyproject.open("rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "<toml>", f"not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(source, "<file>", f"not valid UTF-8 (byte {exc.object[exc.start]:#04x} at offset {exc.start})") from None
    except OSError as exc:
        raise ConfigError(source, "<file>", f"cannot read: {exc.strerror or exc}") from None
    table = document.get("tool", {}).get("review-ls")
    if table is None:
        return None
    return parse_config_table(table, root=pyproject.parent, source=source)


def parse_config_table(table: Mapping[str, Any], root: Path, source: str) -> ProjectConfig:
    """Validate a `[tool.review-ls]` table and build the `ProjectConfig` it describes."""
    from review_ls.rules import all_rules, known_codes

    if not isinstance(table, Mapping):
        raise ConfigError(source, "<table>", "must be a table")
    for key in table:
        if key not in _KNOWN_KEYS:
            raise ConfigError(source, key, f"unknown key (known keys: {', '.join(sorted(_KNOWN_KEYS))})")
    codes = known_codes()
    select = tuple(_selectors(table, "select", source, codes)) if "select" in table else (DEFAULT_SELECTOR,)
    select = (*select, *_selectors(table, "extend-select", source, codes))
    ignore = tuple(_selectors(table, "ignore", source, codes))
    severity: list[tuple[str, Severity]] = []
    severities = table.get("severity", {})
    if not isinstance(severities, Mapping):
        raise ConfigError(source, "severity", "must be a table of code = level")
    for selector, level in severities.items():
        _check_selector(selector, f"severity.{selector}", source, codes)
        try:
            severity.append((selector, Severity.parse(str(level))))
        except ValueError as exc:
            raise ConfigError(source, f"severity.{selector}", str(exc)) from None
    per_file: list[tuple[str, tuple[str, ...]]] = []
    per_file_table = table.get("per-file-ignores", {})
    if not isinstance(per_file_table, Mapping):
        raise ConfigError(source, "per-file-ignores", "must be a table of glob = [codes]")
    for pattern, selectors in per_file_table.items():
        key = f"per-file-ignores.{pattern!r}"
        per_file.append((pattern, tuple(_selector_list(selectors, key, source, codes))))
    rules_by_code = {rule.code: rule for rule in all_rules()} if table.get("options") else {}  # (rule options import every rule)
    options: list[tuple[str, tuple[tuple[str, Any], ...]]] = []
    options_table = table.get("options", {})
    if not isinstance(options_table, Mapping):
        raise ConfigError(source, "options", "must be a table of tables, one per rule code")
    for code, values in options_table.items():
        rule = rules_by_code.get(str(code).upper())
        if rule is None:
            raise ConfigError(source, f"options.{code}", "unknown rule code")
        if not isinstance(values, Mapping):
            raise ConfigError(source, f"options.{code}", "must be a table")
        declared = {option.name: option for option in rule.options}
        coerced: list[tuple[str, Any]] = []
        for name, value in values.items():
            option = declared.get(name)
            if option is None:
                known = ", ".join(declared) or "none"
                raise ConfigError(source, f"options.{code}.{name}", f"unknown option (options of {rule.code}: {known})")
            try:
                coerced.append((name, _in_range(option.coerce(value))))
            except ValueError as exc:
                raise ConfigError(source, f"options.{code}.{name}", str(exc)) from None
        options.append((rule.code, tuple(sorted(coerced))))
    options = _with_global_jedi_budget(table, options, all_rules() if "jedi" in table or JEDI_BUDGET_OPTION in table else (), source)
    return ProjectConfig(
        root=root,
        source=source,
        settings=Settings(
            select=select,
            ignore=ignore,
            severity=tuple(severity),
            options=tuple(options),
            report_syntax_errors=_bool(table, "report-syntax-errors", _SHARED["report-syntax-errors"].editor_default, source),
        ),
        per_file_ignores=tuple(per_file),
        exclude=tuple(_strings(table, "exclude", source)) if "exclude" in table else DEFAULT_EXCLUDE,
        extend_exclude=tuple(_strings(table, "extend-exclude", source)),
        respect_gitignore=_bool(table, "respect-gitignore", True, source),
        max_file_size=_positive_int(table, "max-file-size", _SHARED["max-file-size"].editor_default, source),
        entry_points=tuple(_entry_points(table, source)),
    )


def _with_global_jedi_budget(
    table: Mapping[str, Any],
    options: list[tuple[str, tuple[tuple[str, Any], ...]]],
    rules: Iterable[Any],
    source: str,
) -> list[tuple[str, tuple[tuple[str, Any], ...]]]:
    """Per-rule options with the global `jedi`/`jedi-budget-ms` filled in for every rule that has the budget option.

    `jedi = false` makes the budget 0 (jedi off); a rule's own `options.<CODE>.jedi-budget-ms` wins.
    Without either global key the options are returned unchanged.
    """
    if "jedi" not in table and JEDI_BUDGET_OPTION not in table:
        return options
    enabled = _bool(table, "jedi", True, source)
    budget = table.get(JEDI_BUDGET_OPTION, None)
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int) or not 0 <= budget <= MAX_OPTION_NUMBER):
        raise ConfigError(source, JEDI_BUDGET_OPTION, f"must be a whole number of milliseconds between 0 and {MAX_OPTION_NUMBER}, got {budget!r}")
    by_code = dict(options)
    for rule in rules:
        declared = {option.name: option for option in rule.options}
        if JEDI_BUDGET_OPTION not in declared:
            continue
        own = dict(by_code.get(rule.code, ()))
        if JEDI_BUDGET_OPTION not in own:
            own[JEDI_BUDGET_OPTION] = (budget if budget is not None else declared[JEDI_BUDGET_OPTION].default) if enabled else 0
        by_code[rule.code] = tuple(sorted(own.items()))
    return sorted(by_code.items())


def _positive_int(table: Mapping[str, Any], key: str, default: int, source: str) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(source, key, f"must be a positive whole number of bytes, got {value!r}")
    return value


def _bool(table: Mapping[str, Any], key: str, default: bool, source: str) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(source, key, f"must be true or false, got {value!r}")
    return value


def _strings(table: Mapping[str, Any], key: str, source: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(source, key, "must be a list of strings")
    return list(value)


def _entry_points(table: Mapping[str, Any], source: str) -> list[str]:
    """The `entry-points` list, each entry checked against `ENTRY_POINT_SYNTAX`."""
    entries = _strings(table, "entry-points", source)
    for entry in entries:
        if not ENTRY_POINT_SYNTAX.fullmatch(entry):
            raise ConfigError(
                source, "entry-points", f"{entry!r} is not 'package.module:function', 'package.module:Class.method' or 'package.module:*'"
            )
    return entries


def _selectors(table: Mapping[str, Any], key: str, source: str, codes: frozenset[str]) -> list[str]:
    return _selector_list(table.get(key, []), key, source, codes)


def _selector_list(value: object, key: str, source: str, codes: frozenset[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(source, key, "must be a list of rule codes or prefixes")
    selectors = [v.strip().upper() for v in value]
    for selector in selectors:
        _check_selector(selector, key, source, codes)
    return selectors


def _check_selector(selector: str, key: str, source: str, codes: frozenset[str]) -> None:
    if selector != "ALL" and not any(code.startswith(selector) for code in codes):
        raise ConfigError(source, key, f"unknown rule code or prefix {selector!r}")


def validate_selectors(selectors: Iterable[str], origin: str) -> list[str]:
    """Normalise rule selectors given outside pyproject (CLI, editor); raise ValueError naming `origin` if unknown."""
    from review_ls.rules import known_codes

    codes = known_codes()
    result = [s.strip().upper() for s in selectors if s.strip()]
    for selector in result:
        if selector != "ALL" and not any(code.startswith(selector) for code in codes):
            raise ValueError(f"{origin}: unknown rule code or prefix {selector!r}")
    return result


class ConfigResolver:
    """Finds the pyproject.toml that governs each file (walking up) and caches what it read."""

    def __init__(self, fallback_root: Path | None = None) -> None:
        self._by_directory: dict[Path, ProjectConfig] = {}
        self._by_source_folder: dict[str, ProjectConfig] = {}
        self._by_pyproject: dict[str, ProjectConfig | None] = {}
        self._fallback_root = fallback_root or Path.cwd()

    def config_for(self, path: Path) -> ProjectConfig:
        """The configuration governing `path` (a file or directory)."""
        if path.suffix in (".py", ".pyi"):
            folder = os.path.dirname(os.path.abspath(path))
            config = self._by_source_folder.get(folder)
            if config is None:
                config = self._by_source_folder[folder] = self._config_for(path)
            return config
        return self._config_for(path)

    def _config_for(self, path: Path) -> ProjectConfig:
        path = path.resolve()
        directory = path if path.is_dir() else path.parent
        visited: list[Path] = []
        config: ProjectConfig | None = None
        for candidate in (directory, *directory.parents):
            cached = self._by_directory.get(candidate)
            if cached is not None:
                config = cached
                break
            visited.append(candidate)
            pyproject = candidate / "pyproject.toml"
            if pyproject.is_file():
                config = self._load(pyproject)
                if config is not None:
                    break
        if config is None:
            config = ProjectConfig(root=self._fallback_root.resolve())
        for directory_seen in visited:
            self._by_directory[directory_seen] = config
        return config

    def _load(self, pyproject: Path) -> ProjectConfig | None:
        """`load_project_config`, once per file."""
        key = os.path.abspath(pyproject)
        if key not in self._by_pyproject:
            self._by_pyproject[key] = load_project_config(pyproject)
        return self._by_pyproject[key]

    def config_for_subfolder(self, folder: str, parent: ProjectConfig, has_pyproject: bool) -> ProjectConfig:
        """The configuration of `folder` (absolute, not a link), met walking down from its parent governed by `parent`.

        It is its own pyproject.toml's (when `has_pyproject` and it has a `[tool.review-ls]` table), else the
        parent's; the files in it then get it from `config_for` without walking up again.
        """
        config = (self._load(Path(folder) / "pyproject.toml") if has_pyproject else None) or parent
        self._by_source_folder[folder] = config
        return config


def is_within(path: Path, root: Path) -> bool:
    """True when `path` lies inside `root` (after resolving links)."""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return False
    return True
