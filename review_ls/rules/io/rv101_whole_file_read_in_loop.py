"""RV101 whole-file-read-in-loop: RV101: a whole file read into memory where streaming it would do."""

from __future__ import annotations

import ast
import enum
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.cst_edit import cst, block_statements, indented, replace_nodes
from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Applicability, Finding, Fix, Severity
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
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
from review_ls.patterns.scope_index import (
    _ScopeIndex,
    _scope_root,
    _scope_index,
    _lines_before,
    _simple_line,
    _single_name_target,
)

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


_IDENTIFIERS = re.compile(r"\w+")


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


class _Use(enum.Enum):
    """What the code does with a file's whole content."""

    LINES = "only to iterate over its lines; iterate over the open file instead"
    SEARCH = "in a loop over files only to search it; stream it line by line instead"
    PREFIX = "in a loop over files only to check how it starts; read just the first bytes instead"
    SIZE = "in a loop over files only to measure it; use os.stat(...).st_size instead"
    WHOLE = "needs the whole content"


# The reads the rule reports on: the whole content at once.
_WHOLE_FILE_READS = frozenset({"read_text", "read_bytes", "read", "readlines"})

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


_LINE_TRIMS = frozenset({"rstrip", "strip", "lstrip", "removesuffix"})


def _keeps_every_line(generator: ast.comprehension, comprehension: ast.AST | None) -> bool:
    """True for `[line.rstrip() for line in lines]`: a list of every line, trimmed at most, so streaming saves nothing."""
    if not isinstance(comprehension, ast.ListComp) or len(comprehension.generators) != 1 or generator.ifs:
        return False
    if not isinstance(generator.target, ast.Name):
        return False
    element = comprehension.elt
    if isinstance(element, ast.Call) and isinstance(element.func, ast.Attribute) and element.func.attr in _LINE_TRIMS:
        element = element.func.value
    return isinstance(element, ast.Name) and element.id == generator.target.id


def _is_iterated(expr: ast.expr, index: _ScopeIndex, follow_names: bool = True) -> bool:
    """True when the value of `expr` is only iterated over (`for`, a comprehension, `enumerate`)."""
    if id(expr) in index.escaped:
        return False
    parent = index.parent(expr)
    if isinstance(parent, ast.comprehension) and _keeps_every_line(parent, index.parent(parent)):
        return False  # `[line.rstrip() for line in fh.readlines()]` keeps every line anyway
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)):
        return parent.iter is expr
    if isinstance(parent, ast.Call) and dotted_name(parent.func) == "enumerate" and parent.args and parent.args[0] is expr:
        return _is_iterated(parent, index, follow_names)
    if follow_names and isinstance(parent, ast.Assign) and parent.value is expr and _single_name_target(parent):
        loads = index.loads_of(_single_name_target(parent))  # type: ignore[arg-type]
        return bool(loads) and all(_is_iterated(load, index, follow_names=False) for load in loads)
    return False


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
    if isinstance(call, ast.Call) and isinstance(attribute, ast.Attribute) and call.func is attribute and attribute.attr == "splitlines" and _is_line_split(call):
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
        assignment, assigns_content = cast(ast.Assign, index.parent(read.call)), True
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
    call_names = _WHOLE_FILE_READS  # (visit_Call returns at once for any other callee)
    applies_to = SERVICE_CODE
    severity = Severity.HINT
    default_enabled = False
    precision_note = """
        Off by default, hint severity: on the judged corpus sample (docs/precision.md) both findings were fine code: a small
        fixed file read through a constant path, and a list returned whole anyway. The rule cannot tell
        a small file from a large one.
        """
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
        # every line kept in a list anyway (a log returned whole): streaming the file saves nothing
        """
        def log_lines(log_file):
            with log_file.open() as f:
                lines = [line.rstrip() for line in f.readlines()]
            return lines
        """,
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
        if type(func) is not ast.Attribute or func.attr not in _WHOLE_FILE_READS:
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
        qualify = fctx.qualified_name
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
