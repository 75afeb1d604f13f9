"""Fuzzing runs shared by the test slice, `pytest -m slow` and `benchmarks/fuzz.py`.

A run feeds inputs to `check_source` and counts what it exercised (examples, unparsable inputs,
findings, fixes) so a report can say how much was fuzzed, not only that nothing failed.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Iterable
from dataclasses import dataclass, field

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_corpus import Seed, invalid_example_seeds, mutated_inputs, rule_example_seeds, stdlib_seeds
from fuzz_incremental import check_edit_sequence, edit_sequences
from fuzz_properties import ALL_RULES, TOLERATED, Violation, check_source, parses, reproducer
from review_ls.engine.analysis import analyse_source


@dataclass
class FuzzStats:
    """What a fuzzing run exercised and what it found."""

    examples: int = 0
    unparsable: int = 0
    findings: int = 0
    fixable_findings: int = 0
    fixes_unavailable: int = 0
    failures: list[tuple[Seed, Violation]] = field(default_factory=list)

    def add(self, seed: Seed) -> list[Violation]:
        """Check one input, count it, and keep its failures (once per kind and rule); return the failures."""
        checked = check_source(seed.text, seed.path)
        violations = [v for v in checked if v.kind not in TOLERATED]
        self.fixes_unavailable += len(checked) - len(violations)
        self.examples += 1
        if not parses(seed.text):
            self.unparsable += 1
        else:
            findings = analyse_source(seed.text, seed.path, ALL_RULES).findings
            self.findings += len(findings)
            self.fixable_findings += sum(1 for f in findings if f.fixable)
        known = {violation.key for _, violation in self.failures}
        for violation in violations:
            if violation.key not in known:
                known.add(violation.key)
                self.failures.append((seed, violation))
        return violations

    def add_sequence(self, seed: Seed, versions: list[str]) -> list[Violation]:
        """Check one edit sequence with one incremental analyser; each version counts as an example."""
        violations = check_edit_sequence(versions, seed.path)
        self.examples += len(versions)
        self.unparsable += sum(1 for text in versions if not parses(text))
        known = {violation.key for _, violation in self.failures}
        for violation in violations:
            if violation.key not in known:
                known.add(violation.key)
                failing = int(violation.detail.split(" ", 2)[1].rstrip(":")) if violation.detail.startswith("version ") else len(versions) - 1
                self.failures.append((Seed(f"{seed.name} (edit sequence)", seed.path, _sequence_text(versions, failing)), violation))
        return violations

    def summary(self, label: str) -> str:
        """One line: how many examples, of which unparsable, findings and fixes exercised, failures."""
        return (
            f"{label}: {self.examples} examples ({self.unparsable} unparsable), "
            f"{self.findings} findings ({self.fixable_findings} with a fix checked, {self.fixes_unavailable} fixes unavailable), "
            f"{len(self.failures)} distinct failures"
        )

    def failure_report(self) -> str:
        """Every distinct failure with a minimised reproducer (edit sequences: the versions up to the failing one)."""
        return "\n\n".join(
            f"{seed.name}:\n{v}\n  versions={seed.text}" if seed.name.endswith("(edit sequence)") else f"{seed.name}:\n{reproducer(seed.text, seed.path, v)}"
            for seed, v in self.failures
        )


def _sequence_text(versions: list[str], failing: int) -> str:
    """The last two versions up to the failing one, as a Python literal (the reproducer of an edit sequence)."""
    return repr(versions[max(0, failing - 1) : failing + 1])


def check_seeds(seeds: Iterable[Seed], stats: FuzzStats | None = None) -> FuzzStats:
    """Check every seed as it is (no mutation)."""
    stats = stats if stats is not None else FuzzStats()
    for seed in seeds:
        stats.add(seed)
    return stats


def fuzz_mutations(count: int, rng_seed: int, stdlib_max_bytes: int | None = 20_000, stats: FuzzStats | None = None) -> FuzzStats:
    """Check `count` mutated files, based on rule examples, their composites and stdlib modules."""
    rng = random.Random(rng_seed)
    bases = [*rule_example_seeds(), *stdlib_seeds(max_bytes=stdlib_max_bytes)]
    stats = stats if stats is not None else FuzzStats()
    for seed in mutated_inputs(rng, bases, count):
        stats.add(seed)
    return stats


def splice(program: str, example: str, slot: int) -> str:
    """Insert `example` into `program` between two top-level statements (chosen by `slot`)."""
    lines = program.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    boundaries = [0, len(lines)]
    try:
        module = ast.parse(program)
        taken = {line for s in module.body for line in range(s.lineno, (s.end_lineno or s.lineno))}
        boundaries += [s.end_lineno for s in module.body if s.end_lineno not in taken]  # type: ignore[misc]
    except (SyntaxError, ValueError, RecursionError):
        pass
    cut = sorted(set(boundaries))[slot % len(set(boundaries))]
    return "".join(lines[:cut]) + example + "".join(lines[cut:])


def fuzz_generated_programs(count: int, with_examples: bool, derandomize: bool = True, stats: FuzzStats | None = None) -> FuzzStats:
    """Check `count` hypothesmith programs (optionally with a rule example spliced in).

    Raises AssertionError with hypothesis's shrunk example on the first failure; `stats` (if
    given) keeps the counts and failures seen up to then.
    """
    stats = stats if stats is not None else FuzzStats()
    examples = [seed.text for seed in invalid_example_seeds()] or [""]
    programs = hypothesmith.from_grammar()
    if with_examples:
        programs = st.builds(splice, programs, st.sampled_from(examples), st.integers(0, 1_000))

    @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck), derandomize=derandomize)
    @given(programs)
    def run(source: str) -> None:
        violations = stats.add(Seed("hypothesmith", "fuzz.py", source))
        assert not violations, "\n".join(map(str, violations))

    run()
    return stats


def fuzz_edit_sequences(count: int, rng_seed: int, stdlib_max_bytes: int | None = 20_000, stats: FuzzStats | None = None) -> FuzzStats:
    """Check `count` edit sequences (typing a line again, chains of mutations) with the incremental analyser."""
    rng = random.Random(rng_seed)
    bases = [*rule_example_seeds(), *stdlib_seeds(max_bytes=stdlib_max_bytes)]
    stats = stats if stats is not None else FuzzStats()
    for seed, versions in edit_sequences(rng, bases, count):
        stats.add_sequence(seed, versions)
    return stats
