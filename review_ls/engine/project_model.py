"""What a rule may need beyond its file (`Needs`), and the project facts the engine passes through.

The engine does not build the project: the adapters (CLI, server) build a `ProjectModel` when an
enabled rule `needs` it and hand it to the analysis, which gives it to every rule as `ctx.project`.
`review_ls.project.ProjectIndex` is the implementation; rules reach its richer facts (settings,
duplicated models, ...) through `review_ls.project.project_for(ctx)`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Protocol, runtime_checkable


class Needs(enum.Enum):
    """What a rule reads besides the file's own syntax tree; the adapters build exactly this."""

    PROJECT_INDEX = "project-index"
    """Cross-file facts of the workspace: the `ProjectModel` (settings, models, route handlers, ...)."""

    TYPES = "types"
    """Type inference: the project's type facts and, within a budget, jedi (implies PROJECT_INDEX)."""


def needs_project(needs: Iterable[Needs]) -> bool:
    """True when rules with these needs must be given the project index."""
    return any(need in (Needs.PROJECT_INDEX, Needs.TYPES) for need in needs)


@runtime_checkable
class ProjectModel(Protocol):
    """The cross-file facts the engine and `patterns/` read from the project (each documented below)."""

    @property
    def fingerprint(self) -> int:
        """Changes whenever a fact other files' findings depend on changes (keys caches)."""
        ...

    @property
    def roots(self) -> tuple[str, ...]:
        """The workspace roots (normalised paths); each root is its own project."""
        ...

    @property
    def client_class_names(self) -> frozenset[str]:
        """Names of the project's own classes named `*Client`/`*Session`."""
        ...

    @property
    def route_handler_names(self) -> frozenset[tuple[str, str]]:
        """(path, function name) of the functions registered as route handlers by a call."""
        ...

    def is_project_module(self, qualified: str) -> bool:
        """True when the module (or name) `qualified` is defined in this project."""
        ...

    @property
    def top_level_packages(self) -> frozenset[str]:
        """The first component of every project module's dotted name (first-party imports for fixes)."""
        ...
