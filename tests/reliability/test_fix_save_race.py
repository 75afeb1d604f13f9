"""`--fix` racing an editor that keeps saving: no save is ever lost (issue #18 item 2 and its residual window)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

import review_ls.atomic_exchange
import review_ls.writer
from review_ls.writer import FileChangedError, write_atomically

# The editor saves N versions, each either in place (open with truncation, then write) or by writing a
# new file and renaming it into place. Before each save, and at the end, it checks that the file
# shows its previous save (plain, or fixed from it), waiting up to 2 s for a save that was moved
# aside to be put back; a file that still shows an older version then is a lost save. After every
# other save it waits (at most 0.2 s) for that save to be fixed, so that fixes do get written, and
# between saves it pauses for a random 0-15 ms, about as long as one fix takes, so that the next save
# lands at any point of the writer's sequence.
_EDITOR = r"""
import os, random, re, sys, time
path, saves, style = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pause = random.Random(saves).uniform

def shows(pattern, seconds):
    deadline = time.monotonic() + seconds
    while True:
        with open(path) as source:
            if re.search(pattern, source.read()):
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.0005)

lost = 0
for number in range(saves + 1):
    if number and not shows(rf"# (fixed )?save {number - 1}\n", 2):
        lost += 1
    if number == saves:
        break
    text = f"x = 1\n# save {number}\n"
    if style == "rename" or (style == "mixed" and number // 2 % 2):
        fresh = f"{path}.editor-{number}"
        with open(fresh, "w") as out:
            out.write(text)
        os.replace(fresh, path)
    else:
        with open(path, "w") as out:
            out.write(text)
    if number % 2 == 0:
        shows(rf"# fixed save {number}\n", 0.2)
    time.sleep(pause(0, 0.015))
print(lost)
"""

_DELAY = 0.005  # a loaded machine: the writer is descheduled for 5 ms at the chosen point
STYLES = ["in_place", "rename"]
DELAY_POINTS = ["before_each_check", "before_the_swap", "after_the_swap"]


def _fixed(text: str) -> str:
    return text.replace("# save", "# fixed save")


def run_race(tmp_path: Path, saves: int, style: str) -> tuple[int, int]:
    """Fix the file over and over while the editor saves `saves` times; return (lost saves, fixes written)."""
    path = tmp_path / "svc.py"
    path.write_text("x = 1\n# save -1\n")
    editor = subprocess.Popen([sys.executable, "-c", _EDITOR, str(path), str(saves), style], stdout=subprocess.PIPE, text=True)
    written = 0
    deadline = time.monotonic() + 120
    while editor.poll() is None and time.monotonic() < deadline:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        text = data.decode()
        if "# save" not in text:
            continue
        try:
            write_atomically(path, _fixed(text), data)
            written += 1
        except FileChangedError:
            pass
    out, _ = editor.communicate(timeout=60)
    assert not [leftover.name for leftover in tmp_path.iterdir() if leftover.name.endswith(".review-ls.tmp")]
    return int(out), written


def _delayed(function: Callable[..., object], before: bool) -> Callable[..., object]:
    def slow(*args: object) -> object:
        if before:
            time.sleep(_DELAY)
        result = function(*args)
        if not before:
            time.sleep(_DELAY)
        return result

    return slow


def inject_delay(monkeypatch: pytest.MonkeyPatch, point: str) -> None:
    """Make the writer stall at `point` of its sequence, in both the exchange and the rename path."""
    if point == "before_each_check":
        monkeypatch.setattr(review_ls.writer, "_content", _delayed(review_ls.writer._content, before=True))
        return
    before = point == "before_the_swap"
    monkeypatch.setattr(review_ls.atomic_exchange, "exchange", _delayed(review_ls.atomic_exchange.exchange, before))
    monkeypatch.setattr("review_ls.writer.os.replace", _delayed(os.replace, before))


def make_exchange_unsupported(monkeypatch: pytest.MonkeyPatch, error: int = errno.EINVAL) -> list[str]:
    """The system call answers `error`, as on a file system without exchange; returns the renames made instead."""
    monkeypatch.setattr(review_ls.atomic_exchange, "_native_swap", lambda: lambda first, second: error)
    renames: list[str] = []
    real_replace = os.replace

    def recorded_replace(source: str, destination: str) -> None:
        renames.append(str(destination))
        real_replace(source, destination)

    monkeypatch.setattr("review_ls.writer.os.replace", recorded_replace)
    return renames


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the atomic exchange is tested on Linux")
@pytest.mark.parametrize("point", DELAY_POINTS)
@pytest.mark.parametrize("style", STYLES)
def test_a_concurrent_save_is_never_lost_to_a_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, style: str, point: str) -> None:
    inject_delay(monkeypatch, point)
    lost, written = run_race(tmp_path, saves=24, style=style)
    assert written > 0
    assert lost == 0


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the atomic exchange is tested on Linux")
@pytest.mark.parametrize("point", DELAY_POINTS)
@pytest.mark.parametrize("style", [*STYLES, "mixed"])
def test_soak_no_save_is_lost_in_300_saves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, style: str, point: str) -> None:
    inject_delay(monkeypatch, point)
    lost, written = run_race(tmp_path, saves=300, style=style)
    assert written > 0
    assert lost == 0


@pytest.mark.parametrize("error", [errno.EINVAL, errno.ENOSYS, errno.EXDEV], ids=errno.errorcode.get)
def test_without_exchange_the_writer_renames_instead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: int) -> None:
    path = tmp_path / "svc.py"
    path.write_text("x = 1\n")
    path.chmod(0o640)
    renames = make_exchange_unsupported(monkeypatch, error)
    write_atomically(path, "x = 2\n", b"x = 1\n")
    assert renames == [str(path)]
    assert path.read_text() == "x = 2\n" and (path.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc.py"]


def test_without_exchange_a_save_written_in_place_is_never_lost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    renames = make_exchange_unsupported(monkeypatch)
    inject_delay(monkeypatch, "before_the_swap")
    lost, written = run_race(tmp_path, saves=24, style="in_place")
    assert written > 0 and len(renames) >= written
    assert lost == 0


@pytest.mark.slow
@pytest.mark.parametrize("point", DELAY_POINTS)
def test_soak_without_exchange_no_save_written_in_place_is_lost_in_300_saves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str) -> None:
    renames = make_exchange_unsupported(monkeypatch)
    inject_delay(monkeypatch, point)
    lost, written = run_race(tmp_path, saves=300, style="in_place")
    assert written > 0 and len(renames) >= written
    assert lost == 0


def test_an_unexpected_exchange_error_is_raised_and_nothing_is_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "svc.py"
    path.write_text("x = 1\n")
    monkeypatch.setattr(review_ls.atomic_exchange, "_native_swap", lambda: lambda first, second: errno.EIO)
    with pytest.raises(OSError, match="Input/output error"):
        write_atomically(path, "x = 2\n", b"x = 1\n")
    assert path.read_text() == "x = 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc.py"]
