"""CPU of the CLI's serial steps and index phase, counted over the process tree (issue #16, item 4).

Wall time on a shared machine says little; CPU time does. Each round runs, in a fresh process, what
`review-ls check` runs before its check pool starts: discovery, the parallel index build (`--jobs`
worker processes, as the CLI builds it) and the parent's pre-fork derive (`derive_for_workers`, with
the type-aware rules' lookups). Prints, per round and the least over `--rounds` (other load only adds
CPU time, so the least is the code's own cost):
- discovery: the parent's CPU;
- index build: the parent's CPU (loading each file's facts), the workers' CPU (reading, parsing,
  extracting, pickling), their sum, and the wall time;
- pre-fork derive: the parent's CPU (it runs on one core, between the two pools).

    python benchmarks/index_phase.py [--rounds 3] [--jobs 2] [PATH ...]

Default corpus: the application packages of `benchmarks/corpus.toml` (as `index_cost.py`). Compare two
trees back to back with `PYTHONPATH=<tree>`, and report the load averages printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

# Runs in the child: one round, printed as one JSON line.
_ROUND = r"""
import json, os, resource, sys, time
from pathlib import Path
from review_ls.config import ConfigResolver
from review_ls.files import discover_python_files
from review_ls.project.index import ProjectIndex
from review_ls.project.ahead import derive_for_workers

def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime

paths = [Path(p) for p in json.loads(sys.argv[1])]
jobs = int(sys.argv[2])
start = time.process_time()
files = [str(p) for p in discover_python_files(paths, ConfigResolver())]
discovery = time.process_time() - start
roots = [p if p.is_dir() else p.parent for p in paths]
start, children, wall = time.process_time(), children_cpu(), time.perf_counter()
index = ProjectIndex.build(files, roots, jobs)
build_parent, build_workers, build_wall = time.process_time() - start, children_cpu() - children, time.perf_counter() - wall
start = time.process_time()
derive_for_workers(index, type_lookups=True, jedi_lookups=True)
derive = time.process_time() - start
print(json.dumps({"files": len(files), "discovery": discovery, "build_parent": build_parent, "build_workers": build_workers,
                  "build_wall": build_wall, "derive": derive}))
"""

_COLUMNS = ("discovery", "build_parent", "build_workers", "build_cpu", "build_wall", "derive")


def one_round(paths: list[Path], jobs: int) -> dict[str, float]:
    """One round in a fresh process, run from the folder that holds `paths` (as `cli_timeline.py` runs the CLI: the
    default configuration's root is the working folder): the CPU (and the build's wall) of each step."""
    cwd = os.path.commonpath([str(p.resolve()) for p in paths])
    cwd = cwd if os.path.isdir(cwd) else os.path.dirname(cwd)
    absolute = [str(p.resolve()) for p in paths]
    output = subprocess.run([sys.executable, "-c", _ROUND, json.dumps(absolute), str(jobs)], check=True, capture_output=True, text=True, cwd=cwd)
    result: dict[str, float] = json.loads(output.stdout.strip().splitlines()[-1])
    result["build_cpu"] = result["build_parent"] + result["build_workers"]
    return result


def main() -> None:
    """Run the rounds and print them with the least of each column."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args()
    from index_cost import application_corpus

    paths = args.paths or application_corpus()
    print(f"load before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'round':<8}" + "".join(f"{name:>15}" for name in _COLUMNS))
    rounds = []
    for number in range(args.rounds):
        result = one_round(paths, args.jobs)
        rounds.append(result)
        print(f"{number + 1:<8}" + "".join(f"{result[name]:>15.2f}" for name in _COLUMNS), flush=True)
    print(f"{'least':<8}" + "".join(f"{min(r[name] for r in rounds):>15.2f}" for name in _COLUMNS))
    print(f"files: {int(rounds[0]['files'])}; load after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
