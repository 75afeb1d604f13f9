"""`review-ls check --diff` output applies with `patch -p1 -F0` and `git apply` whatever the line separators."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from review_ls.cli import main

# A loop that RV104 fixes, wrapped by lines holding characters that `str.splitlines` treats as line
# breaks (but Python, LSP and patch do not).
BODY = (
    "import re{nl}"
    "# page break:\x0c here, NEL:\x85 here, LS:\u2028 here, FS:\x1c here{nl}"
    "{nl}"
    "def split_all(lines):{nl}"
    "    return [re.split(r'\\s+', line) for line in lines]  # \x0c{nl}"
    "{nl}"
    "# after\x0c{nl}"
    "x = 1"
)

CASES = {
    "lf": BODY.format(nl="\n") + "\n",
    "crlf": BODY.format(nl="\r\n") + "\r\n",
    "no_trailing_newline": BODY.format(nl="\n"),
    "crlf_no_trailing_newline": BODY.format(nl="\r\n"),
    "cr": BODY.format(nl="\r") + "\r",
}


def _diff(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> tuple[Path, str]:
    target = tmp_path / "pkg" / "mod.py"
    target.parent.mkdir()
    target.write_bytes(text.encode("utf-8"))
    capsys.readouterr()
    code = main(["check", "--diff", "--select", "RV104", str(Path("pkg") / "mod.py")])
    out = capsys.readouterr().out
    assert code in (0, 1)
    return target, out


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.skipif(shutil.which("patch") is None, reason="needs GNU patch")
def test_diff_applies_with_patch_without_fuzz(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = CASES[case]
    target, diff = _diff(tmp_path, capsys, text)
    assert diff.startswith("--- a/"), diff
    patch = tmp_path / "fix.patch"
    patch.write_bytes(diff.encode("utf-8"))
    done = subprocess.run(["patch", "-p1", "-F0", "--no-backup-if-mismatch", "-i", str(patch)], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fuzz" not in done.stdout and "offset" not in done.stdout, done.stdout
    patched = target.read_bytes().decode("utf-8")
    assert patched != text
    main(["check", "--fix", "--select", "RV104", str(Path("pkg") / "mod.py")])
    # --diff shows exactly what --fix writes
    assert target.read_bytes().decode("utf-8") == patched


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_diff_applies_with_git_apply(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _, diff = _diff(tmp_path, capsys, CASES[case])
    patch = tmp_path / "fix.patch"
    patch.write_bytes(diff.encode("utf-8"))
    done = subprocess.run(["git", "apply", "--check", "-v", str(patch)], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
