"""Score RV302 against peers' labelled blocking-call tests: ruff's flake8_async fixtures and flake8-async's eval files.

RV601/RV602 are scored against semgrep-rules' path-traversal and SSRF tests (`labels = "semgrep"`
suites, scored by `peer_taint.py`).

Usage: python benchmarks/peer_suites.py [--mirror DIR] [--cache DIR] [--show-misses]

The suites are pinned in `benchmarks/peer_suites.toml`. Each is read from a bare git mirror
(default `/work/.mirror/<owner>+<name>/repo`, as the `fetch` tool leaves it) and extracted with
`git archive` into a cache outside the repository (`~/.cache/review-ls-peer-suites`). A line is a
positive when the peer reports one of its blocking-call codes on it (ASYNC210-251: sync HTTP,
subprocess, os.wait/spawn, file open, os.path, input, time.sleep); ruff's labels come from its
snapshot files, flake8-async's from the `# ASYNCnnn:` / `# error:` comments of its eval files.
RV302 scores a hit when it reports on that line.

Each peer checks a test file only for the codes it is about, and so does the score ("precision";
"all reports" counts every report): ruff's test runs one rule per snapshot
(`LinterSettings::for_rule`, flake8_async/mod.rs), flake8-async's harness enables the code in the
file's name or its `# ARG --enable=` line (tests/test_flake8_async.py). A report of a call of
another code (an `open()` in `async232.py`, which labels the methods of files) is neither right nor
wrong there: it is not counted.

Each suite's first row scores its labels as written (what the peer's own test expects); the last
row, "RV302, both suites", pools those counts and is the headline for issue #14's target. Every
line where RV302 and a label still differ is listed in the manifest's `notes` with the verdict of
a review (`blocking`) and a one-line `reason`: the suite's own comments where they say the label
is wrong (`# should error`, `# not handled`, "Known unhandled cases"), calls that do no I/O, and
calls that cannot run as labelled. The rows "(judged)" apply those verdicts; `--show-misses` lists
each difference of the rows as written with its reason.
Never part of the default test run.
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import tarfile
if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib
from dataclasses import dataclass
from pathlib import Path

from review_ls import analyse_source
from review_ls.config import Settings

sys.path.insert(0, str(Path(__file__).parent))
from peer_score import Score  # noqa: E402  (sibling scripts, not a package)
from peer_taint import print_taint_suite  # noqa: E402

BLOCKING_CODES = frozenset({"ASYNC210", "ASYNC211", "ASYNC212", "ASYNC220", "ASYNC221", "ASYNC222", "ASYNC230", "ASYNC231", "ASYNC232", "ASYNC240", "ASYNC250", "ASYNC251"})
_SNAPSHOT_FINDING = re.compile(r"^(ASYNC\d+)\b.*\n\s*-->\s*(\S+?\.py):(\d+):\d+", re.MULTILINE)
_COMMENT_LABEL = re.compile(r"#\s*(ASYNC\d+|error)(?:_\w+)?\s*:")
_CODE_IN_FILE_NAME = re.compile(r"async(\d{3})", re.IGNORECASE)
_MANIFEST = Path(__file__).with_name("peer_suites.toml")


def extract(suite: dict[str, str], mirror_root: Path, cache_root: Path) -> Path:
    """Extract the suite's pinned folders from its mirror into the cache (once) and return the folder."""
    target = cache_root / f"{suite['name']}-{suite['commit'][:12]}"
    if target.is_dir():
        return target
    git_dir = mirror_root / suite["repo"].replace("/", "+") / "repo"
    if not git_dir.is_dir():
        raise SystemExit(f"peer_suites: no mirror of {suite['repo']} at {git_dir} (fetch it first)")
    paths = [suite["files"], *([suite["snapshots"]] if "snapshots" in suite else [])]
    archive = subprocess.run(["git", f"--git-dir={git_dir}", "archive", "--format=tar", suite["commit"], *paths], check=True, capture_output=True).stdout
    partial = target.with_suffix(".partial")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(partial, filter="data")
    partial.rename(target)
    return target


def snapshot_labels(folder: Path, snapshots: Path) -> dict[str, set[int]]:
    """Lines of each fixture file where ruff reports a blocking-call code, from its snapshot files."""
    labels: dict[str, set[int]] = {p.name: set() for p in folder.glob("*.py") if _is_blocking_file(p.name)}
    for snap in snapshots.glob("*.snap"):
        for code, name, line in _SNAPSHOT_FINDING.findall(snap.read_text(encoding="utf-8")):
            if code in BLOCKING_CODES and name in labels:
                labels[name].add(int(line))
    return labels


def comment_labels(folder: Path) -> dict[str, set[int]]:
    """Lines of each eval file labelled with a blocking-call code (`# ASYNC210: ...`, or `# error: ...` in an asyncNNN file)."""
    labels: dict[str, set[int]] = {}
    for path in sorted(folder.glob("*.py")):
        if not _is_blocking_file(path.name):
            continue
        named = _CODE_IN_FILE_NAME.search(path.name)
        file_code = f"ASYNC{named.group(1)}" if named else ""
        lines: set[int] = set()
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for label in _COMMENT_LABEL.findall(text):
                code = file_code if label == "error" else label
                if code in BLOCKING_CODES:
                    lines.add(number)
        labels[path.name] = lines
    return labels


def _is_blocking_file(name: str) -> bool:
    """True for the files of the blocking-call checks (ASYNC21x-25x), e.g. `ASYNC22x.py`, `async251_multi_library.py`."""
    match = re.search(r"async(2[1-5])", name, re.IGNORECASE)
    return match is not None


_CALL_CODES = (("open", "ASYNC230"), ("io.open", "ASYNC230"), ("io.open_code", "ASYNC230"), ("os.fdopen", "ASYNC231"), ("input", "ASYNC250"),
               ("time.sleep", "ASYNC251"))
_CALL_PREFIXES = (("os.path.", "ASYNC240"), ("subprocess.", "ASYNC22"), ("os.", "ASYNC22"), ("requests.", "ASYNC210"), ("httpx.", "ASYNC210"),
                  ("urllib", "ASYNC210"))
_FILE_METHODS = frozenset({"read", "readline", "readlines", "write", "writelines", "seek", "tell", "truncate", "flush"})
_PATH_METADATA_METHODS = frozenset({"exists", "is_dir", "is_file", "is_symlink", "is_mount", "stat", "lstat", "resolve", "readlink", "samefile"})
_CALLED = re.compile(r"^(\S+?)\(\) ")


def call_code(message: str) -> str | None:
    """The flake8-async code (or code family) of the call an RV302 message names (None when not told apart)."""
    called = _CALLED.match(message)
    if called is None:
        return None
    call = called.group(1)
    exact = next((code for name, code in _CALL_CODES if call == name), None)
    if exact is not None:
        return exact
    prefixed = next((code for prefix, code in _CALL_PREFIXES if call.startswith(prefix)), None)
    if prefixed is not None:
        return prefixed
    method = call.rsplit(".", 1)[-1]
    if method == "open":
        return "ASYNC230"  # `Path.open()`: ruff files it under ASYNC230 (its ASYNC240.py:60, "OK, covered by ASYNC230")
    if method in _FILE_METHODS:
        return "ASYNC232"
    return "ASYNC240" if method in _PATH_METADATA_METHODS else None


def enabled_codes(source: str, name: str) -> set[str]:
    """The codes flake8-async's harness enables for an eval file: `# ARG --enable=...`, else the code in its name.

    tests/test_flake8_async.py `_parse_eval_file`: "Only enable the tested visitor" (`--enable={test}`,
    `test` the file name up to its first `_`), overridden by a `# ARG --enable=` line.
    """
    codes: set[str] = set()
    for listed in re.findall(r"#\s*ARG --enable=(\S+)", source):
        codes = set(listed.split(","))
    if not codes:
        named = _CODE_IN_FILE_NAME.search(name.split("_", 1)[0])
        codes = {f"ASYNC{named.group(1)}"} if named else set()
    return codes


def snapshot_codes(snapshots: Path) -> dict[str, set[str]]:
    """The rules ruff runs on each fixture: its test runs one rule per snapshot (`LinterSettings::for_rule`),
    named `..._<rule>_<fixture>.snap` (flake8_async/mod.rs)."""
    codes: dict[str, set[str]] = {}
    for snap in snapshots.glob("*__tests__ASYNC*.snap"):
        match = re.search(r"__tests__(ASYNC\d+)_(.+\.py)\.snap$", snap.name)
        if match:
            codes.setdefault(match.group(2), set()).add(match.group(1))
    return codes


@dataclass(frozen=True)
class Note:
    """A review's verdict on one labelled (or unlabelled) line: whether the call there blocks, and why."""

    blocking: bool
    reason: str


def score(folder: Path, labels: dict[str, set[int]], enabled: dict[str, set[str]] | None = None, notes: dict[str, dict[int, Note]] | None = None) -> Score:
    """Run RV302 alone over each labelled file and compare its lines with the labels.

    `enabled` are the codes each file is checked for (ruff's snapshot rules; flake8-async's
    harness when None): a report of a call of another code is neither right nor wrong there (the
    peer's test never runs that check on the file) and is counted as out of scope. `notes`
    (file -> line -> verdict) replace the labels of the lines they judge; None scores the labels as written.
    """
    # The suites label metadata checks (os.path.exists, ...) too: score with RV302's parity option on.
    settings = Settings(select=("RV302",), options=(("RV302", (("report-metadata-checks", True),)),))
    result = Score()
    for name, labelled in sorted(labels.items()):
        source = (folder / name).read_text(encoding="utf-8")
        expected = set(labelled)
        for line, note in (notes or {}).get(name, {}).items():
            (expected.add if note.blocking else expected.discard)(line)
        # The fixtures live under test folders; analyse them as the service code they stand for.
        findings = [f for f in analyse_source(source, f"service/{Path(name).name}", settings).findings if f.code == "RV302"]
        reported = {f.span.line for f in findings}
        codes = enabled_codes(source, name) if enabled is None else enabled.get(name, set())
        in_scope = {f.span.line for f in findings if (code := call_code(f.message)) is None or any(code.startswith(c) or c.startswith(code) for c in codes)}
        result.out_of_scope += len((reported - in_scope) - expected)
        result.true_positives += len(expected & reported)
        result.false_negatives += len(expected - reported)
        result.false_positives += len(reported - expected)
        result.misses += [f"{name}:{line}" for line in sorted(expected - reported)]
        result.extras += [f"{name}:{line}" for line in sorted((reported - expected) & in_scope)]
    return result


def suite_notes(suite: dict[str, object]) -> dict[str, dict[int, Note]]:
    """The manifest's `notes` of a suite (a review's verdict on lines where RV302 and a label differ): file -> line -> note."""
    judged: dict[str, dict[int, Note]] = {}
    for entry in suite.get("notes", []):  # type: ignore[union-attr]
        reason = str(entry.get("reason", "")).strip()
        if not reason:
            raise SystemExit(f"peer_suites: the note on {entry['file']}:{entry['line']} of {suite['name']} gives no reason")
        judged.setdefault(str(entry["file"]), {})[int(entry["line"])] = Note(bool(entry["blocking"]), reason)
    return judged


def pooled(scores: list[Score]) -> Score:
    """The counts of several suites added together (one recall and precision over all their labels)."""
    total = Score()
    for part in scores:
        total.true_positives += part.true_positives
        total.false_positives += part.false_positives
        total.false_negatives += part.false_negatives
        total.out_of_scope += part.out_of_scope
        total.misses += part.misses
        total.extras += part.extras
    return total


def explained(places: list[str], notes: dict[str, dict[int, Note]]) -> list[str]:
    """`file:line` differences, each followed by the verdict and reason of its note (or `no note`)."""
    lines = []
    for place in places:
        name, _, line = place.rpartition(":")
        note = notes.get(name, {}).get(int(line))
        verdict = "no note" if note is None else f"{'blocks' if note.blocking else 'does not block'}: {note.reason}"
        lines.append(f"    {place:<26} {verdict}")
    return lines


def print_row(row: str, result: Score) -> None:
    """One line of the table."""
    labelled = result.true_positives + result.false_negatives
    print(f"{row:<28} {labelled:>8} {result.true_positives:>6} {result.false_positives - result.out_of_scope:>6} {result.recall:>7.2f} {result.scoped_precision:>9.2f} {result.precision:>11.2f}")


def main(argv: list[str] | None = None) -> int:
    """Score every suite of the manifest and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "review-ls-peer-suites")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    suites = tomllib.loads(_MANIFEST.read_text(encoding="utf-8"))["suite"]
    print(f"{'suite':<28} {'labelled':>8} {'found':>6} {'extra':>6} {'recall':>7} {'precision':>9} {'all reports':>11}")
    as_written: list[Score] = []
    judged: list[Score] = []
    for suite in (entry for entry in suites if entry["labels"] != "semgrep"):
        root = extract(suite, args.mirror, args.cache)
        folder = root / suite["files"]
        if suite["labels"] == "snapshots":
            labels, enabled = snapshot_labels(folder, root / suite["snapshots"]), snapshot_codes(root / suite["snapshots"])
        else:
            labels, enabled = comment_labels(folder), None
        notes = suite_notes(suite)
        result = score(folder, labels, enabled)
        as_written.append(result)
        print_row(suite["name"], result)
        if args.show_misses:
            print("  missed:", *explained(result.misses, notes), sep="\n")
            print("  extra:", *explained(result.extras, notes), sep="\n")
        reviewed = score(folder, labels, enabled, notes)
        judged.append(reviewed)
        print_row(f"{suite['name']} (judged)", reviewed)
        if args.show_misses and (reviewed.misses or reviewed.extras):
            print("  missed: " + " ".join(reviewed.misses))
            print("  extra:  " + " ".join(reviewed.extras))
    print_row("RV302, both suites", pooled(as_written))
    print_row("RV302, both suites (judged)", pooled(judged))
    for suite in (entry for entry in suites if entry["labels"] == "semgrep"):
        print_taint_suite(suite, extract(suite, args.mirror, args.cache), args.show_misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
