"""Indexing an edited document stops as soon as a newer key cancels it, keeping the file's last facts."""

from __future__ import annotations

from review_ls.project.index import ProjectIndex
from review_ls.server.dependents import reindex
from review_ls.server.scheduler import CancelToken

FUNCTIONS = "".join(f"\n\ndef handler_{i}(url):\n    return requests.get(url, timeout={i}).text\n" for i in range(40))
SOURCE = f"import requests\n{FUNCTIONS}"
EDITED = SOURCE.replace("requests.get(url, timeout=7).text", "open(url).read()")


class CancelledAfter(CancelToken):
    """A token that a key cancels after the indexing has asked it `asks` times."""

    def __init__(self, asks: int) -> None:
        super().__init__()
        self.asks = asks

    @property
    def cancelled(self) -> bool:
        self.asks -= 1
        return self.asks < 0


def test_a_key_during_the_indexing_stops_it_and_nothing_is_re_analysed() -> None:
    index = ProjectIndex()
    index.update_file("/p/app.py", SOURCE)
    facts, fingerprint = index.call_facts("/p/app.py"), index.fingerprint
    assert reindex(index, {"/p/app.py": EDITED}, (), ("/p/app.py",), CancelledAfter(5)) is None
    assert index.call_facts("/p/app.py") == facts and index.fingerprint == fingerprint


def test_an_indexing_nobody_cancels_updates_the_document() -> None:
    index = ProjectIndex()
    index.update_file("/p/app.py", SOURCE)
    assert reindex(index, {"/p/app.py": EDITED}, (), ("/p/app.py",), CancelToken()) == {"/p/app.py"}
    fresh = ProjectIndex()
    fresh.update_file("/p/app.py", EDITED)
    assert index.call_facts("/p/app.py") == fresh.call_facts("/p/app.py")
