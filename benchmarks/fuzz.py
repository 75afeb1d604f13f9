"""Fuzz the engine: every rule example in every wrapper and line ending, N mutated files (what a
file looks like mid-typing), edit sequences through the incremental analyser and hypothesmith
programs, checking that analysis never raises, syntax errors become one RV000, every fix parses,
stays in its statement and is idempotent, and incremental results equal fresh ones.

Prints how many examples ran, what they exercised, and each distinct failure with a minimised
reproducer; exits 1 when anything failed.

    python benchmarks/fuzz.py [--examples N] [--programs N] [--sequences N] [--seed S] [--all-stdlib]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "reliability"))

from fuzz_campaign import FuzzStats, check_seeds, fuzz_edit_sequences, fuzz_generated_programs, fuzz_mutations  # noqa: E402
from fuzz_corpus import example_variants  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run the fuzzing campaign and print its numbers; return 1 on any failure."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=2_000, help="mutated files to check (default 2000)")
    parser.add_argument("--programs", type=int, default=None, help="hypothesmith programs (default: examples / 4)")
    parser.add_argument("--sequences", type=int, default=None, help="edit sequences for incremental analysis (default: examples / 10)")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the mutations (default: random, printed)")
    parser.add_argument("--all-stdlib", action="store_true", help="mutate stdlib modules of any size (default: under 20 KB)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    programs = args.programs if args.programs is not None else max(1, args.examples // 4)
    sequences = args.sequences if args.sequences is not None else max(1, args.examples // 10)
    warnings.simplefilter("ignore")
    print(f"seed {seed}", flush=True)
    stats: list[tuple[str, FuzzStats, float]] = []

    start = time.perf_counter()
    variants = check_seeds(example_variants())
    stats.append(("rule examples x wrappers x line endings", variants, time.perf_counter() - start))

    start = time.perf_counter()
    mutated = fuzz_mutations(args.examples, seed, None if args.all_stdlib else 20_000)
    stats.append(("mutated files", mutated, time.perf_counter() - start))

    start = time.perf_counter()
    edited = fuzz_edit_sequences(sequences, seed, None if args.all_stdlib else 20_000)
    stats.append((f"incremental analysis, {sequences} edit sequences (versions)", edited, time.perf_counter() - start))

    for label, with_examples in (("hypothesmith programs", False), ("hypothesmith programs + rule example", True)):
        start = time.perf_counter()
        generated = FuzzStats()
        try:
            fuzz_generated_programs(max(1, programs // 2), with_examples, derandomize=False, stats=generated)
        except AssertionError as exc:
            print(f"{label}: hypothesis found a failure:\n{exc}", file=sys.stderr)
        stats.append((label, generated, time.perf_counter() - start))

    for label, result, seconds in stats:
        print(f"{result.summary(label)} in {seconds:.1f} s")
    total = sum(result.examples for _, result, _ in stats)
    failures = [result for _, result, _ in stats if result.failures]
    print(f"ran {total} examples in total, {sum(len(r.failures) for r in failures)} distinct failures")
    for result in failures:
        print("\n" + result.failure_report())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
