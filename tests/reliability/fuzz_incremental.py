"""Fuzzing incremental analysis: a document edited version after version must get the same findings
as a fresh analysis of each version.

For every version of an edit sequence: the fast pass never raises and reports no internal error;
every finding's span lies inside that version's text (also while the text does not parse and the
last good findings are kept); when the analyser says its fast result needs no settling, the result
equals `analyse_source`; after settling it always does (for text that parses).
"""

from __future__ import annotations

import random
import traceback
from collections.abc import Iterator

from fuzz_corpus import Seed, composite_seed, invalid_example_seeds, mutate
from fuzz_properties import ALL_RULES, Violation, parses, span_is_valid
from review_ls.engine.analysis import analyse_source
from review_ls.engine.incremental import IncrementalAnalyser
from review_ls.engine.model import AnalysisResult
from review_ls.engine.positions import split_lines


def check_edit_sequence(versions: list[str], path: str = "fuzz.py") -> list[Violation]:
    """Analyse `versions` in order with one `IncrementalAnalyser`; return the broken properties."""
    analyser = IncrementalAnalyser(path)
    violations: list[Violation] = []
    for number, text in enumerate(versions):
        where = f"version {number}"
        try:
            fast = analyser.analyse(text, ALL_RULES, settle=False)
            unsettled = analyser.needs_settling
            settled = analyser.analyse(text, ALL_RULES, settle=True)
        except Exception:
            violations.append(Violation("incremental-raised", f"{where}: {traceback.format_exc(limit=-3)}"))
            return violations
        violations.extend(_result_violations(fast, text, f"{where} (fast)"))
        if not parses(text):
            if settled.syntax_error is None:
                violations.append(Violation("incremental-missed-syntax-error", where))
            continue
        expected = analyse_source(text, path, ALL_RULES)
        if not unsettled and _comparable(fast) != _comparable(expected):
            violations.append(Violation("incremental-fast-differs", f"{where}: {_difference(fast, expected)}"))
        if _comparable(settled) != _comparable(expected):
            violations.append(Violation("incremental-settled-differs", f"{where}: {_difference(settled, expected)}"))
    return violations


def _comparable(result: AnalysisResult) -> tuple[object, ...]:
    return (result.all_findings, result.internal_errors)


def _difference(got: AnalysisResult, expected: AnalysisResult) -> str:
    extra = [f"{f.code}@{f.span.line}:{f.span.col}" for f in got.all_findings if f not in expected.all_findings]
    missing = [f"{f.code}@{f.span.line}:{f.span.col}" for f in expected.all_findings if f not in got.all_findings]
    return f"extra {extra}, missing {missing}, internal errors {got.internal_errors} vs {expected.internal_errors}"


def _result_violations(result: AnalysisResult, text: str, where: str) -> Iterator[Violation]:
    for error in result.internal_errors:
        yield Violation("rule-crashed", f"{where}: {error}")
    lines = split_lines(text)
    for finding in result.all_findings:
        if not span_is_valid(lines, finding.span):
            yield Violation("incremental-span-out-of-range", f"{where}: {finding.code} at {finding.span} ({len(lines)} lines)")


def typing_sequence(rng: random.Random, text: str) -> list[str]:
    """Versions of `text` while one of its lines is typed again, character by character, then the original."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return [text]
    index = rng.randrange(len(lines))
    line = lines[index]
    body, ending = line.rstrip("\r\n"), line[len(line.rstrip("\r\n")) :]
    before, after = "".join(lines[:index]), "".join(lines[index + 1 :])
    step = max(1, len(body) // 12)  # at most a dozen keystrokes per line keeps sequences short
    versions = [before + body[:cut] + (ending or "\n") + after for cut in range(0, len(body), step)]
    return [text, *versions, text]


def mutation_sequence(rng: random.Random, text: str, length: int = 6) -> list[str]:
    """`length` successive random mutations of `text` (each builds on the last), then the original again."""
    versions = [text]
    for _ in range(length):
        versions.append(mutate(rng, versions[-1])[0])
    versions.append(text)
    return versions


def edit_sequences(rng: random.Random, seeds: list[Seed], count: int) -> Iterator[tuple[Seed, list[str]]]:
    """`count` edit sequences over random seeds and composites of rule examples: half typing a line
    again, half chains of mutations."""
    examples = invalid_example_seeds()
    for number in range(count):
        seed = composite_seed(rng, examples) if examples and rng.random() < 0.5 else rng.choice(seeds)
        versions = typing_sequence(rng, seed.text) if number % 2 == 0 else mutation_sequence(rng, seed.text)
        yield seed, versions
