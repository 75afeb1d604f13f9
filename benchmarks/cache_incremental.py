"""Warm-cache re-check after one edited file in a large tree: `review-ls check` wall time, cold / warm / one edit.

Copies projects of the corpus under ~/.cache/review-ls-corpus (or generates modules when it is
absent) into a temporary folder until it holds `--kloc` thousand lines of Python, then times
`review-ls check` as a subprocess (`--format json`, output discarded):

- cold: empty cache;
- warm: nothing changed;
- one edit: a module of median size gets a statement appended, every other file unchanged;
- largest edit: the same for the largest module (its own analysis dominates: jedi, fixes);
- one body edit: a function body of the module the most files reach through calls and imports
  gains a line (its facts change: every file that reads them is analysed again).

for the default rule set (cross-file rules on: entries record the facts of other files they read,
`review_ls/dependency_cache.py`) and for single-file rules only (the default rules less every rule
that needs the project index, `--ignore`: entries keyed per file, no index is loaded).
Prints seconds and how many files were analysed again (entries written); with `--repeats N` the
one-edit run is repeated N times (a new edit each time) and its median and fastest are printed too,
with the load average of the machine before the runs.

    python benchmarks/cache_incremental.py [--kloc 400] [--jobs 2] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CORPUS = Path.home() / ".cache" / "review-ls-corpus"


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


def most_reached_function_file(tree: Path, files: list[Path]) -> tuple[Path, int]:
    """The file with a module-level function that the most files reach (calls and imports), and how many reach it."""
    from review_ls.project.dependencies import ModuleReach
    from review_ls.project.index import ProjectIndex

    index = ProjectIndex.build([str(f) for f in files], [str(tree)])
    reach = ModuleReach(index)
    counts: dict[str, int] = {}
    for path in index.paths:
        for reached in reach.reach(path):
            counts[reached] = counts.get(reached, 0) + 1
    candidates = [p for p in counts if _first_function_body_line(Path(p)) is not None]
    best = max(candidates, key=lambda p: (counts[p], p))
    return Path(best), counts[best]


def _first_function_body_line(path: Path) -> int | None:
    """The 0-based line of the first statement of the first module-level function (None when there is none)."""
    import ast

    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, ValueError, UnicodeDecodeError):
        return None
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.body[0].lineno > statement.lineno:
            return statement.body[0].lineno - 1
    return None


def edit_function_body(path: Path) -> None:
    """Insert `pass` before the first statement of the first module-level function (its lines and facts change)."""
    line = _first_function_body_line(path)
    assert line is not None
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    indent = lines[line][: len(lines[line]) - len(lines[line].lstrip())]
    lines.insert(line, f"{indent}pass\n")
    path.write_text("".join(lines), encoding="utf-8")


def entries(tree: Path) -> set[Path]:
    """The cache entry files now present."""
    return set((tree / ".review-ls-cache").glob("*/*.json"))


def installed_python_environment(tree: Path) -> dict[str, str]:
    """The environment of the runs: review-ls's modules load from compiled bytecode, as from an installed package.

    `PYTHONDONTWRITEBYTECODE` (set in some shells and CI) would compile every module on every run
    (~0.35 s); the bytecode goes to a folder of the temporary tree, never into the checkout.
    """
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPYCACHEPREFIX"] = str(tree.parent / f"{tree.name}-bytecode")
    return environment


def single_file_options() -> list[str]:
    """The options that turn off every rule needing the project index (what is left is the single-file rules of the default set)."""
    from review_ls.rules import codes_needing_project

    return ["--ignore", ",".join(sorted(codes_needing_project()))]


def timed_check(tree: Path, options: list[str], jobs: int) -> tuple[float, float, int]:
    """Wall seconds and CPU seconds (its processes together) of one `review-ls check`, and how many entries it wrote (files analysed).

    CPU seconds are what to compare on a machine shared with other work: wall time there is mostly waiting.
    """
    before = {path: path.stat().st_mtime_ns for path in entries(tree)}
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [sys.executable, "-m", "review_ls", "check", ".", "--format", "json", "--jobs", str(jobs), *options]
    started = time.perf_counter()
    completed = subprocess.run(command, check=False, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=installed_python_environment(tree))
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    if completed.returncode not in (0, 1):
        raise SystemExit(f"review-ls check failed ({completed.returncode}): {completed.stderr.strip()}")
    written = sum(1 for path in entries(tree) if before.get(path) != path.stat().st_mtime_ns)
    return elapsed, cpu, written


def main() -> None:
    """Build the tree, time the three runs per rule set, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kloc", type=int, default=400)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1, help="one-edit runs to time (median and fastest are printed)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="review-ls-cache-bench-") as folder:
        tree = Path(folder) / "tree"
        tree.mkdir()
        lines = build_tree(tree, options.kloc)
        files = sorted(tree.rglob("*.py"))
        print(f"tree: {lines / 1000:.0f} KLOC in {len(files)} files ({'corpus' if CORPUS.is_dir() else 'generated'}), jobs={options.jobs}")
        by_size = sorted(files, key=lambda path: (path.stat().st_size, path))
        median, largest = by_size[len(by_size) // 2], by_size[-1]
        body_edited, reached_by = most_reached_function_file(tree, files)
        print(f"one edit: {median.relative_to(tree)} ({median.stat().st_size:,} bytes); largest: {largest.relative_to(tree)} ({largest.stat().st_size:,} bytes)")
        print(f"body edit: {body_edited.relative_to(tree)} (reached by {reached_by} files)")
        print(f"load average before the runs: {' '.join(f'{load:.2f}' for load in os.getloadavg())} ({os.cpu_count()} cores)")
        print("seconds as wall / CPU (all processes of the run); each edit column is followed by the files analysed again")
        print(f"{'rules':<12} {'cold':>13} {'warm':>13} {'1 edit':>13} {'n':>4} {'largest edit':>13} {'n':>4} {'body edit':>13} {'n':>4}")
        repeated: list[tuple[str, list[tuple[float, float, int]]]] = []
        for label, rule_options in (("single-file", single_file_options()), ("default", [])):
            shutil.rmtree(tree / ".review-ls-cache", ignore_errors=True)
            cold = timed_check(tree, rule_options, options.jobs)
            warm = timed_check(tree, rule_options, options.jobs)
            edits = []
            one_edits = []
            for number in range(max(1, options.repeats)):
                with median.open("a", encoding="utf-8") as handle:
                    handle.write(f"\n_benchmark_edit_{label.replace('-', '_')}_{number} = 1\n")
                one_edits.append(timed_check(tree, rule_options, options.jobs))
            edits.append(one_edits[0])
            repeated.append((label, one_edits))
            with largest.open("a", encoding="utf-8") as handle:
                handle.write(f"\n_benchmark_edit_{label.replace('-', '_')} = 1\n")
            edits.append(timed_check(tree, rule_options, options.jobs))
            edit_function_body(body_edited)
            edits.append(timed_check(tree, rule_options, options.jobs))
            row = [f"{cold[0]:.2f} / {cold[1]:.2f}", f"{warm[0]:.2f} / {warm[1]:.2f}"]
            for wall, cpu, analysed in edits:
                row += [f"{wall:.2f} / {cpu:.2f}", str(analysed)]
            print(f"{label:<12} {row[0]:>13} {row[1]:>13} {row[2]:>13} {row[3]:>4} {row[4]:>13} {row[5]:>4} {row[6]:>13} {row[7]:>4}")
        if options.repeats > 1:
            for label, runs in repeated:
                walls, cpus = sorted(run[0] for run in runs), sorted(run[1] for run in runs)
                print(
                    f"{label}: one edit over {len(runs)} runs: wall median {statistics.median(walls):.2f} fastest {walls[0]:.2f},"
                    f" CPU median {statistics.median(cpus):.2f} fastest {cpus[0]:.2f}; load average after: {os.getloadavg()[0]:.2f}"
                )


if __name__ == "__main__":
    main()
