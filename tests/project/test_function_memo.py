"""Re-indexing a file through its function memo gives the facts a fresh extraction gives, and re-extracts
only the functions an edit changed."""

from __future__ import annotations

import ast
import textwrap

from review_ls.project.call_facts import module_call_facts
from review_ls.project.function_memo import FileMemos, FunctionMemo
from review_ls.project.index import ProjectIndex

SOURCE = textwrap.dedent(
    '''
    import asyncio
    import time

    import requests
    from fastapi import FastAPI

    app = FastAPI()
    CACHE: dict[str, str] = {}


    def fetch(url):
        return requests.get(url, timeout=5).text


    def users(session):
        return session.query(User).filter_by(active=True).all()


    class Repo:
        def __init__(self):
            self.items = []

        def add(self, item):
            self.items.append(item)
            CACHE[item] = item

        def slow(self):
            time.sleep(1)


    @app.get("/items/{name}")
    async def read(name: str):
        repo = Repo()
        repo.slow()
        return open(f"/srv/{name}").read() + fetch(name)
    '''
).lstrip("\n")

EDITS = [
    ("a body edit", SOURCE.replace("time.sleep(1)", "time.sleep(2)\n        requests.post('u')")),
    ("a renamed call", SOURCE.replace("repo.slow()", "repo.slower()")),
    ("lines inserted above", "# header\n\n" + SOURCE),
    ("an import added", SOURCE.replace("import time\n", "import time\nimport httpx as requests\n")),
    ("a new module-level name", SOURCE.replace("CACHE:", "Repo2 = object()\nCACHE:")),
    ("class bases changed", SOURCE.replace("class Repo:", "class Repo(dict):")),
    ("a statement added above the functions below", SOURCE.replace("    return requests.get(url, timeout=5).text", "    print(url)\n    return requests.get(url, timeout=5).text")),
    ("a module-level name a moved method mentions", SOURCE.replace("CACHE:", "items: list = []\nCACHE:")),
    ("an unrelated import", "import json\n" + SOURCE),
    ("unchanged", SOURCE),
]


def _facts(tree: ast.Module, memo: FunctionMemo | None) -> object:
    return module_call_facts(tree, "pkg.app", False, memo)


def test_facts_through_the_memo_equal_a_fresh_extraction_after_each_edit() -> None:
    memos = FileMemos()
    for name, text in [("first", SOURCE), *EDITS, ("broken", SOURCE.replace("def add", "def add(")), *reversed(EDITS)]:
        if name == "broken":
            with memos.extracting("app.py", text):
                continue  # the text does not parse: nothing is extracted, and the memo keeps its entries
        with memos.extracting("app.py", text) as memo:
            through_memo = _facts(ast.parse(text), memo)
        assert through_memo == _facts(ast.parse(text), None), name


def test_the_sample_has_every_kind_of_per_function_fact() -> None:
    facts = _facts(ast.parse(SOURCE), None)
    assert facts.queries and facts.state is not None and facts.state.functions  # type: ignore[attr-defined]


def test_an_edit_inside_one_function_re_extracts_that_function_only() -> None:
    memos = FileMemos()
    with memos.extracting("app.py", SOURCE) as memo:
        _facts(ast.parse(SOURCE), memo)
        assert memo.reused == 0
    edited = SOURCE.replace("time.sleep(1)", "time.sleep(2)")
    with memos.extracting("app.py", edited) as memo:
        _facts(ast.parse(edited), memo)
        assert memo.reused == 5  # of six functions: fetch, users, __init__, add, read
    moved = "\n" + edited
    with memos.extracting("app.py", moved) as memo:
        facts = _facts(ast.parse(moved), memo)
        assert memo.reused == 6  # every function moved, and is taken with its lines moved
    assert facts == _facts(ast.parse(moved), None)


def test_a_text_that_does_not_parse_keeps_the_memo() -> None:
    memos = FileMemos()
    with memos.extracting("app.py", SOURCE) as memo:
        _facts(ast.parse(SOURCE), memo)
    with memos.extracting("app.py", SOURCE + "\ndef (") as memo:
        pass
    with memos.extracting("app.py", SOURCE) as memo:
        _facts(ast.parse(SOURCE), memo)
        assert memo.reused == 6


def test_a_changed_import_re_extracts_only_the_functions_that_name_it() -> None:
    memos = FileMemos()
    with memos.extracting("app.py", SOURCE) as memo:
        _facts(ast.parse(SOURCE), memo)
    changed = SOURCE.replace("import requests\n", "import httpx as requests\n")
    with memos.extracting("app.py", changed) as memo:
        facts = _facts(ast.parse(changed), memo)
        assert memo.reused == 5  # all but fetch, which calls `requests.get`
    assert facts == _facts(ast.parse(changed), None)
    added = "import json\n" + changed
    with memos.extracting("app.py", added) as memo:
        facts = _facts(ast.parse(added), memo)
        assert memo.reused == 6  # no function names `json`: each is only moved a line down
    assert facts == _facts(ast.parse(added), None)


def test_a_moved_function_whose_state_facts_changed_reads_its_nodes_at_their_new_lines() -> None:
    memos = FileMemos()
    with memos.extracting("app.py", SOURCE) as memo:
        _facts(ast.parse(SOURCE), memo)
    changed = SOURCE.replace("CACHE:", "items: list = []\nCACHE:")  # a module-level name `Repo.add` mentions (`self.items`)
    with memos.extracting("app.py", changed) as memo:
        facts = _facts(ast.parse(changed), memo)
        assert memo.reused == 6  # the call facts of every function, moved a line down
    fresh = _facts(ast.parse(changed), None)
    assert facts == fresh
    writes = [(w.target, w.line) for f in fresh.state.functions for w in (*f.writes, *f.self_writes)]  # type: ignore[attr-defined]
    assert writes == [("pkg.app.CACHE", 26), ("items", 25)]  # rescanned (`Repo.add` now sees `items`), at the lines of the new text


def test_index_updates_equal_a_fresh_index_of_the_same_text() -> None:
    index = ProjectIndex.from_sources({"/ws/pkg/app.py": SOURCE}, roots=["/ws"])
    for _, text in EDITS:
        index.update_file("/ws/pkg/app.py", text)
        fresh = ProjectIndex.from_sources({"/ws/pkg/app.py": text}, roots=["/ws"])
        assert index.call_facts("/ws/pkg/app.py") == fresh.call_facts("/ws/pkg/app.py")
        assert index.fingerprint == fresh.fingerprint


def test_only_the_most_recently_updated_files_keep_a_memo() -> None:
    memos = FileMemos(files=2)
    for path in ("a.py", "b.py", "c.py"):
        with memos.extracting(path, SOURCE) as memo:
            _facts(ast.parse(SOURCE), memo)
    with memos.extracting("a.py", SOURCE) as memo:
        _facts(ast.parse(SOURCE), memo)
        assert memo.reused == 0  # a.py's memo was dropped for c.py's
    with memos.extracting("c.py", SOURCE) as memo:
        _facts(ast.parse(SOURCE), memo)
        assert memo.reused == 6
