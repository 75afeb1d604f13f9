"""Score RV601/RV602 against semgrep-rules' labelled path-traversal and SSRF tests (used by `peer_suites.py`).

semgrep's test files mark expectations with comments: `# ruleid: <rule>` (the next code line must
be reported) and `# ok: <rule>` (it must not). semgrep reports a taint finding where its pattern
starts, often the line that reads the request, while review-ls reports at the sink or the join; so
a label owns the lines from the one it marks up to the next label or the end of its function, and
a finding anywhere in a `ruleid` region finds that label. A finding in an `ok` region, or outside
every labelled region, is a false positive. Labels the manifest lists under `disagree` are ones a
senior reviewer judges the other way (each with its reason); they are scored both as labelled and
as judged.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from peer_score import Score
from review_ls import analyse_source
from review_ls.config import Settings

_LABEL = re.compile(r"#\s*(ruleid|ok)(?:\s*:|\s+due\b)")  # `# ok due to abspath` is a label too


@dataclass(frozen=True)
class Label:
    """One expectation: `positive` for `ruleid`, on the code line `line`, owning lines up to `end`."""

    comment_line: int
    line: int
    end: int
    positive: bool


def labels_of(source: str) -> list[Label]:
    """The `ruleid`/`ok` labels of a semgrep test file, each with the region of lines it owns."""
    lines = source.splitlines()
    tree = ast.parse(source)
    function_ends = sorted((n.lineno, n.end_lineno or n.lineno) for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    marks: list[tuple[int, int, bool]] = []
    for number, text in enumerate(lines, start=1):
        match = _LABEL.search(text)
        if match is None:
            continue
        target = number if text[: match.start()].strip() else _next_code_line(lines, number)
        marks.append((number, target, match.group(1) == "ruleid"))
    found: list[Label] = []
    for position, (comment, target, positive) in enumerate(marks):
        enclosing = [end for start, end in function_ends if start <= target <= end]
        end = min(enclosing) if enclosing else target
        if position + 1 < len(marks):
            end = min(end, marks[position + 1][0] - 1)
        found.append(Label(comment, target, max(end, target), positive))
    return found


def _next_code_line(lines: list[str], after: int) -> int:
    for number in range(after + 1, len(lines) + 1):
        text = lines[number - 1].strip()
        if text and not text.startswith("#"):
            return number
    return after


def score_files(root: Path, files: list[tuple[str, str]], disagree: set[tuple[str, int]], judged: bool) -> Score:
    """Run each file's rule alone over it and compare with its labels (flipping `disagree` labels when `judged`)."""
    result = Score()
    for name, code in files:
        source = (root / name).read_text(encoding="utf-8")
        findings = [f for f in analyse_source(source, str(root / name), Settings(select=(code,))).findings if f.code == code]
        reported = sorted({f.span.line for f in findings})
        labels = labels_of(source)
        claimed: set[int] = set()
        for label in labels:
            positive = label.positive != (judged and (name, label.comment_line) in disagree)
            hits = [line for line in reported if label.line <= line <= label.end]
            claimed.update(hits)
            if positive and hits:
                result.true_positives += 1
            elif positive:
                result.false_negatives += 1
                result.misses.append(f"{Path(name).name}:{label.line}")
            elif hits:
                result.false_positives += len(hits)
                result.extras += [f"{Path(name).name}:{line}" for line in hits]
        for line in reported:
            if line not in claimed:
                result.false_positives += 1
                result.extras.append(f"{Path(name).name}:{line}")
    return result


def print_taint_suite(suite: dict[str, object], root: Path, show_misses: bool) -> None:
    """Score a semgrep suite of the manifest as labelled and as judged, and print one row for each."""
    files = [(str(name), str(code)) for name, code in suite["include"]]  # type: ignore[union-attr]
    disagree = {(str(entry["file"]), int(entry["line"])) for entry in suite.get("disagree", [])}  # type: ignore[union-attr]
    for judged in (False, True):
        result = score_files(root, files, disagree, judged)
        labelled = result.true_positives + result.false_negatives
        name = f"{suite['name']}{' (judged)' if judged else ''}"
        print(f"{name:<28} {labelled:>8} {result.true_positives:>6} {result.false_positives:>6} {result.recall:>7.2f} {result.precision:>9.2f} {'':>7}")
        if show_misses:
            print("  missed: " + " ".join(result.misses))
            print("  extra:  " + " ".join(result.extras))
