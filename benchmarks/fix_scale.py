"""How `--fix` scales with the number of findings in one file (issue 18: 200 findings took 17.5 s).

Generates modules with N functions of K literal-pattern regex calls in a loop (RV104), fixes them
with `fix_source`, and prints the time, the number of fixes applied, and whether a second run
changes anything (it must not).

    PYTHONPATH=. python benchmarks/fix_scale.py [--shapes 1x14,1x30,200x1,20x10]
"""

from __future__ import annotations

import argparse
import time

from review_ls.engine.fixes import fix_source


def regex_module(functions: int, per_function: int) -> str:
    """A module of `functions` functions, each calling `re.findall` with `per_function` literal patterns in a loop."""
    lines = ["import re", ""]
    for f in range(functions):
        lines += ["", f"def parse_{f}(lines):", "    out = []", "    for line in lines:"]
        lines += [f"        out.append(re.findall(r'key{f}_{p}=(\\d+)', line))" for p in range(per_function)]
        lines += ["    return out", ""]
    return "\n".join(lines)


def main() -> None:
    """Print one line per shape: findings, seconds, fixes applied, second-run changes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="1x14,1x30,200x1,20x10", help="FUNCTIONSxCALLS, comma separated")
    args = parser.parse_args()
    print(f"{'shape':>8} {'findings':>8} {'seconds':>8} {'applied':>8} {'2nd run':>8}")
    for shape in args.shapes.split(","):
        functions, per_function = (int(part) for part in shape.split("x"))
        source = regex_module(functions, per_function)
        started = time.perf_counter()
        once = fix_source(source, "generated.py")
        elapsed = time.perf_counter() - started
        twice = fix_source(once.source, "generated.py")
        changed = "changed" if twice.source != once.source else "same"
        print(f"{shape:>8} {functions * per_function:>8} {elapsed:>8.2f} {len(once.applied):>8} {changed:>8}")


if __name__ == "__main__":
    main()
