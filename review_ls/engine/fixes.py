"""Fixes: computed lazily with libcst on the smallest enclosing scope, returned as minimal edits.

The scope is the top-level statement that holds the finding, or, inside a class, the method that
holds it. The rule rewrites the scope's code (dedented) with libcst; `FixContext.replace_scope`
turns that into one edit of only the changed lines. What a fix adds at module level (an import,
a factory function, a constant) is a separate small insertion placed by the `ast` facts.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from review_ls.config import Settings
from review_ls.deferred_dataclass import dataclass
from review_ls.engine.code_style import CodeStyle, code_style_for
from review_ls.engine.facts import ModuleFacts, imports_visible_at, resolve_through_imports
from review_ls.engine.import_place import import_key, import_sites, place_import
from review_ls.engine.lines import lines_with_ends, newline_of
from review_ls.engine.model import Applicability, Finding, Fix, Span, TextEdit
from review_ls.engine.names import NameAllocator, bound_names
from review_ls.engine.positions import LineIndex, statement_start_line
from review_ls.engine.project_model import ProjectModel
from review_ls.engine.wrap import wrap_line

if TYPE_CHECKING:
    import logging


def _log() -> logging.Logger:
    """This module's logger (`logging` loads only when a fix goes wrong: a check run never needs it)."""
    import logging

    return logging.getLogger(__name__)

# What `ast.parse` raises for text it cannot turn into a tree (deep nesting exhausts the stack).
_UNPARSABLE = (SyntaxError, ValueError, RecursionError, MemoryError)

_CST_TYPE_NAMES = {
    "AsyncWith": "With",
    "AsyncFor": "For",
    "AsyncFunctionDef": "FunctionDef",
    "JoinedStr": "FormattedString",
    "BinOp": "BinaryOperation",
    "BoolOp": "BooleanOperation",
    "UnaryOp": "UnaryOperation",
    "Compare": "Comparison",
}
_TRAILING_NEWLINE = re.compile(r"(?:\r\n|\r|\n)\Z")


@dataclass(frozen=True)
class ParsedSource:
    """One source text with what every fix of it reads (parsed once per fix round, not once per fix)."""

    source: str
    module: ast.Module
    facts: ModuleFacts
    lines: LineIndex
    raw_lines: list[str]
    newline: str

    @classmethod
    def of(cls, source: str, module: ast.Module | None = None) -> ParsedSource:
        """Parse `source` (unless its `module` is given) and index its lines."""
        module = module if module is not None else ast.parse(source)
        return cls(source, module, ModuleFacts.from_module(module), LineIndex.from_source(source), lines_with_ends(source), newline_of(source))


class FixContext:
    """What a rule's `fix` works with: the finding, its node, its scope as libcst, and edit helpers."""

    def __init__(
        self,
        source: str,
        finding: Finding,
        module: ast.Module,
        path: str | None = None,
        project: ProjectModel | None = None,
        names: NameAllocator | None = None,
        parsed: ParsedSource | None = None,
    ) -> None:
        parsed = parsed if parsed is not None and parsed.source is source else ParsedSource.of(source, module)
        self.source = source
        self.finding = finding
        self.module = module
        self.path = path
        self.project = project
        self.facts = parsed.facts
        self.names = names if names is not None else NameAllocator(source)
        self.lines = parsed.lines
        self.raw_lines = parsed.raw_lines
        self.newline = parsed.newline
        self.statement = _statement_at(module, finding.span.line)
        self.scope, self.scope_indent = self._choose_scope()
        self.node, self.ancestors = self._find_node()
        self._edits: list[TextEdit] = []
        self._imports: list[str] = []
        self._definitions: list[str] = []
        self._preludes: list[str] = []

    # -- scope --------------------------------------------------------------------------------
    def _choose_scope(self) -> tuple[ast.stmt, str]:
        statement = self.statement
        if isinstance(statement, ast.ClassDef):
            for member in statement.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                    statement_start_line(member) <= self.finding.span.line <= (member.end_lineno or member.lineno)
                ):
                    indent = _leading_whitespace(self.lines.line_text(statement_start_line(member)))
                    if self._dedentable(member, indent):
                        return member, indent
        return statement, ""

    def _dedentable(self, scope: ast.stmt, indent: str) -> bool:
        for line in range(statement_start_line(scope), (scope.end_lineno or scope.lineno) + 1):
            text = self.lines.line_text(line)
            if text.strip() and not text.startswith(indent):
                return False
        return True

    @property
    def scope_start(self) -> int:
        """First line of the scope (its first decorator, if any)."""
        return statement_start_line(self.scope)

    @property
    def scope_end(self) -> int:
        """Last line of the scope."""
        return self.scope.end_lineno or self.scope.lineno

    @cached_property
    def scope_source(self) -> str:
        """The scope's code, dedented to column 0, with its original line endings."""
        raw = self.raw_lines[self.scope_start - 1 : self.scope_end]
        width = len(self.scope_indent)
        return "".join(line[width:] if line.startswith(self.scope_indent) else line.lstrip(" \t") for line in raw)

    def _find_node(self) -> tuple[ast.AST, list[ast.AST]]:
        """Find the node the finding was reported on (same type and span) and its ancestors."""
        wanted = self.finding.span
        stack: list[tuple[ast.AST, list[ast.AST]]] = [(self.scope, [])]
        fallback: tuple[ast.AST, list[ast.AST]] | None = None
        while stack:
            node, ancestors = stack.pop()
            if hasattr(node, "lineno") and not isinstance(node, (ast.expr_context,)):
                span = self.lines.node_span(node)
                if span == wanted:
                    if type(node).__name__ == self.finding.node_type or not self.finding.node_type:
                        return node, ancestors
                    fallback = fallback or (node, ancestors)
            children = list(ast.iter_child_nodes(node))
            for child in reversed(children):
                stack.append((child, [*ancestors, node]))
        if fallback is not None:
            return fallback
        return self.scope, []

    # -- names ----------------------------------------------------------------------------------
    @cached_property
    def imports(self) -> dict[str, str]:
        """The imports visible at the finding's node, function-local ones included (as `Context.imports`)."""
        return imports_visible_at(self.node, self.ancestors, self.facts.imports)

    def qualified_name(self, node: ast.AST) -> str | None:
        """Resolve a Name/Attribute chain through `imports`: `AC` -> 'httpx.AsyncClient' (None if not imported)."""
        return resolve_through_imports(node, self.imports)

    # -- libcst -------------------------------------------------------------------------------
    @cached_property
    def cst_wrapper(self) -> Any:
        """A libcst MetadataWrapper over the scope's code (parsed on first use)."""
        import libcst
        from libcst.metadata import MetadataWrapper

        return MetadataWrapper(libcst.parse_module(self.scope_source), unsafe_skip_copy=True)

    @property
    def cst_module(self) -> Any:
        """The scope's code as a libcst Module."""
        return self.cst_wrapper.module

    @cached_property
    def _cst_positions(self) -> Any:
        from libcst.metadata import PositionProvider

        return self.cst_wrapper.resolve(PositionProvider)

    def cst_node(self, node: ast.AST) -> Any:
        """The libcst node of the scope that corresponds to the `ast` node.

        Matched by type and range; compound statements, whose libcst range differs in its end
        (trailing newline) or start (decorators), fall back to type and start, then type and end.
        """
        span = self.lines.node_span(node)
        width = len(self.scope_indent)
        start = (span.line - self.scope_start + 1, span.col - width)
        end = (span.end_line - self.scope_start + 1, span.end_col - width)
        wanted_type = _CST_TYPE_NAMES.get(type(node).__name__, type(node).__name__)
        by_start = by_end = None
        for cst_node, position in self._cst_positions.items():
            if type(cst_node).__name__ != wanted_type:
                continue
            node_start = (position.start.line, position.start.column)
            node_end = (position.end.line, position.end.column)
            if node_start == start and node_end == end:
                return cst_node
            if node_start == start:
                by_start = by_start or cst_node
            elif node_end == end:
                by_end = by_end or cst_node
        return by_start or by_end

    # -- edits --------------------------------------------------------------------------------
    def replace_scope(self, new_code: str) -> None:
        """Replace the scope's (dedented) code with `new_code`, as an edit of only the changed lines."""
        ending = _TRAILING_NEWLINE.search(self.scope_source)
        if ending and not new_code.endswith(("\n", "\r")):
            new_code += ending.group(0)  # libcst drops the last line ending of a module that uses bare \r
        old_lines = lines_with_ends(self.scope_source)
        new_lines = lines_with_ends(new_code)
        prefix = 0
        while prefix < min(len(old_lines), len(new_lines)) and old_lines[prefix] == new_lines[prefix]:
            prefix += 1
        suffix = 0
        while (
            suffix < min(len(old_lines), len(new_lines)) - prefix
            and old_lines[len(old_lines) - 1 - suffix] == new_lines[len(new_lines) - 1 - suffix]
        ):
            suffix += 1
        changed = new_lines[prefix : len(new_lines) - suffix]
        indent = self.scope_indent
        unchanged = set(old_lines)
        content = "".join(
            line if not line.strip() else indent + line if line in unchanged else self._within_line_length(indent + line)
            for line in changed
        )
        first = self.scope_start + prefix
        end = self.scope_start + len(old_lines) - suffix
        if first == end and not content:
            return
        self._edits.append(TextEdit(self._line_span(first, end), content))

    def _within_line_length(self, line: str) -> str:
        """`line` (with its ending) wrapped like black would when it is longer than the project's limit."""
        body = line.rstrip("\r\n")
        return wrap_line(body, self.style.line_length, self.newline) + line[len(body) :]

    def remove_scope(self) -> None:
        """Delete the scope together with the blank lines after it (the ones before it stay as the
        separator, unless the scope ends the file: then they go too, leaving no trailing blank lines)."""
        start, end = self.scope_start, self.scope_end + 1
        while end <= len(self.raw_lines) and not self.lines.line_text(end).strip():
            end += 1
        if end > len(self.raw_lines):
            while start > 1 and not self.lines.line_text(start - 1).strip():
                start -= 1
        self._edits.append(TextEdit(self._line_span(start, end), ""))

    def replace_node_text(self, node: ast.AST, text: str) -> None:
        """Replace the exact source range of an `ast` node with `text`."""
        self._edits.append(TextEdit(self.lines.node_span(node), text))

    def ensure_import(self, module: str, name: str | None = None, alias: str | None = None) -> str:
        """Make `module` (or `name` from `module`) importable at module level; return the name to use.

        With `alias`, the import binds exactly that name (`import numpy as np`).
        """
        qualified = f"{module}.{name}" if name else module
        if alias is not None and self.facts.imports.get(alias) == qualified:
            return alias
        existing = self.facts.local_name_for(qualified)
        if existing is not None and alias is None:
            return existing
        if name is None and "." in module and alias is None:
            head = module.split(".", 1)[0]
            if self.facts.local_name_for(head) == head and self.facts.imports.get(head) == head:
                return module
        bound = alias or name or module.split(".", 1)[0]
        if alias is None and bound in self._names_in_use(qualified):  # the name means something else here
            alias = self.names.allocate(f"_{bound}")
            bound = alias
        statement = f"from {module} import {name}" if name else f"import {module}"
        if alias is not None and alias != (name or module):
            statement += f" as {alias}"
        if statement not in self._imports:
            self._imports.append(statement)
        return alias or name or module

    def _names_in_use(self, qualified: str) -> set[str]:
        """Names that an added import must not rebind: those bound by other module-level statements,
        and those bound inside the statement being fixed (its own name is the fix's to replace)."""
        first, last = statement_start_line(self.statement), self.statement.end_lineno or self.statement.lineno
        elsewhere = {name for name, binding in self.facts.bindings.items() if not first <= binding.line <= last}
        inside = bound_names(self.statement, qualified)
        if isinstance(self.statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            inside -= {self.statement.name} - {n for child in self.statement.body for n in bound_names(child, qualified)}
        return elsewhere | inside

    def add_definition(self, code: str) -> None:
        """Add module-level code (a constant, a factory function) right before the top-level statement."""
        self._definitions.append(code.strip("\n"))

    def add_module_prelude(self, code: str) -> None:
        """Add module-level code (e.g. `logger = logging.getLogger(__name__)`) right below the imports."""
        self._preludes.append(code.strip("\n"))

    def unique_name(self, base: str, value: str | None = None) -> str:
        """A module-level name like `base` that nothing in the module or this fix run uses.

        With `value` (the code the name will be bound to), a value already named in this run gets that name.
        """
        return self.names.allocate(base, value)

    @cached_property
    def style(self) -> CodeStyle:
        """The project's line length and import sections (from its pyproject.toml and the project's modules)."""
        style = code_style_for(self.path)
        if self.project is None:
            return style
        return replace(style, first_party=style.first_party | self.project.top_level_packages)

    @property
    def enclosing_function(self) -> str | None:
        """The name of the innermost function around the finding, if any."""
        for node in reversed([*self.ancestors, self.node]):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node.name
        return None

    def build(self, title: str, applicability: Applicability = Applicability.SAFE) -> Fix | None:
        """The fix made of the edits registered so far (None when nothing changes)."""
        edits = list(self._edits)
        nl = self.newline
        sites = import_sites(self.module, self.style) if self._imports else []
        for statement in sorted(self._imports, key=lambda text: import_key(text)[1]) if sites else ():
            place = place_import(statement, sites, self.style, nl)
            assert place is not None
            edits.append(TextEdit(self._line_span(place.line, place.line), place.before + statement + nl + place.after))
        if self._imports and not sites:
            line = self.facts.insertion_line()
            text = "".join(statement + nl for statement in self._imports)
            if line > 1 and self.lines.line_text(line - 1).strip() and self.facts.import_block_end == 0 and self.facts.header_end:
                text = nl + text
            edits.append(TextEdit(self._line_span(line, line), text))
        if self._preludes:
            line = self.facts.insertion_line()
            text = nl + "".join(prelude.replace("\n", nl) + nl for prelude in self._preludes)
            if self.lines.line_text(line).strip():
                text += nl
            edits.append(TextEdit(self._line_span(line, line), text))
        if self._definitions:
            line = statement_start_line(self.statement)
            while line > 1 and self.lines.line_text(line - 1).lstrip().startswith("#"):
                line -= 1
            text = "".join(
                "".join(self._within_line_length(row) for row in lines_with_ends(definition.replace("\n", nl) + nl)) + nl * 2
                for definition in self._definitions
            )
            edits.append(TextEdit(self._line_span(line, line), text))
        edits = sorted(merge_edits([edits]), key=lambda edit: edit.span)
        if not edits:
            return None
        return Fix(title=title, applicability=applicability, edits=tuple(edits))

    def _line_span(self, first: int, end: int) -> Span:
        """Span from the start of line `first` to the start of line `end` (clamped at end of file)."""
        last = len(self.raw_lines)
        start = (first, 0) if first <= last else (last, len(self.lines.line_text(last)))
        if end <= last:
            finish = (end, 0)
        else:
            finish = (last, len(self.lines.line_text(last))) if last else (1, 0)
            if last and self.raw_lines[-1].endswith(("\n", "\r")):
                finish = (last + 1, 0)
        if first > last and last and self.raw_lines[-1].endswith(("\n", "\r")):
            start = (last + 1, 0)
        return Span(start[0], start[1], finish[0], finish[1])


def _statement_at(module: ast.Module, line: int) -> ast.stmt:
    for statement in module.body:
        if statement_start_line(statement) <= line <= (statement.end_lineno or statement.lineno):
            return statement
    raise LookupError(f"no top-level statement at line {line}")


def _leading_whitespace(text: str) -> str:
    return text[: len(text) - len(text.lstrip(" \t"))]


# -- applying -------------------------------------------------------------------------------------

def apply_edits(source: str, edits: Sequence[TextEdit]) -> str:
    """Apply non-overlapping edits to `source` and return the new text."""
    starts = [0]
    for line in lines_with_ends(source):
        starts.append(starts[-1] + len(line))

    def offset(line: int, col: int) -> int:
        if line - 1 >= len(starts) - 1:
            return len(source)
        return min(starts[line - 1] + col, starts[line] if line < len(starts) else len(source))

    result = source
    for edit in sorted(edits, key=lambda e: (e.span.line, e.span.col, e.span.end_line, e.span.end_col), reverse=True):
        begin = offset(edit.span.line, edit.span.col)
        end = offset(edit.span.end_line, edit.span.end_col)
        result = result[:begin] + edit.content + result[end:]
    return result


def edits_overlap(a: Sequence[TextEdit], b: Sequence[TextEdit]) -> bool:
    """True when an edit of `a` and one of `b` cannot both apply: their ranges share text, or one
    inserts strictly inside the range the other replaces. Insertions at the same point do not conflict."""
    for x in a:
        for y in b:
            x_start, x_end = (x.span.line, x.span.col), (x.span.end_line, x.span.end_col)
            y_start, y_end = (y.span.line, y.span.col), (y.span.end_line, y.span.end_col)
            if max(x_start, y_start) < min(x_end, y_end):
                return True
            if x_start == x_end and y_start < x_start < y_end:
                return True
            if y_start == y_end and x_start < y_start < x_end:
                return True
    return False


def compute_fix(
    source: str,
    finding: Finding,
    path: str | None = None,
    settings: Settings | None = None,
    project: ProjectModel | None = None,
    parsed: ParsedSource | None = None,
) -> Fix | None:
    """Compute the fix for one finding of `source`, or None (no fix, stale finding, or unparsable result).

    `parsed` is `source` already parsed (`ParsedSource.of`), shared by the fixes of one file.
    """
    if parsed is None or parsed.source is not source:
        try:
            parsed = ParsedSource.of(source)
        except _UNPARSABLE:
            return None
    fix = _compute(parsed, finding, path, settings, project, NameAllocator(source))
    if fix is not None and not _parses(apply_edits(source, fix.edits)):
        _log().warning("fix for %s at line %d produced unparsable code; dropped", finding.code, finding.span.line)
        return None
    return fix


def _compute(
    parsed: ParsedSource, finding: Finding, path: str | None, settings: Settings | None, project: ProjectModel | None, names: NameAllocator
) -> Fix | None:
    """The rule's fix for `finding` (not yet checked to parse), or None."""
    from review_ls.engine.analysis import rule_set_for

    if not finding.fixable:
        return None
    rule = rule_set_for(settings or Settings()).rule(finding.code)
    if rule is None:
        return None
    try:
        fctx = FixContext(parsed.source, finding, parsed.module, path, project, names=names, parsed=parsed)
        fix = rule.fix(fctx)
    except Exception as exc:  # a fix that cannot be computed is not offered
        _log().warning("fix for %s at line %d failed: %r", finding.code, finding.span.line, exc)
        return None
    if fix is None or not fix.edits:
        return None
    return fix


@dataclass
class FixOutcome:
    """What `fix_source` did: the new text and the fixes it applied, in order."""

    source: str
    applied: list[tuple[str, str]] = field(default_factory=list)


def fix_source(
    source: str,
    path: str | None = None,
    settings: Settings | None = None,
    project: ProjectModel | None = None,
    unsafe: bool = False,
) -> FixOutcome:
    """Apply every available fix (safe ones, plus unsafe ones if asked) until none is left.

    Each round applies all fixes that do not conflict (insertions at one point are merged in order);
    the fixes left out, and the findings the new code has, are handled by the next round. It stops
    when a round changes nothing, or (never expected) when a round returns to a text seen before.
    """
    from review_ls.engine.analysis import analyse_source

    outcome = FixOutcome(source)
    seen = {source}
    while True:
        try:
            parsed = ParsedSource.of(outcome.source)
        except _UNPARSABLE:
            break
        result = analyse_source(outcome.source, path, settings, project)
        chosen = _choose_fixes(parsed, result.findings, path, settings, project, unsafe)
        new_source = _apply_valid(outcome.source, chosen)
        if new_source is None or new_source == outcome.source:
            break
        if new_source in seen:
            _log().warning("fixes of %s do not converge; stopped", path or "<text>")
            break
        seen.add(new_source)
        outcome.source = new_source
        outcome.applied.extend((finding.code, fix.title) for finding, fix in chosen)
    return outcome


def _choose_fixes(
    parsed: ParsedSource,
    findings: Sequence[Finding],
    path: str | None,
    settings: Settings | None,
    project: ProjectModel | None,
    unsafe: bool,
) -> list[tuple[Finding, Fix]]:
    """The fixes of one round: every fix that conflicts with none chosen before it.

    A fix that would share a module-level name with another fix of this round (the same compiled
    pattern) waits for the next round, where it finds the constant in the code.
    """
    names = NameAllocator(parsed.source)
    chosen: list[tuple[Finding, Fix]] = []
    claimed: list[TextEdit] = []
    for finding in findings:
        if not finding.fixable or _inside_claimed(finding.span, claimed):
            continue
        names.begin()
        fix = _compute(parsed, finding, path, settings, project, names)
        if (
            fix is None
            or not (fix.is_safe or unsafe)
            or names.shared_with_pending
            or edits_overlap(fix.edits, claimed)
        ):
            names.rollback()
            continue
        names.commit()
        chosen.append((finding, fix))
        claimed.extend(fix.edits)
    return chosen


def _inside_claimed(span: Span, claimed: Sequence[TextEdit]) -> bool:
    """True when `span` lies within text that a chosen fix replaces (its fix would conflict)."""
    start, end = (span.line, span.col), (span.end_line, span.end_col)
    for edit in claimed:
        if (edit.span.line, edit.span.col) <= start and end <= (edit.span.end_line, edit.span.end_col) and edit.span.line != edit.span.end_line:
            return True
    return False


def _apply_valid(source: str, chosen: list[tuple[Finding, Fix]]) -> str | None:
    """Apply the chosen fixes together; if the result does not parse, keep only the fixes that
    parse on their own and still parse together (dropping the rest from `chosen`)."""
    if not chosen:
        return None
    new_source = apply_edits(source, merge_edits([fix.edits for _, fix in chosen]))
    if _parses(new_source):
        return new_source
    kept: list[tuple[Finding, Fix]] = []
    for finding, fix in chosen:
        candidate = apply_edits(source, merge_edits([f.edits for _, f in kept] + [fix.edits]))
        if _parses(candidate):
            kept.append((finding, fix))
        else:
            _log().warning("fix for %s at line %d produced unparsable code; dropped", finding.code, finding.span.line)
    chosen[:] = kept
    return apply_edits(source, merge_edits([fix.edits for _, fix in kept])) if kept else None


def merge_edits(groups: Sequence[Sequence[TextEdit]]) -> list[TextEdit]:
    """The edits of several fixes as one list: insertions at one point merged in fix order, the same
    inserted text (an import two fixes need) kept once, and same-point import lines sorted."""
    inserted: dict[tuple[int, int], list[str]] = {}
    replacements: list[TextEdit] = []
    for edits in groups:
        for edit in edits:
            span = edit.span
            if (span.line, span.col) != (span.end_line, span.end_col):
                replacements.append(edit)
                continue
            pieces = inserted.setdefault((span.line, span.col), [])
            if edit.content not in pieces:
                pieces.append(edit.content)
    merged = list(replacements)
    for (line, col), pieces in inserted.items():
        if len(pieces) > 1:  # imports first (in isort order), then definitions in fix order
            imports = sorted((p for p in pieces if _is_import_text(p)), key=import_sort_key)
            pieces = imports + [p for p in pieces if not _is_import_text(p)]
        merged.append(TextEdit(Span(line, col, line, col), _join_insertions(pieces)))
    return merged


def _join_insertions(pieces: Sequence[str]) -> str:
    """Join texts inserted at one point; consecutive one-line definitions (`_A_RE = ...`) are not
    separated by the blank lines that separate a definition from the code after it."""
    out: list[str] = []
    for index, piece in enumerate(pieces):
        following = pieces[index + 1] if index + 1 < len(pieces) else None
        if following is not None and _one_line_statement(piece) and _one_line_statement(following):
            piece = piece.rstrip("\r\n") + newline_of(piece)
        out.append(piece)
    return "".join(out)


def _one_line_statement(text: str) -> bool:
    """True when `text` is one non-blank line, possibly followed by blank lines."""
    lines = lines_with_ends(text)
    return bool(lines) and bool(lines[0].strip()) and not lines[0][:1].isspace() and all(not line.strip() for line in lines[1:])


def _is_import_text(text: str) -> bool:
    """True when every line of `text` is an import statement."""
    lines = [line for line in lines_with_ends(text) if line.strip()]
    return bool(lines) and all(line.startswith(("import ", "from ")) for line in lines)


def import_sort_key(text: str) -> tuple[int, str]:
    """The isort order of an inserted text, by its first import statement."""
    first = next((line for line in lines_with_ends(text) if line.strip()), text)
    return import_key(first)[1]


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except _UNPARSABLE:
        return False
    return True
