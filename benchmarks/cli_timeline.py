"""The wall-clock timeline of one `review-ls check` run: its phases, how many cores are busy in each, and the pools' tails.

Runs `review-ls check` (default: the application corpus, `--select ALL --no-cache`) in a child process whose
phases are marked by thin wrappers (discovery, index build, the parent's pre-fork derive, the check pool,
output), while this process samples the CPU time of the child's whole process tree every 100 ms. Prints:
- each phase's start, end and length (from process start) and the mean number of busy cores in it;
- per pool worker: when it finished its last file, and the files it checked last (a long tail costs wall time);
- the busy cores over time, in 0.5 s steps.

    python benchmarks/cli_timeline.py [--jobs N] [--format text|json] [--no-jedi] [-- CHECK-ARGS ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from process_tree import descendants, process_table

_TICK = os.sysconf("SC_CLK_TCK")

# Runs in the child: wraps the phase functions, then runs the CLI. Events are JSON lines appended to a file
# (O_APPEND writes of one line are atomic, so forked workers append to the same file).
_CHILD = r"""
import json, os, sys, time
events_fd = os.open(sys.argv.pop(1), os.O_WRONLY | os.O_APPEND)
if sys.argv.pop(1) == "no-jedi":
    sys.path.insert(0, sys.argv.pop(1))
    from without_jedi import turn_jedi_off
    turn_jedi_off()
sys.argv[0] = "review-ls"
def mark(kind, name, **extra):
    os.write(events_fd, (json.dumps({"t": time.time(), "cpu": time.process_time(), "pid": os.getpid(), "kind": kind, "name": name, **extra}) + "\n").encode())
mark("start", "imports")
import review_ls.cli as cli, review_ls.files as files, review_ls.runner as runner, review_ls.worker_start as worker_start
import review_ls.worker_lifetime as lifetime, review_ls.output as output, review_ls.cli_progress as progress
try:
    import review_ls.claimed_chunks as claimed
except ImportError:  # (a version before the parent checked files too)
    claimed = None
import concurrent.futures.process as futures_process
from review_ls.project import index as index_module
mark("end", "imports")

def phase(module, attribute, name, generator=False):
    original = getattr(module, attribute)
    def wrapped(*args, **kwargs):
        mark("start", name)
        try:
            if generator:
                yield from original(*args, **kwargs)
            else:
                return original(*args, **kwargs)
        finally:
            mark("end", name)
    if not generator:
        def wrapped(*args, **kwargs):  # noqa: F811
            mark("start", name)
            try:
                return original(*args, **kwargs)
            finally:
                mark("end", name)
    wrapped.__module__, wrapped.__qualname__, wrapped.__name__ = original.__module__, original.__qualname__, original.__name__
    setattr(module, attribute, wrapped)

def per_item(module, attribute, name):
    original = getattr(module, attribute)
    def wrapped(item, *rest):
        start = time.time()
        try:
            return original(item, *rest)
        finally:
            path = getattr(item, "path", None) or (item[0] if isinstance(item, tuple) else "?")
            os.write(events_fd, (json.dumps({"t": time.time(), "start": start, "pid": os.getpid(), "kind": "item", "name": name, "path": str(path)}) + "\n").encode())
    wrapped.__module__, wrapped.__qualname__, wrapped.__name__ = original.__module__, original.__qualname__, original.__name__
    setattr(module, attribute, wrapped)

phase(files, "discover_python_files", "discovery", generator=True)
phase(cli, "index_project", "index (whole)")
phase(index_module.ProjectIndex, "build", "index build (read+extract)")
phase(worker_start, "prepare_shared_model", "pre-fork derive")
phase(lifetime, "map_in_pool", "pool", generator=True)
if claimed is not None:
    phase(claimed, "map_claimed", "check pool", generator=True)
phase(output, "formatter", "formatter lookup")
phase(progress, "with_progress", "reports (check_files consumed)", generator=True)
phase(futures_process.ProcessPoolExecutor, "shutdown", "pool shutdown")
phase(runner, "_check_in_processes", "check (in processes)", generator=True)
phase(runner, "_check_uncached", "check (uncached)", generator=True)
per_item(runner, "check_file", "check")
per_item(index_module, "_read_and_extract", "index")
from review_ls.project import jedi_adapter
original_answer = jedi_adapter.JediAdapter._answer
def answer(self, operation, source, path, *rest):
    start, cpu = time.time(), time.process_time()
    try:
        return original_answer(self, operation, source, path, *rest)
    finally:
        os.write(events_fd, (json.dumps({"t": time.time(), "start": start, "cpu": time.process_time() - cpu, "pid": os.getpid(), "kind": "jedi", "name": operation, "path": str(path)}) + "\n").encode())
jedi_adapter.JediAdapter._answer = answer
original_emit = cli._emit
def emit(*args, **kwargs):
    mark("start", "output")
    try:
        return original_emit(*args, **kwargs)
    finally:
        mark("end", "output")
cli._emit = emit
code = cli.run() if hasattr(cli, "run") else cli.main()
mark("end", "main")
sys.exit(code)
"""


def tree_cpu_seconds(root: int) -> tuple[float, int]:
    """CPU seconds (user + system) of `root` and every live descendant, and how many processes that is."""
    table = process_table()
    tree = [pid for pid in descendants(root, table) if pid in table]
    return sum(table[pid][1] for pid in tree), len(tree)


def machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine have run (busy, not idle or waiting on I/O) since boot."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / _TICK


@dataclass
class MarkedRun:
    """One `review-ls check` running in a child whose phases, pool items and jedi answers are marked (`_CHILD`)."""

    process: subprocess.Popen[bytes]
    events_path: str
    start_time: float
    load: tuple[float, float, float]

    @classmethod
    def start(cls, check_args: list[str], jobs: int | None, output_format: str, jedi: bool = True) -> MarkedRun:
        """Start the run: `check_args`, or else the application corpus with all rules and no cache (from the folder
        holding it, as a user would run it); with `jedi` False, every rule's jedi budget 0 (`without_jedi.py`)."""
        cwd = None
        if not check_args:
            sys.path.insert(0, str(Path(__file__).parent))
            from throughput import app_corpus

            packages = app_corpus([])
            cwd = os.path.commonpath([str(p) for p in packages])
            check_args = [*map(str, packages), "--select", "ALL", "--no-cache"]
        check_args = [*check_args, "--format", output_format, "-o", os.devnull]
        if jobs:
            check_args += ["--jobs", str(jobs)]
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
            events_path = handle.name
        load = os.getloadavg()
        start_time = time.time()
        jedi_mode = ["jedi"] if jedi else ["no-jedi", str(Path(__file__).parent)]
        process = subprocess.Popen([sys.executable, "-c", _CHILD, events_path, *jedi_mode, "check", *check_args], cwd=cwd, stdout=subprocess.DEVNULL)
        return cls(process, events_path, start_time, load)

    def events(self) -> list[dict[str, Any]]:
        """The marks the finished run wrote (read once: the file is removed)."""
        events = [json.loads(line) for line in Path(self.events_path).read_text().splitlines()]
        os.unlink(self.events_path)
        return events


def parent_phases(events: list[dict[str, Any]], start: float, parent: int | None) -> list[tuple[float, float, str, float]]:
    """The parent's marked phases, sorted: (start, end, name, the parent's CPU seconds in it), in seconds from `start`."""
    opened: dict[str, list[tuple[float, float]]] = {}
    rows: list[tuple[float, float, str, float]] = []
    for event in events:
        if event["pid"] != parent or event["kind"] not in ("start", "end"):
            continue
        t = event["t"] - start
        if event["kind"] == "start":
            opened.setdefault(event["name"], []).append((t, event["cpu"]))
        elif opened.get(event["name"]):
            t0, cpu0 = opened[event["name"]].pop()
            rows.append((t0, t, event["name"], event["cpu"] - cpu0))
    return sorted(rows)


def main() -> None:
    """Run the CLI once and print its timeline."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--format", default="text")
    parser.add_argument("--tail", type=int, default=3, help="files shown per worker at the end of each pool")
    parser.add_argument("--no-jedi", action="store_true", help="every rule's jedi budget 0, as `jedi = false` would run it")
    parser.add_argument("check_args", nargs="*", help="arguments of `review-ls check` (default: the application corpus, all rules, no cache)")
    args = parser.parse_args()
    run = MarkedRun.start(args.check_args, args.jobs, args.format, jedi=not args.no_jedi)
    process, start, load = run.process, run.start_time, run.load
    samples: list[tuple[float, float, float]] = []
    while process.poll() is None:
        cpu, _ = tree_cpu_seconds(process.pid)
        samples.append((time.time() - start, cpu, machine_busy_seconds()))
        time.sleep(0.1)
    wall = time.time() - start
    children = os.times()
    total_cpu = children.children_user + children.children_system
    events = run.events()
    print(f"review-ls check: wall {wall:.2f} s, CPU {total_cpu:.2f} s, exit {process.returncode}; load before {'/'.join(f'{x:.1f}' for x in load)}, after {'/'.join(f'{x:.1f}' for x in os.getloadavg())}")

    def busy(t0: float, t1: float, column: int = 1) -> float:
        inside = [(sample[0], sample[column]) for sample in samples if t0 - 0.1 <= sample[0] <= t1 + 0.1]
        if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
            return float("nan")
        return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])

    parent = next((e["pid"] for e in events if e["name"] == "imports"), None)
    rows = parent_phases(events, start, parent)
    main_end = max((t1 for _, t1, name, _ in rows if name == "main"), default=None)
    print(f"{'phase':32s} {'start':>7s} {'end':>7s} {'length':>7s}  busy cores: this run, whole machine; parent's CPU s")
    print(f"{'interpreter start':32s} {0:7.2f} {rows[0][0] if rows else 0:7.2f} {rows[0][0] if rows else 0:7.2f}")
    for t0, t1, name, parent_cpu in rows:
        print(f"{name:32s} {t0:7.2f} {t1:7.2f} {t1 - t0:7.2f}  {busy(t0, t1):5.2f} {busy(t0, t1, 2):5.2f}   {parent_cpu:6.2f}")
    if main_end is not None:
        print(f"{'exit (after main)':32s} {main_end:7.2f} {wall:7.2f} {wall - main_end:7.2f}")
    items = [e for e in events if e["kind"] == "item"]
    for pool in ("index", "check"):
        done = [e for e in items if e["name"] == pool]
        if not done:
            continue
        by_pid: dict[int, list[dict[str, object]]] = {}
        for e in done:
            by_pid.setdefault(e["pid"], []).append(e)
        ends = sorted(max(float(e["t"]) for e in es) - start for es in by_pid.values())
        first = min(float(e["start"]) for e in done) - start
        print(f"{pool} pool: {len(done)} files in {len(by_pid)} processes, first file at {first:.2f} s, workers' last file ends at {', '.join(f'{t:.2f}' for t in ends)} s (tail {ends[-1] - ends[0]:.2f} s)")
        longest = sorted(done, key=lambda e: float(e["t"]) - float(e["start"]), reverse=True)[:3]
        print("  longest files: " + ", ".join(f"{Path(str(e['path'])).name} {float(e['t']) - float(e['start']):.2f} s" for e in longest))
        for pid, es in by_pid.items():
            last = sorted(es, key=lambda e: float(e["t"]))[-args.tail:]
            print(f"  {pid} last: " + ", ".join(f"{Path(str(e['path'])).name} {float(e['start']) - start:.2f}-{float(e['t']) - start:.2f}" for e in last))
    asked = [e for e in events if e["kind"] == "jedi"]
    for pid in sorted({e["pid"] for e in asked}):
        mine = sorted((e for e in asked if e["pid"] == pid), key=lambda e: float(e["start"]))
        waits = [float(e["t"]) - float(e["start"]) for e in mine]
        print(
            f"jedi in {pid}: {len(mine)} answers, {sum(waits):.2f} s waited ({sum(float(e['cpu']) for e in mine):.2f} s CPU of the process), "
            f"the first {waits[0]:.2f} s, the longest {max(waits):.2f} s"
        )
    steps = [i * 0.5 for i in range(int(wall / 0.5) + 1)]
    print("busy cores per 0.5 s, this run:     " + " ".join(f"{busy(t, t + 0.5):.1f}" for t in steps))
    print("busy cores per 0.5 s, whole machine: " + " ".join(f"{busy(t, t + 0.5, 2):.1f}" for t in steps))


if __name__ == "__main__":
    main()
