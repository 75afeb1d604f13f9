"""Throughput of `review-ls check` over real code, next to `ast.parse` alone on the same files.

Default corpus: the first 300 non-test modules of the running Python's standard library.
Prints KLOC/s for both and their ratio, then a cold and a warm run with the result cache.
Targets (2 cores): >= 50 KLOC/s end to end with all rules on; a warm run >= 10x faster than a cold one.

`--app` measures the application corpus instead (the pinned back ends of `corpus.toml`, materialised
by `benchmarks/corpus.py`; FastAPI/Django/Flask code that wakes up the project index, type
inference and jedi): `review-ls check` (all rules, no cache) beside `ruff check --select ALL
--no-cache` on the same folders in the same run, alternating, with wall and CPU seconds, peak
memory of each process tree, and the ratio. Targets: >= 50 KLOC/s, within 4x of ruff's wall time,
<= 200 MB in total.

Memory of a process tree (the CLI and its workers, sampled every 100 ms; the peak is printed): the sum of
the processes' proportional set sizes (PSS, Linux `/proc/<pid>/smaps_rollup`), which counts a page that
forked workers still share with their parent once (split among its sharers) — what the run costs the
machine. The sum of resident set sizes (RSS) is printed beside it: it counts each shared page once per
process that maps it, so it overstates a forked pool (and is what `ps`/`top` add up to).

    python benchmarks/throughput.py [--files N] [--jobs N] [PATH ...]
    python benchmarks/throughput.py --app [--no-jedi] [--repeat N] [--jobs N] [NAME ...]
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from process_tree import descendants, smaps_rollup_kb


def stdlib_corpus(count: int) -> list[Path]:
    """The first `count` non-test modules of the standard library, by name."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(
        p
        for p in root.rglob("*.py")
        if not any(part.startswith(("test", "idle_test", "site-packages")) for part in p.relative_to(root).parts)
    )
    return files[:count]


def count_lines(files: list[Path]) -> int:
    """Total number of lines in `files`."""
    return sum(p.read_bytes().count(b"\n") for p in files)


def time_ast_parse(files: list[Path]) -> float:
    """Seconds to read and ast.parse every file on one core."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in files:
            try:
                ast.parse(path.read_bytes())
            except SyntaxError:
                pass
    return time.perf_counter() - start


def copy_corpus(files: list[Path], scratch: Path) -> None:
    """Copy the files into one scratch folder (numbered, so equal names do not collide)."""
    for index, path in enumerate(files):
        shutil.copy(path, scratch / f"{index:04d}_{path.name}")


def time_check(scratch: Path, jobs: int | None, extra: list[str]) -> float:
    """Seconds for one `review-ls check` run (a new process, as a user runs it) over the scratch folder."""
    command = [sys.executable, "-m", "review_ls", "check", str(scratch), "--format", "json", "-o", os.devnull, *extra]
    if jobs:
        command += ["--jobs", str(jobs)]
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if completed.returncode not in (0, 1):
        sys.exit(f"review-ls check failed ({completed.returncode}): {completed.stderr.strip()}")
    return elapsed


def time_cold_and_warm(scratch: Path, jobs: int | None) -> tuple[float, float]:
    """Seconds for a run that fills an empty result cache, then for a re-run over the unchanged files."""
    cache = scratch / ".review-ls-cache"
    shutil.rmtree(cache, ignore_errors=True)
    options = ["--cache-dir", str(cache)]
    cold = time_check(scratch, jobs, options)
    warm = time_check(scratch, jobs, options)
    return cold, warm


@dataclass(frozen=True)
class Run:
    """One command run: wall and CPU seconds (the process and its children) and the peak memory of its process tree."""

    wall: float
    cpu: float
    peak_mb: float  # peak of the tree's summed proportional set sizes (shared pages counted once)
    peak_rss_mb: float = 0.0  # peak of the tree's summed resident set sizes (shared pages counted per process)


@dataclass(frozen=True)
class TreeMemory:
    """Memory of a process tree at one moment, in MB: PSS summed (each page once) and RSS summed (shared pages per process)."""

    pss_mb: float
    rss_mb: float


def tree_memory(root: int) -> TreeMemory:
    """Memory of `root` and all its descendants: summed PSS (shared pages once; RSS where PSS is unknown) and summed RSS."""
    pss_kb = rss_kb = 0
    for pid in descendants(root):
        rollup = smaps_rollup_kb(pid, ("Pss", "Rss"))
        rss = rollup.get("Rss", _status_rss_kb(pid))
        rss_kb += rss
        pss_kb += rollup.get("Pss", rss)
    return TreeMemory(pss_kb / 1024, rss_kb / 1024)


def _status_rss_kb(pid: int) -> int:
    """A process's resident set size in KB from /proc/<pid>/status (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return 0


def run_measured(command: list[str], cwd: Path | None = None) -> Run:
    """Run `command` (in `cwd`) to its end, sampling the memory of its process tree every 100 ms."""
    before = os.times()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=cwd)
    peak = TreeMemory(0.0, 0.0)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.1):
            now = tree_memory(process.pid)
            peak = TreeMemory(max(peak.pss_mb, now.pss_mb), max(peak.rss_mb, now.rss_mb))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    after = os.times()
    if process.returncode not in (0, 1):
        sys.exit(f"{command[0]} failed ({process.returncode}): {stderr.strip()[-500:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return Run(wall, cpu, peak.pss_mb, peak.rss_mb)


def app_corpus(names: list[str]) -> list[Path]:
    """The application packages of the pinned corpus that are materialised (all, or the named ones)."""
    from corpus import load_manifest

    projects = [p for p in load_manifest() if not names or p.name in names]
    missing = [p.name for p in projects if not p.package.is_dir()]
    if missing:
        print(f"not materialised (run benchmarks/corpus.py): {', '.join(missing)}", file=sys.stderr)
    return [p.package for p in projects if p.package.is_dir()]


def compare_with_ruff(packages: list[Path], jobs: int | None, repeat: int, output_format: str, jedi: bool = True) -> None:
    """Run review-ls (without jedi when `jedi` is False) and ruff over `packages`, alternating, and print the best run
    of each and their ratio."""
    files = [p for package in packages for p in package.rglob("*.py")]
    kloc = count_lines(files) / 1000
    cli = ["-m", "review_ls"] if jedi else [str(Path(__file__).with_name("without_jedi.py"))]
    review = [sys.executable, *cli, "check", *map(str, packages), "--select", "ALL", "--no-cache", "--format", output_format, "-o", os.devnull]
    if jobs:
        review += ["--jobs", str(jobs)]
    ruff = ["ruff", "check", "--select", "ALL", "--no-cache", "--exit-zero", "-q", "-o", os.devnull, *map(str, packages)]
    if shutil.which("ruff") is None:
        sys.exit("ruff is not installed (pip install ruff)")
    load_before = os.getloadavg()
    ours: list[Run] = []
    theirs: list[Run] = []
    home = Path(os.path.commonpath([str(p) for p in packages]))  # both run from where the projects are, as a user would
    for _ in range(repeat):
        ours.append(run_measured(review, home))
        theirs.append(run_measured(ruff, home))
    load_after = os.getloadavg()
    best, ruff_best = min(ours, key=lambda r: r.wall), min(theirs, key=lambda r: r.wall)
    print(
        f"application corpus: {len(packages)} projects, {len(files)} files, {kloc:.1f} KLOC, {os.cpu_count()} cores; "
        f"review-ls --format {output_format}{'' if jedi else ', jedi off (every jedi-budget-ms 0)'}"
    )
    print(f"load average (1/5/15 min): before {'/'.join(f'{x:.1f}' for x in load_before)}, after {'/'.join(f'{x:.1f}' for x in load_after)}")
    for label, runs, chosen in (("review-ls check (all rules, no cache)", ours, best), ("ruff check --select ALL --no-cache", theirs, ruff_best)):
        walls = ", ".join(f"{r.wall:.1f}" for r in runs)
        print(
            f"{label:40s} {kloc / chosen.wall:7.1f} KLOC/s  wall {chosen.wall:6.2f} s  CPU {chosen.cpu:6.2f} s  "
            f"({kloc / chosen.cpu:5.1f} KLOC per CPU s)  peak {chosen.peak_mb:5.0f} MB PSS ({chosen.peak_rss_mb:5.0f} MB RSS)  [walls: {walls}]"
        )
    print("memory: peak of the process tree's summed PSS (pages shared with forked workers counted once); summed RSS beside it")
    print(f"ratio review-ls/ruff, wall: {best.wall / ruff_best.wall:5.2f}x  (target <= 4x)   CPU: {best.cpu / ruff_best.cpu:5.2f}x")
    print(f"targets: >= 50 KLOC/s ({'met' if kloc / best.wall >= 50 else 'not met'}), peak PSS <= 200 MB ({'met' if best.peak_mb <= 200 else 'not met'})")


def main() -> None:
    """Run the benchmark and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best is kept")
    parser.add_argument("--jedi", action="store_true", help="also print the cost of the jedi pass of the RV7 rules (jedi_cost.py)")
    parser.add_argument("--format", default="text", help="review-ls output format with --app (json and sarif also compute every fix)")
    parser.add_argument("--app", action="store_true", help="the application corpus (corpus.toml; PATHs are project names) beside ruff")
    parser.add_argument("--no-jedi", action="store_true", help="with --app: review-ls with jedi off, as `jedi = false` would run it")
    args = parser.parse_args()
    if args.app:
        compare_with_ruff(app_corpus([str(p) for p in args.paths]), args.jobs, args.repeat, args.format, jedi=not args.no_jedi)
        return
    files = [p for root in args.paths for p in (sorted(root.rglob("*.py")) if root.is_dir() else [root])] if args.paths else stdlib_corpus(args.files)
    kloc = count_lines(files) / 1000
    parse_seconds = min(time_ast_parse(files) for _ in range(args.repeat))
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        copy_corpus(files, scratch)
        check_seconds = min(time_check(scratch, args.jobs, ["--no-cache"]) for _ in range(args.repeat))
        runs = [time_cold_and_warm(scratch, args.jobs) for _ in range(args.repeat)]
    cold = min(run[0] for run in runs)
    warm = min(run[1] for run in runs)
    print(f"corpus: {len(files)} files, {kloc:.1f} KLOC, {os.cpu_count()} cores")
    print(f"ast.parse (1 core):          {kloc / parse_seconds:8.1f} KLOC/s  ({parse_seconds * 1000:.0f} ms)")
    print(f"review-ls check (all rules): {kloc / check_seconds:8.1f} KLOC/s  ({check_seconds * 1000:.0f} ms, incl. start-up)")
    print(f"ratio check/ast.parse:       {parse_seconds / check_seconds:8.2f}")
    print(f"cache, cold run:             {cold * 1000:8.0f} ms  (empty cache, fills it)")
    print(f"cache, warm run:             {warm * 1000:8.0f} ms  (unchanged files)")
    print(f"cache speed-up cold/warm:    {cold / warm:8.1f}x  (target >= 10x)")
    if args.jedi:
        from jedi_cost import measure, report

        roots = [p if p.is_dir() else p.parent for p in args.paths] or [Path(sysconfig.get_paths()["stdlib"])]
        print("\n".join(report(*measure(files, roots))))


if __name__ == "__main__":
    main()
