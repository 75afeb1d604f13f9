"""Editing a file updates the diagnostics of the other open files that depend on it, without a save."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lsp_editor import EditorClient, source
from lsprotocol import types

HELPER = source(
    """
    def synthesize(text):
        return text.upper()
    """
)
ROUTES = source(
    """
    from fastapi import FastAPI

    from helper import synthesize

    app = FastAPI()


    @app.post("/speak")
    async def speak(text: str):
        return synthesize(text)
    """
)
UNRELATED = source(
    """
    async def ping():
        return "pong"
    """
)
BLOCKING_BODY = 'import requests\n    return requests.post("https://tts.example.com", data=text)'


def _rv302(diagnostics: list[types.Diagnostic]) -> list[types.Diagnostic]:
    return [d for d in diagnostics if d.code == "RV302"]


async def _route_diagnostics(client: EditorClient, uri: str, before: int, predicate: Callable[[list[types.Diagnostic]], bool]) -> list[types.Diagnostic]:
    """The file's diagnostics once they satisfy `predicate`: pulled again (pull), or published after the first `before` publications (push)."""
    if client.pulls:
        return await client.diagnostics_once(uri, before, predicate)
    published = await client.wait_until(lambda: next((p for p in client.published[before:] if p.uri == uri and predicate(list(p.diagnostics))), None))
    return list(published.diagnostics)


@pytest.mark.workspace_files({"helper.py": HELPER, "routes.py": ROUTES, "unrelated.py": UNRELATED})
async def test_editing_a_helper_updates_the_open_route_that_calls_it(client: EditorClient) -> None:
    helper = client.open(client.workspace_path / "helper.py")
    routes = client.open(client.workspace_path / "routes.py")
    unrelated = client.open(client.workspace_path / "unrelated.py")
    assert not _rv302(await client.diagnostics_of(routes))
    await client.diagnostics_of(helper)
    await client.diagnostics_of(unrelated)
    unrelated_publications = sum(1 for p in client.published if p.uri == unrelated)

    before = len(client.published)
    line = types.Range(start=types.Position(line=1, character=4), end=types.Position(line=1, character=23))
    client.edit(helper, line, BLOCKING_BODY)  # not saved: the helper now calls requests.post
    found = _rv302(await _route_diagnostics(client, routes, before, lambda d: bool(_rv302(d))))
    assert found[0].range.start.line == 9
    assert "through synthesize -> requests.post" in found[0].message
    if client.capabilities.text_document.publish_diagnostics.related_information and not client.pulls:
        assert [r.location.uri for r in found[0].related_information or ()] == [helper, helper]
    hover = await client.text_document_hover_async(types.HoverParams(text_document=types.TextDocumentIdentifier(uri=routes), position=types.Position(line=9, character=14)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    chain = hover.contents.value.split("Chain:", 1)[1]
    assert "1. calls synthesize() (defined here) ([helper.py:1]" in chain or "1. calls synthesize() (defined here) (helper.py:1)" in chain
    assert "2. requests.post() blocks here" in chain and "helper.py:3" in chain
    assert hover.range == found[0].range

    before = len(client.published)
    blocking = types.Range(start=types.Position(line=1, character=4), end=types.Position(line=2, character=62))
    client.edit(helper, blocking, "return text.upper()")
    assert not _rv302(await _route_diagnostics(client, routes, before, lambda d: not _rv302(d)))
    assert client.version_of(routes) == 1, "the route file itself was never edited"
    if not client.pulls:
        assert sum(1 for p in client.published if p.uri == unrelated) == unrelated_publications, "a file that does not depend on the helper is left alone"
