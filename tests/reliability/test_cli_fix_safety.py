"""`review-ls --fix` never corrupts a file: atomic replace, permissions, line endings and encoding
kept, files changed meanwhile refused, interruptions leave the old file and no temporary file."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import review_ls.engine.fixes
from review_ls.cli import main
from review_ls.engine.fixes import fix_source
from review_ls.writer import FileChangedError, write_atomically

LOOP_REQUESTS = textwrap.dedent(
    """\
    import requests

    def notify(hooks):
        for hook in hooks:
            requests.post(hook)
    """
)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".svc"))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_fix_keeps_the_files_line_endings(tmp_path: Path, capsys: pytest.CaptureFixture[str], newline: str) -> None:
    path = tmp_path / "svc.py"
    original = LOOP_REQUESTS.replace("\n", newline)
    path.write_bytes(original.encode())
    code, _ = _run(capsys, "fix", str(path))
    assert code == 0
    written = path.read_bytes().decode()
    assert written == fix_source(original, str(path)).source != original
    others = {"\n", "\r\n", "\r"} - {newline}
    assert "session.post(hook)" in written
    assert written.endswith(newline) and written.count(newline) == len(written.splitlines())
    assert not any(other in written.replace(newline, "") for other in others)
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755], ids=oct)
def test_fix_keeps_permission_bits(tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: int) -> None:
    path = tmp_path / "svc.py"
    path.write_text(LOOP_REQUESTS)
    path.chmod(mode)
    assert _run(capsys, "fix", str(path))[0] == 0
    assert "session.post" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_fix_keeps_a_byte_order_mark_and_a_coding_cookie(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + LOOP_REQUESTS.encode())
    latin = tmp_path / "latin.py"
    latin.write_bytes(("# -*- coding: latin-1 -*-\n# caf\xe9\n" + LOOP_REQUESTS).encode("latin-1"))
    assert _run(capsys, "fix", str(tmp_path))[0] == 0
    assert bom.read_bytes().startswith(b"\xef\xbb\xbf") and b"session.post" in bom.read_bytes()
    data = latin.read_bytes()
    assert b"# caf\xe9\n" in data and b"session.post" in data


def test_fix_through_a_symlink_edits_the_target_and_keeps_the_link(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "real" / "svc.py"
    target.parent.mkdir()
    target.write_text(LOOP_REQUESTS)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    assert _run(capsys, "fix", str(link))[0] == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert "session.post" in target.read_text()


def test_fix_leaves_read_only_files_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "svc.py"
    path.write_text(LOOP_REQUESTS)
    path.chmod(0o444)
    code, err = _run(capsys, "fix", str(path))
    assert code == 2 and "not fixed" in err
    assert path.read_text() == LOOP_REQUESTS
    assert _leftovers(tmp_path) == []


def test_fix_refuses_a_file_changed_after_it_was_read(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "svc.py"
    path.write_text(LOOP_REQUESTS)
    saved_by_editor = LOOP_REQUESTS + "# saved by the editor meanwhile\n"

    def fix_then_editor_saves(*args: object, **kwargs: object):
        outcome = fix_source(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text(saved_by_editor)
        return outcome

    monkeypatch.setattr(review_ls.engine.fixes, "fix_source", fix_then_editor_saves)
    code, err = _run(capsys, "fix", str(path))
    assert code == 2 and "changed on disk" in err
    assert path.read_text() == saved_by_editor
    assert _leftovers(tmp_path) == []


def test_writer_rechecks_the_file_after_writing_the_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "svc.py"
    path.write_text("x = 1\n")
    real_fsync = os.fsync

    def editor_saves_during_fsync(fd: int) -> None:
        real_fsync(fd)
        path.write_text("x = 2\n")

    monkeypatch.setattr("review_ls.writer.os.fsync", editor_saves_during_fsync)
    with pytest.raises(FileChangedError):
        write_atomically(path, "x = 3\n", b"x = 1\n")
    assert path.read_text() == "x = 2\n"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("failure", [KeyboardInterrupt(), OSError("No space left on device")], ids=["ctrl-c", "disk-full"])
@pytest.mark.parametrize("step", ["os.fsync", "os.chmod", "atomic_exchange.exchange", "os.replace"])
def test_an_interrupted_write_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, failure: BaseException, step: str
) -> None:
    path = tmp_path / "svc.py"
    path.write_text(LOOP_REQUESTS)

    def fail(*args: object, **kwargs: object) -> None:
        raise failure

    if step == "os.replace":  # the swap where the file system cannot exchange two paths
        monkeypatch.setattr("review_ls.atomic_exchange._native_swap", lambda: None)
    monkeypatch.setattr(f"review_ls.writer.{step}", fail)
    code, err = _run(capsys, "fix", str(path))
    if isinstance(failure, KeyboardInterrupt):
        assert code == 130 and "interrupted" in err
    else:
        assert code == 2 and "not fixed" in err and "No space left" in err
    assert path.read_text() == LOOP_REQUESTS
    assert _leftovers(tmp_path) == []


def test_a_fix_that_cannot_be_encoded_is_an_error_for_that_file_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    latin = tmp_path / "latin.py"
    latin.write_bytes(("# -*- coding: latin-1 -*-\n" + LOOP_REQUESTS).encode("latin-1"))
    plain = tmp_path / "plain.py"
    plain.write_text(LOOP_REQUESTS)

    def fix_with_a_euro_sign(*args: object, **kwargs: object):
        outcome = fix_source(*args, **kwargs)  # type: ignore[arg-type]
        outcome.source = outcome.source.replace("import requests", "import requests  # \u20ac")
        return outcome

    monkeypatch.setattr(review_ls.engine.fixes, "fix_source", fix_with_a_euro_sign)
    code, err = _run(capsys, "fix", str(tmp_path))
    assert code == 2 and "latin.py" in err and "not fixed" in err
    assert latin.read_bytes() == ("# -*- coding: latin-1 -*-\n" + LOOP_REQUESTS).encode("latin-1")
    assert "session.post" in plain.read_text()
    assert _leftovers(tmp_path) == []


_KILLED_DURING_WRITE = """
import os, signal, sys
import review_ls.atomic_exchange, review_ls.writer

def killed(*args):
    os.kill(os.getpid(), signal.SIGKILL)

if sys.argv[2] == "replace":  # a file system that cannot exchange two paths
    review_ls.atomic_exchange._native_swap = lambda: None
review_ls.writer.os.replace = killed
review_ls.atomic_exchange.exchange = killed
from review_ls.cli import main
sys.exit(main(["fix", sys.argv[1]]))
"""


@pytest.mark.parametrize("swap", ["exchange", "replace"])
def test_a_process_killed_mid_write_leaves_the_old_file_intact(tmp_path: Path, swap: str) -> None:
    path = tmp_path / "svc.py"
    path.write_text(LOOP_REQUESTS)
    completed = subprocess.run([sys.executable, "-c", _KILLED_DURING_WRITE, str(path), swap], capture_output=True, text=True)
    assert completed.returncode == -signal.SIGKILL
    assert path.read_text() == LOOP_REQUESTS
    # The stray temporary file is not Python source: later runs neither read nor report it.
    completed = subprocess.run([sys.executable, "-m", "review_ls", "check", str(tmp_path), "--format", "json"], capture_output=True, text=True)
    assert completed.stdout.count('"filename"') == 1 and ".tmp" not in completed.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_fix_keeps_owner_and_group(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "svc.py"
    path.write_text(LOOP_REQUESTS)
    os.chown(path, 1234, 5678)
    assert _run(capsys, "fix", str(path))[0] == 0
    assert "session.post" in path.read_text()
    assert (path.stat().st_uid, path.stat().st_gid) == (1234, 5678)


def test_parallel_fix_writes_every_file_once_and_leaves_no_temporary_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for index in range(24):
        (tmp_path / f"m{index:02d}.py").write_text(LOOP_REQUESTS if index % 2 else "x = 1\n")
    code, err = _run(capsys, "fix", str(tmp_path), "--jobs", "2")
    assert code == 0 and "Fixed 12 findings" in err
    assert all(fix_source(p.read_text()).source == p.read_text() for p in tmp_path.glob("*.py"))
    assert _leftovers(tmp_path) == []


def test_fix_refuses_a_link_that_leads_outside_the_checked_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "outside" / "victim.py"
    outside.parent.mkdir()
    outside.write_text(LOOP_REQUESTS)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "svc.py").write_text(LOOP_REQUESTS)
    (tree / "link.py").symlink_to(outside)
    code, err = _run(capsys, "fix", str(tree))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "link.py links to" in err and "--fix-through-links" in err
    assert outside.read_text() == LOOP_REQUESTS and (tree / "svc.py").read_text() == LOOP_REQUESTS
    assert _run(capsys, "fix", str(tree), "--fix-through-links")[0] == 0
    assert "session.post" in outside.read_text()
