"""One options schema (review_ls/options_schema.py): the server parses it, and the VS Code manifest,
the extension's settings.ts and pyproject.toml's shared keys agree with it (names, types, defaults, choices)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from review_ls.config import Settings, parse_config_table
from review_ls.options_schema import EDITOR_ONLY_KEYS, ClientOptions, editor_options, shared_pyproject_keys
from review_ls.server.options import parse_client_options

ROOT = Path(__file__).resolve().parent.parent
CLIENT = ROOT / "vscode-client"
OPTIONS = editor_options()


def _manifest_properties() -> dict[str, dict[str, Any]]:
    """`contributes.configuration.properties` of the VS Code manifest, keyed without the `review-ls.` prefix."""
    manifest = json.loads((CLIENT / "package.json").read_text(encoding="utf-8"))
    properties = manifest["contributes"]["configuration"]["properties"]
    assert all(name.startswith("review-ls.") for name in properties)
    return {name.removeprefix("review-ls."): spec for name, spec in properties.items()}


def _settings_ts() -> str:
    return (CLIENT / "src" / "common" / "settings.ts").read_text(encoding="utf-8")


def _interface_keys(source: str, name: str) -> list[str]:
    body = re.search(rf"export interface {name} \{{(.*?)\n\}}", source, re.S)
    assert body is not None, name
    return re.findall(r"^    (\w+)\??:", body.group(1), re.M)


def _ts_literal(text: str) -> Any:
    """A TypeScript literal of settings.ts (`'info'`, `true`, `5_000_000`, `[]`, `{}`) as a Python value."""
    return json.loads(text.replace("'", '"').replace("_", ""))


def _default_settings(source: str) -> dict[str, Any]:
    body = re.search(r"DEFAULT_SETTINGS: Readonly<ExtensionSettings> = Object\.freeze\(\{(.*?)\}\);", source, re.S)
    assert body is not None
    return {key: _ts_literal(value) for key, value in re.findall(r"^\s+(\w+): (.+?),$", body.group(1), re.M)}


def _ts_choices(source: str, constant: str) -> tuple[str, ...]:
    found = re.search(rf"export const {constant} = \[(.*?)\] as const;", source)
    assert found is not None, constant
    return tuple(_ts_literal(f"[{found.group(1)}]"))


@pytest.mark.parametrize("key", sorted(OPTIONS))
def test_every_server_option_is_declared_in_the_manifest_as_the_schema_says(key: str) -> None:
    meta = OPTIONS[key][1]
    spec = _manifest_properties().get(key)
    assert spec is not None, f"review-ls.{key} is missing from package.json"
    assert spec["type"] == meta.json_type
    assert spec["default"] == meta.editor_default
    if meta.json_type == "string":
        assert tuple(spec["enum"]) == meta.choices
    elif meta.json_type == "object":
        assert tuple(spec["additionalProperties"]["enum"]) == meta.choices
    else:
        assert "enum" not in spec and not meta.choices


def test_the_manifest_declares_nothing_the_schema_does_not_know() -> None:
    undeclared = {key for key in _manifest_properties() if key not in OPTIONS and key.split(".")[0] not in EDITOR_ONLY_KEYS}
    assert undeclared == set()
    assert {key.split(".")[0] for key in _manifest_properties()} >= set(EDITOR_ONLY_KEYS)


def test_settings_ts_sends_exactly_the_schema_options_with_its_defaults_and_choices() -> None:
    source = _settings_ts()
    assert sorted(_interface_keys(source, "ServerSettings")) == sorted(OPTIONS)
    assert sorted(_interface_keys(source, "ExtensionSettings")) == sorted([*OPTIONS, "enable", "interpreter", "importStrategy"])
    defaults = _default_settings(source)
    assert {key: defaults[key] for key in OPTIONS} == {key: meta.editor_default for key, (_, meta) in OPTIONS.items()}
    assert _ts_choices(source, "SEVERITIES") == OPTIONS["severity"][1].choices
    assert _ts_choices(source, "CONFIGURATION_PREFERENCES") == OPTIONS["configurationPreference"][1].choices
    assert _ts_choices(source, "LOG_LEVELS") == OPTIONS["logLevel"][1].choices


def test_options_shared_with_pyproject_have_the_same_defaults_there() -> None:
    shared = shared_pyproject_keys()
    assert set(shared) == {"select", "ignore", "severity", "report-syntax-errors", "max-file-size"}
    config = parse_config_table({}, root=ROOT, source="pyproject.toml")
    assert config.settings.report_syntax_errors is shared["report-syntax-errors"].editor_default
    assert config.max_file_size == shared["max-file-size"].editor_default
    assert Settings().report_syntax_errors is shared["report-syntax-errors"].editor_default
    assert ClientOptions().size_limit == shared["max-file-size"].editor_default
    configured = parse_config_table({"report-syntax-errors": False, "max-file-size": 10}, root=ROOT, source="pyproject.toml")
    assert (configured.settings.report_syntax_errors, configured.max_file_size) == (False, 10)


def test_every_option_is_parsed_into_its_field() -> None:
    raw = {
        "select": ["rv2"],
        "ignore": ["RV203"],
        "severity": {"RV2": "error"},
        "configurationPreference": "filesystemFirst",
        "logLevel": "debug",
        "reportSyntaxErrors": False,
        "scanWorkspaceOnStartup": True,
        "maxFileSizeBytes": 100,
    }
    assert set(raw) == set(OPTIONS)
    options, problems = parse_client_options({"review-ls": raw}, "initializationOptions")
    assert problems == []
    assert options.select == ("RV2",) and options.ignore == ("RV203",)
    assert [(code, level.value) for code, level in options.severity or ()] == [("RV2", "error")]
    assert (options.preference, options.log_level, options.report_syntax_errors) == ("filesystemFirst", "debug", False)
    assert (options.scan_workspace_on_startup, options.size_limit) == (True, 100)


@pytest.mark.parametrize("key", ["path", "showNotifications"])
def test_options_no_client_defines_are_reported_not_silently_accepted(key: str) -> None:
    options, problems = parse_client_options({key: "fromEnvironment"}, "settings")
    assert options == ClientOptions()
    assert problems == [f"settings: unknown option {key!r}"]


def test_options_only_the_extension_reads_are_accepted_silently() -> None:
    sent = {"enable": True, "interpreter": "/usr/bin/python3", "importStrategy": "useBundled", "trace": {"server": "off"}, "logLevel": "debug"}
    options, problems = parse_client_options(sent, "settings")
    assert problems == []
    assert options.log_level == "debug"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("select", "RV2"),
        ("ignore", ["NOPE"]),
        ("severity", {"RV2": "loud"}),
        ("configurationPreference", "sometimes"),
        ("logLevel", 3),
        ("reportSyntaxErrors", "no"),
        ("scanWorkspaceOnStartup", 1),
        ("maxFileSizeBytes", 0),
    ],
)
def test_each_invalid_option_is_reported_and_falls_back_to_its_default(key: str, value: object) -> None:
    assert key in OPTIONS
    options, problems = parse_client_options({key: value, "logLevel": "debug"} if key != "logLevel" else {key: value}, "settings")
    (problem,) = problems
    assert problem.startswith(f"settings: {key}")
    name = OPTIONS[key][0]
    assert getattr(options, name) is None, "the default applies"


def test_the_readme_lists_every_server_option() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [key for key in OPTIONS if f"`{key}`" not in readme]
    assert missing == []

