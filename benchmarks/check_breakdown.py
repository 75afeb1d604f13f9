"""Where the time of `review-ls check --select ALL --no-cache` goes on application code, in one process.

Runs the steps of a check one after another on one core, on a slice of the application corpus
(default: dispatch + mealie, ~100 KLOC), and prints CPU seconds per step (CPU, not wall time, so other
load on the machine moves the numbers less; the jedi thread's CPU counts too):
read, parse, project index (per kind of facts), each lazily built model step (views, call graph,
taint, client / per-invocation / process-state / query summaries, duplicates), the walk per rule
(each rule's visitors timed on their own; the rest is the walker's dispatch), the jedi waits inside
the rules, suppressions, the fixes (with --format json), and the pickled size of the index and of
the reports that a process pool moves between processes.

Model steps that rules trigger lazily (a summary memoised per function on first query) are charged
to the rule that asked first; the model steps listed are their eager part.

    python benchmarks/check_breakdown.py [--format text|json] [--profile FILE] [--top N] [NAME ...]
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import gc
import pickle
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DEFAULT_SLICE = ("dispatch", "mealie")


class Clock:
    """CPU seconds per labelled step, in the order first seen."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Charge the time of the block to `label`."""
        start = time.process_time()
        try:
            yield
        finally:
            self.seconds[label] += time.process_time() - start


def _rule_timing_visitors(walker_module: Any, per_rule: dict[str, float], running: list[str]) -> Callable[[], None]:
    """Replace the walker's visitor runner with one that charges each visitor's time to its rule (and keeps
    the running rule's code in `running[0]`); returns the undo."""
    original = walker_module._run_visitors

    def timed(visitors: Any, node: ast.AST, ctx: Any, findings: list[Any], errors: list[str]) -> None:
        for visitor in visitors:
            code = getattr(getattr(visitor, "__self__", None), "code", "?")
            running[0] = code
            start = time.process_time()
            original((visitor,), node, ctx, findings, errors)
            per_rule[code] += time.process_time() - start
            running[0] = "?"

    walker_module._run_visitors = timed
    return lambda: setattr(walker_module, "_run_visitors", original)


def _jedi_wait_timer(jedi_module: Any, waits: list[tuple[str, float]], running: list[str]) -> Callable[[], None]:
    """Record the CPU seconds (of every thread) spent while the rules waited on a jedi answer, with the rule
    that asked (`running[0]`); returns the undo."""
    original = jedi_module.JediAdapter._answer

    def timed(self: Any, *args: Any) -> Any:
        start = time.process_time()
        try:
            return original(self, *args)
        finally:
            waits.append((running[0], time.process_time() - start))

    jedi_module.JediAdapter._answer = timed
    return lambda: setattr(jedi_module.JediAdapter, "_answer", original)


def run(names: list[str], output_format: str) -> None:
    """Check the named corpus projects step by step and print the breakdown."""
    sys.path.insert(0, str(Path(__file__).parent))
    from corpus import load_manifest

    from review_ls.config import ConfigResolver
    from review_ls.engine import walker as walker_module
    from review_ls.engine.analysis import finish_findings, rule_set_for, walk_statements
    from review_ls.engine.facts import ModuleFacts
    from review_ls.engine.fixes import ParsedSource, compute_fix
    from review_ls.engine.gc_pause import garbage_collector_paused
    from review_ls.engine.positions import LineIndex
    from review_ls.files import discover_python_files, read_source
    from review_ls.project import jedi_adapter
    from review_ls.project.call_facts import module_call_facts
    from review_ls.project.file_facts import facts_of_module
    from review_ls.project.index import ProjectIndex
    from review_ls.project.modules import is_package_file, normalise
    from review_ls.project.types import module_type_facts
    from review_ls.runner import FileReport

    packages = [p.package for p in load_manifest() if p.name in names]
    clock = Clock()
    resolver = ConfigResolver()
    with clock.step("discover files, settings"):
        files = list(discover_python_files(packages, resolver))
        settings = {path: resolver.config_for(path).settings_for(path).with_overrides(select=["ALL"]) for path in files}
    with clock.step("read"):
        texts = {str(path): read_source(path).text for path in files}
    kloc = sum(text.count("\n") for text in texts.values()) / 1000
    gc.disable()
    with clock.step("parse (ast.parse, once)"):
        trees: dict[str, ast.Module | None] = {}
        for path, text in texts.items():
            try:
                trees[path] = ast.parse(text)
            except SyntaxError:
                trees[path] = None
    index = ProjectIndex(packages)
    index._init_files.update(normalise(p) for p in texts if is_package_file(p))
    namer = index._namer()
    for path, tree in trees.items():
        if tree is None:
            continue
        module = namer.module_name(path)
        with clock.step("index: file facts"):
            facts = facts_of_module(tree, texts[path])
        with clock.step("index: type facts"):
            types = module_type_facts(tree, module, path)
        with clock.step("index: call facts"):
            calls = module_call_facts(tree, module, is_package_file(path))
        with clock.step("index: store"):
            index._store(path, facts, types, calls)
    derived = index._views()
    for label, force in (
        ("model: views", lambda: derived.views.classes),
        ("model: call graph", lambda: derived.call_graph),
        ("model: taint summaries", lambda: derived.taint),
        ("model: client summaries", lambda: derived.client_summaries),
        ("model: per-invocation", lambda: derived.per_invocation),
        ("model: process state", lambda: derived.process_state),
        ("model: query summary", lambda: derived.queries),
        ("model: duplicates", lambda: derived.duplicates),
        ("model: field variants", lambda: derived.variants),
    ):
        with clock.step(label):
            force()
    with clock.step("pickle the index (pool hand-over)"):
        pickled_index = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
    per_rule: dict[str, float] = defaultdict(float)
    fix_per_rule: dict[str, float] = defaultdict(float)
    waits: list[tuple[str, float]] = []
    running = ["?"]
    undo_rules = _rule_timing_visitors(walker_module, per_rule, running)
    undo_jedi = _jedi_wait_timer(jedi_adapter, waits, running)
    reports: list[FileReport] = []
    findings_count = 0
    try:
        for path, tree in trees.items():
            text = texts[path]
            rule_set = rule_set_for(settings[Path(path)])
            lines = LineIndex.from_source(text)
            if tree is None:
                continue
            with garbage_collector_paused():
                with clock.step("walk (rules + dispatch)"):
                    facts = ModuleFacts.from_module(tree)
                    errors: list[str] = []
                    raw = walk_statements(rule_set, tree, tree.body, lines, facts, path, index, errors)
                with clock.step("suppressions, sort"):
                    found = finish_findings(raw, lines, rule_set)
                report = FileReport(path, found)
                if output_format == "json":
                    parsed = ParsedSource.of(text, tree)
                    for number, finding in enumerate(found):
                        if finding.fixable:
                            start = time.process_time()
                            fix = compute_fix(text, finding, path, rule_set.settings, index, parsed=parsed)
                            fix_per_rule[finding.code] += time.process_time() - start
                            if fix is not None:
                                report.fixes[number] = fix
            findings_count += len(found)
            reports.append(report)
    finally:
        undo_rules()
        undo_jedi()
    with clock.step("pickle the reports (pool results)"):
        pickled_reports = sum(len(pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL)) for r in reports)
    rules_total = sum(per_rule.values())
    clock.seconds["walk: rules' visitors"] = rules_total
    clock.seconds["walk: dispatch (walk minus visitors)"] = clock.seconds.pop("walk (rules + dispatch)") - rules_total
    clock.seconds["fixes (json)"] = sum(fix_per_rule.values())
    total = sum(clock.seconds.values())
    print(f"{', '.join(names)}: {len(files)} files, {kloc:.1f} KLOC, {findings_count} findings; one process, {total:.2f} CPU s in the steps = {kloc / total:.1f} KLOC/s")
    for label, seconds in clock.seconds.items():
        print(f"  {label:42s} {seconds:7.2f} s  {100 * seconds / total:5.1f}%")
    print(f"  pickled index {len(pickled_index) / 1e6:.1f} MB, reports {pickled_reports / 1e6:.1f} MB")
    seconds_waited = [seconds for _, seconds in waits]
    print(f"  jedi: {len(waits)} answers asked, {sum(seconds_waited):.2f} s CPU while waiting, longest {max(seconds_waited, default=0):.2f} s (inside the rules below)")
    asked_by: dict[str, list[float]] = defaultdict(list)
    for code, seconds in waits:
        asked_by[code].append(seconds)
    for code, asked in sorted(asked_by.items()):
        print(f"    {code:6s} {len(asked):5d} answers  {sum(asked):6.2f} s")
    print("rules (visitor CPU seconds, incl. the model queries and jedi waits they trigger):")
    for code, seconds in sorted(per_rule.items(), key=lambda item: -item[1]):
        fix = f"  fixes {fix_per_rule[code]:.2f} s" if fix_per_rule.get(code) else ""
        print(f"  {code:6s} {seconds:7.2f} s  {100 * seconds / total:5.1f}%{fix}")


def main() -> None:
    """Parse the options, run the breakdown (under cProfile with --profile)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", default=list(DEFAULT_SLICE), help="corpus projects (corpus.toml names)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="json also computes every fix, as `--format json` does")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the run to this file")
    parser.add_argument("--top", type=int, default=25, help="with --profile, print this many functions by own time")
    args = parser.parse_args()
    if args.profile is None:
        run(args.names, args.format)
        return
    profiler = cProfile.Profile()
    profiler.runcall(run, args.names, args.format)
    profiler.dump_stats(args.profile)
    import pstats

    pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
