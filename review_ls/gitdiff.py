"""The lines changed since a git revision, for `review-ls check --diff-base REV`.

A line counts as changed when `git diff --unified=0 <fork point>` shows it as added in the working
tree, where the fork point is `git merge-base REV HEAD`: so the commits of the branch since it left
REV, plus staged and unstaged changes, count — and every line of an untracked (not ignored) file.
That is what a pull request into REV shows, with the work not yet committed on top. Lines that were
only deleted leave nothing to report on. A finding is kept when any line of its span changed.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.model import Span

if TYPE_CHECKING:
    from review_ls.runner import FileReport

_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_PYTHON_PATHSPECS = ("*.py", "*.pyi")
# A checkout's own .git/config must not run code: no fsmonitor hook, no hooks, no pager, no external diff.
SAFE_GIT_CONFIG = (
    "-c", "core.fsmonitor=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.pager=cat",
    "-c", "diff.external=",
    "-c", "core.untrackedCache=false",
)  # fmt: skip


class GitDiffError(Exception):
    """Why the changed lines cannot be known (not a repository, unknown revision, ...); `str()` is one line."""


@dataclass(frozen=True)
class ChangedLines:
    """The changed lines of each changed file, by real (resolved) path; None means every line (a new file)."""

    by_file: Mapping[str, frozenset[int] | None] = field(default_factory=dict)

    def lines_of(self, path: Path | str) -> frozenset[int] | None:
        """The changed lines of a file (empty when it did not change, None when all of it is new)."""
        return self.by_file.get(os.path.realpath(path), frozenset())

    def touches_file(self, path: Path | str) -> bool:
        """True when the file has at least one changed line."""
        return os.path.realpath(path) in self.by_file

    def touches(self, path: Path | str, span: Span) -> bool:
        """True when any line of `span` changed in the file."""
        lines = self.lines_of(path)
        return lines is None or any(line in lines for line in range(span.line, span.end_line + 1))

    def filter_report(self, report: FileReport) -> FileReport:
        """The report with only the findings on changed lines (their fixes kept, re-indexed)."""
        kept = [i for i, finding in enumerate(report.findings) if self.touches(report.path, finding.span)]
        return replace(
            report,
            findings=[report.findings[i] for i in kept],
            fixes={new: report.fixes[old] for new, old in enumerate(kept) if old in report.fixes},
        )


def changed_lines(base: str, files: Sequence[Path]) -> ChangedLines:
    """The lines of `files`' repositories changed since the merge-base of `base` and HEAD.

    Raises GitDiffError when a file is outside any git repository or git cannot answer.
    """
    by_file: dict[str, frozenset[int] | None] = {}
    for root in _repository_roots(files):
        fork_point = _git(root, "merge-base", base, "HEAD", what=f"--diff-base {base}").strip()
        diff = _git(
            root,
            "-c", "core.quotePath=false",
            "diff", "--unified=0", "--no-color", "--no-ext-diff", "--no-textconv", "--find-renames",
            "--src-prefix=a/", "--dst-prefix=b/", fork_point, "--", *_PYTHON_PATHSPECS,
            what="git diff",
        )  # fmt: skip
        for relative, lines in parse_unified_diff(diff):
            by_file[os.path.realpath(root / relative)] = lines
        untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", *_PYTHON_PATHSPECS, what="git ls-files")
        for relative in filter(None, untracked.split("\0")):
            by_file[os.path.realpath(root / relative)] = None
    return ChangedLines(by_file)


def parse_unified_diff(diff: str) -> Iterator[tuple[str, frozenset[int]]]:
    """Yield (new path, added line numbers) for each file of a `git diff --unified=0` output."""
    lines = diff.split("\n")
    index = 0
    path: str | None = None
    added: set[int] = set()
    while index < len(lines):
        line = lines[index]
        index += 1
        if line.startswith("diff --git "):
            if path is not None:
                yield path, frozenset(added)
            path, added = None, set()
        elif line.startswith("+++ "):
            target = line[4:]
            path = None if target == "/dev/null" else unquote_path(target).removeprefix("b/")
        elif line.startswith("@@ ") and (hunk := _HUNK.match(line)):
            old_count = 1 if hunk.group(1) is None else int(hunk.group(1))
            start = int(hunk.group(2))
            new_count = 1 if hunk.group(3) is None else int(hunk.group(3))
            added.update(range(start, start + new_count))
            index = _skip_hunk_body(lines, index, old_count + new_count)
    if path is not None:
        yield path, frozenset(added)


def _skip_hunk_body(lines: list[str], index: int, count: int) -> int:
    """The index after a hunk's `count` body lines (and its "\\ No newline" markers)."""
    while count and index < len(lines):
        if not lines[index].startswith("\\"):
            count -= 1
        index += 1
    while index < len(lines) and lines[index].startswith("\\"):
        index += 1
    return index


def unquote_path(text: str) -> str:
    """Undo git's C-style quoting of a path in diff headers (`"b/caf\\303\\251.py"` -> `b/café.py`)."""
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        return text
    escapes = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
    body = text[1:-1]
    data = bytearray()
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\" or index + 1 == len(body):
            data += char.encode("utf-8", "surrogateescape")
            index += 1
        elif body[index + 1] in "01234567":
            data.append(int(body[index + 1 : index + 4], 8) & 0xFF)
            index += 4
        else:
            data.append(escapes.get(body[index + 1], ord(body[index + 1])))
            index += 2
    return data.decode("utf-8", "surrogateescape")


def _repository_roots(files: Iterable[Path]) -> list[Path]:
    """The top folders of the repositories holding `files` (each checked with git); GitDiffError if one has none."""
    roots: dict[Path, Path] = {}
    found: list[Path] = []
    for file in files:
        directory = Path(os.path.realpath(file)).parent
        candidate = roots.get(directory)
        if candidate is None:
            candidate = next((d for d in (directory, *directory.parents) if (d / ".git").exists()), None)
            if candidate is None:
                raise GitDiffError(f"{file}: not inside a git repository (--diff-base compares with a git revision)")
            roots[directory] = candidate
            if candidate not in found:
                found.append(candidate)
    return [Path(_git(root, "rev-parse", "--show-toplevel", what="git rev-parse").strip()) for root in found]


def _git(root: Path, *arguments: str, what: str) -> str:
    try:
        completed = subprocess.run(
            ("git", "--no-pager", *SAFE_GIT_CONFIG, "-C", str(root), *arguments),
            check=False,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "GIT_EXTERNAL_DIFF": "", "GIT_PAGER": "cat"},
        )
    except OSError as exc:
        raise GitDiffError(f"{what}: cannot run git: {exc.strerror or exc}") from None
    if completed.returncode != 0:
        reason = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        silent = "no common ancestor with HEAD" if "merge-base" in arguments else f"git failed with exit status {completed.returncode}"
        message = reason[-1] if reason else silent
        hint = " (in a shallow clone, fetch the base branch's history, e.g. actions/checkout with fetch-depth: 0)"
        shallow = (root / ".git" / "shallow").exists() and "merge-base" in arguments
        raise GitDiffError(f"{what}: {message} in {root}{hint if shallow else ''}")
    return completed.stdout.decode("utf-8", "surrogateescape")
