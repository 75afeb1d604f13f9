"""Engine fuzzing: analysis never raises, syntax errors are one RV000, every fix is safe and idempotent.

The default run checks a fast slice (every rule example in every wrapper and line ending, a few
hundred mutated files, 60 hypothesmith programs); `pytest -m slow` and `benchmarks/fuzz.py` run
more. Every registered rule is covered automatically (the corpus comes from `all_rules()`).
"""

from __future__ import annotations

import pytest

from fuzz_campaign import FuzzStats, check_seeds, fuzz_generated_programs, fuzz_mutations
from fuzz_corpus import example_variants, rotating_variants
from fuzz_properties import check_source
from review_ls.engine.analysis import analyse_source
from review_ls.rules import all_rules

def _assert_clean(stats: FuzzStats) -> None:
    assert stats.examples > 0
    assert not stats.failures, stats.failure_report()


@pytest.mark.parametrize("code", [rule.code for rule in all_rules()])
def test_each_rules_examples_wrapped_and_with_other_line_endings_keep_the_properties(code: str) -> None:
    stats = check_seeds(rotating_variants({code}))
    _assert_clean(stats)


def test_mutated_files_keep_the_properties() -> None:
    stats = fuzz_mutations(count=60, rng_seed=20240601)
    assert stats.unparsable > 0 and stats.findings > 0
    _assert_clean(stats)


@pytest.mark.parametrize("with_examples", [False, True], ids=["programs", "programs-with-rule-examples"])
def test_generated_programs_keep_the_properties(with_examples: bool) -> None:
    stats = fuzz_generated_programs(30, with_examples)
    assert stats.examples >= 30


@pytest.mark.parametrize(
    "source",
    [
        "def broken(:\n    pass\n",
        "x = (\n",
        "x = 1\x00\n",
        "x = '\udcff'\n",
        "if x:\n\tpass\n        pass\n",
        "x = " + "(" * 300 + "1" + ")" * 300 + "\n",
        "x = " + "+".join(["1"] * 100_000) + "\n",
        "import requests\nfor u in urls:\r\n    requests.get(u\r",
        "\ufeffdef f(\n",
        "\u2028x = 1\n",
        "'''unterminated\n" * 3,
        "f'{'\n",
    ],
    ids=lambda source: repr(source[:24]),
)
def test_hostile_source_is_one_syntax_error_or_analysed(source: str) -> None:
    assert check_source(source) == []
    result = analyse_source(source)
    codes = [finding.code for finding in result.all_findings]
    assert codes == ["RV000"] or "RV000" not in codes


def test_a_lone_surrogate_is_reported_where_it_stands() -> None:
    result = analyse_source("a = 1\r\nb = 'x\udcff'\n")
    assert result.syntax_error is not None
    assert (result.syntax_error.span.line, result.syntax_error.span.col) == (2, 6)
    assert "surrogate" in result.syntax_error.message


@pytest.mark.parametrize(
    "source",
    [
        "x = " + "+".join(["1"] * 50_000) + "\n",
        "import requests\nrequests" + ".b" * 50_000 + "()\n",
        "x = a" + "[0]" * 50_000 + "\n",
        "x = " + " and ".join(["a"] * 50_000) + "\n",
        "import requests\n" + "".join("    " * i + "for a in b:\n" for i in range(30)) + "    " * 30 + "requests.get(a)\n",
    ],
    ids=["binop-chain", "attribute-chain", "subscript-chain", "boolop", "loops-30-deep"],
)
def test_deeply_nested_code_never_exhausts_the_stack(source: str) -> None:
    assert check_source(source) == []


@pytest.mark.slow
def test_full_fuzz_run() -> None:
    stats = check_seeds(example_variants())
    fuzz_mutations(count=5_000, rng_seed=1, stdlib_max_bytes=None, stats=stats)
    fuzz_generated_programs(500, with_examples=False, stats=stats)
    fuzz_generated_programs(500, with_examples=True, stats=stats)
    print(stats.summary("full fuzz run"))
    _assert_clean(stats)
