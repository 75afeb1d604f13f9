"""A parallel check fixes glibc's map threshold, so that large blocks freed go back to the system (malloc_threshold.py)."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

import review_ls.malloc_threshold
from review_ls.config import Settings
from review_ls.project import ProjectIndex
from review_ls.runner import FileTask, check_files


def _glibc_with_mallinfo2() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION")) and hasattr(ctypes.CDLL(None), "mallinfo2")
    except (OSError, TypeError, ValueError):
        return False


PROGRAM = """
import ctypes, sys
from review_ls.malloc_threshold import return_large_blocks_on_free

class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
fixed = return_large_blocks_on_free() if sys.argv[1] == "fixed" else None
large = bytearray(8 * 1024 * 1024)
del large  # (glibc raises its threshold to 8 MB here, unless it is fixed)
block = bytearray(4 * 1024 * 1024)
print(fixed, libc.mallinfo2().hblkhd >= 4 * 1024 * 1024)
"""


@pytest.mark.skipif(not _glibc_with_mallinfo2(), reason="glibc's allocator (mallinfo2: glibc 2.33 or later)")
@pytest.mark.parametrize(("mode", "printed"), [("fixed", "True True"), ("default", "None False")])
def test_a_large_block_after_a_larger_one_was_freed_is_mapped_on_its_own_only_with_the_threshold_fixed(mode: str, printed: str) -> None:
    done = subprocess.run([sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[0] == printed  # (mapped on its own: unmapped, so given back, when freed)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="a check in forked workers")
def test_a_check_in_forked_workers_fixes_it_before_its_index_is_built_and_a_small_one_does_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def fix_and_note() -> bool:
        calls.append(1)
        return True

    monkeypatch.setattr(review_ls.malloc_threshold, "return_large_blocks_on_free", fix_and_note)
    paths = []
    for number in range(20):  # (a parallel run from 16 files on)
        path = tmp_path / f"m{number}.py"
        path.write_text("import httpx\n\n\ndef poll(urls):\n    for url in urls:\n        httpx.Client().get(url)\n", encoding="utf-8")
        paths.append(str(path))
    settings = Settings(select=("RV201",))

    def index() -> ProjectIndex:
        return ProjectIndex.build(paths, [tmp_path])

    small = list(check_files([FileTask(paths[0], settings)], jobs=2, project_factory=index))
    assert calls == [] and [f.code for f in small[0].findings] == ["RV201"]
    parallel = list(check_files([FileTask(path, settings) for path in paths], jobs=2, project_factory=index))
    assert calls == [1] and sum(len(report.findings) for report in parallel) == 20
