"""What a parallel check prepares in the parent before its worker processes fork: the model every worker reads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from review_ls.engine.project_model import Needs, ProjectModel

if TYPE_CHECKING:
    from review_ls.runner import FileTask


def prepare_shared_model(project: ProjectModel | None, tasks: Iterable[FileTask]) -> None:
    """Build the project-wide parts of `project` that the tasks' enabled rules read (`project/ahead.py`), so that
    forked workers share them instead of each building (and copying) them; nothing when no rule reads the project."""
    from review_ls.project.index import ProjectIndex

    if not isinstance(project, ProjectIndex):
        return
    from review_ls.rules._catalog import CATALOG

    settings = {task.settings for task in tasks}
    enabled = [needs for code, (*_, needs) in CATALOG.items() if any(s.is_enabled(code) for s in settings)]
    if not any(needs for needs in enabled):
        return
    from review_ls.project.ahead import derive_for_workers

    derive_for_workers(project, type_lookups=any(Needs.TYPES.value in needs for needs in enabled))
