"""`--fix` racing an editor that keeps saving: no save is ever lost (issue #18 item 2)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from review_ls.writer import FileChangedError, write_atomically

# The editor: saves N versions in place; after each one it waits until the file shows that version
# (plain, or fixed from it); a file that goes back to an older version is a lost save.
_EDITOR = r"""
import re, sys, time
path, saves = sys.argv[1], int(sys.argv[2])
lost = 0
for number in range(saves):
    with open(path, "w") as out:
        out.write(f"x = 1\n# save {number}\n")
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        with open(path) as source:
            shown = re.search(r"save (\d+)", source.read())
        if shown and int(shown.group(1)) == number:
            break
        time.sleep(0.0005)
    else:
        lost += 1
    time.sleep(0.001 * (number % 3))
print(lost)
"""


def _fixed(text: str) -> str:
    return text.replace("# save", "# fixed save")


def run_race(tmp_path: Path, saves: int) -> tuple[int, int]:
    """Fix the file over and over while the editor saves `saves` times; return (lost saves, fixes written)."""
    path = tmp_path / "svc.py"
    path.write_text("x = 1\n# save -1\n")
    editor = subprocess.Popen([sys.executable, "-c", _EDITOR, str(path), str(saves)], stdout=subprocess.PIPE, text=True)
    written = 0
    deadline = time.monotonic() + 60
    while editor.poll() is None and time.monotonic() < deadline:
        data = path.read_bytes()
        text = data.decode()
        if "# save" not in text:
            continue
        try:
            write_atomically(path, _fixed(text), data)
            written += 1
        except FileChangedError:
            pass
    out, _ = editor.communicate(timeout=30)
    return int(out), written


def test_a_concurrent_save_is_never_lost_to_a_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = os.replace

    def slow_replace(source: str, destination: str) -> None:  # a loaded machine: the window is wide open
        time.sleep(0.005)
        real_replace(source, destination)

    monkeypatch.setattr("review_ls.writer.os.replace", slow_replace)
    lost, written = run_race(tmp_path, saves=300)
    assert written > 0
    assert lost == 0
