"""RV1 — I/O and memory: whole files loaded where streaming fits, archives built in memory,
temporary-file round trips and regular expressions looked up on every iteration."""

from __future__ import annotations

import ast
import builtins
import enum
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any


from review_ls.engine.cst_edit import cst, block_statements, indented, replace_nodes, statement_line_of
from review_ls.engine.facts import BindingKind, ModuleFacts, dotted_name
from review_ls.engine.fixes import FixContext
from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.engine.rule import Invalid, Option, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.patterns.files import (
    FileRead,
    Qualifier,
    is_file_listing,
    is_fixed_path,
    opens_text_with_universal_newlines,
    whole_file_read,
)
from review_ls.patterns.names import loop_bound_names, names_read
from review_ls.patterns.paths import qualifier_for
from review_ls.patterns.regex_names import regex_constant_name
from review_ls.patterns.scripts import is_test_path
from review_ls.patterns.tempfiles import TempNames, temp_names

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_BUILTINS = frozenset(dir(builtins))
_IDENTIFIERS = re.compile(r"\w+")


# -- scopes -------------------------------------------------------------------------------------


class _ScopeIndex:
    """One scope's nodes with their parents, and where each name is read.

    Nested functions and classes are indexed too, but a name read inside them is marked as
    `escaped`: the value may be used at any later time, so its use cannot be judged.
    """

    __slots__ = ("root", "parents", "loads", "escaped", "nodes")

    def __init__(self, root: ast.AST) -> None:
        self.root = root
        self.parents: dict[int, ast.AST] = {}
        self.loads: dict[str, list[ast.Name]] = {}
        self.escaped: set[int] = set()
        self.nodes: list[ast.AST] = []
        if isinstance(root, ast.Lambda):
            start: list[ast.AST] = [root.body]
        else:
            start = list(root.body) if isinstance(root, _FUNCTIONS) else [root]
        stack: list[tuple[ast.AST, ast.AST | None, bool]] = [(node, root, False) for node in reversed(start)]
        while stack:
            node, parent, nested = stack.pop()
            if parent is not None:
                self.parents[id(node)] = parent
            self.nodes.append(node)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self.loads.setdefault(node.id, []).append(node)
                if nested:
                    self.escaped.add(id(node))
            inner = nested or isinstance(node, _SCOPES)
            stack.extend((child, node, inner) for child in reversed(list(ast.iter_child_nodes(node))))

    def parent(self, node: ast.AST) -> ast.AST | None:
        """The parent of `node` within the scope."""
        return self.parents.get(id(node))

    def loads_of(self, name: str) -> list[ast.Name]:
        """Every read of `name` in the scope, in source order."""
        return self.loads.get(name, [])


def _scope_root(ancestors: Sequence[ast.AST], fallback: ast.AST) -> ast.AST:
    """The innermost function among `ancestors`, else `fallback` (the top-level statement)."""
    for ancestor in reversed(ancestors):
        if isinstance(ancestor, _FUNCTIONS):
            return ancestor
    return fallback


def _scope_index(ctx: Context) -> _ScopeIndex:
    """The index of the scope the visited node is in, built once per scope and walk."""
    root = ctx.function or ctx.top_statement or ctx.parents[-1]
    key = ("io.scope", id(root))
    index = ctx.memo.get(key)
    if index is None or index.root is not root:
        index = ctx.memo[key] = _ScopeIndex(root)
    return index  # type: ignore[no-any-return]


def _module_qualifier(facts: ModuleFacts) -> Qualifier:
    """Resolve names through the module-level imports only (what a module-level definition can see)."""

    return qualifier_for(facts.imports)


def _block_of(statement: ast.stmt, parent: ast.AST | None) -> list[ast.stmt] | None:
    """The statement list of `parent` that holds `statement`."""
    if parent is None:
        return None
    for field_name in ("body", "orelse", "finalbody"):
        block = getattr(parent, field_name, None)
        if isinstance(block, list) and any(s is statement for s in block):
            return block
    return None


def _next_statement(statement: ast.stmt, index: _ScopeIndex) -> ast.stmt | None:
    """The statement right after `statement` in its block."""
    block = _block_of(statement, index.parent(statement))
    if block is None:
        return None
    position = next(i for i, s in enumerate(block) if s is statement)
    return block[position + 1] if position + 1 < len(block) else None


def _local_name(base: str, scope_source: str) -> str:
    """`base`, or `base_2`, ... : a name the scope's code does not mention."""
    used = set(_IDENTIFIERS.findall(scope_source))
    candidate, counter = base, 2
    while candidate in used:
        candidate, counter = f"{base}_{counter}", counter + 1
    return candidate


def _lines_before(removed: cst.SimpleStatementLine) -> list[cst.EmptyLine]:
    """The comment lines above a statement line the fix removes, plus its trailing comment as a line."""
    comment = removed.trailing_whitespace.comment
    return [*removed.leading_lines, *([cst.EmptyLine(comment=comment)] if comment is not None else [])]


def _simple_line(module: cst.Module, small: cst.CSTNode) -> cst.SimpleStatementLine | None:
    """The statement line that holds only `small` (None when it shares its line with others)."""
    line = statement_line_of(module, small)
    return line if line is not None and len(line.body) == 1 else None


# -- RV101 ---------------------------------------------------------------------------------------


class _Use(enum.Enum):
    """What the code does with a file's whole content."""

    LINES = "only to iterate over its lines; iterate over the open file instead"
    SEARCH = "in a loop over files only to search it; stream it line by line instead"
    PREFIX = "in a loop over files only to check how it starts; read just the first bytes instead"
    SIZE = "in a loop over files only to measure it; use os.stat(...).st_size instead"
    WHOLE = "needs the whole content"


_PASS_THROUGH_METHODS = frozenset({"strip", "rstrip", "lstrip", "decode", "lower", "upper", "casefold"})
_SEARCH_METHODS = frozenset({"count", "find", "rfind", "index"})
_NEWLINE_SEPARATORS = frozenset({"\n", b"\n", "\r\n", b"\r\n"})


def _is_line_split(call: ast.Call) -> bool:
    """`x.splitlines()` (without keepends) or `x.split("\\n")`."""
    method = call.func.attr  # type: ignore[attr-defined]
    if method == "splitlines":
        return not call.args and not call.keywords
    return (
        method == "split"
        and len(call.args) == 1
        and not call.keywords
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value in _NEWLINE_SEPARATORS
    )


def _is_iterated(expr: ast.expr, index: _ScopeIndex, follow_names: bool = True) -> bool:
    """True when the value of `expr` is only iterated over (`for`, a comprehension, `enumerate`)."""
    if id(expr) in index.escaped:
        return False
    parent = index.parent(expr)
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)):
        return parent.iter is expr
    if isinstance(parent, ast.Call) and dotted_name(parent.func) == "enumerate" and parent.args and parent.args[0] is expr:
        return _is_iterated(parent, index, follow_names)
    if follow_names and isinstance(parent, ast.Assign) and parent.value is expr and _single_name_target(parent):
        loads = index.loads_of(_single_name_target(parent))  # type: ignore[arg-type]
        return bool(loads) and all(_is_iterated(load, index, follow_names=False) for load in loads)
    return False


def _single_name_target(statement: ast.Assign) -> str | None:
    """`name` for `name = value`, None for other targets."""
    if len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id
    return None


def _use_of(expr: ast.expr, index: _ScopeIndex) -> _Use:
    """What is done with the content that `expr` holds."""
    if id(expr) in index.escaped:
        return _Use.WHOLE
    parent = index.parent(expr)
    if isinstance(parent, ast.Attribute) and parent.value is expr:
        call = index.parent(parent)
        if not (isinstance(call, ast.Call) and call.func is parent):
            return _Use.WHOLE
        method = parent.attr
        if method in _PASS_THROUGH_METHODS:
            return _use_of(call, index)
        if method in ("splitlines", "split") and _is_line_split(call):
            return _Use.LINES if _is_iterated(call, index) else _Use.WHOLE
        if method in _SEARCH_METHODS:
            return _Use.SEARCH
        if method == "startswith":
            return _Use.PREFIX
        return _Use.WHOLE
    if isinstance(parent, ast.Compare) and len(parent.ops) == 1 and isinstance(parent.ops[0], (ast.In, ast.NotIn)):
        return _Use.SEARCH if parent.comparators[0] is expr else _Use.WHOLE
    if isinstance(parent, ast.Call) and dotted_name(parent.func) == "len" and parent.args == [expr]:
        return _Use.SIZE
    return _Use.WHOLE


_PROMISING_PARENTS = (
    ast.Assign,
    ast.Attribute,
    ast.Compare,
    ast.Call,
    ast.For,
    ast.AsyncFor,
    ast.comprehension,
    # the walker visits a comprehension's first iterable as a child of the comprehension expression
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)


def _may_be_streamable(read: FileRead, parent: ast.AST | None) -> bool:
    """A cheap first look at the read's parent: False when the whole content is plainly needed
    (passed to a function other than `len`/`enumerate`, returned, stored, formatted, ...)."""
    if not isinstance(parent, _PROMISING_PARENTS):
        return False
    if isinstance(parent, ast.Call):
        return parent.func is not read.call and dotted_name(parent.func) in ("len", "enumerate")
    return True


def _content_uses(read: FileRead, index: _ScopeIndex) -> list[_Use]:
    """What the code does with the content a whole-file read returns (through one variable at most)."""
    if read.method == "readlines":
        return [_Use.LINES if _is_iterated(read.call, index) else _Use.WHOLE]
    parent = index.parent(read.call)
    if isinstance(parent, ast.Assign) and parent.value is read.call:
        name = _single_name_target(parent)
        loads = index.loads_of(name) if name else []
        return [_use_of(load, index) for load in loads] or [_Use.WHOLE]
    return [_use_of(read.call, index)]


def _in_loop_over_files(read: FileRead, ctx: Context) -> bool:
    """True when an enclosing loop iterates over files and the read's file changes with it."""
    qualify = ctx.qualified_name
    file_names = names_read(read.source)
    for loop in ctx.loops:
        if isinstance(loop, (ast.For, ast.AsyncFor)):
            iterables = [loop.iter]
        elif isinstance(loop, ast.While):
            continue
        else:
            iterables = [generator.iter for generator in loop.generators]
        if any(is_file_listing(iterable, qualify) for iterable in iterables) and file_names & loop_bound_names(loop):
            return True
    return False


@dataclass(frozen=True)
class _StreamPlan:
    """How RV101's fix rewrites a loop over `read(...).splitlines()` into a loop over the open file.

    `lines` is the expression of `loop.iter` (or of its `enumerate(...)`) that the file handle
    replaces; `assignment` the statement right before the loop that the fix removes, if any:
    `lines = ...splitlines()`, or `text = ...read_text()` (then `assigns_content`); `target` the
    loop variable that gets its newline stripped (None for `readlines()`, whose lines keep their
    newlines just as the file's do).
    """

    read: FileRead
    loop: ast.For
    lines: ast.expr
    assignment: ast.Assign | None
    assigns_content: bool
    target: str | None


_READ_TEXT_ARGUMENTS = ("encoding", "errors")


def _text_read_is_streamable(read: FileRead, qualify: Qualifier) -> bool:
    """True when the file can be opened to yield the same text lines the read decodes."""
    if read.method == "read_text":
        if any(isinstance(a, ast.Starred) for a in read.call.args) or len(read.call.args) > len(_READ_TEXT_ARGUMENTS):
            return False
        return all(k.arg in _READ_TEXT_ARGUMENTS for k in read.call.keywords)
    return read.method == "read" and read.opener is not None and opens_text_with_universal_newlines(read.opener, qualify)


def _lines_expression(read: FileRead, index: _ScopeIndex, qualify: Qualifier) -> ast.expr | None:
    """The expression that holds the file's lines (chained onto the read), when the fix can reproduce them exactly."""
    if read.method == "readlines":
        return read.call
    return _splitlines_of(read.call, index) if _text_read_is_streamable(read, qualify) else None


def _splitlines_of(content: ast.expr, index: _ScopeIndex) -> ast.Call | None:
    """The `content.splitlines()` call around `content`, if that is what is done with it."""
    attribute = index.parent(content)
    call = index.parent(attribute) if isinstance(attribute, ast.Attribute) else None
    if isinstance(call, ast.Call) and call.func is attribute and attribute.attr == "splitlines" and _is_line_split(call):  # type: ignore[union-attr]
        return call
    return None


def _sole_use_in_next_loop(assignment: ast.AST | None, value: ast.expr, index: _ScopeIndex) -> ast.Name | None:
    """For `name = value` followed directly by a `for`, the one read of `name` (None otherwise)."""
    if not (isinstance(assignment, ast.Assign) and assignment.value is value and _single_name_target(assignment)):
        return None
    loads = index.loads_of(_single_name_target(assignment))  # type: ignore[arg-type]
    if not isinstance(_next_statement(assignment, index), ast.For) or len(loads) != 1 or id(loads[0]) in index.escaped:
        return None
    return loads[0]


def _stream_plan(read: FileRead, index: _ScopeIndex, qualify: Qualifier) -> _StreamPlan | None:
    """The plan of RV101's fix for this read, or None when the shape cannot be rewritten exactly."""
    lines = _lines_expression(read, index, qualify)
    assignment = None
    assigns_content = False
    if lines is None:
        if read.method == "readlines" or not _text_read_is_streamable(read, qualify):
            return None
        content = _sole_use_in_next_loop(index.parent(read.call), read.call, index)
        lines = _splitlines_of(content, index) if content is not None else None
        if lines is None:
            return None
        assignment, assigns_content = index.parent(read.call), True  # type: ignore[assignment]
    parent = index.parent(lines)
    if assignment is None and isinstance(parent, ast.Assign):
        load = _sole_use_in_next_loop(parent, lines, index)
        if load is None:
            return None
        assignment, lines = parent, load
        parent = index.parent(lines)
    loop = parent
    enumerated = False
    if isinstance(parent, ast.Call) and dotted_name(parent.func) == "enumerate" and parent.args and parent.args[0] is lines:
        loop, enumerated = index.parent(parent), True
        if len(parent.args) > 2 or any(k.arg != "start" for k in parent.keywords):
            return None
    if not isinstance(loop, ast.For) or loop.iter is not (parent if enumerated else lines):
        return None
    if assignment is not None and _next_statement(assignment, index) is not loop:
        return None
    target: ast.expr | None = loop.target
    if enumerated:
        pair = loop.target
        target = pair.elts[1] if isinstance(pair, ast.Tuple) and len(pair.elts) == 2 else None
    if read.method == "readlines":
        return _StreamPlan(read, loop, lines, assignment, False, None)
    if not isinstance(target, ast.Name):
        return None
    return _StreamPlan(read, loop, lines, assignment, assigns_content, target.id)


class WholeFileReadInLoop(Rule):
    """RV101: a whole file read into memory where streaming it would do."""

    code = "RV101"
    name = "whole-file-read-in-loop"
    message = "{call} reads the whole file into memory {reason}"
    fix_title = "Iterate over the open file instead of {call}"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Finds whole-file reads (`read_text()`, `read_bytes()`, `.read()` and `.readlines()` of
            an opened file) whose content is only split into lines and iterated over — anywhere,
            e.g. `for line in path.read_text().splitlines():` — and, inside a loop over files
            (`rglob`, `glob`, `iterdir`, `os.walk`, `os.listdir`, `os.scandir`, a list named like
            `paths`/`log_files`), reads whose content is only searched (`"x" in text`,
            `text.count(...)`), checked for a prefix (`startswith`) or measured (`len`).

            It stays quiet when the whole content is needed: hashing it, parsing it
            (`json.loads`, `yaml.safe_load`, `tomllib.loads`, `ast.parse`), running a regex over
            it, writing or returning it, storing it — any use other than the ones above. It also
            stays quiet for reads of fixed files named in the code (`Path("setup.cfg")`,
            `open(CONFIG_PATH)`), which are small by nature, and for chunked reads (`read(8192)`).
            """,
        why="""
            A whole-file read holds the entire file — and, after `splitlines()`, a second copy cut
            into a list of strings — in memory at once. On a log or data file of a few gigabytes
            that is a few gigabytes of RAM (or a MemoryError) for work that needs one line at a
            time; in a loop over many files it also delays the first result until each file is
            fully loaded. Iterating over the open file reads it in buffered chunks and keeps memory
            flat whatever the file size.
            """,
        fix="""
            Iterate over the open file: `with path.open() as fh: for line in fh:`. The quick fix
            rewrites `for line in path.read_text().splitlines():`,
            `for i, line in enumerate(path.read_text().splitlines(), 1):`,
            `for line in open(p).read().splitlines():` and `lines = ...splitlines()` followed
            directly by `for line in lines:`, keeping `enumerate` and its start, and strips each
            line's newline with `line = line.rstrip("\\n")` as `splitlines()` did (the file is
            opened with universal newlines, so every line ends in exactly one `"\\n"`, whatever
            the file's line endings). `for line in fh.readlines():` becomes `for line in fh:`.

            The encoding arguments are kept exactly as written: `read_text()` and `open()` without
            an encoding both use the locale's preferred encoding, so the fix does not add
            `encoding="utf-8"` (that would change how the file is decoded on a non-UTF-8 locale);
            add it yourself if UTF-8 is what you mean.

            The fix is marked unsafe because streaming is not identical in every corner:
            `splitlines()` also splits at form feeds, vertical tabs, `\\x1c`-`\\x1e`, `\\x85` and the
            Unicode line and paragraph separators, which file iteration does not; a decoding error
            now surfaces partway through the loop rather than before it; and the file stays open
            while the loop body runs. Other shapes (comprehensions, searches, binary reads) get
            advice only.
            """,
    )
    valid = (
        # a single config/JSON read outside any loop: the whole document is needed
        """
        import json
        from pathlib import Path

        def load_settings(path: Path) -> dict:
            return json.loads(path.read_text(encoding="utf-8"))
        """,
        # hashing every file needs all of its bytes
        """
        import hashlib
        from pathlib import Path

        def fingerprints(root: Path) -> dict:
            result = {}
            for path in root.rglob("*"):
                result[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
            return result
        """,
        # parsing each file whole: json.loads, yaml.safe_load, tomllib.loads
        """
        import json
        import os
        import tomllib

        import yaml

        def load_all(directory):
            documents = []
            for name in os.listdir(directory):
                with open(os.path.join(directory, name)) as fh:
                    text = fh.read()
                if name.endswith(".json"):
                    documents.append(json.loads(text))
                elif name.endswith(".toml"):
                    documents.append(tomllib.loads(text))
                else:
                    documents.append(yaml.safe_load(text))
            return documents
        """,
        # copying the content somewhere else needs all of it
        """
        def copy_all(paths, target):
            for path in paths:
                (target / path.name).write_bytes(path.read_bytes())
        """,
        # a regex over the whole text, and returning it
        """
        import re

        def find_todos(files):
            found = []
            for path in files:
                text = path.read_text()
                found.extend(re.findall(r"TODO: (.*)", text))
            return found

        def source_of(path):
            return path.read_text()
        """,
        # small fixed files named in the code
        """
        from pathlib import Path

        REQUIREMENTS = Path(__file__).with_name("requirements.txt")

        def requirements():
            return [line for line in REQUIREMENTS.read_text().splitlines() if line]

        def hosts():
            for line in open("/etc/hosts").read().splitlines():
                yield line.split()
        """,
        # the lines are needed all at once (indexing), and chunked reads stream already
        """
        def header_and_rows(path):
            lines = path.read_text().splitlines()
            return lines[0], lines[1:]

        def copy_in_chunks(paths, out):
            for path in paths:
                with open(path, "rb") as fh:
                    while chunk := fh.read(65536):
                        out.write(chunk)
        """,
        # `read_text(<a file name>)` is another API (importlib.metadata distributions), not Path.read_text
        """
        def top_level_modules(dist):
            for line in dist.read_text("top_level.txt").splitlines():
                yield line.strip()
        """,
        # the same file re-read in a retry loop is not a loop over files
        """
        def wait_for_ready(status_file):
            for attempt in range(10):
                if "ready" in status_file.read_text():
                    return True
            return False
        """,
    )
    invalid = (
        Invalid(
            """
            def count_errors(root):
                errors = 0
                for path in root.rglob("*.log"):
                    for line in path.read_text().splitlines():
                        if "ERROR" in line:
                            errors += 1
                return errors
            """,
            line=4,
            fixed="""
            def count_errors(root):
                errors = 0
                for path in root.rglob("*.log"):
                    with path.open() as fh:
                        for line in fh:
                            line = line.rstrip("\\n")
                            if "ERROR" in line:
                                errors += 1
                return errors
            """,
        ),
        Invalid(
            """
            def report(path):
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                    print(number, line)
            """,
            line=2,
            fixed="""
            def report(path):
                with path.open(encoding="utf-8") as fh:
                    for number, line in enumerate(fh, 1):
                        line = line.rstrip("\\n")
                        print(number, line)
            """,
        ),
        Invalid(
            """
            def parse_records(path, fh):
                # one record per line
                lines = path.read_text("latin-1", errors="replace").splitlines()
                for line in lines:
                    yield line.split(",")
            """,
            line=3,
            fixed="""
            def parse_records(path, fh):
                # one record per line
                with path.open(encoding="latin-1", errors="replace") as fh_2:
                    for line in fh_2:
                        line = line.rstrip("\\n")
                        yield line.split(",")
            """,
        ),
        Invalid(
            """
            import glob

            def rows(pattern):
                for name in glob.glob(pattern):
                    for row in open(name).read().splitlines(): yield name, row
            """,
            line=5,
            fixed="""
            import glob

            def rows(pattern):
                for name in glob.glob(pattern):
                    with open(name) as fh:
                        for row in fh:
                            row = row.rstrip("\\n")
                            yield name, row
            """,
        ),
        Invalid(
            """
            import pathlib

            def find_tests(keywords, filepath):
                matches = []
                source = pathlib.Path(filepath).read_text(encoding="utf-8")
                for line in source.splitlines():
                    if line.startswith("def ") and any(k in line for k in keywords):
                        matches.append(line)
                return matches
            """,
            line=5,
            fixed="""
            import pathlib

            def find_tests(keywords, filepath):
                matches = []
                with pathlib.Path(filepath).open(encoding="utf-8") as fh:
                    for line in fh:
                        line = line.rstrip("\\n")
                        if line.startswith("def ") and any(k in line for k in keywords):
                            matches.append(line)
                return matches
            """,
        ),
        Invalid(
            """
            def scan(path):
                with open(path, encoding="utf-8") as source:
                    header = source.readline()
                    for index, line in enumerate(source.read().splitlines(), start=2):
                        check(header, index, line)
            """,
            line=4,
            fixed="""
            def scan(path):
                with open(path, encoding="utf-8") as source:
                    header = source.readline()
                    for index, line in enumerate(source, start=2):
                        line = line.rstrip("\\n")
                        check(header, index, line)
            """,
        ),
        Invalid(
            """
            def dump(path):
                with open(path) as fh:
                    for line in fh.readlines():
                        print(line, end="")
            """,
            line=3,
            fixed="""
            def dump(path):
                with open(path) as fh:
                    for line in fh:
                        print(line, end="")
            """,
        ),
        Invalid(
            """
            import os

            def files_mentioning(directory, needle):
                found = []
                for name in os.listdir(directory):
                    with open(os.path.join(directory, name)) as fh:
                        text = fh.read()
                    if needle in text:
                        found.append(name)
                return found
            """,
            line=7,
        ),
        Invalid(
            """
            import os
            from pathlib import Path

            def total_size(top):
                total = 0
                for root, dirs, files in os.walk(top):
                    for name in files:
                        data = Path(root, name).read_bytes()
                        total += len(data)
                return total
            """,
            line=8,
        ),
        Invalid(
            """
            def pdfs(paths):
                return [p for p in paths if p.read_bytes().startswith(b"%PDF")]
            """,
            line=2,
        ),
        Invalid(
            """
            def non_empty_lines(directory):
                for path in sorted(directory.iterdir()):
                    yield from (line for line in path.read_text().splitlines() if line.strip())
            """,
            line=3,
        ),
        Invalid(
            """
            def hosts(path):
                with open(path) as fh:
                    return [line.split()[0] for line in fh.readlines() if line.strip()]
            """,
            line=3,
        ),
        Invalid(
            """
            def words(path):
                lines = path.read_text().strip().splitlines()
                return {word for line in lines for word in line.split()}
            """,
            line=2,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report whole-file reads whose content is only iterated by line (or scanned, in a loop over files)."""
        func = node.func
        if type(func) is not ast.Attribute or func.attr not in ("read_text", "read_bytes", "read", "readlines"):
            return
        read = whole_file_read(node, ctx.parents, ctx.qualified_name)
        if read is None or not _may_be_streamable(read, ctx.parent):
            return
        index = _scope_index(ctx)
        uses = _content_uses(read, index)
        if _Use.WHOLE in uses:
            return
        in_file_loop = _in_loop_over_files(read, ctx)
        if not in_file_loop and (any(use is not _Use.LINES for use in uses) or (read.path is not None and is_fixed_path(read.path))):
            return
        reason = next((use for use in uses if use is not _Use.LINES), _Use.LINES)
        fixable = reason is _Use.LINES and _stream_plan(read, index, ctx.qualified_name) is not None
        yield self.report(node, ctx, call=read.label, reason=reason.value, fixable=fixable)

    def fix(self, fctx: FixContext) -> Fix | None:
        """Open the file around the loop and iterate over it, stripping newlines as splitlines() did."""
        call = fctx.node
        if not isinstance(call, ast.Call):
            return None
        qualify = _module_qualifier(fctx.facts)
        read = whole_file_read(call, fctx.ancestors, qualify)
        index = _ScopeIndex(_scope_root(fctx.ancestors, fctx.scope))
        plan = _stream_plan(read, index, qualify) if read is not None else None
        loop_cst = fctx.cst_node(plan.loop) if plan is not None else None
        if plan is None or loop_cst is None:
            return None
        module = fctx.cst_module
        read_cst = fctx.cst_node(plan.read.call)
        opener = self._opener(plan.read, read_cst) if read_cst is not None else None
        if opener is None:
            return None
        replacements: dict[int, Any] = {}
        leading = list(loop_cst.leading_lines)
        if plan.assignment is not None:
            assign_cst = fctx.cst_node(plan.assignment)
            assign_line = _simple_line(module, assign_cst) if assign_cst is not None else None
            if assign_line is None:
                return None
            replacements[id(assign_line)] = cst.RemovalSentinel.REMOVE
            leading = [*_lines_before(assign_line), *leading]
        enumerated = plan.loop.iter is not plan.lines
        handle = plan.read.handle or _local_name("fh", fctx.scope_source)
        new_iter: cst.BaseExpression = cst.Name(handle)
        if enumerated:
            first, *rest = loop_cst.iter.args
            new_iter = loop_cst.iter.with_changes(args=[first.with_changes(value=cst.Name(handle)), *rest])
        body = block_statements(loop_cst.body)
        if plan.target is not None:
            body = [cst.parse_statement(f'{plan.target} = {plan.target}.rstrip("\\n")'), *body]
        if isinstance(loop_cst.body, cst.IndentedBlock):
            new_body = loop_cst.body.with_changes(body=body)
        else:
            new_body = indented(body)
        new_loop = loop_cst.with_changes(iter=new_iter, body=new_body)
        if plan.read.handle is not None:
            replacement = new_loop.with_changes(leading_lines=leading)
        else:
            replacement = cst.With(
                items=[cst.WithItem(item=opener, asname=cst.AsName(name=cst.Name(handle)))],
                body=indented([new_loop.with_changes(leading_lines=[])]),
                leading_lines=leading,
            )
        replacements[id(loop_cst)] = replacement
        fctx.replace_scope(replace_nodes(module, replacements).code)
        return fctx.build(fctx.finding.fix_title or "Iterate over the open file", self.fix_applicability)

    @staticmethod
    def _opener(read: FileRead, read_cst: cst.Call) -> cst.BaseExpression | None:
        """The expression that opens the file: `path.open(<read_text's arguments>)`, or the original opener."""
        if read.method != "read_text":
            return read_cst.func.value  # type: ignore[attr-defined, no-any-return]
        no_space = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
        arguments = []
        for position, argument in enumerate(read_cst.args):
            if argument.star:
                return None
            keyword = argument.keyword or cst.Name(_READ_TEXT_ARGUMENTS[position])
            equal = argument.equal if argument.keyword is not None else no_space
            arguments.append(cst.Arg(value=argument.value, keyword=keyword, equal=equal))
        receiver = read_cst.func.value  # type: ignore[attr-defined]
        return cst.Call(func=cst.Attribute(value=receiver, attr=cst.Name("open")), args=arguments)


# -- RV102 ---------------------------------------------------------------------------------------


_ARCHIVE_WRITE_MODES = ("w", "a", "x")


class _BufferUse(enum.Enum):
    """How a function uses the `io.BytesIO` that may hold an archive."""

    ARCHIVE = "archive"
    GETVALUE = "getvalue"
    POSITION = "position"
    CONSUMED = "consumed"


@dataclass(frozen=True)
class _ArchiveBuffer:
    """An `io.BytesIO()` bound to `name`, the archive written into it, and every read of `name`."""

    call: ast.Call
    name: str
    binding: ast.Assign | ast.withitem
    archive: ast.Call
    archive_kind: str
    uses: tuple[tuple[ast.Name, _BufferUse], ...]


def _archive_kind(call: ast.Call, buffer: ast.Name, qualify: Qualifier) -> str | None:
    """'zip' or 'tar' when `call` opens an archive for writing into `buffer`, else None."""
    qualified = qualify(call.func)
    keywords = {k.arg: k.value for k in call.keywords}
    if qualified == "zipfile.ZipFile":
        target = call.args[0] if call.args else keywords.get("file")
        mode = call.args[1] if len(call.args) > 1 else keywords.get("mode")
        kind = "zip"
    elif qualified in ("tarfile.open", "tarfile.TarFile", "tarfile.TarFile.open"):
        target = keywords.get("fileobj") or (call.args[2] if len(call.args) > 2 else None)
        mode = call.args[1] if len(call.args) > 1 else keywords.get("mode")
        kind = "tar"
    else:
        return None
    if target is not buffer or not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)):
        return None
    return kind if mode.value.startswith(_ARCHIVE_WRITE_MODES) else None


def _buffer_use(load: ast.Name, index: _ScopeIndex, qualify: Qualifier) -> tuple[_BufferUse, ast.Call | None]:
    """Classify one read of the buffer's name (and return the archive call for ARCHIVE)."""
    if id(load) in index.escaped:
        return _BufferUse.CONSUMED, None
    parent = index.parent(load)
    if isinstance(parent, ast.keyword):
        parent = index.parent(parent)
    if isinstance(parent, ast.Call) and parent.func is not load and _archive_kind(parent, load, qualify):
        return _BufferUse.ARCHIVE, parent
    if isinstance(parent, ast.Attribute):
        call = index.parent(parent)
        if isinstance(call, ast.Call) and call.func is parent:
            if parent.attr == "getvalue" and not call.args:
                return _BufferUse.GETVALUE, None
            if parent.attr in ("seek", "tell", "flush"):
                return _BufferUse.POSITION, None
    return _BufferUse.CONSUMED, None


def _archive_buffer(call: ast.Call, parent: ast.AST | None, index: _ScopeIndex, qualify: Qualifier) -> _ArchiveBuffer | None:
    """The archive-in-memory pattern around an `io.BytesIO()` call, if this is one."""
    if call.args or call.keywords:
        return None
    if isinstance(parent, ast.Assign) and parent.value is call and _single_name_target(parent):
        name, binding = _single_name_target(parent), parent
    elif isinstance(parent, ast.withitem) and isinstance(parent.optional_vars, ast.Name):
        name, binding = parent.optional_vars.id, parent  # type: ignore[assignment]
    else:
        return None
    uses = []
    archive = kind = None
    for load in index.loads_of(name):  # type: ignore[arg-type]
        use, archive_call = _buffer_use(load, index, qualify)
        if archive_call is not None and archive is None:
            archive, kind = archive_call, _archive_kind(archive_call, load, qualify)
        uses.append((load, use))
    consumed = any(use in (_BufferUse.GETVALUE, _BufferUse.CONSUMED) for _, use in uses)
    if archive is None or kind is None or not consumed:
        return None
    return _ArchiveBuffer(call, name, binding, archive, kind, tuple(uses))  # type: ignore[arg-type]


def _archive_handle(buffer: _ArchiveBuffer, index: _ScopeIndex) -> str | None:
    """The name the archive object is bound to (`with ZipFile(buf, "w") as zf`, `zf = ZipFile(...)`)."""
    parent = index.parent(buffer.archive)
    if isinstance(parent, ast.withitem) and isinstance(parent.optional_vars, ast.Name):
        return parent.optional_vars.id
    if isinstance(parent, ast.Assign) and parent.value is buffer.archive:
        return _single_name_target(parent)
    return None


def _is_small_fixed_archive(buffer: _ArchiveBuffer, index: _ScopeIndex) -> bool:
    """True when the archive only gets a few literal members (`zf.writestr("a.txt", "hello")`), outside loops."""
    handle = _archive_handle(buffer, index)
    if handle is None:
        return False
    members = 0
    for load in index.loads_of(handle):
        attribute = index.parent(load)
        call = index.parent(attribute) if isinstance(attribute, ast.Attribute) else None
        if not (isinstance(call, ast.Call) and call.func is attribute):
            return False
        if attribute.attr == "close":  # type: ignore[union-attr]
            continue
        data = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "data"), None)
        if attribute.attr != "writestr" or not isinstance(data, ast.Constant) or _inside_loop(call, index):  # type: ignore[union-attr]
            return False
        members += 1
    return members > 0


def _inside_loop(node: ast.AST, index: _ScopeIndex) -> bool:
    """True when `node` runs inside a loop of its scope."""
    current = index.parent(node)
    while current is not None and current is not index.root:
        if isinstance(current, (ast.For, ast.AsyncFor, ast.While, ast.comprehension)):
            return True
        current = index.parent(current)
    return False


@dataclass(frozen=True)
class _SpoolPlan:
    """How RV102's fix rewrites the buffer: the block holding it, and the `getvalue()` statement."""

    buffer: _ArchiveBuffer
    block_owner: ast.AST
    getvalue_statement: ast.stmt
    getvalue_call: ast.Call


def _statement_of(node: ast.AST, index: _ScopeIndex) -> ast.stmt | None:
    """The innermost statement that holds `node`."""
    current: ast.AST | None = node
    while current is not None and not isinstance(current, ast.stmt):
        current = index.parent(current)
    return current


def _spool_plan(buffer: _ArchiveBuffer, index: _ScopeIndex) -> _SpoolPlan | None:
    """The plan of RV102's fix, or None unless the buffer is only written by a `with` archive
    and then read once with `getvalue()` by a statement of the same block."""
    kinds = [use for _, use in buffer.uses]
    if kinds != [_BufferUse.ARCHIVE, _BufferUse.GETVALUE]:
        return None
    getvalue_load = buffer.uses[1][0]
    getvalue_call = index.parent(index.parent(getvalue_load))  # type: ignore[arg-type]
    archive_item = index.parent(buffer.archive)
    archive_with = index.parent(archive_item) if isinstance(archive_item, ast.withitem) else None
    statement = _statement_of(getvalue_load, index)
    if not isinstance(archive_with, ast.With) or statement is None or not isinstance(getvalue_call, ast.Call):
        return None
    if (archive_with.end_lineno or 0) >= statement.lineno:
        return None  # read while the archive is still open
    owner = index.parent(buffer.binding)
    if isinstance(buffer.binding, ast.withitem) and not (isinstance(owner, ast.With) and len(owner.items) == 1):
        return None
    block = getattr(owner, "body", None)
    if not isinstance(block, list) or not any(s is statement for s in block):
        return None
    if isinstance(buffer.binding, ast.Assign) and not any(s is buffer.binding for s in block):
        return None
    if buffer.archive.lineno <= buffer.call.lineno:
        return None
    return _SpoolPlan(buffer, owner, statement, getvalue_call)  # type: ignore[arg-type]


_SPOOL_CONSTANT = "ARCHIVE_SPOOL_MAX_BYTES"
_MEBIBYTE = 1024 * 1024


class InMemoryArchive(Rule):
    """RV102: a zip or tar archive built in an `io.BytesIO`."""

    code = "RV102"
    name = "in-memory-archive"
    message = "the {kind} archive is built in an io.BytesIO, so all of it is held in memory; spool it to a temporary file"
    fix_title = "Build the archive in a tempfile.SpooledTemporaryFile"
    fix_applicability = Applicability.UNSAFE
    options = (
        Option(
            "max_size",
            16 * _MEBIBYTE,
            "bytes an archive may take in memory before the quick fix's SpooledTemporaryFile spills it to disk",
        ),
    )
    docs = RuleDocs(
        what="""
            Finds an `io.BytesIO()` passed as the file of `zipfile.ZipFile(buf, "w")` or
            `tarfile.open(fileobj=buf, mode="w...")` (write, append or exclusive mode) whose content
            is then taken out (`getvalue()`, `read()`, returned, handed to another call). Tests are
            left alone, and so are archives that only get a few literal members
            (`zf.writestr("a.txt", "hello")`) outside any loop.
            """,
        why="""
            The archive exists only in memory: a download endpoint that zips a user's files holds
            every archive being built at the same time in RAM, so a few large or concurrent
            requests exhaust the worker's memory. A temporary file bounds the memory an archive
            takes and lets the response stream from disk.
            """,
        fix="""
            Build the archive in `tempfile.SpooledTemporaryFile(max_size=...)`: it stays in memory
            up to `max_size` bytes and rolls over to a real temporary file beyond that; then stream
            it (`shutil.copyfileobj`, `upload_fileobj`, a `FileResponse`/`StreamingResponse` over
            the file) rather than reading it back into one `bytes` object.

            The quick fix handles the common shape — `buf = io.BytesIO()`, a
            `with zipfile.ZipFile(buf, "w") as zf:` block, then one `buf.getvalue()` — by opening
            the spooled file in a `with` block, and replacing `getvalue()` by `buf.seek(0)`
            followed by `buf.read()` (equivalent: nothing reads the buffer afterwards). The size
            limit is a module constant, `ARCHIVE_SPOOL_MAX_BYTES` (16 MiB, the rule option
            `max_size`). It bounds the memory taken while the archive is built; to stop holding
            the finished archive in memory, return or stream the file itself instead of its bytes,
            which changes the function's contract and is left to you. The fix is marked unsafe:
            archives beyond the limit now need a writable temporary directory. Other shapes (the
            buffer returned or passed on) get advice only.
            """,
    )
    valid = (
        Valid(
            """
            import io
            import zipfile

            def test_reads_zip_members():
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w") as archive:
                    for index in range(100):
                        archive.writestr(f"file{index}.txt", "data")
                assert read_members(buffer.getvalue()) == 100
            """,
            path="tests/test_archive.py",
        ),
        """
        import io
        import zipfile

        def readme_archive():
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                archive.writestr("README.txt", "See https://example.com for the data.")
            return buffer.getvalue()
        """,
        """
        import tempfile
        import zipfile

        def build(paths):
            spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
            with zipfile.ZipFile(spool, "w") as archive:
                for path in paths:
                    archive.write(path)
            spool.seek(0)
            return spool
        """,
        """
        import io
        import zipfile

        def members(data: bytes):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return archive.namelist()
        """,
    )
    invalid = (
        Invalid(
            """
            import io
            import zipfile


            def build_archive(paths):
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                    for path in paths:
                        archive.write(path, path.name)
                return buffer.getvalue()
            """,
            line=6,
            fixed="""
            import io
            import tempfile
            import zipfile


            ARCHIVE_SPOOL_MAX_BYTES = 16 * 1024 * 1024


            def build_archive(paths):
                with tempfile.SpooledTemporaryFile(max_size=ARCHIVE_SPOOL_MAX_BYTES) as buffer:
                    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                        for path in paths:
                            archive.write(path, path.name)
                    buffer.seek(0)
                    return buffer.read()
            """,
        ),
        Invalid(
            """
            import tarfile
            from io import BytesIO


            def backup(directory, upload):
                # the whole backup goes to object storage
                with BytesIO() as stream:
                    with tarfile.open(fileobj=stream, mode="w:gz") as tar:
                        tar.add(directory, arcname="backup")
                    payload = stream.getvalue()
                    upload(payload)
            """,
            line=7,
            fixed="""
            import tarfile
            import tempfile
            from io import BytesIO


            ARCHIVE_SPOOL_MAX_BYTES = 16 * 1024 * 1024


            def backup(directory, upload):
                # the whole backup goes to object storage
                with tempfile.SpooledTemporaryFile(max_size=ARCHIVE_SPOOL_MAX_BYTES) as stream:
                    with tarfile.open(fileobj=stream, mode="w:gz") as tar:
                        tar.add(directory, arcname="backup")
                    stream.seek(0)
                    payload = stream.read()
                    upload(payload)
            """,
        ),
        Invalid(
            """
            import io
            import zipfile

            from fastapi.responses import StreamingResponse


            def download(files):
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, mode="w") as archive:
                    for name, content in files.items():
                        archive.writestr(name, content)
                buffer.seek(0)
                return StreamingResponse(buffer, media_type="application/zip")
            """,
            line=8,
        ),
        Invalid(
            """
            import io
            import tarfile

            def export(paths):
                buffer = io.BytesIO()
                tar = tarfile.open(mode="w", fileobj=buffer)
                for path in paths:
                    tar.add(path)
                tar.close()
                buffer.seek(0)
                return buffer.read()
            """,
            line=5,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report `io.BytesIO()` buffers that an archive is written into and then taken out of."""
        func = node.func
        if not ((type(func) is ast.Attribute and func.attr == "BytesIO") or (type(func) is ast.Name and func.id == "BytesIO")):
            return
        if node.args or node.keywords or not isinstance(ctx.parent, (ast.Assign, ast.withitem)):
            return
        if ctx.qualified_name(func) != "io.BytesIO" or is_test_path(ctx.path):
            return
        index = _scope_index(ctx)
        buffer = _archive_buffer(node, ctx.parent, index, ctx.qualified_name)
        if buffer is None or _is_small_fixed_archive(buffer, index):
            return
        fixable = _spool_plan(buffer, index) is not None
        yield self.report(node, ctx, kind=buffer.archive_kind, fixable=fixable)

    def fix(self, fctx: FixContext) -> Fix | None:
        """Open a SpooledTemporaryFile instead, and read it back from the start where getvalue() was."""
        call = fctx.node
        if not isinstance(call, ast.Call) or not fctx.ancestors:
            return None
        qualify = _module_qualifier(fctx.facts)
        index = _ScopeIndex(_scope_root(fctx.ancestors, fctx.scope))
        buffer = _archive_buffer(call, fctx.ancestors[-1], index, qualify)
        plan = _spool_plan(buffer, index) if buffer is not None else None
        if plan is None:
            return None
        module = fctx.cst_module
        getvalue_cst = fctx.cst_node(plan.getvalue_call)
        statement_cst = fctx.cst_node(plan.getvalue_statement)
        getvalue_line = _simple_line(module, statement_cst) if statement_cst is not None else None
        owner_cst = fctx.cst_node(plan.block_owner)
        if getvalue_cst is None or getvalue_line is None or owner_cst is None:
            return None
        tempfile_name = fctx.ensure_import("tempfile")
        constant = self._size_constant(fctx)
        spooled = cst.parse_expression(f"{tempfile_name}.SpooledTemporaryFile(max_size={constant})")
        name = plan.buffer.name
        seek = cst.parse_statement(f"{name}.seek(0)")
        replacements: dict[int, Any] = {id(getvalue_cst): cst.parse_expression(f"{name}.read()")}
        if isinstance(plan.buffer.binding, ast.withitem):
            call_cst = fctx.cst_node(call)
            if call_cst is None:
                return None
            replacements[id(call_cst)] = spooled
            replacements[id(getvalue_line)] = lambda line: cst.FlattenSentinel(
                [seek.with_changes(leading_lines=line.leading_lines), line.with_changes(leading_lines=[])]
            )
        else:
            binding_cst = fctx.cst_node(plan.buffer.binding)
            binding_line = _simple_line(module, binding_cst) if binding_cst is not None else None
            block_cst = owner_cst.body if isinstance(owner_cst.body, cst.IndentedBlock) else None
            if binding_line is None or block_cst is None:
                return None
            statements = list(block_cst.body)
            positions = [i for i, s in enumerate(statements) if s is binding_line or s is getvalue_line]
            if len(positions) != 2:
                return None
            first, last = positions

            def wrap(block: cst.IndentedBlock) -> cst.IndentedBlock:
                body = list(block.body)
                moved = body[first + 1 : last]
                final = body[last]
                inner = [*moved, seek.with_changes(leading_lines=final.leading_lines), final.with_changes(leading_lines=[])]
                spool_with = cst.With(
                    items=[cst.WithItem(item=spooled, asname=cst.AsName(name=cst.Name(name)))],
                    body=indented([inner[0].with_changes(leading_lines=[]), *inner[1:]]),
                    leading_lines=_lines_before(body[first]),
                )
                return block.with_changes(body=[*body[:first], spool_with, *body[last + 1 :]])

            replacements[id(block_cst)] = wrap
        fctx.replace_scope(replace_nodes(module, replacements).code)
        return fctx.build(self.fix_title or "", self.fix_applicability)

    def _size_constant(self, fctx: FixContext) -> str:
        """The module constant holding the spool size: the existing one, or a new one."""
        existing = fctx.facts.bindings.get(_SPOOL_CONSTANT)
        if existing is not None and existing.kind is BindingKind.CONSTANT:
            return _SPOOL_CONSTANT  # read when the function runs, so defined anywhere at module level will do
        constant = fctx.unique_name(_SPOOL_CONSTANT)
        size = int(self.config["max_size"])
        value = f"{size // _MEBIBYTE} * 1024 * 1024" if size and size % _MEBIBYTE == 0 else str(size)
        fctx.add_definition(f"{constant} = {value}")
        return constant


# -- RV103 ---------------------------------------------------------------------------------------

_WRITER_NAMES = frozenset(
    {"export", "save", "savefig", "dump", "tofile", "imwrite", "imsave", "savetxt", "savez", "savez_compressed", "write", "serialize"}
)
_WRITER_PREFIXES = ("to_", "save_", "export_", "write_")
_READER_NAMES = frozenset({"load", "read", "open", "imread", "fromfile", "loadtxt", "genfromtxt", "parse", "read_file"})
_READER_PREFIXES = ("read_", "load_", "from_")
_SELF_READS = frozenset({"read_text", "read_bytes"})


def _callee(call: ast.Call) -> tuple[str, str] | None:
    """(the callee as written, its last name) for `mesh.export(...)`, `np.save(...)`, `load(...)`."""
    dotted = dotted_name(call.func)
    if dotted is None:
        return (call.func.attr, call.func.attr) if isinstance(call.func, ast.Attribute) else None
    return dotted, dotted.rsplit(".", 1)[-1]


def _temp_argument(call: ast.Call, temps: TempNames) -> tuple[frozenset[str], frozenset[str]] | None:
    """The key of the temporary file passed to `call`, if any."""
    for argument in (*call.args, *(k.value for k in call.keywords)):
        key = temps.key(argument)
        if key is not None:
            return key
    return None


def _writes_mode(call: ast.Call) -> bool:
    """True for `open(path, "w"...)` and other modes that write."""
    mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and bool(set(mode.value) & set("wax+"))


def _reader_key(call: ast.Call, temps: TempNames) -> tuple[str, tuple[frozenset[str], frozenset[str]]] | None:
    """(callee, temporary-file key) when `call` reads a temporary file back."""
    callee = _callee(call)
    if callee is None:
        return None
    written, last = callee
    if last in _SELF_READS and isinstance(call.func, ast.Attribute):
        key = temps.key(call.func.value)
        return (written, key) if key is not None else None
    if last not in _READER_NAMES and not last.startswith(_READER_PREFIXES):
        return None
    if last == "open" and _writes_mode(call):
        return None
    key = _temp_argument(call, temps)
    return (written, key) if key is not None else None


def _is_writer(last: str) -> bool:
    """True for callee names that export data to a file (`export`, `save`, `to_csv`, `savefig`, ...)."""
    return last in _WRITER_NAMES or last.startswith(_WRITER_PREFIXES)


def _scope_temps(ctx: Context, index: _ScopeIndex) -> TempNames:
    """The temporary names of the visited node's scope, collected once per scope and walk."""
    key = ("io.temps", id(index.root))
    temps = ctx.memo.get(key)
    if temps is None:
        temps = ctx.memo[key] = temp_names(index.nodes, ctx.qualified_name)
    return temps  # type: ignore[no-any-return]


def _uses_tempfile(ctx: Context) -> bool:
    """True when the module (or the enclosing function) imports from `tempfile`."""
    return any(target == "tempfile" or target.startswith("tempfile.") for target in ctx.imports.values())


class TempFileRoundTripInLoop(Rule):
    """RV103: data exported to a temporary file and read straight back, on every iteration."""

    code = "RV103"
    name = "temp-file-round-trip-in-loop"
    message = "{writer}() writes a temporary file that {reader}() reads straight back, on every iteration; convert in memory"
    docs = RuleDocs(
        what="""
            Finds, inside a loop, a call that exports data to a temporary file
            (`mesh.export(tmp.name)`, `df.to_csv(path)`, `fig.savefig(tmp)`, `np.save(path, a)`)
            followed in the same iteration by another call that reads that file back
            (`trimesh.load(tmp.name)`, `pd.read_csv(path)`, `open(tmp.name, "rb")`). Temporary
            files come from `tempfile` (`NamedTemporaryFile`, `TemporaryDirectory`, `mkstemp`,
            `mkdtemp`, paths joined onto them). One-off conversions outside loops are left alone,
            and so are temporary files written with your own `write()` and handed to a library
            that only accepts a path.
            """,
        why="""
            Each iteration serialises the data, writes it to disk, opens the file again and parses
            it back: two format conversions and file-system round trips per item, often the
            dominant cost of the loop, plus a temporary file to clean up. Most libraries can build
            the target object from the source data directly (a mesh from its vertices and faces, a
            DataFrame from records, an image from a buffer).
            """,
        fix="""
            Convert in memory: construct the target from the data
            (`trimesh.Trimesh(vertices=..., faces=...)`, `pd.DataFrame(records)`), or serialise to
            an `io.BytesIO`/`io.StringIO` and read from that. This rule gives advice only: the
            right conversion depends on the libraries involved.
            """,
    )
    valid = (
        """
        import tempfile

        import trimesh

        def convert_once(mesh):
            with tempfile.NamedTemporaryFile(suffix=".stl") as tmp:
                mesh.export(tmp.name)
                return trimesh.load(tmp.name)
        """,
        """
        import subprocess
        import tempfile

        def render_all(scenes):
            for scene in scenes:
                with tempfile.NamedTemporaryFile(suffix=".pov") as tmp:
                    scene.export(tmp.name)
                    subprocess.run(["povray", tmp.name], check=True)
        """,
        """
        import tempfile

        import soundfile

        def decode_all(blobs):
            for blob in blobs:
                with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
                    tmp.write(blob)
                    tmp.flush()
                    yield soundfile.read(tmp.name)
        """,
    )
    invalid = (
        Invalid(
            """
            import tempfile

            import trimesh

            def to_trimesh(meshes):
                result = []
                for mesh in meshes:
                    with tempfile.NamedTemporaryFile(suffix=".stl") as tmp:
                        mesh.export(tmp.name)
                        result.append(trimesh.load(tmp.name))
                return result
            """,
            line=9,
        ),
        Invalid(
            """
            import os
            import tempfile

            import pandas as pd

            def normalise(frames):
                with tempfile.TemporaryDirectory() as workdir:
                    for frame in frames:
                        path = os.path.join(workdir, "frame.csv")
                        frame.to_csv(path, index=False)
                        yield pd.read_csv(path)
            """,
            line=10,
        ),
        Invalid(
            """
            import tempfile

            def pngs(figures):
                images = []
                for figure in figures:
                    fd, path = tempfile.mkstemp(suffix=".png")
                    figure.savefig(path)
                    with open(path, "rb") as fh:
                        images.append(fh.read())
                return images
            """,
            line=7,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report exports to a temporary file that the same iteration reads back."""
        if not ctx.loops or not node.args and not node.keywords:
            return
        func = node.func
        last = func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else None
        if last is None or not _is_writer(last) or not _uses_tempfile(ctx):
            return
        callee = _callee(node)
        if callee is None:
            return
        index = _scope_index(ctx)
        temps = _scope_temps(ctx, index)
        key = _temp_argument(node, temps) if temps.all else None
        if key is None:
            return
        loop = ctx.loops[-1]
        start = (node.lineno, node.col_offset)
        body = loop.body if isinstance(loop, (ast.For, ast.AsyncFor, ast.While)) else [loop]
        for statement in body:
            for inner in ast.walk(statement):
                if isinstance(inner, ast.Call) and inner is not node and (inner.lineno, inner.col_offset) > start:
                    reader = _reader_key(inner, temps)
                    if reader is not None and reader[1] == key and reader[0] != callee[0]:
                        yield self.report(node, ctx, writer=callee[0], reader=reader[0])
                        return


# -- RV104 ---------------------------------------------------------------------------------------

_RE_FUNCTIONS = {
    # function: (index of the flags argument, the Pattern method, or None for compile)
    "compile": (1, None),
    "search": (2, "search"),
    "match": (2, "match"),
    "fullmatch": (2, "fullmatch"),
    "findall": (2, "findall"),
    "finditer": (2, "finditer"),
    "split": (3, "split"),
    "sub": (4, "sub"),
    "subn": (4, "subn"),
}


@dataclass(frozen=True)
class _RegexCall:
    """`re.<function>(<constant pattern>, ...)`: the pattern, the flags argument and the rest."""

    call: ast.Call
    function: str
    pattern: ast.Constant
    flags: ast.expr | None
    flags_position: int | None


def _regex_call(call: ast.Call, qualify: Qualifier) -> _RegexCall | None:
    """Describe `call` if it is an `re` function called with a literal pattern."""
    qualified = qualify(call.func)
    if qualified is None or not qualified.startswith("re."):
        return None
    function = qualified[3:]
    spec = _RE_FUNCTIONS.get(function)
    if spec is None or not call.args:
        return None
    pattern = call.args[0]
    if not isinstance(pattern, ast.Constant) or not isinstance(pattern.value, (str, bytes)):
        return None
    flags_index = spec[0]
    flags: ast.expr | None = None
    position: int | None = None
    if len(call.args) > flags_index:
        flags, position = call.args[flags_index], flags_index
    for keyword in call.keywords:
        if keyword.arg == "flags":
            flags = keyword.value
    return _RegexCall(call, function, pattern, flags, position)


_FLAG_NAMES = {
    "A": "ASCII",
    "I": "IGNORECASE",
    "L": "LOCALE",
    "M": "MULTILINE",
    "S": "DOTALL",
    "U": "UNICODE",
    "X": "VERBOSE",
}


def _flag_words(flags: ast.expr | None) -> list[str]:
    """The `re` flags an expression names, spelled out: `re.I | re.M` -> ['IGNORECASE', 'MULTILINE']."""
    if flags is None:
        return []
    names = [n.attr if isinstance(n, ast.Attribute) else n.id for n in ast.walk(flags) if isinstance(n, (ast.Attribute, ast.Name))]
    spelled = [_FLAG_NAMES.get(name, name) for name in names]
    return [name for name in dict.fromkeys(spelled) if name in _FLAG_NAMES.values()]


def _hoistable(regex: _RegexCall, facts: ModuleFacts, qualify: Qualifier, before_line: int) -> bool:
    """True when the compiled pattern can become a module-level constant defined before `before_line`."""
    if any(isinstance(a, ast.Starred) for a in regex.call.args) or any(k.arg is None for k in regex.call.keywords):
        return False
    if any(k.arg == "pattern" for k in regex.call.keywords) or qualify(regex.call.func) is None:
        return False
    names = names_read(regex.flags) if regex.flags is not None else set()
    for name in names:
        binding = facts.bindings.get(name)
        if binding is None and name in _BUILTINS:
            continue
        if binding is None or binding.line >= before_line:
            return False
    re_binding = facts.bindings.get(facts.local_name_for("re") or "")
    return re_binding is None or re_binding.line < before_line


def _existing_constant(module: ast.Module, pattern: ast.Constant, flags: ast.expr | None, before_line: int) -> str | None:
    """A module-level `NAME = re.compile(<same pattern>, <same flags>)` defined before `before_line`."""
    wanted = (repr(pattern.value), ast.dump(flags) if flags is not None else None)
    for statement in module.body:
        if statement.lineno >= before_line:
            break
        if not (isinstance(statement, ast.Assign) and _single_name_target(statement) and isinstance(statement.value, ast.Call)):
            continue
        value = statement.value
        if (dotted_name(value.func) or "").rsplit(".", 1)[-1] != "compile" or not value.args or value.keywords:
            continue
        first = value.args[0]
        existing_flags = ast.dump(value.args[1]) if len(value.args) > 1 else None
        if isinstance(first, ast.Constant) and (repr(first.value), existing_flags) == wanted and len(value.args) <= 2:
            return _single_name_target(statement)
    return None


class RegexCompiledInHotPath(Rule):
    """RV104: an `re` function called with a literal pattern inside a loop."""

    code = "RV104"
    name = "regex-compiled-in-hot-path"
    message = "re.{function}() with a literal pattern runs inside a loop; compile the pattern once at module level"
    fix_title = "Compile the pattern once as a module-level constant"
    docs = RuleDocs(
        what="""
            Finds `re.compile`, `re.search`, `re.match`, `re.fullmatch`, `re.findall`,
            `re.finditer`, `re.split`, `re.sub` and `re.subn` called with a literal pattern inside a
            loop body (`for`, `while`, comprehensions) — however `re` is imported
            (`import re as regex`, `from re import sub`). Patterns compiled at module level, and
            patterns built from variables, are left alone; so is the iterable of a `for`
            (`for m in re.finditer(...)` runs once), and so are tests, whose loops run over a
            handful of cases rather than production data.
            """,
        why="""
            Every call looks the pattern up in `re`'s internal cache — hashing the pattern and
            flags — before it can match, and a loop that uses more distinct patterns than the cache
            holds (512) compiles them again and again. A compiled module-level constant is looked
            up once, shows its intent by name, and fails at import time if it is invalid rather
            than on the first unusual input.
            """,
        fix="""
            Hoist the pattern: the quick fix adds `_NAME_RE = re.compile(<pattern>, <flags>)` above
            the enclosing top-level statement (reusing an identical existing constant), and
            rewrites `re.sub(p, repl, s)` to `_NAME_RE.sub(repl, s)` and `re.compile(p)` to
            `_NAME_RE`, moving the flags (positional or `flags=`) into the compile call. Results
            are identical.
            """,
    )
    valid = (
        """
        import re

        _WORD_RE = re.compile(r"\\w+")

        def count_words(lines):
            return sum(len(_WORD_RE.findall(line)) for line in lines)
        """,
        """
        import re

        def grep(lines, pattern):
            compiled = re.compile(pattern)
            for line in lines:
                if re.search(pattern, line) or compiled.match(line):
                    yield line
        """,
        """
        import re

        def parse(text):
            for match in re.finditer(r"(\\w+)=(\\w+)", text):
                yield match.groups()
        """,
        Valid(
            """
            import re

            def test_parses_versions():
                for text in ("1.2", "10.20"):
                    assert re.fullmatch(r"\\d+\\.\\d+", text)
            """,
            path="tests/test_versions.py",
        ),
        """
        import re

        def check(name):
            return re.fullmatch(r"[a-z_]+", name) is not None

        def keywords(words, prefix):
            return [w for w in words if re.match(re.escape(prefix) + ".*", w)]
        """,
    )
    invalid = (
        Invalid(
            """
            import re


            def normalise(lines):
                return [re.sub(r"\\s+", " ", line).strip() for line in lines]
            """,
            line=5,
            fixed="""
            import re


            _WHITESPACE_RE = re.compile(r"\\s+")


            def normalise(lines):
                return [_WHITESPACE_RE.sub(" ", line).strip() for line in lines]
            """,
        ),
        Invalid(
            """
            import re as regex


            def errors(lines):
                for line in lines:
                    match = regex.match(r"ERROR: (?P<message>.*)", line, regex.IGNORECASE)
                    if match:
                        yield match["message"]
            """,
            line=6,
            fixed="""
            import re as regex


            _ERROR_MESSAGE_RE = regex.compile(r"ERROR: (?P<message>.*)", regex.IGNORECASE)


            def errors(lines):
                for line in lines:
                    match = _ERROR_MESSAGE_RE.match(line)
                    if match:
                        yield match["message"]
            """,
        ),
        Invalid(
            """
            from re import split


            class Tokenizer:
                def tokens(self, stream):
                    while line := stream.readline():
                        yield from split(r"\\W+", line, maxsplit=10, flags=0)
            """,
            line=7,
            fixed="""
            import re
            from re import split


            _SEPARATOR_RE = re.compile(r"\\W+", 0)


            class Tokenizer:
                def tokens(self, stream):
                    while line := stream.readline():
                        yield from _SEPARATOR_RE.split(line, maxsplit=10)
            """,
        ),
        Invalid(
            """
            import re

            WORD = re.compile(r"\\w+")

            def index(documents):
                for doc in documents:
                    pattern = re.compile(r"\\w+")
                    yield {word: doc.id for word in pattern.findall(doc.text)}
            """,
            line=7,
            fixed="""
            import re

            WORD = re.compile(r"\\w+")

            def index(documents):
                for doc in documents:
                    pattern = WORD
                    yield {word: doc.id for word in pattern.findall(doc.text)}
            """,
        ),
        Invalid(
            """
            def versions(lines):
                import re
                for line in lines:
                    yield re.findall(r"\\d+", line)
            """,
            line=4,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report `re` functions called with a literal pattern inside a loop body."""
        if not ctx.loops or not node.args:
            return
        func = node.func
        if type(func) is ast.Attribute:
            if func.attr not in _RE_FUNCTIONS:
                return
        elif type(func) is not ast.Name or not ctx.imports.get(func.id, "").startswith("re."):
            return
        regex = _regex_call(node, ctx.qualified_name)
        if regex is None or is_test_path(ctx.path):
            return
        top = ctx.top_statement
        module_qualify = _module_qualifier(ctx.facts)
        fixable = (
            top is not None
            and module_qualify(func) == ctx.qualified_name(func)
            and _hoistable(regex, ctx.facts, module_qualify, _first_line(top))
        )
        yield self.report(node, ctx, function=regex.function, fixable=fixable)

    def fix(self, fctx: FixContext) -> Fix | None:
        """Add (or reuse) a module-level compiled pattern and call its method instead."""
        call = fctx.node
        if not isinstance(call, ast.Call):
            return None
        qualify = _module_qualifier(fctx.facts)
        regex = _regex_call(call, qualify)
        before = _first_line(fctx.statement)
        if regex is None or not _hoistable(regex, fctx.facts, qualify, before):
            return None
        call_cst = fctx.cst_node(call)
        if call_cst is None:
            return None
        constant = _existing_constant(fctx.module, regex.pattern, regex.flags, before)
        positional = [a for a in call_cst.args if a.keyword is None]
        flags_cst = next((a for a in call_cst.args if a.keyword is not None and a.keyword.value == "flags"), None)
        if regex.flags_position is not None:
            flags_cst = positional[regex.flags_position]
        if constant is None:
            module = fctx.cst_module
            re_name = fctx.ensure_import("re")
            pattern_code = module.code_for_node(positional[0].value)
            flags_code = f", {module.code_for_node(flags_cst.value)}" if flags_cst is not None else ""
            base = regex_constant_name(regex.pattern.value, fctx.enclosing_function)
            flag_words = _flag_words(regex.flags)
            if flag_words and not fctx.names.is_free(base):  # the same pattern without these flags is taken
                base = f"{base[: -len('_RE')]}_{'_'.join(flag_words)}_RE"
            value = f"{re_name}.compile({ast.dump(regex.pattern)}, {ast.dump(regex.flags) if regex.flags else ''})"
            constant = fctx.unique_name(base, value)
            fctx.add_definition(f"{constant} = {re_name}.compile({pattern_code}{flags_code})")
        method = _RE_FUNCTIONS[regex.function][1]
        if method is None:
            replacement: cst.BaseExpression = cst.Name(constant)
        else:
            rest = [a for a in call_cst.args[1:] if a is not flags_cst]
            if rest:
                rest[-1] = rest[-1].with_changes(comma=call_cst.args[-1].comma)
            replacement = call_cst.with_changes(
                func=cst.Attribute(value=cst.Name(constant), attr=cst.Name(method)), args=rest
            )
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(call_cst): replacement}).code)
        return fctx.build(self.fix_title or "", self.fix_applicability)


def _first_line(statement: ast.stmt) -> int:
    """First line of a statement, its decorators included."""
    decorators = getattr(statement, "decorator_list", None) or []
    return min([statement.lineno, *(d.lineno for d in decorators)])
