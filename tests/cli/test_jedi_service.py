"""A parallel check runs jedi in one service process that its workers ask (`project/jedi_service.py`)."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import review_ls.project.jedi_service
import review_ls.runner
import review_ls.worker_start
from review_ls.config import Settings
from review_ls.project import ProjectIndex
from review_ls.project.jedi_adapter import InferenceBudget, JediAdapter
from review_ls.project.jedi_service import JediService, RemoteAdapter
from review_ls.runner import FileTask, check_files
from tests.project.test_jedi_adapter import MODELS, USER  # the jedi tests' two-module sample project

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the service is forked")

SHOP = Path(__file__).parent.parent / "fixtures" / "projects" / "enum_shop"
COPIES = 20  # a parallel run from 16 files on
PATIENT_JEDI = Settings(select=("RV701",), options=(("RV701", (("jedi-budget-ms", 60_000),)),))


@pytest.fixture
def shop(tmp_path: Path) -> tuple[list[str], ProjectIndex]:
    """The enum shop with 20 copies of its module whose RV701 finding only jedi can make (`load_part` has no return annotation)."""
    root = tmp_path / "enum_shop"
    shutil.copytree(SHOP, root)
    lookup = (root / "shop" / "lookup.py").read_text(encoding="utf-8")
    for number in range(COPIES):
        (root / "shop" / f"lookup{number}.py").write_text(lookup, encoding="utf-8")
    paths = sorted(str(p) for p in root.rglob("*.py"))
    return paths, ProjectIndex.build(paths, [str(root)])


def _gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


def test_workers_ask_the_service_and_find_what_jedi_finds(
    shop: tuple[list[str], ProjectIndex], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths, index = shop
    checked, inferred = tmp_path / "checked.log", tmp_path / "inferred.log"
    real_check, real_compute = review_ls.runner.check_file, JediAdapter._compute

    def check_and_note(task: FileTask, project: object) -> review_ls.runner.FileReport:  # (inherited by the forked processes)
        with checked.open("a") as stream:
            stream.write(f"{os.getpid()}\n")
        return real_check(task, project)  # type: ignore[arg-type]

    def compute_and_note(adapter: JediAdapter, *args: object) -> object:  # where jedi runs
        with inferred.open("a") as stream:
            stream.write(f"{os.getpid()}\n")
        return real_compute(adapter, *args)  # type: ignore[arg-type]

    services: list[JediService] = []
    real_start = review_ls.worker_start.start_jedi_service

    def start_and_keep(*args: object) -> JediService | None:
        service = real_start(*args)  # type: ignore[arg-type]
        services.append(service)  # type: ignore[arg-type]
        return service

    monkeypatch.setattr(review_ls.runner, "check_file", check_and_note)
    monkeypatch.setattr(JediAdapter, "_compute", compute_and_note)
    monkeypatch.setattr(review_ls.worker_start, "start_jedi_service", start_and_keep)
    reports = list(check_files([FileTask(path, PATIENT_JEDI) for path in paths], jobs=2, project=index))

    found = sorted((Path(r.path).name, f.code, f.span.line) for r in reports for f in r.findings)
    assert found == sorted([(f"lookup{n}.py", "RV701", 6) for n in range(COPIES)] + [("inventory.py", "RV701", 5), ("lookup.py", "RV701", 6), ("catalog.py", "RV701", 5)])
    workers = set(checked.read_text().split())
    assert len(workers) == 2 and len(services) == 1
    assert set(inferred.read_text().split()) == {str(services[0].pid)}  # jedi ran in the service only, never in a worker
    assert _gone(services[0].pid)  # stopped and reaped when the run ended


def test_a_check_rooted_at_the_package_finds_what_jedi_finds_through_its_absolute_imports(shop: tuple[list[str], ProjectIndex]) -> None:
    paths, whole = shop  # (`review-ls check src/app`: jedi must see `app`'s folder's parent, where `from shop.x` resolves)
    package = Path(paths[0]).parent
    index = ProjectIndex.build(paths, [str(package)])
    reports = list(check_files([FileTask(path, PATIENT_JEDI) for path in paths], jobs=2, project=index))
    found = sorted((Path(r.path).name, f.code, f.span.line) for r in reports for f in r.findings)
    assert ("lookup.py", "RV701", 6) in found and len(found) == COPIES + 3


def test_without_a_type_aware_rule_no_service_is_started(shop: tuple[list[str], ProjectIndex], monkeypatch: pytest.MonkeyPatch) -> None:
    paths, index = shop
    started: list[object] = []
    monkeypatch.setattr(JediService, "__init__", lambda *args: started.append(args))
    list(check_files([FileTask(path, Settings(select=("RV401",))) for path in paths], jobs=2, project=index))
    assert started == []


@pytest.fixture
def service() -> Iterator[JediService]:
    started = JediService(multiprocessing.get_context("fork"), workers=1)
    yield started
    started.kill()


@pytest.fixture
def small_project(write) -> Path:
    write("shop/__init__.py", "")
    write("shop/models.py", MODELS)
    return write("shop/user.py", USER).parent.parent


def test_a_remote_adapter_answers_what_a_local_one_does(service: JediService, small_project: Path) -> None:
    text, path = textwrap.dedent(USER).lstrip("\n"), str(small_project / "shop/user.py")
    remote = RemoteAdapter(small_project, None, service.channel)
    local = JediAdapter(small_project)
    inferred = remote.infer(text, path, 9, 0, InferenceBudget(60.0))
    assert inferred is not None and inferred == local.infer(text, path, 9, 0, InferenceBudget(60.0))
    went_to = remote.goto(text, path, 9, 0, InferenceBudget(60.0))
    assert went_to is not None and went_to == local.goto(text, path, 9, 0, InferenceBudget(60.0))
    assert remote.infer(text, path, 9, 0, InferenceBudget(0.0)) == inferred  # the service's cache answers even without budget


def test_the_budget_is_charged_the_services_time_only(service: JediService, small_project: Path) -> None:
    text, path = textwrap.dedent(USER).lstrip("\n"), str(small_project / "shop/user.py")
    remote = RemoteAdapter(small_project, None, service.channel)
    remote.infer(text, path, 9, 0, InferenceBudget(60.0))  # (jedi's start-up, not charged)
    budget = InferenceBudget(60.0)
    assert remote.infer(text, path, 5, 11, budget) is not None  # `Part` in load()
    assert 0.0 < budget.remaining < 60.0
    assert remote.infer(text, path, 1, 0, InferenceBudget(0.0)) is None  # not asked before, no budget: don't know


def test_a_closed_service_exits_and_a_worker_then_hears_dont_know(service: JediService, small_project: Path) -> None:
    service.close()
    assert _gone(service.pid)
    remote = RemoteAdapter(small_project, None, service.channel)
    budget = InferenceBudget(1.0)
    assert remote.infer(USER, str(small_project / "shop/user.py"), 9, 0, budget) is None
    assert budget.exhausted


def test_the_service_collects_young_objects_less_often_than_the_cli_and_never_scans_what_it_inherited(
    small_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from review_ls import cli_gc
    from review_ls.project import jedi_service

    noted = tmp_path / "collector.log"
    real_compute = JediAdapter._compute

    def compute_and_note(adapter: JediAdapter, *args: object) -> object:  # (runs in the service)
        noted.write_text(f"{gc.get_threshold()[0]} {gc.get_freeze_count()}")
        return real_compute(adapter, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(JediAdapter, "_compute", compute_and_note)
    threshold = gc.get_threshold()
    gc.set_threshold(cli_gc.YOUNG_THRESHOLD, *threshold[1:])  # (the CLI's, which the service inherits)
    try:
        service = JediService(multiprocessing.get_context("fork"), workers=1)
    finally:
        gc.set_threshold(*threshold)
    try:
        text, path = textwrap.dedent(USER).lstrip("\n"), str(small_project / "shop/user.py")
        assert RemoteAdapter(small_project, None, service.channel).infer(text, path, 9, 0, InferenceBudget(60.0))
    finally:
        service.kill()
    young, frozen = map(int, noted.read_text().split())
    assert young == jedi_service._YOUNG_THRESHOLD > cli_gc.YOUNG_THRESHOLD
    assert frozen > gc.get_freeze_count()  # (the modules and objects it inherited from the CLI, at least)


def test_a_question_behind_the_lock_of_a_killed_worker_hears_dont_know_in_its_time(
    service: JediService, small_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review_ls.project.jedi_service, "_REPLY_MARGIN_SECONDS", 0.0)
    monkeypatch.setattr(review_ls.project.jedi_service, "WARM_UP_SECONDS", 0.0)
    holder = os.fork()
    if holder == 0:  # a worker stopped while it asked: it never releases the lock
        service.channel.lock.acquire()
        os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(holder, 0)
    budget = InferenceBudget(0.2)
    assert RemoteAdapter(small_project, None, service.channel).infer(USER, str(small_project / "shop/user.py"), 9, 0, budget) is None
    assert budget.exhausted
