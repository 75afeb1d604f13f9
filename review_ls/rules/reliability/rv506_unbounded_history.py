"""RV506 unbounded-history: RV506: an instance list that only grows (`self.history.append(...)`) and is never trimmed."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from review_ls.engine.cst_edit import cst, replace_nodes
from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Option, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.names import name_words

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


_HISTORY_WORDS = frozenset(
    {
        "history", "histories", "log", "logs", "samples", "snapshots", "frames", "trajectory", "trajectories",
        "timeline", "metrics", "measurements", "readings", "ticks", "observations", "losses", "rewards",
        "transcript", "trace", "traces", "timings", "latencies",
    }
)


_GROWING_METHODS = frozenset({"append", "extend", "insert", "appendleft"})


# `self` must start a word; that is checked per match (`_grown_names`): a leading `\b` makes the engine try
# every position of the class's text instead of searching for `self.` (~30x slower on a 3,000-line class).
_GROWTH_TEXT = re.compile(r"self\.(\w+)\s*\.\s*(?:append|extend|insert|appendleft)\s*\(|self\.(\w+)\s*\+=")
_WORD_CHARACTER = re.compile(r"\w")


_TRIMMING_METHODS = frozenset({"pop", "popleft", "clear", "remove", "__delitem__"})


_INIT_METHODS = frozenset({"__init__", "__post_init__"})


class UnboundedHistory(Rule):
    """RV506: an instance list that only grows (`self.history.append(...)`) and is never trimmed."""

    code = "RV506"
    name = "unbounded-history"
    applies_to = SERVICE_CODE
    message = "self.{attribute} only grows: {method}() appends to it and nothing in {cls} trims it"
    fix_title = "Bound self.{attribute} with collections.deque(maxlen=...)"
    fix_applicability = Applicability.UNSAFE
    options = (Option("maxlen", 1000, "the length the quick fix gives the bounded deque"),)
    docs = RuleDocs(
        what="""
            Looks at a whole class: an instance list named like a history, log or series
            (`self.history`, `self.samples`, `self.trajectory`, `self.losses`, ...; not stores such as
            `events` or `records`) is created empty in `__init__`, a
            method appends to it, and nothing in the class ever trims it (no `pop`/`clear`/`del`,
            no slice assignment, no reassignment outside `__init__`).
            """,
        why="""
            In a long-lived object (a service, a simulation, an agent session) such a list grows
            with every call until the process runs out of memory. The leak is slow, so it passes
            every test and shows up after days in production.
            """,
        fix="""
            Bound it: `collections.deque(maxlen=N)` keeps the last N items and drops the oldest in
            O(1). The quick fix turns the initialiser into a deque whose length is a named module
            constant. It is marked unsafe: a deque cannot be sliced, so review the readers.
            """,
    )
    valid = (
        """
        class Session:
            def __init__(self):
                self.history = []

            def add(self, message):
                self.history.append(message)
                if len(self.history) > 100:
                    self.history.pop(0)
        """,
        """
        class Session:
            def __init__(self):
                self.history = []

            def add(self, message):
                self.history.append(message)

            def reset(self):
                self.history.clear()
        """,
        """
        class Session:
            def __init__(self):
                self.history = []

            def add(self, message):
                self.history.append(message)
                self.history = self.history[-50:]
        """,
        """
        class Parser:
            def __init__(self):
                self.tokens = []

            def feed(self, token):
                self.tokens.append(token)
        """,
    )
    invalid = (
        Invalid(
            """
            import time


            class Simulation:
                def __init__(self):
                    self.history = []

                def step(self):
                    self.history.append(time.monotonic())
            """,
            line=6,
            fixed="""
            import collections
            import time


            MAX_HISTORY = 1000


            class Simulation:
                def __init__(self):
                    self.history = collections.deque(maxlen=MAX_HISTORY)

                def step(self):
                    self.history.append(time.monotonic())
            """,
        ),
        Invalid(
            """
            from collections import deque


            class Agent:
                def __init__(self, model):
                    self.model = model
                    self._history = list()

                def ask(self, text):
                    self._history.append(text)
                    return self.model(self._history)
            """,
            line=7,
            fixed="""
            from collections import deque


            MAX_HISTORY = 1000


            class Agent:
                def __init__(self, model):
                    self.model = model
                    self._history = deque(maxlen=MAX_HISTORY)

                def ask(self, text):
                    self._history.append(text)
                    return self.model(self._history)
            """,
        ),
        Invalid(
            """
            class Recorder:
                def __init__(self):
                    self.samples: list[float] = []

                def record(self, value):
                    self.samples.append(value)

                def last_ten(self):
                    return self.samples[-10:]
            """,
            line=3,
        ),
    )

    def visit_ClassDef(self, node: ast.ClassDef, ctx: Context) -> Iterator[Finding]:
        """Decide once per class: history-like lists appended to and never trimmed."""
        text = "\n".join(ctx.lines.line_text(line) for line in range(node.lineno, (node.end_lineno or node.lineno) + 1))
        grown = _grown_names(text)
        if not any(name_words(name) & _HISTORY_WORDS for name in grown):
            return
        from review_ls.patterns.attributes import instance_attribute_uses  # (loads for the rare class that grows a history-like list)

        for uses in instance_attribute_uses(node).values():
            if uses.name not in grown or not (name_words(uses.name) & _HISTORY_WORDS):
                continue
            inits = [a for a in uses.assignments if a.method.name in _INIT_METHODS]
            if len(inits) != 1 or len(uses.assignments) != 1 or not self._is_new_list(inits[0].value):
                continue
            if uses.deletions or uses.slice_writes or uses.calls_named(_TRIMMING_METHODS):
                continue
            growth = [c for c in uses.calls_named(_GROWING_METHODS, on_item=False) if c.method.name not in _INIT_METHODS]
            growth += [a for a in uses.augmented if a.method.name not in _INIT_METHODS]  # type: ignore[misc]
            if not growth:
                continue
            init = inits[0]
            fixable = isinstance(init.statement, ast.Assign) and len(init.statement.targets) == 1 and not uses.slice_reads
            finding = self.report(
                init.value,  # type: ignore[arg-type]
                ctx,
                attribute=uses.name,
                method=growth[0].method.name,
                cls=node.name,
                fixable=fixable,
            )
            yield replace(finding, statement_line=init.statement.lineno)

    @staticmethod
    def _is_new_list(value: ast.expr | None) -> bool:
        if isinstance(value, ast.List):
            return True
        return isinstance(value, ast.Call) and dotted_name(value.func) == "list" and not value.args and not value.keywords

    def fix(self, fctx: FixContext) -> Fix | None:
        """Initialise the list as a bounded deque whose length is a module constant."""
        value = fctx.node
        statement = fctx.ancestors[-1] if fctx.ancestors else None
        if not isinstance(statement, ast.Assign) or not isinstance(statement.targets[0], ast.Attribute):
            return None
        value_cst = fctx.cst_node(value)
        if value_cst is None:
            return None
        constant = fctx.unique_name(f"MAX_{statement.targets[0].attr.strip('_').upper()}")
        deque_name = fctx.facts.local_name_for("collections.deque") or f"{fctx.ensure_import('collections')}.deque"
        new_value = cst.parse_expression(f"{deque_name}(maxlen={constant})")
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(value_cst): new_value}).code)
        fctx.add_definition(f"{constant} = {int(self.config['maxlen'])}")
        return fctx.build(fctx.finding.fix_title or "Bound the list", self.fix_applicability)


def _grown_names(text: str) -> set[str]:
    """The attributes `self.<name>.append(...)`, `.extend`, `.insert`, `.appendleft` or `self.<name> +=` grow in `text`."""
    return {
        name
        for match in _GROWTH_TEXT.finditer(text)
        if not (match.start() and _WORD_CHARACTER.match(text, match.start() - 1))
        for name in match.groups()
        if name
    }
