"""Per-function call facts kept between re-extractions of one file, so that re-indexing a file after an
edit inside one function re-extracts that function only.

A function's facts (`call_facts._function_facts`) depend on its own text and position, on the class it
is in, and on a few module-wide values (the module's name, its imports, its top-level names, the
kinds of its module-level objects, the client constructors it imports): the *context*. A function
reads the context only through the names it mentions, so an entry is keyed by the function's text
(decorators included), its class and the part of the context its text can name (`_Context.seen_by`):
an import added for another function leaves it valid. Its first line is not in the key: a function
whose text is unchanged but which moved takes the stored facts with their lines moved (`line_shift`).
Each entry also keeps the function's own nodes (from the tree the facts were extracted from), which the
module's registrations, state and query facts read: the text being the same, those nodes equal the new
tree's but in their lines, so a reader that needs lines asks `own_nodes` (fresh nodes for a moved function).

After each extraction the memo keeps only the entries that extraction used or made, so it never holds
more than the file's current functions. Only files re-indexed one by one (documents being edited, files
changed on disk) get a memo, and only the `_MEMO_FILES` most recently updated ones keep theirs.
"""

from __future__ import annotations

import ast
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple, TypeVar

from review_ls.engine.positions import statement_start_line
from review_ls.patterns.node_walk import own_node_list
from review_ls.project.line_shift import shifted

_MEMO_FILES = 8
_WORD = re.compile(r"\w+")

FunctionKey = tuple[Hashable, ...]
T = TypeVar("T")


class _Entry(NamedTuple):
    """Stored facts: the first line they were extracted at, the facts, and own nodes (from a tree where the function started at `nodes_first`)."""

    first: int
    value: Any
    nodes: list[ast.AST] | None
    nodes_first: int


class _Function(NamedTuple):
    """A function node of the text being extracted: its first line, its text and the context its text can name."""

    first: int
    text: str
    seen: Hashable


class _Context:
    """The module-wide values the facts depend on: `fixed` ones every function reads, and `named` ones (mappings or
    sets keyed by a name, or by a name with `()` after it) that a function reads only under a name its text mentions."""

    def __init__(self, fixed: Hashable, named: tuple[Mapping[str, Hashable] | frozenset[str], ...]) -> None:
        self.fixed = fixed
        by_name: dict[str, list[tuple[int, str, Hashable]]] = {}
        for position, values in enumerate(named):
            items = values.items() if isinstance(values, Mapping) else ((name, True) for name in values)
            for name, value in items:
                head = _WORD.match(name)
                by_name.setdefault(head.group() if head else name, []).append((position, name, value))
        self._by_name = by_name

    def seen_by(self, words: frozenset[str]) -> Hashable:
        """The part of the context a function whose text holds `words` can read."""
        by_name = self._by_name
        return (self.fixed, frozenset(item for word in words & by_name.keys() for item in by_name[word]))


class ExtractionStopped(Exception):
    """The extraction was asked to stop (a newer edit of the file came in); nothing of it was stored."""


def _never() -> bool:
    return False


class FunctionMemo:
    """The reusable per-function facts of one file (use it within `FileMemos.extracting`)."""

    def __init__(self) -> None:
        self._context: _Context | None = None
        self._entries: dict[FunctionKey, _Entry] = {}
        self._used: dict[FunctionKey, _Entry] = {}
        self._words: dict[str, frozenset[str]] = {}  # function text -> the words in it
        self._lines: list[str] = []
        self._functions: dict[int, _Function] = {}
        self._moved: set[int] = set()  # `id`s of function nodes whose stored own nodes hold other lines
        self._extracted = False  # the extraction got as far as the functions (the text parsed)
        self.reused = 0  # functions whose facts the last extraction took from the memo
        self.should_stop: Callable[[], bool] = _never  # asked before each function; True raises ExtractionStopped

    def begin(self, text: str) -> None:
        """Start an extraction of the file's new `text`."""
        self._lines = text.split("\n")
        self._functions = {}  # by `id` of a function node of this extraction
        self._moved = set()
        self._used = {}
        self._extracted = False
        self.reused = 0

    def use_context(self, fixed: Hashable, *named: Mapping[str, Hashable] | frozenset[str]) -> None:
        """The module-wide values the facts depend on (see `_Context`)."""
        self._extracted = True
        self._context = _Context(fixed, named)

    def _function(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> _Function:
        found = self._functions.get(id(function))
        if found is None:
            self.check()
            first = statement_start_line(function)
            text = "\n".join(self._lines[first - 1 : function.end_lineno or function.lineno])
            words = self._words.get(text)
            if words is None:
                words = self._words[text] = frozenset(_WORD.findall(text))
            seen = self._context.seen_by(words) if self._context is not None else None
            found = self._functions[id(function)] = _Function(first, text, seen)
        return found

    def names_in(self, function: ast.FunctionDef | ast.AsyncFunctionDef, names: frozenset[str]) -> frozenset[str]:
        """Those of `names` that the function's text mentions (what it can read of them)."""
        return self._words.get(self._function(function).text, frozenset()) & names

    def key(self, function: ast.FunctionDef | ast.AsyncFunctionDef, owner: Hashable) -> FunctionKey:
        """The key of a function of the text being extracted: its text, class and the context it can read."""
        found = self._function(function)
        return (found.text, owner, found.seen)

    def _take(self, key: FunctionKey, function: ast.FunctionDef | ast.AsyncFunctionDef) -> _Entry | None:
        entry = self._entries.get(key) or self._used.get(key)
        if entry is None:
            return None
        first = self._functions[id(function)].first
        if entry.first != first:
            entry = entry._replace(first=first, value=shifted(entry.value, first - entry.first))
        if entry.nodes is not None and entry.nodes_first != first:
            self._moved.add(id(function))
        self._used[key] = entry
        return entry

    def reuse(self, kind: str, function: ast.FunctionDef | ast.AsyncFunctionDef, depends_on: Hashable, compute: Callable[[], T]) -> T:
        """Another kind of per-function fact (`kind`: state, queries...), which depends on the function and on
        `depends_on` besides the memo's context: from the memo when stored, else computed and stored."""
        key = (kind, *self.key(function, depends_on))
        entry = self._take(key, function)
        if entry is not None:
            return entry.value  # type: ignore[no-any-return]
        value = compute()
        self._used[key] = _Entry(self._functions[id(function)].first, value, None, 0)
        return value

    def get(self, function: ast.FunctionDef | ast.AsyncFunctionDef, owner: Hashable) -> tuple[Any, list[ast.AST]] | None:
        """The facts and own nodes stored for the function (None when it changed); the nodes may hold other lines (`own_nodes`)."""
        entry = self._take(self.key(function, owner), function)
        if entry is None:
            return None
        self.reused += 1
        return entry.value, entry.nodes  # type: ignore[return-value]

    def check(self) -> None:
        """Raise `ExtractionStopped` when the extraction was asked to stop."""
        if self.should_stop():
            raise ExtractionStopped()

    def put(self, function: ast.FunctionDef | ast.AsyncFunctionDef, owner: Hashable, facts: Any, nodes: list[ast.AST]) -> None:
        """Store a function's freshly extracted facts and own nodes."""
        key = self.key(function, owner)
        first = self._functions[id(function)].first
        self._used[key] = _Entry(first, facts, nodes, first)

    def own_nodes(self, function: ast.FunctionDef | ast.AsyncFunctionDef, own: dict[int, list[ast.AST]]) -> list[ast.AST]:
        """The function's own nodes with their lines in this text: from `own` unless they came from a tree where it started elsewhere."""
        nodes = own.get(id(function))
        if nodes is None or id(function) in self._moved:
            nodes = own[id(function)] = own_node_list(function.body)
            self._moved.discard(id(function))
        return nodes

    def end(self, completed: bool = True) -> None:
        """Finish the extraction: keep only the entries it used or made (all of them when the text did not parse,
        and those it made besides them when it stopped before the end)."""
        if self._extracted:
            if completed:
                self._entries = self._used
                texts = {function.text for function in self._functions.values()}
                self._words = {text: words for text, words in self._words.items() if text in texts}
            else:
                self._entries = {**self._entries, **self._used}
        self._used = {}
        self._lines, self._functions, self._moved = [], {}, set()
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
