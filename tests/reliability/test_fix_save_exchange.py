"""The fix writer against a save at each step of its swap, played deterministically: the newest save always stays."""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, TextIO

import pytest

import review_ls.atomic_exchange
import review_ls.writer
from review_ls.writer import FileChangedError, write_atomically

needs_exchange = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the atomic exchange is tested on Linux")

Action = Callable[[], None]
_rename = os.replace  # the editor's own rename, taken before the writer's is wrapped


def on_swaps(
    monkeypatch: pytest.MonkeyPatch,
    before: dict[int, Action] | None = None,
    after: dict[int, Action] | None = None,
    counted: tuple[str, ...] = ("exchange", "replace"),
) -> list[str]:
    """Run an editor action before/after the writer's n-th swap of the `counted` kinds (counted from 1); returns all swaps."""
    calls: list[str] = []
    real: dict[str, Callable[[str, str], None]] = {"exchange": review_ls.atomic_exchange.exchange, "replace": os.replace}

    def wrapped(kind: str) -> Callable[[str, str], None]:
        def swap(first: str, second: str) -> None:
            calls.append(kind)
            number = sum(call in counted for call in calls) if kind in counted else 0
            (before or {}).get(number, lambda: None)()
            real[kind](first, second)
            (after or {}).get(number, lambda: None)()

        return swap

    monkeypatch.setattr(review_ls.atomic_exchange, "exchange", wrapped("exchange"))
    monkeypatch.setattr("review_ls.writer.os.replace", wrapped("replace"))
    return calls


def renamed_into_place(path: Path, text: str) -> Action:
    """An editor that writes a new file and renames it over `path`."""

    def save() -> None:
        fresh = path.with_name(path.name + ".editor")
        fresh.write_text(text)
        _rename(fresh, path)

    return save


def written_in_place(path: Path, text: str) -> Action:
    """An editor that truncates `path` and writes into the same file."""

    def save() -> None:
        path.write_text(text)

    return save


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "svc.py"
    path.write_text("x = 1\n")
    path.chmod(0o640)
    return path


@needs_exchange
def test_a_save_renamed_into_place_just_before_the_swap_is_kept(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_swaps(monkeypatch, before={1: renamed_into_place(path, "x = 9\n")})
    with pytest.raises(FileChangedError, match="newer save was kept"):
        write_atomically(path, "x = 2\n", b"x = 1\n")
    assert path.read_text() == "x = 9\n"
    assert files_in(path.parent) == ["svc.py"]


@needs_exchange
def test_a_save_written_into_the_old_file_just_before_the_swap_is_kept(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = on_swaps(monkeypatch, before={1: written_in_place(path, "x = 9\n")})
    with pytest.raises(FileChangedError, match="newer save was kept"):
        write_atomically(path, "x = 2\n", b"x = 1\n")
    assert path.read_text() == "x = 9\n" and (path.stat().st_mode & 0o777) == 0o640
    assert files_in(path.parent) == ["svc.py"]
    assert calls == ["exchange", "exchange"]  # the old file itself went back, not a copy


@needs_exchange
def test_a_save_that_stalls_between_truncating_and_writing_is_kept(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    editor: list[TextIO] = []
    on_swaps(monkeypatch, before={1: lambda: editor.append(open(path, "w"))})  # truncated, not yet written
    with pytest.raises(FileChangedError):
        write_atomically(path, "x = 2\n", b"x = 1\n")
    with editor[0] as late:  # the editor writes long after the writer has finished
        late.write("x = 9\n")
    assert path.read_text() == "x = 9\n"
    assert files_in(path.parent) == ["svc.py"]


@needs_exchange
def test_a_save_renamed_into_place_right_after_the_swap_wins_quietly(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_swaps(monkeypatch, after={1: renamed_into_place(path, "x = 9\n")})
    write_atomically(path, "x = 2\n", b"x = 1\n")
    assert path.read_text() == "x = 9\n"
    assert files_in(path.parent) == ["svc.py"]


@needs_exchange
def test_saves_renamed_in_while_one_is_being_put_back_leave_the_newest(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = on_swaps(monkeypatch, before={1: renamed_into_place(path, "x = 8\n"), 2: renamed_into_place(path, "x = 9\n")})
    with pytest.raises(FileChangedError):
        write_atomically(path, "x = 2\n", b"x = 1\n")
    assert path.read_text() == "x = 9\n"
    assert files_in(path.parent) == ["svc.py"]
    assert calls == ["exchange", "exchange", "exchange"]


@needs_exchange
def test_a_save_written_into_the_fixed_file_while_the_old_one_is_put_back_wins(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_swaps(monkeypatch, before={1: written_in_place(path, "x = 8\n"), 2: written_in_place(path, "x = 9\n")})
    with pytest.raises(FileChangedError):
        write_atomically(path, "x = 2\n", b"x = 1\n")
    assert path.read_text() == "x = 9\n"
    assert files_in(path.parent) == ["svc.py"]


@needs_exchange
def test_a_file_removed_just_before_the_swap_is_not_brought_back(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_swaps(monkeypatch, before={1: path.unlink})
    with pytest.raises(FileChangedError, match="removed"):
        write_atomically(path, "x = 2\n", b"x = 1\n")
    assert files_in(path.parent) == []


@needs_exchange
def test_a_fix_with_no_save_meanwhile_is_one_exchange_and_keeps_the_file_mode(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = on_swaps(monkeypatch)
    write_atomically(path, "x = 2\n", b"x = 1\n")
    assert path.read_text() == "x = 2\n" and (path.stat().st_mode & 0o777) == 0o640
    assert files_in(path.parent) == ["svc.py"]
    assert calls == ["exchange"]


def test_without_exchange_a_save_written_in_place_while_another_is_put_back_is_kept(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review_ls.atomic_exchange, "_native_swap", lambda: lambda first, second: errno.EINVAL)
    saves = {1: written_in_place(path, "x = 8\n"), 2: written_in_place(path, "x = 9\n")}  # before the fix's rename, the put-back's
    calls = on_swaps(monkeypatch, before=saves, counted=("replace",))
    with pytest.raises(FileChangedError):
        write_atomically(path, "x = 2\n", b"x = 1\n")
    assert path.read_text() == "x = 9\n"
    assert files_in(path.parent) == ["svc.py"]
    assert calls[:4] == ["exchange", "replace", "exchange", "replace"]


@needs_exchange
def test_an_interruption_while_a_save_is_being_put_back_leaves_that_save_on_disk(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    on_swaps(monkeypatch, before={1: renamed_into_place(path, "x = 9\n"), 2: interrupted})
    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, "x = 2\n", b"x = 1\n")
    assert path.read_text() == "x = 2\n"  # the fix is in place, and the save it displaced was not deleted:
    leftovers = [p for p in path.parent.iterdir() if p.name.endswith(".review-ls.tmp")]
    assert [p.read_text() for p in leftovers] == ["x = 9\n"]


@needs_exchange
@pytest.mark.parametrize("binding", ["libc", "raw_syscall"])
def test_exchange_swaps_two_files_and_leaves_them_alone_when_one_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, binding: str) -> None:
    if binding == "raw_syscall":  # a libc older than glibc 2.28: no renameat2 wrapper, only syscall()
        libc = ctypes.CDLL(None, use_errno=True)
        without_wrapper = SimpleNamespace(syscall=libc.syscall)
        swap = review_ls.atomic_exchange._linux_swap(without_wrapper)  # type: ignore[arg-type]
        if swap is None:
            pytest.skip("no renameat2 system call number for this machine")
        monkeypatch.setattr(review_ls.atomic_exchange, "_native_swap", lambda: swap)
    first, second = tmp_path / "a", tmp_path / "b"
    first.write_text("a")
    second.write_text("b")
    review_ls.atomic_exchange.exchange(str(first), str(second))
    assert (first.read_text(), second.read_text()) == ("b", "a")
    with pytest.raises(FileNotFoundError):
        review_ls.atomic_exchange.exchange(str(first), str(tmp_path / "missing"))
    assert files_in(tmp_path) == ["a", "b"] and first.read_text() == "b"


@needs_exchange
def test_exchanges_that_never_settle_stop_and_keep_both_versions(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_version_at = review_ls.writer._version_at
    numbers = iter(range(10**6, 10**7))

    def renumbered(temporary: str, held: ExitStack) -> review_ls.writer._Version:  # a file system that renumbers on rename
        return dataclasses.replace(real_version_at(temporary, held), identity=(0, next(numbers)))

    monkeypatch.setattr(review_ls.writer, "_version_at", renumbered)
    with pytest.raises(FileChangedError, match="kept changing.*kept as"):
        write_atomically(path, "x = 2\n", b"x = 1\n")
    versions = sorted(p.read_text() for p in path.parent.iterdir())
    assert versions == ["x = 1\n", "x = 2\n"] and path.exists()
