"""Warm-cache re-check after one edited file in a large tree: `review-ls check` wall time, cold / warm / one edit.

Copies projects of the corpus under ~/.cache/review-ls-corpus (or generates modules when it is
absent) into a temporary folder until it holds `--kloc` thousand lines of Python, then times
`review-ls check` as a subprocess (`--format json`, output discarded):

- cold: empty cache;
- warm: nothing changed;
- one edit: one module's body changed (a statement appended), every other file unchanged.

for the default rule set (cross-file rules on: the cache is keyed by the whole tree) and for the
single-file rules only (`--select`, the cache keyed per file). Prints seconds and how many files
were analysed again (entries written).

    python benchmarks/cache_incremental.py [--kloc 400] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CORPUS = Path.home() / ".cache" / "review-ls-corpus"
SINGLE_FILE_RULES = "RV1,RV203,RV301,RV302,RV303,RV306,RV501,RV502,RV503,RV505,RV506,RV507,RV508,RV8"


def build_tree(target: Path, kloc: int) -> int:
    """Fill `target` with corpus projects (or generated modules) up to `kloc` thousand lines; return the lines."""
    (target / "pyproject.toml").write_text("[tool.review-ls]\n", encoding="utf-8")
    total = 0
    if CORPUS.is_dir():
        for source in sorted(CORPUS.rglob("*.py")):
            if total >= kloc * 1000:
                break
            if not source.is_file() or ".git" in source.parts:
                continue
            copy = target / source.relative_to(CORPUS)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)
            total += source.read_bytes().count(b"\n")
        return total
    from large_source import generate

    index = 0
    while total < kloc * 1000:
        source = generate(200_000)
        (target / "generated").mkdir(exist_ok=True)
        (target / "generated" / f"module_{index:03d}.py").write_text(source, encoding="utf-8")
        total += source.count("\n")
        index += 1
    return total


def entries(tree: Path) -> set[Path]:
    """The cache entry files now present."""
    return set((tree / ".review-ls-cache").glob("*/*.json"))


def timed_check(tree: Path, select: str | None, jobs: int) -> tuple[float, int]:
    """Seconds one `review-ls check` took, and how many cache entries it wrote (files analysed)."""
    before = {path: path.stat().st_mtime_ns for path in entries(tree)}
    command = [sys.executable, "-m", "review_ls", "check", ".", "--format", "json", "--jobs", str(jobs)]
    if select:
        command += ["--select", select]
    started = time.perf_counter()
    completed = subprocess.run(command, check=False, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=os.environ)
    elapsed = time.perf_counter() - started
    if completed.returncode not in (0, 1):
        raise SystemExit(f"review-ls check failed ({completed.returncode}): {completed.stderr.strip()}")
    written = sum(1 for path in entries(tree) if before.get(path) != path.stat().st_mtime_ns)
    return elapsed, written


def main() -> None:
    """Build the tree, time the three runs per rule set, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kloc", type=int, default=400)
    parser.add_argument("--jobs", type=int, default=2)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="review-ls-cache-bench-") as folder:
        tree = Path(folder)
        lines = build_tree(tree, options.kloc)
        files = sorted(tree.rglob("*.py"))
        print(f"tree: {lines / 1000:.0f} KLOC in {len(files)} files ({'corpus' if CORPUS.is_dir() else 'generated'}), jobs={options.jobs}")
        print(f"{'rules':<12} {'cold s':>8} {'warm s':>8} {'1 edit s':>9} {'re-analysed':>12}")
        edited = max(files, key=lambda path: path.stat().st_size)
        for label, select in (("single-file", SINGLE_FILE_RULES), ("default", None)):
            shutil.rmtree(tree / ".review-ls-cache", ignore_errors=True)
            cold, _ = timed_check(tree, select, options.jobs)
            warm, _ = timed_check(tree, select, options.jobs)
            with edited.open("a", encoding="utf-8") as handle:
                handle.write(f"\n_benchmark_edit_{label.replace('-', '_')} = 1\n")
            one_edit, analysed = timed_check(tree, select, options.jobs)
            print(f"{label:<12} {cold:>8.2f} {warm:>8.2f} {one_edit:>9.2f} {analysed:>12}")


if __name__ == "__main__":
    main()
