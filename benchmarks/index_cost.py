"""Cost of the application model (issue #14, item 7): build, per-file update, memory.

Default corpus: the application packages of `benchmarks/corpus.toml` (materialise them with
`python benchmarks/corpus.py`; ~500 KLOC), else standard-library modules (no tests) in name order
until `--kloc` thousand lines. Or pass folders/files.

Prints:
- build: one process, CPU seconds for the index plus the call graph and the blocking summary of
  every function, per 100 KLOC (target <= 1.5 s). The build is timed `--builds` times, each after the
  first in a fresh process (no warm memo), and the least CPU counts: on a shared machine other load
  only ever adds CPU time (cache misses, frequency), so the least is the code's own cost; every
  figure is printed;
- memory the index and its views hold (target <= 150 MB for 400 KLOC);
- per-file update (targets <= 10 ms median, <= 50 ms p95 CPU): `update_file` with an edited text,
  then the lookups the next analysis makes — every derived view (class kinds, client classes,
  duplicates, route handlers), the call graph, what runs per invocation, which entry points write
  process state, and the blocking, client, query and taint summaries of the edited file's
  functions. The sample: every k-th file by size plus the largest (`--updates` files); each gets
  three edits in turn, each measured and then undone (the undo is not measured):
    body       a statement inserted at the top of a function's body (lines below it move);
    signature  a parameter added to a module-level function (or a method, after `self`);
    import     an import line added after the module's imports.
  The first update after the build maps which files read which (once per index); it is printed
  on its own and is not in the sample.

    python benchmarks/index_cost.py [--updates 40] [--builds 3] [--jobs 2] [--kloc 100] [PATH ...]
"""

from __future__ import annotations

import argparse
import ast
import os
import resource
import statistics
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

from review_ls.project import ProjectIndex

sys.path.insert(0, str(Path(__file__).parent))
from corpus import load_manifest  # noqa: E402


def stdlib_corpus(kloc: float) -> list[Path]:
    """Non-test standard-library modules in name order, until `kloc` thousand lines."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files: list[Path] = []
    lines = 0
    for path in sorted(root.rglob("*.py")):
        if any(part.startswith(("test", "idle_test", "site-packages", "lib2to3")) for part in path.relative_to(root).parts):
            continue
        files.append(path)
        lines += path.read_bytes().count(b"\n")
        if lines >= kloc * 1000:
            break
    return files


def application_corpus() -> list[Path]:
    """The application packages of the pinned corpus that are materialised (none: empty)."""
    return [project.package for project in load_manifest() if project.package.is_dir()]


def timed(action: Callable[[], object]) -> tuple[float, float, object]:
    """Wall seconds and CPU seconds (this process) `action()` took, and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def model_cpu(files: list[Path], roots: list[Path]) -> tuple[float, ProjectIndex, float, float, float, int]:
    """Build the model in this process: (CPU of index + graph + summaries, the index, build wall, build CPU, graph CPU, functions that block)."""
    serial, serial_cpu, built = timed(lambda: ProjectIndex.build(files, roots, jobs=1))
    index = built
    assert isinstance(index, ProjectIndex)

    def summarise_all() -> int:
        graph = index.call_graph
        return sum(graph.blocking_chain(f.qualname) is not None for p in files for m in (index.call_facts(str(p)),) if m for f in m.functions)

    _, graph_cpu, blocking = timed(summarise_all)
    assert isinstance(blocking, int)
    return serial_cpu + graph_cpu, index, serial, serial_cpu, graph_cpu, blocking


def fresh_model_cpu(paths: list[Path]) -> float:
    """The CPU seconds of one model build in a fresh process (same corpus)."""
    command = [sys.executable, __file__, "--build-only", *map(str, paths)]
    return float(subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])


def resident_mb() -> float:
    """This process's resident memory now, in MB (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_resident_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def edited(text: str, kind: str) -> str | None:
    """`text` with one edit of `kind` (body, signature, import), or None when the file has no place for it."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    lines = text.splitlines(keepends=True)
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if kind == "import":
        imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        at = imports[-1].end_lineno if imports else 0
        return "".join([*lines[:at], "import json as _bench_json\n", *lines[at:]])
    if not functions:
        return None
    function = functions[len(functions) // 2]
    if kind == "body":
        first = function.body[0]
        indent = " " * first.col_offset
        return "".join([*lines[: first.lineno - 1], f"{indent}_bench_marker = 1\n", *lines[first.lineno - 1 :]])
    module_level = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    function = module_level[len(module_level) // 2] if module_level else function
    arguments = [*function.args.posonlyargs, *function.args.args]
    if not module_level and arguments:  # a method: the new parameter goes after `self`
        anchor = arguments[0]
        line = lines[anchor.end_lineno - 1]  # type: ignore[operator]
        cut = anchor.end_col_offset
        new = line[:cut] + ", _bench_extra=None" + line[cut:]  # type: ignore[index]
        if arguments[1:] and not function.args.defaults:
            new = line[:cut] + ", _bench_extra" + line[cut:]  # type: ignore[index]
        return "".join([*lines[: anchor.end_lineno - 1], new, *lines[anchor.end_lineno :]])  # type: ignore[operator]
    line = lines[function.lineno - 1]
    opening = line.find("(", line.find(function.name))
    if opening < 0:
        return None
    return "".join([*lines[: function.lineno - 1], line[: opening + 1] + "_bench_extra, " + line[opening + 1 :], *lines[function.lineno :]])


def next_lookups(index: ProjectIndex, path: str) -> None:
    """What the next analysis asks of the model after `path` changed."""
    index.client_class_names, index.classes, index.duplicate_of(path, 1), index.route_handler_names
    graph = index.call_graph
    index.per_invocation.path_to("")
    index.process_state.mutators("")
    facts = index.call_facts(path)
    for function in facts.functions if facts else ():
        graph.blocking_chain(function.qualname)
        index.client_summaries.built_by(function.qualname)
        index.queries.query_chain(function.qualname)
        index.taint_sink_chain(function.qualname, 0)


def update_cost(index: ProjectIndex, path: Path, text: str) -> float:
    """CPU seconds to update one file with `text` and answer the next lookups."""
    cpu = time.process_time()
    index.update_file(str(path), text)
    next_lookups(index, str(path))
    return time.process_time() - cpu


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--kloc", type=float, default=100, help="size of the standard-library corpus, when the application corpus is absent")
    parser.add_argument("--jobs", type=int, default=1, help="also time a build in this many processes (wall)")
    parser.add_argument("--updates", type=int, default=40, help="how many files get the three edits")
    parser.add_argument("--builds", type=int, default=3, help="time the model build this many times (each after the first in a fresh process)")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)  # (one timed build, for --builds)
    args = parser.parse_args()
    roots = args.paths or application_corpus()
    if roots:
        files = [p for root in roots for p in (sorted(root.rglob("*.py")) if root.is_dir() else [root])]
        model_roots = [root if root.is_dir() else root.parent for root in roots]
    else:
        files = stdlib_corpus(args.kloc)
        model_roots = sorted({p.parent for p in files})[:1]
    kloc = sum(p.read_bytes().count(b"\n") for p in files) / 1000
    if args.build_only:
        print(model_cpu(files, model_roots)[0])
        return
    print(f"corpus: {len(files)} files, {kloc:,.1f} KLOC, {len(model_roots)} roots")

    resident_before = resident_mb()
    first_cpu, index, serial, serial_cpu, graph_cpu, blocking = model_cpu(files, model_roots)
    print(f"build, 1 process:     {serial:6.2f} s wall, {serial_cpu:6.2f} s CPU  ({kloc / serial_cpu:,.0f} KLOC per CPU second)")
    views_wall, views_cpu, _ = timed(lambda: next_lookups(index, str(files[0])))
    print(f"call graph + 'blocks' summary of every function: {graph_cpu:6.2f} s CPU ({blocking} functions block)")
    print(f"first lookup of every derived view: {views_wall * 1000:6.1f} ms wall, {views_cpu * 1000:6.1f} ms CPU")
    builds = [first_cpu, *(fresh_model_cpu(args.paths) for _ in range(args.builds - 1))]
    print(
        f"application model per 100 KLOC: {min(builds) * 100 / kloc:6.2f} s CPU (index build + graph + summaries; least of "
        f"{len(builds)} builds: {', '.join(f'{b * 100 / kloc:.2f}' for b in builds)})  target <= 1.5 s"
    )
    print(
        f"memory: the index and its views hold {resident_mb() - resident_before:6.1f} MB; process {resident_mb():6.1f} MB resident, "
        f"peak {peak_resident_mb():6.1f} MB  target <= 150 MB for 400 KLOC"
    )
    if args.jobs > 1:
        parallel, _, _ = timed(lambda: ProjectIndex.build(files, model_roots, jobs=args.jobs, parallel_threshold=1))
        print(f"build, {args.jobs} processes:   {parallel:6.2f} s wall")

    by_size = sorted(files, key=lambda p: p.stat().st_size)
    step = max(1, len(by_size) // max(1, args.updates - 1))
    sample = list(dict.fromkeys([by_size[-1], *by_size[::step]]))[: args.updates]
    texts = {path: path.read_text(encoding="utf-8", errors="replace") for path in sample}
    warm_up = by_size[len(by_size) // 2]
    warm_text = warm_up.read_text(encoding="utf-8", errors="replace")
    first = update_cost(index, warm_up, edited(warm_text, "import") or warm_text + "\nimport json as _bench_json\n")
    index.update_file(str(warm_up), warm_text)
    print(f"first update after the build (maps which files read which, once): {first * 1000:.1f} ms CPU")
    costs: dict[str, list[float]] = {"body": [], "signature": [], "import": []}
    worst = (0.0, "")
    for path in sample:
        for kind, found in costs.items():
            text = edited(texts[path], kind)
            if text is None:
                continue
            cost = update_cost(index, path, text)
            found.append(cost)
            worst = max(worst, (cost, f"{kind} edit of {path.name}, {texts[path].count(chr(10))} lines"))
            index.update_file(str(path), texts[path])
            next_lookups(index, str(path))
    every = [c for found in costs.values() for c in found]

    def summary(found: list[float]) -> str:
        p95 = statistics.quantiles(found, n=20)[-1] if len(found) > 1 else found[0]
        return f"median {statistics.median(found) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms CPU ({len(found)} updates)"

    for kind, found in costs.items():
        if found:
            print(f"update, {kind:9} edit + next lookups: {summary(found)}")
    print(f"update, every edit + next lookups:     {summary(every)}  targets <= 10 / <= 50 ms; worst {worst[0] * 1000:.1f} ms ({worst[1]})")
    print(f"(machine load while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; wall times grow with load)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
