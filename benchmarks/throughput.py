"""Throughput of `review-ls check` over real code, next to `ast.parse` alone on the same files.

Default corpus: the first 300 non-test modules of the running Python's standard library.
Prints KLOC/s for both and their ratio, then a cold and a warm run with the result cache.
Targets (2 cores): >= 50 KLOC/s end to end with all rules on; a warm run >= 10x faster than a cold one.

    python benchmarks/throughput.py [--files N] [--jobs N] [PATH ...]
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
import time
import warnings
from pathlib import Path


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


def main() -> None:
    """Run the benchmark and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best is kept")
    parser.add_argument("--jedi", action="store_true", help="also print the cost of the jedi pass of the RV7 rules (jedi_cost.py)")
    args = parser.parse_args()
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
