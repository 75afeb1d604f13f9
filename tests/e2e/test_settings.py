"""Settings: initializationOptions, didChangeConfiguration, pyproject.toml changes; invalid options warn."""

from __future__ import annotations

import pytest
from lsp_editor import EditorClient, codes, source
from lsprotocol import types

LOOP = source(
    """
    import requests


    def notify(hooks):
        for hook in hooks:
            requests.post(hook)
    """
)


@pytest.mark.init_options({"ignore": ["RV203"]})
async def test_initialization_options_apply(client: EditorClient) -> None:
    uri = client.open(client.workspace_path / "app.py", LOOP)
    assert "RV203" not in {d.code for d in await client.diagnostics_of(uri)}


async def test_changed_settings_apply_to_open_documents(client: EditorClient) -> None:
    uri = client.open(client.workspace_path / "app.py", LOOP)
    assert ("RV203", 6) in codes(await client.diagnostics_of(uri))
    before = len(client.published)
    settings = {"review-ls": {"severity": {"RV203": "error"}}}
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=settings))
    diagnostics = await client.diagnostics_once(uri, before, lambda ds: any(d.severity == types.DiagnosticSeverity.Error for d in ds))
    (diagnostic,) = [d for d in diagnostics if d.code == "RV203"]
    assert diagnostic.severity == types.DiagnosticSeverity.Error


async def test_an_ignore_added_in_the_settings_hides_the_finding_of_an_unchanged_document(client: EditorClient) -> None:
    uri = client.open(client.workspace_path / "app.py", LOOP)
    assert ("RV203", 6) in codes(await client.diagnostics_of(uri))
    before = len(client.published)
    # What the VS Code extension pushes: every option, flat, unset ones null.
    settings = {"select": None, "ignore": ["RV203"], "severity": None, "configurationPreference": "editorFirst", "reportSyntaxErrors": None,
                "scanWorkspaceOnStartup": False, "maxFileSizeBytes": 5000000, "logLevel": "info"}
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=settings))
    diagnostics = await client.diagnostics_once(uri, before, lambda ds: not any(d.code == "RV203" for d in ds))
    assert not any(d.code == "RV203" for d in diagnostics)


@pytest.mark.init_options(
    {
        "ignore": ["RV2"],
        "configurationPreference": "sometimes",
        "bogus": 1,
        "importStrategy": "fromEnvironment",
        "showNotifications": "always",
        "reportSyntaxErrors": "no",
        "interpreter": "python3",
    }
)
async def test_invalid_options_warn_and_fall_back_to_defaults(client: EditorClient) -> None:
    uri = client.open(client.workspace_path / "app.py", LOOP + "def broken(:\n")
    diagnostics = await client.diagnostics_of(uri)
    assert "RV203" not in {d.code for d in diagnostics}, "the valid option still applies"
    assert "RV000" in {d.code for d in diagnostics}, "reportSyntaxErrors falls back to its default"
    (message,) = [m for m in client.messages if "invalid settings" in m.message]
    assert message.type == types.MessageType.Warning
    assert "configurationPreference" in message.message and "'bogus'" in message.message
    assert "'showNotifications'" in message.message, "an option no client defines is reported, not accepted"
    assert "reportSyntaxErrors" in message.message
    assert "interpreter" not in message.message and "importStrategy" not in message.message, "the VS Code extension's own options"


async def test_pyproject_change_is_picked_up_without_restart(client: EditorClient) -> None:
    pyproject = client.workspace_path / "pyproject.toml"
    pyproject.write_text("[tool.review-ls]\n", encoding="utf-8")
    app = client.workspace_path / "app.py"
    app.write_text(LOOP, encoding="utf-8")
    uri = client.open(app)
    assert ("RV203", 6) in codes(await client.diagnostics_of(uri))
    before = len(client.published)
    pyproject.write_text('[tool.review-ls]\nignore = ["RV203"]\n', encoding="utf-8")
    if any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in client.registrations):
        event = types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[event]))
    else:  # no file watching (Neovim): the server re-reads pyproject.toml when a file is saved
        client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    diagnostics = await client.diagnostics_once(uri, before, lambda ds: "RV203" not in {d.code for d in ds})
    assert "RV203" not in {d.code for d in diagnostics}


async def test_invalid_pyproject_warns_and_uses_defaults(client: EditorClient) -> None:
    (client.workspace_path / "pyproject.toml").write_text('[tool.review-ls]\nselect = ["NOPE"]\n', encoding="utf-8")
    uri = client.open(client.workspace_path / "app.py", LOOP)
    assert ("RV203", 6) in codes(await client.diagnostics_of(uri))
    assert any("NOPE" in m.message and m.type == types.MessageType.Warning for m in client.messages)


@pytest.mark.folders(("service", "billing"))
async def test_multi_root_settings_are_resolved_per_folder(client: EditorClient) -> None:
    service, scripts = client.workspace_path / "service", client.workspace_path / "billing"
    (scripts / "pyproject.toml").write_text('[tool.review-ls]\nignore = ["RV203"]\n', encoding="utf-8")
    in_service = client.open(service / "jobs.py", LOOP)
    in_scripts = client.open(scripts / "jobs.py", LOOP)
    assert ("RV203", 6) in codes(await client.diagnostics_of(in_service))
    assert "RV203" not in {d.code for d in await client.diagnostics_of(in_scripts)}, "the folder's pyproject.toml applies"
    before = len(client.published)
    client.set_configuration({"severity": {"RV203": "error"}}, section="review-ls", scope_uri=service.as_uri())
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))  # "pull your settings"
    diagnostics = await client.diagnostics_once(in_service, before, lambda ds: any(d.severity == types.DiagnosticSeverity.Error for d in ds))
    assert [d.severity for d in diagnostics if d.code == "RV203"] == [types.DiagnosticSeverity.Error]


@pytest.mark.init_options({"maxFileSizeBytes": 100})
async def test_documents_over_the_size_limit_are_not_analysed(client: EditorClient) -> None:
    uri = client.open(client.workspace_path / "app.py", LOOP * 3)
    assert await client.diagnostics_of(uri) == []
    (message,) = [m for m in client.messages if "maxFileSizeBytes" in m.message]
    assert message.type == types.MessageType.Info


@pytest.mark.init_options({"select": None, "ignore": None, "severity": None, "configurationPreference": "editorOnly"})
@pytest.mark.workspace_files({"pyproject.toml": '[tool.review-ls]\nignore = ["RV203"]\n'})
async def test_editor_only_preference_ignores_pyproject(client: EditorClient) -> None:
    uri = client.open(client.workspace_path / "app.py", LOOP)
    assert ("RV203", 6) in codes(await client.diagnostics_of(uri))
