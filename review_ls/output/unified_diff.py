"""`--diff` output: a unified diff that `patch -p1 -F0` and `git apply` accept for any text.

Patch tools read lines ending at `\\n` only (a `\\r\\n` line keeps its `\\r`, a bare `\\r` does not end a
line for them), and they need the `\\ No newline at end of file` marker when a side's last line has no
`\\n`. `str.splitlines` would also break at `\\x0c`, `\\x85`, `\\u2028` and friends, so the hunk header
would count lines differently from the body that patch reads.
"""

from __future__ import annotations

import difflib
import re

_PATCH_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_NO_NEWLINE = "\\ No newline at end of file\n"


def patch_lines(text: str) -> list[str]:
    """Split `text` into lines the way `patch` and `git apply` read them (ending at `\\n` only)."""
    return _PATCH_LINE.findall(text)


def unified_diff(old: str, new: str, path: str) -> str:
    """A unified diff from `old` to `new` for the file at `path` (`a/<path>` and `b/<path>`)."""
    out: list[str] = []
    for line in difflib.unified_diff(patch_lines(old), patch_lines(new), fromfile=f"a/{path}", tofile=f"b/{path}"):
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n" + _NO_NEWLINE)
    return "".join(out)
