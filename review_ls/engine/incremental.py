"""Incremental analysis: after an edit, re-parse and re-walk only what the edit touched (docs/architecture.md, "Decisions", 4).

A module is a sequence of *segments*: top-level statements (statements that share a line form one
segment). A top-level class is further split into the segments of its body, because in real code
most lines sit inside a few large classes. Every segment keeps its `ast` nodes and its raw findings
(before suppressions and severities), positioned for the line the segment started on when they were
computed (`origin`); when an edit moves a segment, only its line numbers change and its findings are
shifted on the way out.

An edit is analysed in two passes:

* The **fast pass** finds the changed lines (common prefix and suffix of the old and new lines),
  re-parses only the segments they overlap (`ast.parse` of just those lines, padded with newlines
  so positions come out right; class members are wrapped in a `class _:` line), rebuilds
  `ModuleFacts` from the per-statement facts and walks only the new segments. Its cost grows with
  the edit, not with the file. When a change could join the segment before it (an indented or
  `else:`-like first line) that segment is re-parsed too; when anything does not fit, or the facts'
  fingerprint changes, the whole module is parsed and walked.
* The **settling pass** makes the result exact. Some rules look beyond the statement they visit:
  at the whole class (`visit_ClassDef`, or the enclosing class's body) or at the whole module
  (`ctx.parents[0]`, `ctx.memo`). Walks record whether they did (the module, the class and the memo
  that rules see are views that notice being read); settling parses the whole text once and walks
  again the segments whose findings may depend on something that changed. Its result equals
  `analyse_source` exactly. The server publishes the fast result at once and the settled one when
  the document is idle.

While the text does not parse, the result is the last good findings of the segments the edit did
not touch, plus the RV000 finding; the next edit is compared with the last text that parsed. The
syntax error comes from parsing only the edited class member or top-level statement when that
error is certainly the whole text's (`region_syntax.py`); otherwise from parsing it followed by more
and more of the statements after it (an open bracket or string: through the end of the text, where
the parser stops at the error and only tokenizes the rest); the whole text is parsed when that
cannot tell (for example, the edited region fails alone but parses with what follows it).

The settling pass checks `should_stop` before walking each segment, class member and class, so a
newer edit stops it within one small walk (the server's scheduler yields the GIL at each check).

No LSP here: text, settings and project in, `AnalysisResult` out.
"""

from __future__ import annotations

import ast
import bisect
import copy
import difflib
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from review_ls.config import Settings
from review_ls.deferred_dataclass import dataclass
from review_ls.engine.analysis import (
    SYNTAX_ERROR,
    RuleSet,
    finish_findings,
    parse_module,
    rule_set_for,
    syntax_error_finding,
    walk_statements,
)
from review_ls.engine.gc_pause import garbage_collector_paused, kept_out_of_collections
from review_ls.engine.facts import ModuleFacts, StatementFacts, statement_facts
from review_ls.engine.model import AnalysisResult, Finding
from review_ls.engine.module_summary import StatementSummary, SummaryProbes
from review_ls.engine.positions import LineIndex, split_lines, statement_start_line
from review_ls.engine.project_model import ProjectModel
from review_ls.engine.region_syntax import RegionSyntaxError
from review_ls.engine.walker import Context

_CONTINUES_BLOCK = re.compile(r"(?:else|elif|except|finally)\b")
_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)
_FAST = -1  # `exact_at` of findings walked by the fast pass


class AnalysisCancelled(Exception):
    """A settling pass stopped because `should_stop` said so (a newer edit arrived)."""


@dataclass(frozen=True)
class Segment:
    """Statements of one block that share no line with their neighbours, with their cached findings.

    `nodes` and `findings` hold positions for the segment starting on line `origin`; it now starts
    on `start`. The findings were found with the module facts of `facts_key`; `reads_beyond` says
    the walk read the module, its class or the analysis memo, so they are exact only for the text
    of revision `exact_at`; `probes` are the module summaries the walk asked about (summary, item,
    answer), so they are exact only while each answer stays the same. A top-level class has `members` (its body's segments); its own findings
    are then those of the class node and its header, walked when the class text was `shell_of`.
    """

    start: int
    end: int
    text: str
    nodes: tuple[ast.stmt, ...]
    origin: int
    findings: tuple[Finding, ...] | None = None
    errors: tuple[str, ...] = ()
    reads_beyond: bool = False
    exact_at: int = _FAST
    facts_key: tuple[Any, ...] = ()
    facts: tuple[StatementFacts, ...] = ()
    members: tuple[Segment, ...] | None = None
    indent: str = ""
    header: str = ""
    shell_of: str = ""
    probes: tuple[tuple[StatementSummary, str, bool], ...] = ()

    @property
    def offset(self) -> int:
        """How far the segment moved since its nodes and findings were positioned."""
        return self.start - self.origin

    def moved(self, lines: int) -> Segment:
        """The same segment `lines` lines further down."""
        if lines == 0:
            return self
        members = None if self.members is None else tuple(m.moved(lines) for m in self.members)
        return replace(self, start=self.start + lines, end=self.end + lines, members=members)

    def stale_at(self, revision: int, facts_key: tuple[Any, ...], summaries: _Summaries) -> bool:
        """True when the findings may be out of date for the text of `revision` with these module facts and summaries."""
        return (
            self.findings is None
            or self.facts_key != facts_key
            or (self.reads_beyond and self.exact_at != revision)
            or any((item in summaries.of(summary)) != answer for summary, item, answer in self.probes)
        )


@dataclass(frozen=True)
class _Parsed:
    """The last text that parsed, as segments, and the keys its findings are valid for."""

    lines: list[str]
    segments: tuple[Segment, ...]
    context_key: tuple[Any, ...]
    facts: ModuleFacts | None = None  # the module facts of `segments`
    source: str | None = None  # the text `lines` were split from


class _ReadTracker:
    """Notices when a rule reads beyond the segment being walked, and which module summaries it probed."""

    __slots__ = ("probes", "read")

    def __init__(self) -> None:
        self.read = False
        self.probes: list[tuple[StatementSummary, str, bool]] = []

    def reset(self) -> None:
        """Start noting for a new walk."""
        self.read = False
        self.probes = []


class _StatementSummaries:
    """Each top-level statement's summaries, kept from one analysis to the next: the statements an edit
    left alone keep their nodes, so a module summary costs a lookup per statement, not a scan of each."""

    __slots__ = ("_by_node",)

    def __init__(self) -> None:
        # summary -> id(node) -> (node, its summary); holding the node keeps its id from being reused
        self._by_node: dict[StatementSummary, dict[int, tuple[ast.stmt, frozenset[str]]]] = {}

    def module(self, statements: list[ast.stmt], summary: StatementSummary) -> frozenset[str]:
        """The union of `summary` over `statements` (only they are kept for the next call)."""
        known = self._by_node.get(summary, {})
        current: dict[int, tuple[ast.stmt, frozenset[str]]] = {}
        for statement in statements:
            entry = known.get(id(statement))
            if entry is None or entry[0] is not statement:
                entry = (statement, summary(statement))
            current[id(statement)] = entry
        self._by_node[summary] = current
        return frozenset().union(*(found for _, found in current.values()))


class _Summaries:
    """The module summaries (`module_summary.py`) of one text's top-level statements, computed on first use."""

    __slots__ = ("_cache", "_found", "_statements")

    def __init__(self, statements: list[ast.stmt], cache: _StatementSummaries) -> None:
        self._statements = statements
        self._cache = cache
        self._found: dict[StatementSummary, frozenset[str]] = {}

    @classmethod
    def of_segments(cls, segments: Sequence[Segment], cache: _StatementSummaries) -> _Summaries:
        """The summaries of the module these segments make up."""
        return cls([node for segment in segments for node in segment.nodes], cache)

    def of(self, summary: StatementSummary) -> frozenset[str]:
        """The module's `summary`."""
        found = self._found.get(summary)
        if found is None:
            found = self._found[summary] = self._cache.module(self._statements, summary)
        return found


class _TrackedBody:
    """A `body` attribute that tells the read tracker when a rule reads it."""

    def __get__(self, instance: ast.AST | None, owner: type) -> Any:
        if instance is None:
            return self
        instance.__dict__["_tracker"].read = True
        return instance.__dict__["_body"]

    def __set__(self, instance: ast.AST, value: list[ast.stmt]) -> None:
        instance.__dict__["_body"] = value


class _ModuleView(ast.Module):
    """The module as rules see it (`ctx.parents[0]`): notices when its body is read."""

    body = _TrackedBody()

    def __init__(self, body: list[ast.stmt], tracker: _ReadTracker) -> None:
        super().__init__(type_ignores=[])  # type: ignore[call-arg]  # the body is set below, through the tracker
        self.__dict__["_tracker"] = tracker
        self.body = body


class _ClassView(ast.ClassDef):
    """A top-level class as rules walking one of its members see it: notices when its body is read."""

    body = _TrackedBody()

    def __init__(self, node: ast.ClassDef, tracker: _ReadTracker) -> None:
        super().__init__(name=node.name)  # type: ignore[call-arg]  # the other fields are copied from `node` below (3.13 warns without `name`)
        for name in (*node._fields, *node._attributes):
            if name != "body" and hasattr(node, name):
                setattr(self, name, getattr(node, name))
        self.__dict__["_tracker"] = tracker
        self.body = node.body


class _Memo(dict[Any, Any], SummaryProbes):
    """`Context.memo`, shared by the walks of one analysis: any use counts as reading beyond the segment.

    Entries are often built from the whole module without going through tracked facts (a type resolver
    or a scope index holds the module and reads it lazily, long after the entry was stored), so no
    entry can be shown to depend on the walked segment alone. Summary probes are not entries: they are
    noted item by item (`Segment.probes`).
    """

    def __init__(self, tracker: _ReadTracker, summaries: _Summaries) -> None:
        super().__init__()
        self._tracker = tracker
        self._summaries = summaries

    def probe_summary(self, summary: StatementSummary, item: str) -> bool:
        """True when the module's `summary` contains `item`; noted for the walked segment."""
        answer = item in self._summaries.of(summary)
        self._tracker.probes.append((summary, item, answer))
        return answer

    def get(self, key: Any, default: Any = None) -> Any:
        self._tracker.read = True
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self._tracker.read = True
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._tracker.read = True
        return super().__contains__(key)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self._tracker.read = True
        return super().setdefault(key, default)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._tracker.read = True
        super().__setitem__(key, value)


class _Walk:
    """Runs the rules over segments, with the context `analyse_source` builds, noting reads beyond them."""

    def __init__(
        self,
        rule_set: RuleSet,
        segments: Sequence[Segment],
        lines: list[str],
        facts: ModuleFacts,
        path: str | None,
        project: ProjectModel | None,
        exact_at: int,
        summary_cache: _StatementSummaries,
    ) -> None:
        self.rule_set = rule_set
        self.tracker = _ReadTracker()
        statements = [node for segment in segments for node in segment.nodes]
        self.module = _ModuleView(statements, self.tracker)
        self.summaries = _Summaries(statements, summary_cache)
        self.lines = LineIndex(lines)
        self.facts = facts
        self.path = path
        self.project = project
        self.exact_at = exact_at
        self.facts_key = _facts_key(facts)
        self.memo = _Memo(self.tracker, self.summaries)

    def _context(self) -> Context:
        """A context like `walk_statements` builds, sharing this analysis's memo."""
        ctx = Context(self.path, self.lines, self.facts, self.project)
        ctx.memo = self.memo
        self.tracker.reset()
        return ctx

    def statements(self, segment: Segment) -> Segment:
        """Walk a top-level segment, as `analyse_source` walks the module's statements."""
        errors: list[str] = []
        self.tracker.reset()
        found = walk_statements(
            self.rule_set, self.module, segment.nodes, self.lines, self.facts, self.path, self.project, errors, memo=self.memo
        )
        return self._done(segment, found, errors)

    def class_shell(self, segment: Segment) -> Segment:
        """Visit a top-level class node itself, then its decorators, bases and keywords."""
        node = segment.nodes[0]
        assert isinstance(node, ast.ClassDef)
        errors: list[str] = []
        ctx = self._context()
        ctx.parents.append(self.module)
        found = self.rule_set.walker.visit(node, ctx, errors)
        ctx.parents.append(node)
        found.extend(self.rule_set.walker.walk([*node.decorator_list, *node.bases, *node.keywords], ctx, errors))
        return replace(self._done(segment, found, errors, keep_origin=True), shell_of=segment.text)

    def class_member(self, class_view: ast.ClassDef, member: Segment) -> Segment:
        """Walk one segment of a top-level class body, inside that class."""
        errors: list[str] = []
        ctx = self._context()
        ctx.parents.extend((self.module, class_view))
        ctx.classes.append(class_view)
        found = self.rule_set.walker.walk(member.nodes, ctx, errors)
        return self._done(member, found, errors)

    def class_view(self, node: ast.ClassDef) -> ast.ClassDef:
        """The class as rules walking its members see it."""
        return _ClassView(node, self.tracker)

    def _done(self, segment: Segment, found: list[Finding], errors: list[str], keep_origin: bool = False) -> Segment:
        return replace(
            segment,
            findings=tuple(found),
            errors=tuple(errors),
            origin=segment.origin if keep_origin else segment.start,
            reads_beyond=self.tracker.read,
            exact_at=self.exact_at,
            facts_key=self.facts_key,
            probes=tuple(self.tracker.probes),
        )


class IncrementalAnalyser:
    """Analyses successive versions of one document, redoing only the work each edit needs.

    `analyse(..., settle=True)` equals `analyse_source(source, path, settings, project)` for every
    text that parses; `settle=False` returns the fast pass, and `needs_settling` says whether it
    may differ. Not thread-safe: use one analyser per document, from one thread at a time.
    """

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self._parsed: _Parsed | None = None
        self._last: tuple[str, tuple[Any, ...], AnalysisResult] | None = None
        self._revision = 0
        self._settled = True
        self._broken = False
        self._summary_cache = _StatementSummaries()
        self._split: tuple[str, list[str]] = ("", [""])  # the last text split into lines, and its lines

    @property
    def text_parses(self) -> bool:
        """True when the text of the last analysis parses (False: its result is the last good findings plus the syntax error)."""
        return not self._broken

    def settled_tree(self) -> ast.Module | None:
        """The tree `ast.parse` makes of the last analysed text, when the last result is settled and every
        segment's nodes sit where a fresh parse puts them (no edit moved them); else None."""
        parsed = self._parsed
        if parsed is None or self._broken or not self._settled or self._last is None or parsed.source != self._last[0]:
            return None  # (comparing the texts costs a memcmp; splitting the text again cost more than the rest, before every publish)
        if any(part.offset for segment in parsed.segments for part in _parts(segment)):
            return None
        return ast.Module(body=[node for segment in parsed.segments for node in segment.nodes], type_ignores=[])

    def lines_of(self, source: str) -> list[str]:
        """`split_lines(source)`, without splitting again the text last analysed (the caller must not change the list)."""
        text, lines = self._split
        if text is not source:
            lines = split_lines(source)
            self._split = (source, lines)
        return lines

    @property
    def needs_settling(self) -> bool:
        """True when the last result came from the fast pass and a settling pass may change it."""
        return not self._settled

    def analyse(
        self,
        source: str,
        settings: Settings | None = None,
        project: ProjectModel | None = None,
        *,
        settle: bool = True,
        should_stop: Callable[[], bool] | None = None,
    ) -> AnalysisResult:
        """Analyse the document's new text (any edit of the previous one, or a new text).

        A settling pass checks `should_stop` between segments and raises `AnalysisCancelled` when it
        returns True; the analyser then still holds the fast result and can settle later.
        """
        settings = settings or Settings()
        context_key = (settings, _project_key(project))
        rule_set = rule_set_for(settings)
        if self._last is not None and self._last[0] == source and self._last[1] == context_key:
            if self._settled or not settle:
                return self._last[2]
            result = self._settle(source, context_key, rule_set, project, should_stop)
        else:
            self._revision += 1
            result = self._analyse_new_text(source, context_key, rule_set, project)
            if settle and not self._settled:
                self._last = (source, context_key, result)
                result = self._settle(source, context_key, rule_set, project, should_stop)
        self._last = (source, context_key, result)
        return result

    def _analyse_new_text(self, source: str, context_key: tuple[Any, ...], rule_set: RuleSet, project: ProjectModel | None) -> AnalysisResult:
        lines = self.lines_of(source)
        parsed = self._parsed
        # Only the project changed (its index took in an edit): the fast pass still walks just what the
        # text's edits touched, and the settling pass, which stops for the next key, walks the rest again.
        project_moved = parsed is not None and parsed.context_key != context_key and parsed.context_key[0] == context_key[0]
        previous = parsed if parsed is not None and (parsed.context_key == context_key or project_moved) else None
        if previous is not None:
            result = self._analyse_edit(previous, source, lines, rule_set, project)
            if isinstance(result, RegionSyntaxError):
                self._settled = True
                return self._while_broken(previous, lines, rule_set, syntax_error_finding(result.error, LineIndex(lines)))
            if result is not None:
                self._settled = self._settled and not project_moved
                return result
        return self._analyse_whole(None if project_moved else previous, source, lines, rule_set, project, context_key)

    # -- the fast pass: re-parse the changed segments -----------------------------------------
    def _analyse_edit(
        self, previous: _Parsed, source: str, lines: list[str], rule_set: RuleSet, project: ProjectModel | None
    ) -> AnalysisResult | RegionSyntaxError | None:
        segments = _restructure(previous.segments, previous.lines, lines)
        if segments is None or isinstance(segments, RegionSyntaxError):
            return segments
        facts = _facts_after_edit(previous, segments)
        segments = self._walk_missing(segments, lines, facts, rule_set, project, exact=False)
        self._parsed = replace(previous, lines=lines, segments=segments, facts=facts, source=source)
        return self._assemble(segments, lines, rule_set)

    # -- parsing the whole text: the first analysis, fallbacks, settling ----------------------------
    def _analyse_whole(
        self,
        previous: _Parsed | None,
        source: str,
        lines: list[str],
        rule_set: RuleSet,
        project: ProjectModel | None,
        context_key: tuple[Any, ...],
        should_stop: Callable[[], bool] | None = None,
    ) -> AnalysisResult:
        if should_stop is not None and should_stop():
            raise AnalysisCancelled()
        with kept_out_of_collections():
            parsed = parse_module(source, self.path, LineIndex(lines))
        if should_stop is not None and should_stop():
            raise AnalysisCancelled()
        if isinstance(parsed, Finding):
            self._settled = True
            return self._while_broken(previous, lines, rule_set, parsed)
        segments = _segments_of(parsed.body, lines)
        facts = ModuleFacts(_facts_entries(segments))
        if previous is not None:
            class_visitors = ast.ClassDef in rule_set.walker.dispatch
            summaries = _Summaries.of_segments(segments, self._summary_cache)
            segments = _Reuse(previous, lines, self._revision, _facts_key(facts), summaries, class_visitors, self.path).segments(segments)
        segments = self._walk_missing(segments, lines, facts, rule_set, project, exact=True, should_stop=should_stop)
        self._parsed = _Parsed(lines, segments, context_key, facts, source)
        return self._assemble(segments, lines, rule_set)

    def _settle(
        self, source: str, context_key: tuple[Any, ...], rule_set: RuleSet, project: ProjectModel | None, should_stop: Callable[[], bool] | None
    ) -> AnalysisResult:
        """Walk again, over a fresh parse, whatever may depend on something the edits changed.

        When the project changed since the segments were walked, every segment is walked again (on
        the nodes it has, without parsing the text again when the lines are the same)."""
        parsed = self._parsed
        assert parsed is not None
        lines = self.lines_of(source)
        project_moved = parsed.context_key != context_key
        if project_moved:
            parsed = replace(parsed, segments=tuple(_without_findings(segment) for segment in parsed.segments), context_key=context_key)
        if parsed.lines == lines:
            in_place = self._settle_in_place(parsed, rule_set, project, should_stop)
            if in_place is not None:
                return in_place
        return self._analyse_whole(None if project_moved else parsed, source, lines, rule_set, project, context_key, should_stop)

    def _settle_in_place(
        self, parsed: _Parsed, rule_set: RuleSet, project: ProjectModel | None, should_stop: Callable[[], bool] | None
    ) -> AnalysisResult | None:
        """Settle without parsing the whole text: walk again only the parts whose findings may depend on
        something that changed, re-parsing alone each moved segment among them (so its nodes sit where a
        fresh parse puts them). None when a walk read beyond its segment while segments elsewhere moved:
        their nodes' lines are old, and only a whole parse puts every node where `analyse_source` has it."""
        facts = _fresh_copy(parsed.facts) if parsed.facts is not None else ModuleFacts(_facts_entries(parsed.segments))
        facts_key = _facts_key(facts)
        class_visitors = ast.ClassDef in rule_set.walker.dispatch
        summaries = _Summaries.of_segments(parsed.segments, self._summary_cache)
        segments = tuple(_without_stale_findings(s, self._revision, facts_key, summaries, class_visitors) for s in parsed.segments)
        if any(_needs_walk(segment) for segment in segments):
            placed = []
            for segment in segments:
                if _needs_walk(segment) and any(part.offset for part in _parts(segment)):
                    if should_stop is not None and should_stop():
                        raise AnalysisCancelled()
                    reparsed = _reparsed_alone(segment, parsed.lines, self.path)
                    if reparsed is None:
                        return None
                    segment = reparsed
                placed.append(segment)
            segments = tuple(placed)
        moved = any(part.offset for segment in segments for part in _parts(segment))
        segments = self._walk_missing(segments, parsed.lines, facts, rule_set, project, exact=True, should_stop=should_stop)
        if moved and any(_walked_beyond(segment, self._revision) for segment in segments):
            rebased = _rebased(segments, parsed.lines, self.path, should_stop)
            if rebased is None:
                return None
            segments = tuple(_without_walks_beyond(segment, self._revision) for segment in rebased)
            segments = self._walk_missing(segments, parsed.lines, facts, rule_set, project, exact=True, should_stop=should_stop)
        self._parsed = replace(parsed, segments=segments, facts=facts)
        return self._assemble(segments, parsed.lines, rule_set)

    def _while_broken(self, previous: _Parsed | None, lines: list[str], rule_set: RuleSet, syntax_error: Finding) -> AnalysisResult:
        """The last good findings of the segments the edits did not touch, plus the syntax error."""
        self._broken = True
        raw: list[Finding] = []
        if previous is not None:
            raw = list(_untouched_findings(previous.segments, _LineMap(previous.lines, lines), self.path))
        settings = rule_set.settings
        report = settings.is_enabled(SYNTAX_ERROR[0]) and settings.report_syntax_errors
        findings = finish_findings(raw, LineIndex(lines), rule_set)
        return AnalysisResult(tuple(findings), syntax_error=syntax_error if report else None)

    # -- walking and assembling -------------------------------------------------------------------
    def _walk_missing(
        self,
        segments: tuple[Segment, ...],
        lines: list[str],
        facts: ModuleFacts,
        rule_set: RuleSet,
        project: ProjectModel | None,
        *,
        exact: bool,
        should_stop: Callable[[], bool] | None = None,
    ) -> tuple[Segment, ...]:
        """Walk the segments (and class members) without findings; note whether the result is exact."""
        class_visitors = ast.ClassDef in rule_set.walker.dispatch
        if any(_needs_walk(segment) for segment in segments):
            walk = _Walk(rule_set, segments, lines, facts, self.path, project, self._revision if exact else _FAST, self._summary_cache)
            walked = []
            try:
                for segment in segments:
                    if _needs_walk(segment):
                        segment = _walked(segment, walk, should_stop)
                    walked.append(segment)
            finally:
                walk.memo.clear()  # (what rules keep there may point back at a walk's context: `walk_statements`)
            segments = tuple(walked)
        facts_key = _facts_key(facts)
        summaries = _Summaries.of_segments(segments, self._summary_cache)
        self._settled = not any(_unsettled(segment, self._revision, facts_key, summaries, class_visitors) for segment in segments)
        return segments

    def _assemble(self, segments: tuple[Segment, ...], lines: list[str], rule_set: RuleSet) -> AnalysisResult:
        self._broken = False
        raw: list[Finding] = []
        errors: list[str] = []
        for segment in segments:
            for part in (segment,) if segment.members is None else (segment, *segment.members):
                found = part.findings
                assert found is not None
                if found:
                    offset = part.start - part.origin
                    raw.extend(found if offset == 0 else (f.shifted(offset, self.path) for f in found))
                if part.errors:
                    errors.extend(part.errors)
        findings = finish_findings(raw, LineIndex(lines), rule_set)
        return AnalysisResult(tuple(findings), internal_errors=tuple(errors))


def _needs_walk(segment: Segment) -> bool:
    return segment.findings is None or (segment.members is not None and any(m.findings is None for m in segment.members))


def _walked(segment: Segment, walk: _Walk, should_stop: Callable[[], bool] | None = None) -> Segment:
    """The segment with findings for itself and every member that had none; `should_stop` is asked
    before each walk (of the segment, of each class member, of the class itself)."""

    def check() -> None:
        if should_stop is not None and should_stop():
            raise AnalysisCancelled()

    check()
    if segment.members is None:
        return walk.statements(segment)
    node = segment.nodes[0]
    assert isinstance(node, ast.ClassDef)
    view = walk.class_view(node)
    members = []
    for member in segment.members:
        if member.findings is None:
            check()
            member = walk.class_member(view, member)
        members.append(member)
    segment = replace(segment, members=tuple(members))
    if segment.findings is None:
        check()
        segment = walk.class_shell(segment)
    return segment


def _without_findings(segment: Segment) -> Segment:
    """The segment with no findings of its own or of its members: every part is walked again."""
    members = None if segment.members is None else tuple(replace(member, findings=None) for member in segment.members)
    return replace(segment, findings=None, members=members)


def _without_stale_findings(
    segment: Segment, revision: int, facts_key: tuple[Any, ...], summaries: _Summaries, class_visitors: bool
) -> Segment:
    """The segment with the findings a settling pass must find again dropped (its own, its members')."""
    if segment.members is None:
        return replace(segment, findings=None) if segment.stale_at(revision, facts_key, summaries) else segment
    members = tuple(replace(m, findings=None) if m.stale_at(revision, facts_key, summaries) else m for m in segment.members)
    shell_stale = (class_visitors and segment.shell_of != segment.text) or segment.stale_at(revision, facts_key, summaries)
    return replace(segment, members=members, findings=None if shell_stale else segment.findings)


_REBASE_LINES = 1500  # lines parsed per step when moved segments are parsed again


def _walked_beyond(segment: Segment, revision: int) -> bool:
    """True when a part of the segment was just walked exactly and read beyond itself."""
    return any(part.reads_beyond and part.exact_at == revision for part in _parts(segment))


def _without_walks_beyond(segment: Segment, revision: int) -> Segment:
    """The segment without the findings of parts just walked that read beyond themselves."""
    def cleared(part: Segment) -> Segment:
        return replace(part, findings=None) if part.reads_beyond and part.exact_at == revision else part

    if segment.members is None:
        return cleared(segment)
    return replace(cleared(segment), members=tuple(cleared(m) for m in segment.members))


def _rebased(segments: tuple[Segment, ...], lines: list[str], path: str | None, should_stop: Callable[[], bool] | None) -> tuple[Segment, ...] | None:
    """Every moved segment parsed again where it now is, in steps of about `_REBASE_LINES` lines
    (checking `should_stop` between steps), keeping the findings; None if a step does not fit."""
    result: list[Segment] = []
    run: list[Segment] = []

    def flush() -> bool:
        if run:
            if should_stop is not None and should_stop():
                raise AnalysisCancelled()
            fresh = _reparsed(run, lines, path)
            if fresh is None:
                return False
            result.extend(fresh)
            run.clear()
        return True

    for segment in segments:
        if any(part.offset for part in _parts(segment)):
            run.append(segment)
            if segment.end - run[0].start >= _REBASE_LINES and not flush():
                return None
        elif flush():
            result.append(segment)
        else:
            return None
    return tuple(result) if flush() else None


def _reparsed_alone(segment: Segment, lines: list[str], path: str | None) -> Segment | None:
    """The segment parsed again from its own lines, keeping the findings it still has (None if it
    does not come out as one segment of the same shape)."""
    fresh = _reparsed([segment], lines, path)
    return None if fresh is None else fresh[0]


def _reparsed(run: Sequence[Segment], lines: list[str], path: str | None) -> list[Segment] | None:
    """Consecutive segments parsed again from their lines, keeping their findings (None if they do
    not come out as segments of the same shape)."""
    try:
        with kept_out_of_collections():
            fresh = _segments_of(_parse_lines(lines, run[0].start, run[-1].end, wrapped=False).body, lines)
    except _PARSE_ERRORS:
        return None
    if len(fresh) != len(run):
        return None
    result = []
    for new, segment in zip(fresh, run):
        kept = _keeping_findings(new, segment, path)
        if kept is None:
            return None
        result.append(kept)
    return result


def _keeping_findings(new: Segment, segment: Segment, path: str | None) -> Segment | None:
    """A freshly parsed segment with the findings of the old one of the same text (None if they differ)."""
    if new.text != segment.text or (new.members is None) != (segment.members is None):
        return None
    if segment.members is not None:
        assert new.members is not None
        if len(new.members) != len(segment.members) or any(a.text != b.text for a, b in zip(new.members, segment.members)):
            return None
        members = tuple(m if old.findings is None else _adopt(m, old, path) for m, old in zip(new.members, segment.members))
        new = replace(new, members=members)
    if segment.findings is not None:
        new = replace(_adopt(new, segment, path), members=new.members, shell_of=segment.shell_of)
    return new




def _unsettled(segment: Segment, revision: int, facts_key: tuple[Any, ...], summaries: _Summaries, class_visitors: bool) -> bool:
    """True when a settling pass would walk part of the segment again."""
    if segment.members is not None and class_visitors and segment.shell_of != segment.text:
        return True
    return any(part.stale_at(revision, facts_key, summaries) for part in _parts(segment))


# -- finding what changed -----------------------------------------------------------------------


def changed_lines(old: Sequence[str], new: Sequence[str]) -> tuple[int, int, int]:
    """The changed lines: (first, last in `old`, last in `new`), 1-based; an empty range ends before it starts."""
    old_count, new_count = len(old), len(new)
    limit = min(old_count, new_count)
    # Binary searches over slice comparisons (done in C): the cost is a few copies of the line
    # list, not a Python-level loop over every line.
    prefix, high = 0, limit  # invariant: old[:prefix] == new[:prefix]
    while prefix < high:
        middle = (prefix + high + 1) // 2
        if old[prefix:middle] == new[prefix:middle]:
            prefix = middle
        else:
            high = middle - 1
    suffix, high = 0, limit - prefix  # invariant: the last `suffix` lines are equal
    while suffix < high:
        middle = (suffix + high + 1) // 2
        if old[old_count - middle : old_count - suffix] == new[new_count - middle : new_count - suffix]:
            suffix = middle
        else:
            high = middle - 1
    return prefix + 1, old_count - suffix, new_count - suffix


def _restructure(segments: tuple[Segment, ...], old_lines: list[str], lines: list[str]) -> tuple[Segment, ...] | RegionSyntaxError | None:
    """The new text's segments, re-parsing only around the change; the whole text's syntax error when
    the re-parsed region shows it; None when neither is possible."""
    first, last_old, last_new = changed_lines(old_lines, lines)
    delta = last_new - last_old
    start, stop = _overlapping(segments, first, last_old)
    if stop - start == 1 and segments[start].members is not None:
        target = start
    elif start == stop and start > 0 and segments[start - 1].members is not None:
        target = start - 1  # new lines right after a class: perhaps new members
    else:
        target = -1
    if target >= 0:
        owner = segments[target]
        assert owner.members is not None
        if first >= owner.members[0].start:
            after = segments[target + 1].end + delta if target + 1 < len(segments) else len(lines)
            inner = _restructure_class(owner, lines, first, last_old, delta, after)
            if isinstance(inner, RegionSyntaxError) and not inner.is_whole_text_error:
                following = [m.end + delta for m in owner.members if m.start > last_old]
                following += [s.end + delta for s in segments[target + 1 :]]
                inner = _error_further_on(lines, inner.first, following, wrapped=True) or inner
            if isinstance(inner, RegionSyntaxError) and inner.is_whole_text_error:
                return inner
            if isinstance(inner, Segment):
                return (*segments[:target], inner, *(s.moved(delta) for s in segments[target + 1 :]))
    region_first, region_last = first, last_old
    if start < stop:
        region_first, region_last = min(first, segments[start].start), max(last_old, segments[stop - 1].end)
    code_line = _first_code_line(lines, region_first, region_last + delta)
    if code_line is not None and start > 0 and _relation(lines[code_line - 1], "") == "deeper":
        start -= 1  # the change continues the statement before it
        region_first = segments[start].start
    statements: list[ast.stmt] = []
    if code_line is not None:
        check_through = segments[stop].end + delta if stop < len(segments) else len(lines)
        parsed = _parse_region(lines, region_first, region_last + delta, wrapped=False, check_through=check_through)
        if isinstance(parsed, RegionSyntaxError) and not parsed.is_whole_text_error:
            return _error_further_on(lines, region_first, [s.end + delta for s in segments[stop:]], wrapped=False)
        if isinstance(parsed, RegionSyntaxError):
            return parsed
        if parsed is None:
            return None
        statements = parsed
    return (*segments[:start], *_segments_of(statements, lines), *(s.moved(delta) for s in segments[stop:]))


def _restructure_class(
    owner: Segment, lines: list[str], first: int, last_old: int, delta: int, after: int
) -> Segment | RegionSyntaxError | None:
    """The class segment after a change inside its body (or just after it); why the edited members do
    not parse; None when the class itself changed. `after`: the last line of the statement after the
    class (the end of the text when none follows), which the parser sees next when the edited member is
    the class's last."""
    members = owner.members
    assert members is not None
    start, stop = _overlapping(members, first, last_old)
    region_first, region_last = first, last_old
    if start < stop:
        region_first, region_last = min(first, members[start].start), max(last_old, members[stop - 1].end)
    code_line = _first_code_line(lines, region_first, region_last + delta)
    statements: list[ast.stmt] = []
    if code_line is not None:
        relation = _relation(lines[code_line - 1], owner.indent)
        if relation == "outside":
            return None
        if relation == "deeper":
            if start == 0:
                return None
            start -= 1
            region_first = members[start].start
        check_through = members[stop].end + delta if stop < len(members) else max(after, region_last + delta)
        parsed = _parse_region(lines, region_first, region_last + delta, wrapped=True, check_through=check_through)
        if parsed is None or isinstance(parsed, RegionSyntaxError):
            return parsed
        statements = parsed
    elif first > owner.end:
        return None  # only blank lines or comments after the class: not the class's business
    new_members = (*members[:start], *_segments_of(statements, lines, split_classes=False), *(m.moved(delta) for m in members[stop:]))
    if not new_members or any(m.indent != owner.indent for m in new_members):
        return None
    end = new_members[-1].end
    node = copy.copy(owner.nodes[0])
    assert isinstance(node, ast.ClassDef)
    node.body = [statement for member in new_members for statement in member.nodes]
    node.end_lineno = end - owner.offset
    node.end_col_offset = node.body[-1].end_col_offset
    findings = None if owner.findings is None else tuple(_shell_findings_after_edit(owner, first, last_old, delta))
    return replace(owner, end=end, text=_text(lines, owner.start, end), nodes=(node,), members=new_members, findings=findings)


def _shell_findings_after_edit(owner: Segment, first: int, last_old: int, delta: int) -> Iterator[Finding]:
    """The class's own findings after an edit of lines first..last_old of its body, until settling redoes them:
    those on the edited lines are dropped (their code changed), those below are moved by `delta` lines."""
    assert owner.findings is not None
    for finding in owner.findings:
        start, end = finding.span.line + owner.offset, finding.span.end_line + owner.offset
        if start > last_old:
            yield finding.shifted(delta)
        elif end < first:
            yield finding


def _overlapping(segments: Sequence[Segment], first: int, last: int) -> tuple[int, int]:
    """The index range of the segments that overlap lines first..last."""
    start = bisect.bisect_left(segments, first, key=lambda s: s.end)
    stop = bisect.bisect_right(segments, last, key=lambda s: s.start)
    return start, max(start, stop)


def _first_code_line(lines: list[str], first: int, last: int) -> int | None:
    """The first line in first..last that is neither blank nor a comment."""
    for index in range(first - 1, min(last, len(lines))):
        stripped = lines[index].lstrip(" \t\f")
        if stripped and not stripped.startswith("#"):
            return index + 1
    return None


def _parse_lines(lines: list[str], first: int, last: int, wrapped: bool) -> ast.Module:
    """`ast.parse` of lines first..last, padded so positions match the whole text (wrapped in `class _:`)."""
    body = "\n".join(lines[first - 1 : last])
    text = "\n" * (first - 2) + "class _:\n" + body if wrapped else "\n" * (first - 1) + body
    with warnings.catch_warnings(), garbage_collector_paused():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def _last_code_line(lines: list[str], first: int, last: int) -> int | None:
    """The last line in first..last that is neither blank nor a comment."""
    for index in range(min(last, len(lines)) - 1, first - 2, -1):
        stripped = lines[index].lstrip(" \t\f")
        if stripped and not stripped.startswith("#"):
            return index + 1
    return None


def _relation(line: str, indent: str) -> str:
    """Whether a code line starts a statement of the block indented by `indent` ('same'), continues
    the previous one ('deeper'), or lies outside the block ('outside')."""
    if not line.startswith(indent):
        return "outside"
    rest = line[len(indent) :]
    if rest[:1] in (" ", "\t") or _CONTINUES_BLOCK.match(rest):
        return "deeper"
    return "same"


def _parse_region(
    lines: list[str], first: int, last: int, *, wrapped: bool, check_through: int | None
) -> list[ast.stmt] | RegionSyntaxError | None:
    """Parse lines first..last alone, padded so positions match the whole text (class members wrapped).

    When they do not parse, parse them again followed by the next statement (through line
    `check_through`), so that the error is reported as the whole text would report it; returns that
    error (None if there is no next statement to check with, or if the two together parse).
    """
    try:
        module = _parse_lines(lines, first, last, wrapped)
    except SyntaxError:
        if check_through is None:
            return None
        try:
            _parse_lines(lines, first, check_through, wrapped)
        except SyntaxError as error:
            return RegionSyntaxError(error, first, _last_code_line(lines, first, last) or first)
        except _PARSE_ERRORS:
            return None
        return None
    except _PARSE_ERRORS:
        return None
    if not wrapped:
        return module.body
    if len(module.body) != 1 or not isinstance(module.body[0], ast.ClassDef):
        return None
    return module.body[0].body


def _error_further_on(lines: list[str], first: int, following: Sequence[int], *, wrapped: bool) -> RegionSyntaxError | None:
    """The whole text's syntax error, when the region from line `first` does not show it with the one
    statement after it: parse it followed by 2, 4, 8... of the statements that follow (`following`:
    their last lines, in order), then through the end of the text, until the error shows inside what
    was parsed (the last statement of each try is there only to look ahead). None when the text
    parses through its end or the parser gives up otherwise (then only a whole parse can tell).

    Typing an opening bracket or quote leaves such errors; this finds them in a few statements,
    where a whole parse costs time in proportion to the file. (After a syntax error CPython tokenizes
    the rest of the text, and a bracket or string left open there decides the error: those are
    parsed through the end of the text at once; the parser stops at the error, and tokenizing the
    rest is cheap.)"""
    runs_on = False
    looked = 1  # the statements after the region already parsed (by `_parse_region`)
    while True:
        looked = looked * 2 + 1
        reaches_end = looked > len(following) or runs_on
        through = len(lines) if reaches_end else following[looked - 1]
        try:
            _parse_lines(lines, first, through, wrapped)
        except SyntaxError as error:
            found = RegionSyntaxError(error, first, through if reaches_end else following[looked - 2], reaches_end)
            if found.is_whole_text_error:
                return found
            runs_on = found.runs_on  # an open bracket or string: the tokenizer reads on to the end of the text
        except _PARSE_ERRORS:
            return None
        if reaches_end:
            return None


# -- building segments ---------------------------------------------------------------------------


def _segments_of(statements: Sequence[ast.stmt], lines: list[str], split_classes: bool = True) -> tuple[Segment, ...]:
    """Group statements into segments (statements sharing a line go together); split top-level classes."""
    groups: list[list[ast.stmt]] = []
    bounds: list[list[int]] = []
    for statement in statements:
        first, last = statement_start_line(statement), statement.end_lineno or statement.lineno
        if bounds and first <= bounds[-1][1]:
            groups[-1].append(statement)
            bounds[-1][1] = max(bounds[-1][1], last)
        else:
            groups.append([statement])
            bounds.append([first, last])
    segments = []
    for nodes, (first, last) in zip(groups, bounds):
        segment = Segment(
            start=first,
            end=last,
            text=_text(lines, first, last),
            nodes=tuple(nodes),
            origin=first,
            facts=tuple(statement_facts(node) for node in nodes) if split_classes else (),
            indent=_indent(lines[first - 1]),
        )
        if split_classes:
            segment = _split_class(segment, lines)
        segments.append(segment)
    return tuple(segments)


def _split_class(segment: Segment, lines: list[str]) -> Segment:
    """Give a top-level class its body's segments, when its body starts on a line of its own."""
    node = segment.nodes[0]
    if len(segment.nodes) != 1 or not isinstance(node, ast.ClassDef) or not node.body:
        return segment
    body_start = statement_start_line(node.body[0])
    head = lines[body_start - 1]
    indent = _indent(head)
    if body_start <= node.lineno or not indent or not _starts_statement(head, indent, node.body[0]):
        return segment
    members = _segments_of(node.body, lines, split_classes=False)
    return replace(segment, members=members, indent=indent, header=_text(lines, segment.start, body_start - 1))


def _starts_statement(line: str, indent: str, statement: ast.stmt) -> bool:
    """True when the statement (or its first decorator) is the first thing on its line."""
    if getattr(statement, "decorator_list", None):
        return line[len(indent) :].startswith("@")
    before = line[: statement.col_offset]
    return len(before.encode("utf-8")) == statement.col_offset and not before.strip()


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _text(lines: list[str], first: int, last: int) -> str:
    return "\n".join(lines[first - 1 : last])


def _parts(segment: Segment) -> Iterator[Segment]:
    """The segment and its members, in the walker's order (class node first)."""
    yield segment
    if segment.members is not None:
        yield from segment.members


def _facts_entries(segments: Sequence[Segment]) -> Iterator[tuple[int, int, StatementFacts]]:
    """(first line, last line, facts) of every top-level statement, at its current position."""
    for segment in segments:
        offset = segment.offset
        for node, facts in zip(segment.nodes, segment.facts):
            end = segment.end if segment.members is not None else (node.end_lineno or node.lineno) + offset
            if offset and facts.bindings:
                facts = replace(facts, bindings=tuple(replace(b, line=b.line + offset) for b in facts.bindings))
            yield node.lineno + offset, end, facts


def _facts_after_edit(previous: _Parsed, segments: tuple[Segment, ...]) -> ModuleFacts:
    """The module facts of the edited text's segments: those of the previous text (with nothing derived
    yet) when the segments the edit replaced contribute the same facts at the same lines, else built anew.

    Typing inside a statement usually changes no module fact, and rebuilding them costs time in
    proportion to the file (every top-level statement), not to the edit."""
    old = previous.segments
    if previous.facts is not None and len(old) == len(segments):
        replaced = [(a, b) for a, b in zip(old, segments) if a is not b]
        if list(_facts_entries([a for a, _ in replaced])) == list(_facts_entries([b for _, b in replaced])):
            return _fresh_copy(previous.facts)
    return ModuleFacts(_facts_entries(segments))


def _fresh_copy(facts: ModuleFacts) -> ModuleFacts:
    """The same module facts without the values derived from them (those may also depend on the text)."""
    fresh = copy.copy(facts)
    fresh.derived = {}
    return fresh


def _facts_key(facts: ModuleFacts) -> tuple[Any, ...]:
    return (facts.fingerprint, facts.has_main_guard)


def _project_key(project: ProjectModel | None) -> tuple[int, int] | None:
    return None if project is None else (id(project), project.fingerprint)


class _Reuse:
    """Finds, for a freshly parsed segment, the old segment whose findings it may take over.

    Findings that depend only on their own text (and the keys checked before) may be taken from any
    old segment with the same text; findings that read beyond their segment only from the old
    segment at the same place, and only if they were walked exactly for the current revision.
    """

    def __init__(
        self,
        previous: _Parsed,
        lines: list[str],
        revision: int,
        facts_key: tuple[Any, ...],
        summaries: _Summaries,
        class_visitors: bool,
        path: str | None,
    ) -> None:
        self.first, last_old, last_new = changed_lines(previous.lines, lines)
        self.last_old, self.delta = last_old, last_new - last_old
        self.revision = revision
        self.facts_key = facts_key
        self.summaries = summaries
        self.class_visitors = class_visitors
        self.path = path
        self.placed: dict[tuple[str, int | None], Segment] = {}
        self.by_text: dict[str, Segment] = {}
        for segment in previous.segments:
            for part in _parts(segment):
                self.placed[(part.text, self._new_start(part))] = part
                if not part.reads_beyond:
                    self.by_text.setdefault(part.text, part)
            if segment.members is not None:
                self.placed[("header:" + segment.header, self._new_start(segment))] = segment

    def _new_start(self, segment: Segment) -> int | None:
        """Where an old segment starts in the new text (None when the change touched it)."""
        if segment.end < self.first:
            return segment.start
        if segment.start > self.last_old:
            return segment.start + self.delta
        return None

    def _old(self, segment: Segment) -> Segment | None:
        old = self.placed.get((segment.text, segment.start)) or self.by_text.get(segment.text)
        if old is None or old.stale_at(self.revision, self.facts_key, self.summaries) or (old.members is None) != (segment.members is None):
            return None
        return old

    def segments(self, segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
        """The fresh segments with every valid old finding taken over."""
        return tuple(self._class(s) if s.members is not None else self._statements(s) for s in segments)

    def _statements(self, segment: Segment) -> Segment:
        old = self._old(segment)
        return segment if old is None else _adopt(segment, old, self.path)

    def _class(self, segment: Segment) -> Segment:
        assert segment.members is not None
        members = tuple(self._statements(member) for member in segment.members)
        old = self.placed.get((segment.text, segment.start)) or self.placed.get(("header:" + segment.header, segment.start))
        if old is None or old.members is None or old.header != segment.header:
            return replace(segment, members=members)
        if (self.class_visitors and old.shell_of != segment.text) or old.stale_at(self.revision, self.facts_key, self.summaries):
            return replace(segment, members=members)
        return replace(_adopt(segment, old, self.path), members=members, shell_of=segment.text)


def _adopt(segment: Segment, old: Segment, path: str | None) -> Segment:
    """The fresh segment with the findings of an old one, moved to its place."""
    assert old.findings is not None
    offset = segment.start - old.origin
    findings = old.findings if offset == 0 else tuple(f.shifted(offset, path) for f in old.findings)
    return replace(
        segment,
        findings=findings,
        errors=old.errors,
        reads_beyond=old.reads_beyond,
        exact_at=old.exact_at,
        facts_key=old.facts_key,
        probes=old.probes,
    )


class _LineMap:
    """Where the lines of an old text that an edit left alone are in the new text (prefix, suffix, and diff between)."""

    def __init__(self, old: list[str], new: list[str]) -> None:
        first, last_old, last_new = changed_lines(old, new)
        blocks = [(1, first - 1, 0)]
        middle = difflib.SequenceMatcher(None, old[first - 1 : last_old], new[first - 1 : last_new], autojunk=False)
        for a, b, size in middle.get_matching_blocks():
            if size:
                blocks.append((first + a, first + a + size - 1, b - a))
        blocks.append((last_old + 1, len(old), last_new - last_old))
        self._blocks = [block for block in blocks if block[0] <= block[1]]
        self._starts = [block[0] for block in self._blocks]

    def offset(self, first: int, last: int) -> int | None:
        """How far old lines first..last moved (None when the edit touched any of them)."""
        index = bisect.bisect_right(self._starts, first) - 1
        if index < 0:
            return None
        start, end, offset = self._blocks[index]
        return offset if start <= first and last <= end else None


def _untouched_findings(segments: Sequence[Segment], moves: _LineMap, path: str | None) -> Iterator[Finding]:
    """Findings of the segments (and class members) the edit left alone, moved to their new lines."""
    for segment in segments:
        moved = moves.offset(segment.start, segment.end)
        if moved is not None:
            for part in _parts(segment):
                yield from (f.shifted(part.offset + moved, path) for f in part.findings or ())
            continue
        if segment.members is None:
            continue
        for finding in segment.findings or ():
            shifted = finding.shifted(segment.offset, path)
            moved = moves.offset(shifted.span.line, shifted.span.end_line)
            if moved is not None:
                yield shifted.shifted(moved, path)
        for member in segment.members:
            moved = moves.offset(member.start, member.end)
            if moved is not None:
                yield from (f.shifted(member.offset + moved, path) for f in member.findings or ())
