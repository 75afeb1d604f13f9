"""Precision on real applications: run every rule over the pinned service back ends and score the judgements.

The projects are those of `benchmarks/corpus.toml` (materialised by `benchmarks/corpus.py` into
~/.cache/review-ls-corpus). `review-ls check --format json --no-cache --select RV` runs over each
project's application package; its JSON is cached under ~/.cache/review-ls-precision keyed by the
project's commit and a hash of the review_ls sources, so re-running without code changes is free.

    python benchmarks/real_apps.py [run] [--jobs 2] [--per-rule 15] [--seed 15] [--sample-out FILE]
        per-rule counts, and a seeded random sample per rule (judgement TSV with empty verdicts)
    python benchmarks/real_apps.py score [--jobs 2] [--unjudged-out FILE]
        match current findings to benchmarks/judgements/*.tsv, report unjudged findings per rule,
        write docs/precision.md (precision of the default set, the rules on by default, and of all rules)

Precision = TP / judged; a debatable verdict counts as not TP.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # benchmarks/ is not a package: imported from the path set above
from precision_judgements import (
    CorpusFinding,
    Judgement,
    RuleScore,
    line_sha,
    match,
    overall,
    read_judgements,
    score,
    write_rows,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
JUDGEMENTS = REPO_ROOT / "benchmarks" / "judgements"
PRECISION_DOC = REPO_ROOT / "docs" / "precision.md"
RESULTS = Path(os.environ.get("REVIEW_LS_PRECISION_CACHE", Path.home() / ".cache" / "review-ls-precision"))


def review_ls_hash() -> str:
    """A hash of the review_ls sources that will run (so cached results follow code changes)."""
    import review_ls

    package = Path(review_ls.__file__).resolve().parent
    digest = hashlib.sha256()
    for source in sorted(package.rglob("*.py")):
        digest.update(str(source.relative_to(package)).encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:12]


def project_findings(project: corpus.Project, jobs: int, code_hash: str) -> list[CorpusFinding]:
    """The findings of every rule on `project` (from the cache, else by running review-ls check)."""
    cached = RESULTS / f"{project.name}.{project.commit[:12]}.{code_hash}.json"
    if not cached.is_file():
        corpus.materialise(project, corpus_mirror())
        print(f"checking {project.name} ({project.package}) ...", file=sys.stderr, flush=True)
        command = [sys.executable, "-m", "review_ls", "check", "--format", "json", "--no-cache", "--select", "RV",
                   "--jobs", str(jobs), str(project.package)]
        result = subprocess.run(command, check=False, capture_output=True, text=True, cwd=project.root)
        if result.returncode not in (0, 1):
            raise SystemExit(f"real_apps: review-ls check failed on {project.name}: {result.stderr.strip()[-500:]}")
        RESULTS.mkdir(parents=True, exist_ok=True)
        cached.write_text(result.stdout, encoding="utf-8")
    raw = json.loads(cached.read_text(encoding="utf-8"))
    lines_of: dict[Path, list[str]] = {}
    findings: list[CorpusFinding] = []
    for item in raw:
        source = Path(item["filename"])
        if source not in lines_of:
            lines_of[source] = source.read_text(encoding="utf-8", errors="replace").splitlines()
        row = item["location"]["row"]
        lines = lines_of[source]
        text = lines[row - 1] if 0 < row <= len(lines) else ""
        findings.append(
            CorpusFinding(
                project.repo, project.commit, source.resolve().relative_to(project.root.resolve()).as_posix(), row,
                item["code"], line_sha(text), item["message"],
            )
        )
    return findings


def corpus_mirror() -> Path | None:
    """The local bare-mirror folder, when there is one."""
    mirror = Path(os.environ.get("REVIEW_LS_MIRROR", "/work/.mirror"))
    return mirror if mirror.is_dir() else None


def all_findings(jobs: int) -> list[CorpusFinding]:
    """The findings on every corpus project."""
    code_hash = review_ls_hash()
    import review_ls

    print(f"review_ls from {Path(review_ls.__file__).parent} (sources {code_hash})", file=sys.stderr)
    findings: list[CorpusFinding] = []
    for project in corpus.load_manifest():
        findings.extend(project_findings(project, jobs, code_hash))
    return findings


def sample_rows(
    findings: Sequence[CorpusFinding], per_rule: int, seed: int, judged: dict[CorpusFinding, Judgement]
) -> list[list[object]]:
    """Up to `per_rule` findings of each rule, as judgement rows: the judged ones, topped up at random.

    Findings already judged come first and carry their verdict and reason; the rest of the rule's
    quota is a seeded random choice among its unjudged findings, with an empty verdict and the
    finding's message in the reason column (to be replaced by the reviewer's reason). Raising
    `per_rule` therefore extends the judged sample instead of replacing it.
    """
    by_rule: dict[str, list[CorpusFinding]] = defaultdict(list)
    for finding in findings:
        by_rule[finding.code].append(finding)
    rows: list[list[object]] = []
    for code in sorted(by_rule):
        ordered = sorted(by_rule[code], key=lambda f: (f.repo, f.path, f.line))
        done = [f for f in ordered if f in judged]
        todo = [f for f in ordered if f not in judged]
        random.Random(f"{seed}:{code}").shuffle(todo)
        chosen = done[:per_rule] + todo[: max(0, per_rule - len(done))]
        for f in sorted(chosen, key=lambda f: (f.repo, f.path, f.line)):
            judgement = judged.get(f)
            verdict, reason = (judgement.verdict, judgement.reason) if judgement else ("", f.message)
            rows.append([f.repo, f.commit, f.path, f.line, f.code, f.line_sha, verdict, reason])
    return rows


def print_counts(findings: Sequence[CorpusFinding]) -> None:
    """Print the number of findings per rule and per project."""
    per_rule = Counter(f.code for f in findings)
    per_repo = Counter(f.repo for f in findings)
    for code, count in sorted(per_rule.items()):
        print(f"{code}\t{count}")
    print(f"total\t{len(findings)}")
    for repo, count in sorted(per_repo.items()):
        print(f"  {repo}\t{count}")


def format_precision(value: float | None) -> str:
    """A precision as two decimals, or an em dash when nothing is judged."""
    return "—" if value is None else f"{value:.2f}"


def rule_severities() -> dict[str, str]:
    """The default severity of each registered rule, by code."""
    from review_ls.rules import all_rules

    return {rule.code: rule.severity.name.lower() for rule in all_rules()}


def default_on_codes() -> frozenset[str]:
    """The codes of the rules a default run reports (`default_enabled`)."""
    from review_ls.rules import all_rules

    return frozenset(rule.code for rule in all_rules() if rule.default_enabled)


# The done-when bar of issue #15, for every default-on rule and for the default set as a whole.
RULE_BAR = 0.9
MIN_JUDGED = 8
DEFAULT_SET_BAR = 0.92


def below_bar(s: RuleScore) -> bool:
    """True when a rule's judged sample misses the bar: precision < 0.9, or fewer than 8 judged of 8+ findings."""
    if s.judged < min(MIN_JUDGED, s.findings):
        return True
    return s.precision is not None and s.precision < RULE_BAR


# Codes that are not review verdicts: shown in the table, left out of every precision figure.
# RV000 reports that the running Python cannot parse the file (newer syntax than the interpreter);
# it is a statement about the environment, true whenever it fires, not a reviewer's judgement.
NOT_SCORED = frozenset({"RV000"})


def precision_table(
    scores: Sequence[RuleScore], kloc: float, projects: int, severities: dict[str, str], default_on: frozenset[str]
) -> str:
    """The Markdown of docs/precision.md."""
    scored = [s for s in scores if s.code not in NOT_SCORED]
    total = overall(scored)
    default_set = overall([s for s in scored if s.code in default_on])
    shown = overall([s for s in scored if severities.get(s.code) in ("warning", "error")])
    below = [
        s.code
        for s in scored
        if s.precision is not None and s.precision < 0.9 and severities.get(s.code) in ("warning", "error")
    ]
    default_below = [s.code for s in scored if s.code in default_on and below_bar(s)]
    weighted_tp = sum(s.findings * s.precision for s in scored if s.precision is not None)
    weighted_n = sum(s.findings for s in scored if s.precision is not None)
    lines = [
        "# Precision on real applications",
        "",
        "Generated by `python benchmarks/real_apps.py score` from the judgements in",
        "`benchmarks/judgements/*.tsv`; do not edit by hand.",
        "",
        f"Corpus: {projects} pinned service back ends of `benchmarks/corpus.toml` ({kloc:.0f} KLOC of application",
        "code), every rule enabled (`--select RV`). A sample of each rule's findings was judged by reading the",
        "code as a reviewer: **TP** when a reviewer would ask for the change in a code review, **FP** when",
        "the code is fine, **debatable** otherwise. Precision = TP / judged; debatable counts as not TP.",
        "Findings that are not judged yet are counted by `score` (`--unjudged-out FILE` lists them);",
        "`python benchmarks/real_apps.py run --per-rule N` writes the judged sample topped up with unjudged",
        "findings to judge. Judgements match findings by repository, path, line and rule, or by the hash",
        "of the flagged line's text when the finding moved.",
        "",
        "| rule | default | severity | findings | judged | TP | FP | debatable | precision |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scores:
        precision = "not scored" if s.code in NOT_SCORED else format_precision(s.precision)
        lines.append(
            f"| {s.code} | {'on' if s.code in default_on else 'off'} | {severities.get(s.code, '?')} | {s.findings} "
            f"| {s.judged} | {s.tp} | {s.fp} | {s.debatable} | {precision} |"
        )
    for label, row in (("**default set**", default_set), ("**all rules**", total)):
        lines.append(
            f"| {label} | | | {row.findings} | {row.judged} | {row.tp} | {row.fp} | {row.debatable} "
            f"| {format_precision(row.precision)} |"
        )
    lines += [
        "",
        (
            f"Precision of the default set (the rules on by default, what `review-ls check` reports without "
            f"configuration): **{format_precision(default_set.precision)}** over {default_set.judged} judged findings "
            f"(bar: {DEFAULT_SET_BAR:.2f})."
        ),
        "Default-on rules below the bar (precision < 0.90, or fewer than 8 judged where they fire 8 times or more): "
        + (", ".join(default_below) if default_below else "none")
        + ".",
        f"Precision of all rules (`--select RV`): **{format_precision(total.precision)}** over the judged findings (TP / judged).",
        (
            "Precision of the rules at warning or above (`hint` findings are shown only as faint editor hints): "
            f"**{format_precision(shown.precision)}** over {shown.judged} judged findings."
        ),
        (
            "Weighted by each rule's number of findings (an estimate of precision on all findings): "
            f"**{format_precision(weighted_tp / weighted_n if weighted_n else None)}**."
        ),
        "",
        "Rules at warning or above with a precision below 0.90: " + (", ".join(below) if below else "none") + ".",
        "",
        "**RV000 is not scored.** It is not a review rule: it says the running Python cannot parse the",
        "file. On the corpus every RV000 is valid Python 3.12+ syntax (PEP 695 generics, `type X = ...`,",
        "`except A, B:`, PEP 701 f-strings) read by review-ls on an older Python; the message names the",
        "syntax, the version it needs and how to run review-ls with it. It is counted in the table but",
        "left out of every precision figure; its old judgements (FP: \"valid syntax\") judged the",
        "environment, not the code.",
        "",
        "Each rule's docs page says which files it reviews (`Applies to:`): tests, migrations, scripts and",
        "CLI commands, configuration modules of other processes and notebook exports are recognised by",
        "`review_ls/patterns/roles.py`, and most service rules apply to application code only. Rules at",
        "`hint` severity or off by default say why on their docs page (*Precision on real applications*);",
        "`select = [\"ALL\"]` or `extend-select` runs the rules that are off by default.",
        "",
    ]
    return "\n".join(lines)


def corpus_kloc() -> float:
    """Thousands of lines of Python in the analysed packages of the corpus."""
    lines = 0
    for project in corpus.load_manifest():
        for source in project.package.rglob("*.py"):
            lines += len(source.read_bytes().splitlines())
    return lines / 1000


def command_run(args: argparse.Namespace) -> int:
    """Print per-rule counts and write the per-rule sample."""
    try:
        judgements = read_judgements(JUDGEMENTS.glob("*.tsv"))
    except (ValueError, KeyError) as error:
        print(f"real_apps: {error}", file=sys.stderr)
        return 2
    findings = all_findings(args.jobs)
    print_counts(findings)
    matched, _ = match(findings, judgements)
    rows = sample_rows(findings, args.per_rule, args.seed, matched)
    out: Path = args.sample_out
    out.parent.mkdir(parents=True, exist_ok=True)
    write_rows(out, rows)
    to_judge = sum(1 for row in rows if not row[6])
    print(f"sample of {len(rows)} written to {out}; {to_judge} still to judge (empty verdict)", file=sys.stderr)
    return 0


def command_score(args: argparse.Namespace) -> int:
    """Re-score the judgements against the current findings and write docs/precision.md."""
    try:
        judgements = read_judgements(JUDGEMENTS.glob("*.tsv"))
    except (ValueError, KeyError) as error:
        print(f"real_apps: {error}", file=sys.stderr)
        return 2
    findings = all_findings(args.jobs)
    matched, unjudged = match(findings, judgements)
    scores = score(findings, matched)
    for s in scores:
        print(f"{s.code}\tfindings {s.findings}\tjudged {s.judged}\tTP {s.tp}\tFP {s.fp}\tdebatable {s.debatable}"
              f"\tprecision {format_precision(s.precision)}")
    default_on = default_on_codes()
    for label, codes in (("default set", default_on), ("all rules", None)):
        row = overall([s for s in scores if s.code not in NOT_SCORED and (codes is None or s.code in codes)])
        print(f"{label}\tfindings {row.findings}\tjudged {row.judged}\tprecision {format_precision(row.precision)}")
    stale = len(judgements) - len(matched)
    if stale:
        print(f"{stale} judged finding(s) no longer reported (fixed, or their line changed)")
    unjudged_by_rule = Counter(f.code for f in unjudged)
    print("unjudged findings per rule: " + ", ".join(f"{c} {n}" for c, n in sorted(unjudged_by_rule.items())))
    if args.unjudged_out:
        write_rows(args.unjudged_out, [[f.repo, f.commit, f.path, f.line, f.code, f.line_sha, "", f.message]
                                       for f in unjudged])
    PRECISION_DOC.write_text(precision_table(scores, corpus_kloc(), len(corpus.load_manifest()), rule_severities(), default_on), encoding="utf-8")
    print(f"wrote {PRECISION_DOC.relative_to(REPO_ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run `run` (default) or `score`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=("run", "score"), default="run")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--per-rule", type=int, default=15)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--sample-out", type=Path, default=RESULTS / "sample.tsv")
    parser.add_argument("--unjudged-out", type=Path, default=None)
    args = parser.parse_args(argv)
    return command_run(args) if args.command == "run" else command_score(args)


if __name__ == "__main__":
    sys.exit(main())
