"""Judged findings on the real-application corpus, and how current findings are matched to them.

A judgement row names a finding by (repo, path, line, code) plus a hash of the flagged line's text,
so a finding that moved (lines added above it) still matches as long as its line text is identical.
Pure functions only: `benchmarks/real_apps.py` does the I/O; `tests/benchmarks` tests this module.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("repo", "commit", "path", "line", "code", "line_sha", "verdict", "reason")
VERDICTS = ("TP", "FP", "debatable")


@dataclass(frozen=True)
class CorpusFinding:
    """One finding of the current run, located inside a corpus project."""

    repo: str
    commit: str
    path: str  # relative to the project's repository root, '/'-separated
    line: int  # 1-based
    code: str
    line_sha: str
    message: str = ""


@dataclass(frozen=True)
class Judgement:
    """A reviewer's verdict on one finding."""

    repo: str
    commit: str
    path: str
    line: int
    code: str
    line_sha: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class RuleScore:
    """Precision figures of one rule."""

    code: str
    findings: int
    judged: int
    tp: int
    fp: int
    debatable: int

    @property
    def precision(self) -> float | None:
        """TP / judged (debatable counts as not-TP); None when nothing is judged."""
        return self.tp / self.judged if self.judged else None


def line_sha(text: str) -> str:
    """A short hash of a source line, ignoring surrounding whitespace."""
    return hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:12]


def read_judgements(paths: Iterable[Path]) -> list[Judgement]:
    """Read judgement TSV files (header row `COLUMNS`); raise ValueError naming a bad row."""
    judgements: list[Judgement] = []
    for path in sorted(paths):
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t")
            missing = set(COLUMNS) - set(reader.fieldnames or ())
            if missing:
                raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            for row_number, row in enumerate(reader, start=2):
                if row["verdict"] not in VERDICTS:
                    raise ValueError(f"{path}:{row_number}: verdict must be one of {VERDICTS}, got {row['verdict']!r}")
                judgements.append(
                    Judgement(
                        row["repo"], row["commit"], row["path"], int(row["line"]), row["code"],
                        row["line_sha"], row["verdict"], row["reason"],
                    )
                )
    return judgements


def write_rows(path: Path, rows: Sequence[Sequence[object]]) -> None:
    """Write `rows` (without header) as a judgement-format TSV with the header."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def match(
    findings: Sequence[CorpusFinding], judgements: Sequence[Judgement]
) -> tuple[dict[CorpusFinding, Judgement], list[CorpusFinding]]:
    """Pair findings with judgements; return (matched, unjudged findings).

    Exact (repo, path, line, code) matches come first; a finding that moved matches a still
    unused judgement of the same repo, path and code whose line hash equals its own (the nearest
    line wins). Each judgement is used at most once. The commit is not part of the key, so
    judgements survive a re-pin only where the flagged line is unchanged.
    """
    by_key: dict[tuple[str, str, int, str], Judgement] = {}
    by_sha: dict[tuple[str, str, str, str], list[Judgement]] = defaultdict(list)
    for judgement in judgements:
        by_key[(judgement.repo, judgement.path, judgement.line, judgement.code)] = judgement
        by_sha[(judgement.repo, judgement.path, judgement.code, judgement.line_sha)].append(judgement)
    matched: dict[CorpusFinding, Judgement] = {}
    used: set[int] = set()
    pending: list[CorpusFinding] = []
    for finding in findings:
        judgement = by_key.get((finding.repo, finding.path, finding.line, finding.code))
        if judgement is not None and judgement.line_sha == finding.line_sha and id(judgement) not in used:
            matched[finding] = judgement
            used.add(id(judgement))
        else:
            pending.append(finding)
    unjudged: list[CorpusFinding] = []
    for finding in pending:
        candidates = [
            j for j in by_sha.get((finding.repo, finding.path, finding.code, finding.line_sha), []) if id(j) not in used
        ]
        if candidates:
            judgement = min(candidates, key=lambda j: abs(j.line - finding.line))
            matched[finding] = judgement
            used.add(id(judgement))
        else:
            unjudged.append(finding)
    return matched, unjudged


def score(findings: Sequence[CorpusFinding], matched: dict[CorpusFinding, Judgement]) -> list[RuleScore]:
    """Per-rule scores of the current findings, by rule code."""
    totals = Counter(f.code for f in findings)
    verdicts: dict[str, Counter[str]] = defaultdict(Counter)
    for finding, judgement in matched.items():
        verdicts[finding.code][judgement.verdict] += 1
    return [
        RuleScore(
            code,
            totals[code],
            sum(verdicts[code].values()),
            verdicts[code]["TP"],
            verdicts[code]["FP"],
            verdicts[code]["debatable"],
        )
        for code in sorted(totals)
    ]


def overall(scores: Sequence[RuleScore]) -> RuleScore:
    """The sum of the rule scores, as one pseudo-rule 'all'."""
    return RuleScore(
        "all",
        sum(s.findings for s in scores),
        sum(s.judged for s in scores),
        sum(s.tp for s in scores),
        sum(s.fp for s in scores),
        sum(s.debatable for s in scores),
    )
