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
RV302 scores a hit when it reports on that line. Prints recall and precision per suite, and a
"scoped" precision: flake8-async's harness checks each eval file only for the codes it is about
(`async232.py` labels file methods, not the `open()` calls that set them up), so a report whose
call belongs to a code that the file never labels is not counted against RV302 there.
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


_CALL_CODES = (("open()", "ASYNC230"), ("io.open", "ASYNC230"), ("io.open_code", "ASYNC230"), ("os.fdopen", "ASYNC231"), ("os.path.", "ASYNC240"),
               ("input()", "ASYNC250"), ("time.sleep", "ASYNC251"), ("subprocess.", "ASYNC22"), ("os.", "ASYNC22"))


def call_code(message: str) -> str | None:
    """The flake8-async code family of the call an RV302 message names (None when not told apart)."""
    return next((code for prefix, code in _CALL_CODES if message.startswith(prefix)), None)


def labelled_codes(source: str, name: str) -> set[str]:
    """The codes a file is checked for: those in its labels and the one in its name."""
    codes = set(re.findall(r"#\s*(ASYNC\d+)", source))
    named = _CODE_IN_FILE_NAME.search(name)
    if named:
        codes.add(f"ASYNC{named.group(1)}")
    return codes


def score(folder: Path, labels: dict[str, set[int]]) -> Score:
    """Run RV302 alone over each labelled file and compare its lines with the labels."""
    # The suites label metadata checks (os.path.exists, ...) too: score with RV302's parity option on.
    settings = Settings(select=("RV302",), options=(("RV302", (("report-metadata-checks", True),)),))
    result = Score()
    for name, expected in sorted(labels.items()):
        source = (folder / name).read_text(encoding="utf-8")
        # The fixtures live under test folders; analyse them as the service code they stand for.
        findings = [f for f in analyse_source(source, f"service/{Path(name).name}", settings).findings if f.code == "RV302"]
        reported = {f.span.line for f in findings}
        codes = labelled_codes(source, name)
        for line in {f.span.line for f in findings if (code := call_code(f.message)) and not any(c.startswith(code) for c in codes)} - expected:
            result.out_of_scope += 1
        result.true_positives += len(expected & reported)
        result.false_negatives += len(expected - reported)
        result.false_positives += len(reported - expected)
        result.misses += [f"{name}:{line}" for line in sorted(expected - reported)]
        result.extras += [f"{name}:{line}" for line in sorted(reported - expected)]
    return result


def main(argv: list[str] | None = None) -> int:
    """Score every suite of the manifest and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "review-ls-peer-suites")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    suites = tomllib.loads(_MANIFEST.read_text(encoding="utf-8"))["suite"]
    print(f"{'suite':<20} {'labelled':>8} {'found':>6} {'extra':>6} {'recall':>7} {'precision':>9} {'scoped':>7}")
    for suite in suites:
        root = extract(suite, args.mirror, args.cache)
        if suite["labels"] == "semgrep":
            print_taint_suite(suite, root, args.show_misses)
            continue
        folder = root / suite["files"]
        labels = snapshot_labels(folder, root / suite["snapshots"]) if suite["labels"] == "snapshots" else comment_labels(folder)
        result = score(folder, labels)
        labelled = result.true_positives + result.false_negatives
        print(f"{suite['name']:<20} {labelled:>8} {result.true_positives:>6} {result.false_positives:>6} {result.recall:>7.2f} {result.precision:>9.2f} {result.scoped_precision:>7.2f}")
        if args.show_misses:
            print("  missed: " + " ".join(result.misses))
            print("  extra:  " + " ".join(result.extras))
    return 0


if __name__ == "__main__":
    sys.exit(main())
