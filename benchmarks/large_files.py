"""Cost of every rule alone, and of the engine with no rule, on generated 100 KB, 1 MB and 5 MB modules.

Prints a table: rule, ms per size, and the growth exponent between the two largest sizes
(log(t2/t1) / log(n2/n1)); rules growing worse than ~n log n (exponent > 1.3) are flagged.

    python benchmarks/large_files.py [--sizes 100000,1000000,5000000] [--rules RV501,RV101] [--repeat 2]

The default test run guards the same property without timing: tests/engine/test_linear_cost.py
counts the lines of review_ls code executed on a module and on one four times its size.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from large_source import generate  # noqa: E402

from review_ls.config import Settings  # noqa: E402
from review_ls.engine.analysis import analyse_source  # noqa: E402
from review_ls.rules import all_rules  # noqa: E402

_FLAG_EXPONENT = 1.3


def time_rule(selector: str, source: str, repeat: int) -> float:
    """Milliseconds to analyse `source` with only the rules `selector` names (best of `repeat` runs)."""
    settings = Settings(select=(selector,))
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        analyse_source(source, "service/module.py", settings)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> int:
    """Print the per-rule cost table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000,5000000")
    parser.add_argument("--rules", default="")
    parser.add_argument("--repeat", type=int, default=2, help="runs per cell; the best is shown (a loaded machine is noisy)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    sources = {size: generate(size) for size in sizes}
    codes = [c for c in args.rules.split(",") if c] or sorted(cls.code for cls in all_rules())
    analyse_source("x = 1\n", "warmup.py", Settings())  # imports every rule module outside the timings
    baseline = "NONE"  # selects no rule: the engine's own cost (parse, facts, walk, suppressions)
    header = "rule    " + "".join(f"{size // 1000:>10} KB" for size in sizes) + "   exponent"
    print(header)
    flagged = []
    for code in [baseline, *codes]:
        times = [time_rule(code, sources[size], args.repeat) for size in sizes]
        exponent = math.log(max(times[-1], 1e-3) / max(times[-2], 1e-3)) / math.log(sizes[-1] / sizes[-2])
        flag = "  <-- super-linear" if exponent > _FLAG_EXPONENT else ""
        if flag:
            flagged.append(code)
        print(f"{code:<8}" + "".join(f"{t:>10.0f} ms" for t in times) + f"   {exponent:8.2f}{flag}", flush=True)
    print(f"super-linear: {', '.join(flagged) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
