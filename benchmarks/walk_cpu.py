"""CPU of the check's walk (dispatch + rules' visitors) on the application corpus, jedi waits excluded.

Builds the project index once (untimed), then times `walk_statements` over every file with
`time.thread_time()`: the CPU of the walking thread alone, so jedi's thread (not the walk's cost)
is left out; the waits for jedi answers are counted and printed. Each round starts from a fresh copy of the index, so the model summaries that
rules build lazily (beyond the eager steps `check_breakdown.py` lists, and the type-aware rules' project-wide lookups a
check's parent builds before forking) are charged to the walk in every round as in a real check. The index's type facts
keep the digest of their text, as a check's do, so an analysis reads its file's type facts from the index. The cyclic collector
is off while timing (its full collections, over every round's leftovers, are not the walk's cost). Prints the walk's CPU
per round and the least (other load only adds CPU time), and the findings count.

    python benchmarks/walk_cpu.py [--rounds 3] [--profile FILE] [NAME ...]

`--profile FILE` runs one more round under cProfile (wall clock: jedi has answered by then) and writes it to FILE.

Compare two trees by running it with `PYTHONPATH=<tree>` alternately, and report the load averages printed.
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import gc
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

ALL_PROJECTS = ("dispatch", "mealie", "khoj", "polar", "paperless-ngx", "ctfd", "redash", "maubot", "chainlit")


def _jedi_wait_timer(jedi_module: Any, waits: list[float]) -> None:
    """Record the seconds (the walking thread's CPU) spent while a rule waited on a jedi answer."""
    original = jedi_module.JediAdapter._answer

    def timed(self: Any, *args: Any) -> Any:
        start = time.thread_time()
        try:
            return original(self, *args)
        finally:
            waits.append(time.thread_time() - start)

    jedi_module.JediAdapter._answer = timed


def _build_model_steps(index: Any) -> None:
    """Build the model steps `check_breakdown.py` lists as their own (not the walk's cost), and the type-aware rules'
    project-wide lookups, which a check's parent builds before its workers fork (`ahead.derive_for_workers`); the rest is
    built lazily by the rules."""
    from review_ls.project import jedi_gates

    derived = index._views()
    for step in ("views", "call_graph", "taint", "client_summaries", "per_invocation", "process_state", "queries", "duplicates", "variants"):
        getattr(derived, step)
    index.types.enum_values  # noqa: B018
    jedi_gates.build_project_sets(index.types)


def run(names: list[str], rounds: int, profile: Path | None = None) -> None:
    """Index the named corpus projects, then time the walk over every file `rounds` times."""
    from corpus import load_manifest

    from review_ls.config import ConfigResolver
    from review_ls.engine.analysis import rule_set_for, walk_statements
    from review_ls.engine.facts import ModuleFacts
    from review_ls.engine.positions import LineIndex
    from review_ls.files import discover_python_files, read_source
    from review_ls.project import jedi_adapter
    from review_ls.project.call_facts import module_call_facts
    from review_ls.project.file_facts import facts_of_module
    from review_ls.project.index import ProjectIndex
    from review_ls.project.modules import is_package_file, normalise
    from review_ls.project.types import module_type_facts

    packages = [p.package for p in load_manifest() if p.name in names]
    resolver = ConfigResolver()
    files = list(discover_python_files(packages, resolver))
    settings = {str(path): resolver.config_for(path).settings_for(path).with_overrides(select=["ALL"]) for path in files}
    texts = {str(path): read_source(path).text for path in files}
    kloc = sum(text.count("\n") for text in texts.values()) / 1000
    gc.set_threshold(0)  # no automatic collections (`gc.disable()` is not enough: parso's cache loader, in jedi's thread, enables the collector)
    trees: dict[str, ast.Module] = {}
    for path, text in texts.items():
        try:
            trees[path] = ast.parse(text)
        except SyntaxError:
            pass
    index = ProjectIndex(packages)
    index._init_files.update(normalise(p) for p in texts if is_package_file(p))
    namer = index._namer()
    for path, tree in trees.items():
        module = namer.module_name(path)
        index._store(path, facts_of_module(tree, texts[path]), module_type_facts(tree, module, path, texts[path]), module_call_facts(tree, module, is_package_file(path)))
    pickled_index = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
    prepared = [(path, tree, rule_set_for(settings[path]), LineIndex.from_source(texts[path]), ModuleFacts.from_module(tree)) for path, tree in trees.items()]
    waits: list[float] = []
    _jedi_wait_timer(jedi_adapter, waits)
    results: list[float] = []
    for number in range(rounds):
        fresh = pickle.loads(pickled_index)
        _build_model_steps(fresh)
        gc.collect()  # (the previous round's garbage is not this round's cost)
        waits.clear()
        findings = 0
        start = time.thread_time()
        for path, tree, rule_set, lines, facts in prepared:
            errors: list[str] = []
            findings += len(walk_statements(rule_set, tree, tree.body, lines, facts, path, fresh, errors))
        walk = time.thread_time() - start
        results.append(walk)
        print(f"round {number + 1}: walk {walk:.2f} s CPU ({len(waits)} jedi answers, {sum(waits):.2f} s of it waiting), {findings} raw findings", flush=True)
    if profile is not None:
        fresh = pickle.loads(pickled_index)
        _build_model_steps(fresh)
        gc.collect()
        profiler = cProfile.Profile()
        for path, tree, rule_set, lines, facts in prepared:
            profiler.runcall(walk_statements, rule_set, tree, tree.body, lines, facts, path, fresh, [])
        profiler.dump_stats(profile)
    print(f"{len(trees)} files, {kloc:.1f} KLOC: walk best {min(results):.2f} s CPU; load averages {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", default=list(ALL_PROJECTS), help="corpus projects (corpus.toml names)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="profile one more round into this file")
    args = parser.parse_args()
    run(args.names, args.rounds, args.profile)


if __name__ == "__main__":
    main()
