"""The jedi service's questions of one `review-ls check`, recorded, then replayed: its CPU, memory and answers alone.

A CLI run's jedi numbers move with the load on the machine: a question's budget is wall time, so a slower machine
times out more questions, and asks fewer after them. This benchmark separates the service from that:

    python benchmarks/jedi_replay.py record OUT.pkl [-- CHECK-ARGS ...]
        runs `review-ls check` (default: the application corpus, `--select ALL --no-cache`) and appends every question
        the jedi service answers (root, environment, operation, text, path, position, context) to OUT.pkl; with
        `--budget SECONDS`, every file's jedi budget is at least that (jedi off stays off), so that no question is cut by
        time and two versions' question counts compare;
    python benchmarks/jedi_replay.py replay REC.pkl [--answers OUT.pkl] [--budget SECONDS]
        asks the recorded questions again, in order, in this process, through the service's code path (its adapter per
        root with one Script per worker, parso's trees bounded between questions) with an ample budget, so that no
        answer depends on time; prints the CPU seconds, those of garbage collections, and the peak RSS, and saves the
        answers to compare two versions (`compare A.pkl B.pkl`).

Run `replay` with PYTHONPATH pointing at each version to compare them on the very same questions.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import os
import pickle
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corpus import CACHE, load_manifest


def record(out: Path, check_args: list[str], budget: float | None = None) -> int:
    """Run `review-ls check` with the jedi service's questions appended to `out` (every jedi budget at least `budget`
    seconds, when given); the CLI's exit code."""
    from review_ls import cli
    from review_ls.project import jedi_service

    if budget is not None:
        _raise_every_budget_to(budget)

    original = jedi_service.answer_question

    def answer_question(adapter: Any, operation: str, source: str, path: str | None, line: int, column: int, context: object, remaining: float) -> Any:
        with out.open("ab") as handle:  # (the service is a forked process: each question is appended as it comes)
            pickle.dump((str(adapter.root), adapter.environment_path, operation, source, path, line, column, context), handle)
        return original(adapter, operation, source, path, line, column, context, remaining)

    jedi_service.answer_question = answer_question
    args = check_args or [*(str(CACHE / p.name / p.subdir) for p in load_manifest()), "--select", "ALL", "--no-cache"]
    return cli.main(["check", *args, "--format", "json", "--output-file", os.devnull])


def _raise_every_budget_to(seconds: float) -> None:
    """Make every jedi budget of this process and of those it forks at least `seconds` (a budget of 0, jedi off, stays 0)."""
    from review_ls.project.jedi_adapter import InferenceBudget

    original = InferenceBudget.__init__

    def at_least(self: InferenceBudget, budget: float) -> None:
        original(self, budget if budget <= 0 else max(budget, seconds))

    InferenceBudget.__init__ = at_least  # type: ignore[method-assign, assignment]


def questions(path: Path) -> Iterator[tuple[Any, ...]]:
    """The recorded questions, in order."""
    with path.open("rb") as handle:
        while True:
            try:
                yield pickle.load(handle)
            except EOFError:
                return


def replay(path: Path, budget: float, answers_out: Path | None, workers: int) -> None:
    """Ask the recorded questions as the service does, with `budget` seconds each; print CPU, collections and peak RSS."""
    from review_ls import cli_gc
    from review_ls.project import jedi_service
    from review_ls.project.jedi_adapter import JediAdapter

    cli_gc.collect_less_often()  # (as in the CLI's processes)
    gc.freeze()  # (as the service inherits the parent's objects frozen)
    getattr(jedi_service, "collect_as_the_service", lambda: None)()  # (the service's own collector; older versions: none)
    collecting = [0.0, 0.0]

    def timed(phase: str, _: dict[str, int]) -> None:
        if phase == "start":
            collecting[1] = time.process_time()
        else:
            collecting[0] += time.process_time() - collecting[1]

    gc.callbacks.append(timed)
    adapters: dict[tuple[str, str | None], JediAdapter] = {}
    forgotten: list[Any] = []
    keeps_forgotten = "forgotten" in inspect.signature(jedi_service.bound_parsed_modules).parameters  # (older versions: no)
    answers = []
    started = time.process_time()
    for root, environment, operation, source, file, line, column, context in questions(path):
        adapter = adapters.get((root, environment))
        if adapter is None:
            made_as_the_service = getattr(jedi_service, "service_adapter", None)  # (older versions: none)
            adapter = adapters[root, environment] = (
                made_as_the_service(root, environment, workers) if made_as_the_service else JediAdapter(Path(root), environment, max_scripts=workers)
            )
        names, _ = jedi_service.answer_question(adapter, operation, source, file, line, column, context, budget)
        answers.append(names)
        jedi_service.bound_parsed_modules(adapters.values(), *([forgotten] if keeps_forgotten else []))
    cpu = time.process_time() - started
    gc.callbacks.remove(timed)
    peak_mb = _peak_rss_kb() / 1024
    print(f"{len(answers)} questions: {cpu:.2f} s CPU ({collecting[0]:.2f} s of it in garbage collections), peak RSS {peak_mb:.0f} MB, {sum(a is None for a in answers)} without an answer")
    if answers_out is not None:
        answers_out.write_bytes(pickle.dumps(answers))


def compare(first: Path, second: Path) -> int:
    """Print how many saved answers differ; 1 when some do."""
    a, b = pickle.loads(first.read_bytes()), pickle.loads(second.read_bytes())
    differing = [index for index, (x, y) in enumerate(zip(a, b)) if x != y]
    print(f"{len(a)} and {len(b)} answers, {len(differing)} differ{': ' + str(differing[:20]) if differing else ''}")
    return 1 if differing or len(a) != len(b) else 0


def _peak_rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def main() -> int:
    """Parse the command line and run the chosen step."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = parser.add_subparsers(dest="step", required=True)
    recording = steps.add_parser("record")
    recording.add_argument("out", type=Path)
    recording.add_argument("check_args", nargs="*")
    recording.add_argument("--budget", type=float, help="seconds: every file's jedi budget at least this (no question cut by time)")
    replaying = steps.add_parser("replay")
    replaying.add_argument("recording", type=Path)
    replaying.add_argument("--budget", type=float, default=30.0, help="seconds per question (default: ample)")
    replaying.add_argument("--answers", type=Path, help="save the answers here")
    replaying.add_argument("--workers", type=int, default=2, help="the check's workers: Scripts kept per root")
    comparing = steps.add_parser("compare")
    comparing.add_argument("first", type=Path)
    comparing.add_argument("second", type=Path)
    args = parser.parse_args()
    if args.step == "record":
        return record(args.out, args.check_args, args.budget)
    if args.step == "replay":
        replay(args.recording, args.budget, args.answers, args.workers)
        return 0
    return compare(args.first, args.second)


if __name__ == "__main__":
    sys.exit(main())
