"""Module-wide sets that rules probe item by item: "does any top-level statement declare this value?".

A rule's cheap pre-filter often asks whether the module contains something anywhere (an enum value,
a field name). Reading the whole module makes the incremental analyser treat the walk as reading
beyond its segment, so every such segment is walked again after any edit elsewhere. A probe
through `module_summary_has` instead records the item and the answer; the incremental analyser
walks the segment again only when the answer for that item changed (`engine/incremental.py`).

A summary is a function of one top-level statement; the module's summary is the union over its
top-level statements, so it can be computed (and compared) without walking anything.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from review_ls.engine.walker import Context

StatementSummary = Callable[[ast.stmt], frozenset[str]]


class SummaryProbes:
    """A `Context.memo` that answers summary probes itself (and notes them): the incremental analyser's."""

    def probe_summary(self, summary: StatementSummary, item: str) -> bool:
        """True when `summary` of the module contains `item`; the probe is noted for the walked segment."""
        raise NotImplementedError


def module_summary(statements: list[ast.stmt], summary: StatementSummary) -> frozenset[str]:
    """The union of `summary` over top-level statements."""
    return frozenset().union(*(summary(statement) for statement in statements))


def module_summary_has(ctx: Context, summary: StatementSummary, item: str) -> bool:
    """True when `summary` of some top-level statement of the analysed module contains `item`."""
    memo = ctx.memo
    if isinstance(memo, SummaryProbes):
        return memo.probe_summary(summary, item)
    key = (module_summary_has, summary)
    found: frozenset[str] | None = memo.get(key)
    if found is None:
        module = ctx.parents[0]
        assert isinstance(module, ast.Module)
        found = memo[key] = module_summary(module.body, summary)
    return item in found
