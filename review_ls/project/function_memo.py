"""Per-function call facts kept between re-extractions of one file, so that re-indexing a file after an
edit inside one function re-extracts that function only.

A function's facts (`call_facts._function_facts`) depend on its own text and position, on the class it
is in, and on a few module-wide values (the module's name, its imports, its top-level names, the
kinds of its module-level objects, the client constructors it imports): the *context*. An entry is
keyed by the function's text (decorators included), its first line and its class; a memo whose context
changed forgets every entry. Each entry also keeps the function's own nodes (from the tree the facts
were extracted from), which the module's state and query facts read: the text and position being the
same, those nodes equal the new tree's.

After each extraction the memo keeps only the entries that extraction used or made, so it never holds
more than the file's current functions. Only files re-indexed one by one (documents being edited, files
changed on disk) get a memo, and only the `_MEMO_FILES` most recently updated ones keep theirs.
"""

from __future__ import annotations

import ast
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from review_ls.engine.positions import statement_start_line

_MEMO_FILES = 8

FunctionKey = tuple[Hashable, ...]
T = TypeVar("T")


class ExtractionStopped(Exception):
    """The extraction was asked to stop (a newer edit of the file came in); nothing of it was stored."""


def _never() -> bool:
    return False


class FunctionMemo:
    """The reusable per-function facts of one file (use it within `FileMemos.extracting`)."""

    def __init__(self) -> None:
        self._context: Hashable = None
        self._entries: dict[FunctionKey, tuple[Any, list[ast.AST]]] = {}
        self._used: dict[FunctionKey, tuple[Any, list[ast.AST]]] = {}
        self._lines: list[str] = []
        self._texts: dict[int, tuple[int, str]] = {}
        self._extracted = False  # the extraction got as far as the functions (the text parsed)
        self.reused = 0  # functions whose facts the last extraction took from the memo
        self.should_stop: Callable[[], bool] = _never  # asked before each function; True raises ExtractionStopped

    def begin(self, text: str) -> None:
        """Start an extraction of the file's new `text`."""
        self._lines = text.split("\n")
        self._texts = {}  # by `id` of a function node of this extraction: its first line and text
        self._used = {}
        self._extracted = False
        self.reused = 0

    def use_context(self, context: Hashable) -> None:
        """The module-wide values the facts depend on: entries made with other values are forgotten."""
        self._extracted = True
        if context != self._context:
            self._context = context
            self._entries = {}

    def key(self, function: ast.FunctionDef | ast.AsyncFunctionDef, owner: Hashable) -> FunctionKey:
        """The key of a function of the text being extracted: its text, first line and class."""
        text = self._texts.get(id(function))
        if text is None:
            self.check()
            first = statement_start_line(function)
            text = self._texts[id(function)] = (first, "\n".join(self._lines[first - 1 : function.end_lineno or function.lineno]))
        return (text[1], text[0], owner)

    def reuse(self, kind: str, function: ast.FunctionDef | ast.AsyncFunctionDef, depends_on: Hashable, compute: Callable[[], T]) -> T:
        """Another kind of per-function fact (`kind`: state, queries...), which depends on the function and on
        `depends_on` besides the memo's context: from the memo when stored, else computed and stored."""
        key = (kind, *self.key(function, depends_on))
        entry = self._entries.get(key)
        if entry is not None:
            self._used[key] = entry
            return entry[0]  # type: ignore[no-any-return]
        value = compute()
        self._used[key] = (value, [])
        return value

    def get(self, key: FunctionKey) -> tuple[Any, list[ast.AST]] | None:
        """The facts and own nodes stored under `key` (None when the function changed)."""
        entry = self._entries.get(key)
        if entry is not None:
            self._used[key] = entry
            self.reused += 1
        return entry

    def check(self) -> None:
        """Raise `ExtractionStopped` when the extraction was asked to stop."""
        if self.should_stop():
            raise ExtractionStopped()

    def put(self, key: FunctionKey, facts: Any, nodes: list[ast.AST]) -> None:
        """Store a function's freshly extracted facts and own nodes."""
        self._used[key] = (facts, nodes)

    def end(self, completed: bool = True) -> None:
        """Finish the extraction: keep only the entries it used or made (all of them when the text did not parse,
        and those it made besides them when it stopped before the end)."""
        if self._extracted:
            self._entries = self._used if completed else {**self._entries, **self._used}
        self._used = {}
        self._lines, self._texts = [], {}
        self.should_stop = _never


class FileMemos:
    """The function memos of the files most recently re-indexed one by one (thread-safe)."""

    def __init__(self, files: int = _MEMO_FILES) -> None:
        self._files = files
        self._memos: OrderedDict[str, tuple[FunctionMemo, threading.Lock]] = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def extracting(self, path: str, text: str, should_stop: Callable[[], bool] | None = None) -> Iterator[FunctionMemo]:
        """The memo of `path`, held by this extraction of `text` alone until it ends (`should_stop`: see `FunctionMemo.check`)."""
        with self._lock:
            entry = self._memos.pop(path, None) or (FunctionMemo(), threading.Lock())
            self._memos[path] = entry
            while len(self._memos) > self._files:
                self._memos.popitem(last=False)
        memo, lock = entry
        with lock:
            memo.begin(text)
            memo.should_stop = should_stop or _never
            completed = False
            try:
                yield memo
                completed = True
            finally:
                memo.end(completed)

    def forget(self, path: str) -> None:
        """Drop the memo of a removed file."""
        with self._lock:
            self._memos.pop(path, None)
