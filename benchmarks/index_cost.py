"""Cost of the project index: build over ~100 KLOC of real code, then update single files.

Default corpus: standard-library modules (no tests), taken in name order until `--kloc` thousand
lines. Prints the build time (serial and with `--jobs` processes), the time of the first lookup
after a change (derived views), and the time to update one file (median and worst of a sample,
largest file included). Targets (2 cores): build 100 KLOC < 5 s, update one file < 50 ms.

    python benchmarks/index_cost.py [--kloc 100] [--jobs 2] [--updates 20] [PATH ...]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import sysconfig
import time
from pathlib import Path

from review_ls.project import ProjectIndex


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


def timed(action) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """Wall seconds and CPU seconds (this process) `action()` took, and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def resident_mb() -> float:
    """This process's resident memory now, in MB (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_resident_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def update_and_look_up(index: ProjectIndex, path: Path) -> tuple[float, float]:
    """Wall and CPU seconds to update one file with a changed fact and answer the next lookups."""
    text = path.read_text(encoding="utf-8", errors="replace") + "\n\nclass AddedForTheBenchmark:\n    pass\n"
    wall, cpu = time.perf_counter(), time.process_time()
    index.update_file(str(path), text)
    index.client_class_names, index.duplicate_of(str(path), 1)  # the lookups rebuild the derived views
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--kloc", type=float, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--updates", type=int, default=20)
    args = parser.parse_args()
    files = [p for root in args.paths for p in (sorted(root.rglob("*.py")) if root.is_dir() else [root])] if args.paths else stdlib_corpus(args.kloc)
    kloc = sum(p.read_bytes().count(b"\n") for p in files) / 1000
    roots = sorted({str(p.parent) for p in files})[:1]
    print(f"corpus: {len(files)} files, {kloc:,.1f} KLOC")

    resident_before = resident_mb()
    serial, serial_cpu, index = timed(lambda: ProjectIndex.build(files, roots, jobs=1))
    print(f"build, 1 process:     {serial:6.2f} s wall, {serial_cpu:6.2f} s CPU  ({kloc / serial_cpu:,.0f} KLOC per CPU second)")
    assert isinstance(index, ProjectIndex)
    views, views_cpu, _ = timed(lambda: (index.client_class_names, index.settings_targets_for(str(files[0])), index.duplicate_of("", 0), index.route_handler_names))
    print(f"first lookup (derived views): {views * 1000:6.1f} ms wall, {views_cpu * 1000:6.1f} ms CPU")
    print(
        f"memory: the index and its views hold {resident_mb() - resident_before:6.1f} MB; process {resident_mb():6.1f} MB resident, "
        f"peak {peak_resident_mb():6.1f} MB  target <= 150 MB for 400 KLOC"
    )
    parallel, _, _ = timed(lambda: ProjectIndex.build(files, roots, jobs=args.jobs, parallel_threshold=1))
    print(f"build, {args.jobs} processes:   {parallel:6.2f} s wall  target < 5 s per 100 KLOC")

    if hasattr(index, "call_graph"):
        def summarise_all() -> int:
            graph = index.call_graph
            return sum(graph.blocking_chain(facts.qualname) is not None for facts in (f for m in (index.call_facts(str(p)) for p in files) if m for f in m.functions))

        graph_wall, graph_cpu, blocking = timed(summarise_all)
        print(f"call graph + 'blocks' summary of every function: {graph_wall:6.2f} s wall, {graph_cpu:6.2f} s CPU ({blocking} functions block)")
        print(f"application model per 100 KLOC: {(serial_cpu + graph_cpu) * 100 / kloc:6.2f} s CPU (index build + graph + summaries)  target <= 1.5 s")

    by_size = sorted(files, key=lambda p: p.stat().st_size)
    sample = [by_size[-1], *by_size[:: max(1, len(by_size) // max(1, args.updates - 1))]][: args.updates]
    costs = [(update_and_look_up(index, path), path) for path in sample]
    (worst, worst_cpu), worst_path = max(costs, key=lambda c: c[0][1])
    worst_lines = worst_path.read_bytes().count(b"\n")
    median = statistics.median(cpu for (_, cpu), _ in costs)
    p95 = statistics.quantiles([cpu for (_, cpu), _ in costs], n=20)[-1] if len(costs) > 1 else median
    print(
        f"update one file + next lookup: median {median * 1000:.1f} ms CPU, p95 {p95 * 1000:.1f} ms CPU (targets <= 10 / <= 50 ms); worst {worst_cpu * 1000:.1f} ms CPU, "
        f"{worst * 1000:.1f} ms wall ({worst_path.name}, {worst_lines} lines)"
    )
    print(f"(machine load while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; wall times grow with load)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
