"""What a parallel check prepares in the parent before its worker processes fork: the model every worker reads,
and the one place that runs jedi for all of them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from review_ls.engine.project_model import Needs, ProjectModel

if TYPE_CHECKING:
    from review_ls.project.jedi_service import JediChannel, JediService
    from review_ls.runner import FileTask


def prepare_shared_model(project: ProjectModel | None, enabled: list[tuple[str, ...]], asks_jedi: bool) -> None:
    """Build the project-wide parts of `project` that the enabled rules read (`enabled`: their `enabled_needs`;
    `asks_jedi`: whether one may ask jedi, `may_ask_jedi`; `project/ahead.py`), so that forked workers share them
    instead of each building (and copying) them; nothing when no rule reads the project."""
    from review_ls.project.index import ProjectIndex

    if not isinstance(project, ProjectIndex):
        return
    if not any(needs for needs in enabled):
        return
    from review_ls.project.ahead import derive_for_workers

    derive_for_workers(project, type_lookups=any(Needs.TYPES.value in needs for needs in enabled), jedi_lookups=asks_jedi)


def start_jedi_service(project: ProjectModel | None, asks_jedi: bool, workers: int) -> JediService | None:
    """When an enabled rule may ask jedi (`asks_jedi`: `may_ask_jedi`), fork the process that answers the workers' jedi
    questions (`project/jedi_service.py`), so that jedi and its caches live once instead of in every worker; else None."""
    from review_ls.project.index import ProjectIndex

    if not isinstance(project, ProjectIndex) or not asks_jedi:
        return None
    import multiprocessing

    from review_ls.project.jedi_service import JediService

    return JediService(multiprocessing.get_context(), workers)


def may_ask_jedi(tasks: Iterable[FileTask]) -> bool:
    """True when a type-aware rule enabled for some task may ask jedi: its jedi budget (`jedi-budget-ms`) is above 0.
    With `jedi = false`, or no such rule selected, a check forks no jedi service: it would sit idle (14 MB of the
    application corpus's peak). Only the type-aware rules are imported."""
    from review_ls.config import JEDI_BUDGET_OPTION
    from review_ls.rules import rules_for
    from review_ls.rules._catalog import CATALOG

    typed = [code for code, (*_, needs) in CATALOG.items() if Needs.TYPES.value in needs]
    for settings in {task.settings for task in tasks}:
        for rule in rules_for(code for code in typed if settings.is_enabled(code)):
            if rule(settings.options_for(rule.code)).config.get(JEDI_BUDGET_OPTION, 0) > 0:
                return True
    return False


def start_worker(jedi_channel: JediChannel | None) -> None:
    """In a forked worker: ask the jedi service, when the run has one."""
    if jedi_channel is not None:
        from review_ls.project.jedi_service import use_service

        use_service(jedi_channel)


def enabled_needs(tasks: Iterable[FileTask]) -> list[tuple[str, ...]]:
    """What each rule enabled for some task reads (`Needs` values)."""
    from review_ls.rules._catalog import CATALOG

    settings = {task.settings for task in tasks}
    return [needs for code, (*_, needs) in CATALOG.items() if any(s.is_enabled(code) for s in settings)]
