"""Cost of the jedi pass of the type-aware rules (RV701–RV704), apart from everything else.

Indexes the corpus with the project index, then analyses every file with the RV7 rules only, three
times in one process: jedi off (local and project facts only), jedi on with an empty cache (cold),
and jedi on again over the same texts (warm: answers cached per text). Prints each pass's time,
how many files and inferences went to jedi, and how many inferences ran out of budget.

Default corpus: the first 300 non-test modules of the standard library (as `throughput.py`).

    python benchmarks/jedi_cost.py [--files N] [--budget-ms MS] [PATH ...]
"""

from __future__ import annotations

import argparse
import sysconfig
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.project import ProjectIndex
from review_ls.project.jedi_adapter import JediAdapter

RV7_CODES = ("RV701", "RV702", "RV703", "RV704")


@dataclass
class PassCost:
    """What one pass over the corpus cost."""

    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process, all threads (the jedi thread included)
    findings: int = 0
    jedi_calls: int = 0
    unanswered: int = 0  # inferences that ran out of budget or failed
    jedi_seconds: float = 0.0
    files_with_jedi: set[str] = field(default_factory=set)
    shown: list[str] = field(default_factory=list)  # "path:line: CODE message" of every finding


def settings_with_budget(milliseconds: int) -> Settings:
    """RV7 only, every rule with this jedi budget."""
    return Settings(select=RV7_CODES, options=tuple((code, (("jedi-budget-ms", milliseconds),)) for code in RV7_CODES))


def run_pass(texts: list[tuple[str, str]], index: ProjectIndex, settings: Settings) -> PassCost:
    """Analyse every text once, counting the calls that reach the jedi adapter."""
    cost = PassCost()
    original = JediAdapter._answer

    def counted(self: JediAdapter, operation: str, source: str, path: str | None, *rest: object) -> object:
        started = time.perf_counter()
        answer = original(self, operation, source, path, *rest)  # type: ignore[arg-type]
        cost.jedi_seconds += time.perf_counter() - started
        cost.jedi_calls += 1
        cost.unanswered += answer is None
        cost.files_with_jedi.add(str(path))
        return answer

    JediAdapter._answer = counted  # type: ignore[method-assign]
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        for path, text in texts:
            found = analyse_source(text, path, settings, project=index).findings
            cost.findings += len(found)
            cost.shown.extend(f"{path}:{f.span.line}: {f.code} {f.message}" for f in found)
        cost.seconds = time.perf_counter() - started
        cost.cpu_seconds = time.process_time() - cpu_started
    finally:
        JediAdapter._answer = original  # type: ignore[method-assign]
    return cost


def measure(files: list[Path], roots: list[Path], budget_ms: int = 200) -> tuple[float, float, dict[str, PassCost]]:
    """(KLOC, index seconds, cost of each pass: 'jedi off', 'jedi cold', 'jedi warm')."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        texts = [(str(p), p.read_text(encoding="utf-8", errors="replace")) for p in files]
        kloc = sum(text.count("\n") for _, text in texts) / 1000
        started = time.perf_counter()
        index = ProjectIndex.build([path for path, _ in texts], [str(r) for r in roots])
        index_seconds = time.perf_counter() - started
        run_pass(texts[:20], index, settings_with_budget(0))  # imports and first-use costs, not measured
        passes = {
            "jedi off": run_pass(texts, index, settings_with_budget(0)),
            "jedi cold": run_pass(texts, index, settings_with_budget(budget_ms)),
            "jedi warm": run_pass(texts, index, settings_with_budget(budget_ms)),
        }
    return kloc, index_seconds, passes


def report(kloc: float, index_seconds: float, passes: dict[str, PassCost]) -> list[str]:
    """The lines to print."""
    lines = [f"project index: {index_seconds * 1000:.0f} ms"]
    for name, cost in passes.items():
        lines.append(
            f"RV7 {name + ':':<11} {cost.seconds * 1000:7.0f} ms ({cost.cpu_seconds * 1000:.0f} ms CPU)  {kloc / cost.seconds:7.1f} KLOC/s  "
            f"{cost.findings} findings; jedi: {cost.jedi_calls} calls in {len(cost.files_with_jedi)} files, "
            f"{cost.jedi_seconds * 1000:.0f} ms waited, {cost.unanswered} unanswered"
        )
    off = passes["jedi off"].seconds
    lines.append(
        f"jedi pass cost (cold - off): {(passes['jedi cold'].seconds - off) * 1000:.0f} ms; "
        f"(warm - off): {(passes['jedi warm'].seconds - off) * 1000:.0f} ms"
    )
    return lines


def main() -> None:
    """Run the benchmark and print the numbers."""
    from throughput import stdlib_corpus  # same folder; the default corpus of the throughput benchmark

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--budget-ms", type=int, default=200)
    parser.add_argument("--show", action="store_true", help="print every finding of the cold pass (to judge precision)")
    args = parser.parse_args()
    if args.paths:
        files = [p for root in args.paths for p in (sorted(root.rglob("*.py")) if root.is_dir() else [root])]
        roots = [p if p.is_dir() else p.parent for p in args.paths]
    else:
        files = stdlib_corpus(args.files)
        roots = [Path(sysconfig.get_paths()["stdlib"])]
    kloc, index_seconds, passes = measure(files, roots, args.budget_ms)
    print(f"corpus: {len(files)} files, {kloc:.1f} KLOC; jedi budget {args.budget_ms} ms per file per analysis")
    print("\n".join(report(kloc, index_seconds, passes)))
    if args.show:
        print("\n".join(passes["jedi cold"].shown))


if __name__ == "__main__":
    main()
