"""What the connected editor can do, read once from its `ClientCapabilities`."""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types


@dataclass(frozen=True)
class ClientFeatures:
    """The client capabilities the server adapts to (pull or push diagnostics, lazy fixes, ...)."""

    pull_diagnostics: bool = False
    diagnostic_refresh: bool = False
    code_action_resolve: bool = False
    document_changes: bool = False
    code_description: bool = False
    related_information: bool = False
    unnecessary_tag: bool = False
    work_done_progress: bool = False
    watch_files_dynamically: bool = False
    configuration: bool = False
    markdown_hover: bool = False
    apply_edit: bool = False

    @classmethod
    def from_capabilities(cls, capabilities: types.ClientCapabilities) -> ClientFeatures:
        """Read the features from the capabilities sent with `initialize`."""
        document = capabilities.text_document
        workspace = capabilities.workspace
        window = capabilities.window
        publish = document.publish_diagnostics if document else None
        code_action = document.code_action if document else None
        resolve = code_action.resolve_support if code_action else None
        hover = document.hover if document else None
        watched = workspace.did_change_watched_files if workspace else None
        workspace_edit = workspace.workspace_edit if workspace else None
        refresh = workspace.diagnostics if workspace else None
        tags = publish.tag_support if publish else None
        return cls(
            pull_diagnostics=bool(document and document.diagnostic is not None),
            diagnostic_refresh=bool(refresh and refresh.refresh_support),
            code_action_resolve=bool(resolve and "edit" in resolve.properties),
            document_changes=bool(workspace_edit and workspace_edit.document_changes),
            code_description=bool(publish and publish.code_description_support),
            related_information=bool(publish and publish.related_information),
            unnecessary_tag=bool(tags and types.DiagnosticTag.Unnecessary in tags.value_set),
            work_done_progress=bool(window and window.work_done_progress),
            watch_files_dynamically=bool(watched and watched.dynamic_registration),
            configuration=bool(workspace and workspace.configuration),
            markdown_hover=bool(hover and hover.content_format and types.MarkupKind.Markdown in hover.content_format),
            apply_edit=bool(workspace and workspace.apply_edit),
        )
