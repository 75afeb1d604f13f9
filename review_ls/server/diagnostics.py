"""Findings as LSP diagnostics, and the fix reference each diagnostic carries in `data`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path

from review_ls.engine.model import Finding, Severity, Span
from review_ls.links import rule_url
from review_ls.server.client import ClientFeatures
from review_ls.server.positions import PositionMapper

SOURCE = "review-ls"

_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


@dataclass(frozen=True)
class FindingReference:
    """What a diagnostic's `data` says about its finding: enough to find it again for a fix."""

    uri: str
    version: int | None
    code: str
    span: Span
    node_type: str
    fixable: bool

    def to_data(self) -> dict[str, Any]:
        """The JSON object stored in `Diagnostic.data`."""
        return {
            "uri": self.uri,
            "version": self.version,
            "code": self.code,
            "span": [self.span.line, self.span.col, self.span.end_line, self.span.end_col],
            "nodeType": self.node_type,
            "fixable": self.fixable,
        }

    @classmethod
    def from_data(cls, data: object) -> FindingReference | None:
        """Read `Diagnostic.data` back (None when it is not ours or malformed)."""
        if not isinstance(data, Mapping):
            return None
        try:
            span = [int(v) for v in data["span"]]
            version = data.get("version")
            return cls(
                uri=str(data["uri"]),
                version=None if version is None else int(version),
                code=str(data["code"]),
                span=Span(*span),
                node_type=str(data.get("nodeType", "")),
                fixable=bool(data.get("fixable", False)),
            )
        except (KeyError, TypeError, ValueError):
            return None


class FindingToDiagnostic:
    """Converts findings of one text into diagnostics, as far as the client supports each field."""

    def __init__(self, features: ClientFeatures) -> None:
        self.features = features

    def convert(
        self,
        findings: Iterable[Finding],
        uri: str,
        version: int | None,
        path: str,
        mapper: PositionMapper,
        mapper_for: Callable[[str], PositionMapper | None],
    ) -> list[types.Diagnostic]:
        """The diagnostics of `findings` (of document `uri` at `version`); `mapper_for` maps other files."""
        return [self.diagnostic(f, uri, version, path, mapper, mapper_for) for f in findings]

    def diagnostic(
        self,
        finding: Finding,
        uri: str,
        version: int | None,
        path: str,
        mapper: PositionMapper,
        mapper_for: Callable[[str], PositionMapper | None],
    ) -> types.Diagnostic:
        """One finding as a diagnostic."""
        features = self.features
        reference = FindingReference(uri, version, finding.code, finding.span, finding.node_type, finding.fixable)
        related = None
        if features.related_information and finding.related:
            related = []
            for location in finding.related:
                other = mapper if location.path == path else mapper_for(location.path)
                if other is not None:
                    target = uri if location.path == path else from_fs_path(location.path) or location.path
                    related.append(
                        types.DiagnosticRelatedInformation(
                            location=types.Location(uri=target, range=other.range(location.span)), message=location.message
                        )
                    )
        description = None
        if features.code_description:
            description = types.CodeDescription(href=rule_url(finding.code))
        tags = [types.DiagnosticTag.Unnecessary] if finding.unnecessary and features.unnecessary_tag else None
        return types.Diagnostic(
            range=mapper.range(finding.span),
            message=finding.message,
            severity=_SEVERITIES[finding.severity],
            code=finding.code,
            code_description=description,
            source=SOURCE,
            related_information=related or None,
            tags=tags,
            data=reference.to_data(),
        )
