"""Where the memory of one `review-ls check` run is: each process of its tree, by role, over time.

Runs `review-ls check` (default: the application corpus, `--select ALL --no-cache`) as `cli_timeline.py` does, with
the phases and each process's files marked, and samples `/proc/<pid>/smaps_rollup` of every process of the tree every
100 ms. Each process gets its role from the marks (the parent, an index worker, a check worker, the jedi service).
Prints:
- the peak of the tree's summed PSS, when it happened (which phase) and each process's PSS and private memory then;
- per process: its role, lifetime and peak PSS / private dirty memory (the pages only it holds: its own allocations,
  and the pages it shares with its parent that it wrote to, e.g. reference counts of objects it read);
- the tree's PSS per role over time, in 0.5 s steps.

    python benchmarks/memory_tree.py [--jobs N] [--no-jedi] [-- CHECK-ARGS ...]
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from dataclasses import dataclass

from cli_timeline import MarkedRun, parent_phases
from process_tree import descendants, smaps_rollup_kb

_FIELDS = ("Pss", "Rss", "Private_Dirty", "Private_Clean", "Shared_Dirty", "Shared_Clean")


@dataclass(frozen=True)
class Sample:
    """One process's memory at one moment, in MB."""

    t: float
    pid: int
    values: dict[str, float]


def rollup_mb(pid: int) -> dict[str, float]:
    """The `_FIELDS` lines of /proc/<pid>/smaps_rollup in MB (empty when the process is gone)."""
    return {key: kb / 1024 for key, kb in smaps_rollup_kb(pid, _FIELDS).items()}


def roles(events: list[dict[str, object]]) -> dict[int, str]:
    """Each marked process's role: the parent, an index worker, a check worker or the jedi service."""
    found: dict[int, str] = {}
    for event in events:
        pid = int(str(event["pid"]))
        if event["name"] == "imports":
            found[pid] = "parent"
        elif event["kind"] == "item":
            found.setdefault(pid, f"{event['name']} worker")
        elif event["kind"] == "jedi":
            found.setdefault(pid, "jedi service")
    return found


def main() -> None:
    """Run the CLI once and print where its memory was."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--format", default="text")
    parser.add_argument("--no-jedi", action="store_true", help="every rule's jedi budget 0, as `jedi = false` would run it")
    parser.add_argument("check_args", nargs="*", help="arguments of `review-ls check` (default: the application corpus, all rules, no cache)")
    args = parser.parse_args()
    run = MarkedRun.start(args.check_args, args.jobs, args.format, jedi=not args.no_jedi)
    process, start, load = run.process, run.start_time, run.load
    samples: list[Sample] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            t = time.time() - start
            for pid in descendants(process.pid):
                values = rollup_mb(pid)
                if values:
                    samples.append(Sample(t, pid, values))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    process.wait()
    done.set()
    sampler.join()
    wall = time.time() - start
    events = run.events()
    role_of = roles(events)
    parent = next((pid for pid, role in role_of.items() if role == "parent"), None)
    role_of.setdefault(process.pid, "parent")
    rows = [(t0, t1, name) for t0, t1, name, _ in parent_phases(events, start, parent)]
    print(f"review-ls check: wall {wall:.2f} s, exit {process.returncode}; load before {'/'.join(f'{x:.1f}' for x in load)}, after {'/'.join(f'{x:.1f}' for x in os.getloadavg())}")

    by_time: dict[float, list[Sample]] = {}
    for s in samples:
        by_time.setdefault(s.t, []).append(s)
    peak_t, peak_samples = max(by_time.items(), key=lambda item: sum(s.values.get("Pss", 0.0) for s in item[1]))
    in_phases = [name for t0, t1, name in rows if t0 <= peak_t <= t1]
    print(f"peak of the tree's summed PSS: {sum(s.values.get('Pss', 0.0) for s in peak_samples):.0f} MB at {peak_t:.1f} s (in: {', '.join(in_phases) or '-'})")
    print(f"  {'pid':>7s} {'role':14s} {'PSS':>6s} {'RSS':>6s} {'priv dirty':>10s} {'priv clean':>10s} {'shared':>7s}")
    for s in sorted(peak_samples, key=lambda s: s.pid):
        v = s.values
        shared = v.get("Shared_Dirty", 0.0) + v.get("Shared_Clean", 0.0)
        print(f"  {s.pid:7d} {role_of.get(s.pid, '?'):14s} {v.get('Pss', 0):6.1f} {v.get('Rss', 0):6.1f} {v.get('Private_Dirty', 0):10.1f} {v.get('Private_Clean', 0):10.1f} {shared:7.1f}")

    print("per process over its life (MB):")
    print(f"  {'pid':>7s} {'role':14s} {'from':>6s} {'to':>6s} {'peak PSS':>8s} {'peak priv dirty':>15s}")
    pids = sorted({s.pid for s in samples}, key=lambda pid: min(s.t for s in samples if s.pid == pid))
    for pid in pids:
        mine = [s for s in samples if s.pid == pid]
        print(
            f"  {pid:7d} {role_of.get(pid, '?'):14s} {mine[0].t:6.1f} {mine[-1].t:6.1f} "
            f"{max(s.values.get('Pss', 0) for s in mine):8.1f} {max(s.values.get('Private_Dirty', 0) for s in mine):15.1f}"
        )
    print("phases: " + "; ".join(f"{name} {t0:.1f}-{t1:.1f}" for t0, t1, name in rows if name in ("index build (read+extract)", "pre-fork derive", "pool", "check pool", "output")))
    print("summed PSS per role, every 0.5 s (MB):")
    role_names = sorted({role_of.get(pid, "?") for pid in pids})
    print("  " + f"{'t':>5s} " + " ".join(f"{name:>14s}" for name in role_names) + f" {'total':>7s}")
    step = 0.5
    t = 0.0
    while t <= wall:
        window = [item for item in by_time.items() if t <= item[0] < t + step]
        if window:
            moment, moment_samples = max(window, key=lambda item: sum(s.values.get("Pss", 0.0) for s in item[1]))
            per_role = {name: sum(s.values.get("Pss", 0.0) for s in moment_samples if role_of.get(s.pid, "?") == name) for name in role_names}
            print("  " + f"{moment:5.1f} " + " ".join(f"{per_role[name]:14.1f}" for name in role_names) + f" {sum(per_role.values()):7.1f}")
        t += step


if __name__ == "__main__":
    main()
