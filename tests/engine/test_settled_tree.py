"""`IncrementalAnalyser.settled_tree` is the tree `ast.parse` makes of the text (the server indexes it
without parsing again), or None when the analyser cannot vouch for that."""

from __future__ import annotations

import ast
import random
from pathlib import Path

from review_ls.engine.incremental import IncrementalAnalyser
from test_incremental import STDLIB, random_edit  # same folder: pytest puts it on sys.path


def _dump(tree: ast.Module) -> str:
    return ast.dump(tree, include_attributes=True)


def test_settled_trees_after_random_edits_equal_a_fresh_parse() -> None:
    text = (STDLIB / "textwrap.py").read_text(encoding="utf-8")
    seen = 0
    for seed in range(3):
        rng = random.Random(seed)
        analyser = IncrementalAnalyser("textwrap.py")
        analyser.analyse(text)
        current = text
        for _ in range(60):
            new = random_edit(rng, current)
            analyser.analyse(new, settle=False)
            analyser.analyse(new, settle=True)
            tree = analyser.settled_tree()
            try:
                want = ast.parse(new)
            except SyntaxError:
                assert tree is None
                continue
            current = new
            if tree is not None:
                seen += 1
                assert _dump(tree) == _dump(want)
    assert seen > 50


def test_no_tree_before_settling_or_while_broken() -> None:
    source = "import time\n\n\nclass A:\n    def f(self):\n        time.sleep(1)\n\n\ndef g():\n    return 1\n"
    analyser = IncrementalAnalyser("a.py")
    assert analyser.settled_tree() is None
    analyser.analyse(source)
    tree = analyser.settled_tree()
    assert tree is not None and _dump(tree) == _dump(ast.parse(source))
    analyser.analyse(source.replace("def g", "defx g"))
    assert analyser.settled_tree() is None
    moved = "# a new first line\n" + source
    analyser.analyse(moved, settle=False)
    if analyser.needs_settling:
        assert analyser.settled_tree() is None
    analyser.analyse(moved, settle=True)
    tree = analyser.settled_tree()
    assert tree is None or _dump(tree) == _dump(ast.parse(moved))


def test_the_server_indexes_with_the_settled_tree(tmp_path: Path) -> None:
    from review_ls.project.index import ProjectIndex
    from review_ls.server.dependents import reindex

    path = str(tmp_path / "app.py")
    source = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
    index = ProjectIndex.from_sources({path: source})
    edited = source.replace("requests.get(url)", "requests.post(url)")
    analyser = IncrementalAnalyser(path)
    analyser.analyse(source)
    analyser.analyse(edited)
    tree = analyser.settled_tree()
    assert tree is not None
    assert reindex(index, {path: edited}, (), (path,), None, {path: tree}) == {path}
    fresh = ProjectIndex.from_sources({path: edited})
    assert index.call_facts(path) == fresh.call_facts(path)
