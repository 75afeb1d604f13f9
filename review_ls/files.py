"""Finding the Python files to check: walk folders, honour exclude globs and .gitignore files."""

from __future__ import annotations

import codecs
import errno
import os
import stat
import sys
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from review_ls.config import ConfigResolver, ProjectConfig

PYTHON_SUFFIXES = (".py", ".pyi")


class SourceReadError(Exception):
    """A file that cannot be read as Python source; `str()` is a one-line reason."""


@dataclass(frozen=True)
class _IgnoreFile:
    """One .gitignore: its folder (absolute) and its patterns."""

    base: str
    spec: Any  # pathspec.PathSpec

    def matches(self, path: Path, is_dir: bool) -> bool:
        """True when the file's patterns ignore `path`."""
        relative = os.path.relpath(os.path.abspath(path), self.base).replace(os.sep, "/")
        if relative.startswith("../"):
            return False
        return bool(self.spec.match_file(relative + "/" if is_dir else relative))


class SourcePathError(OSError):
    """A path given or found that cannot be checked (a FIFO, a device, a symlink loop); `str()` is one line."""


def discover_python_files(paths: Sequence[Path], resolver: ConfigResolver, strict: bool = False) -> Iterator[Path]:
    """Yield the Python files under `paths` (explicit files always), sorted, skipping excluded ones.

    Raises FileNotFoundError for a path that does not exist, and SourcePathError for one that is not a
    regular file or folder. A found `*.py` that is not a regular file (a FIFO, a device, a symlink loop)
    raises SourcePathError when `strict`, else it is skipped with a warning; so is a folder that cannot
    be read. Nothing found is ever opened here.
    """
    seen: set[Path] = set()
    for path in paths:
        if not os.path.lexists(path):
            raise FileNotFoundError(f"{path}: no such file or directory")
        if not path.is_dir():
            _require_regular_file(path)
            resolved = path.resolve()
            if resolved not in seen:
                seen.add(resolved)
                yield path
            continue
        for found in _walk(path, resolver):
            try:
                _require_regular_file(found)
            except SourcePathError as exc:
                if strict:
                    raise
                warn(f"skipped {exc}")
                continue
            resolved = found.resolve()
            if resolved not in seen:
                seen.add(resolved)
                yield found


def links_leaving_the_tree(files: Sequence[Path], roots: Sequence[Path]) -> list[tuple[Path, str]]:
    """(file, real path) of the files that resolve, through symbolic links, outside every one of `roots`."""
    real_roots = [os.path.realpath(root if root.is_dir() else root.parent) for root in roots]
    leaving = []
    for path in files:
        real = os.path.realpath(path)
        if not any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in real_roots):
            leaving.append((path, real))
    return leaving


def warn(message: str) -> None:
    """Print a one-line warning to stderr (never to stdout, which carries reports and the LSP stream)."""
    print(f"review-ls: warning: {message}", file=sys.stderr)


def _require_regular_file(path: Path) -> None:
    """Raise SourcePathError unless `path` is (a link to) a regular file; never opens it."""
    try:
        status = os.stat(path)
    except OSError as exc:
        raise SourcePathError(f"{path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(status.st_mode):
        raise SourcePathError(f"{path}: not a regular file (a FIFO, device or socket cannot be checked)")


def _walk(root: Path, resolver: ConfigResolver) -> Iterator[Path]:
    ignore_files: dict[Path, list[_IgnoreFile]] = {root: _ignore_files_above(root)}
    for directory, subdirectories, filenames in os.walk(root, onerror=_warn_unreadable_folder):
        current = Path(directory)
        config = resolver.config_for(current)
        inherited = ignore_files.pop(current, [])
        active = [*inherited, *_own_ignore_file(current, config)]
        kept = []
        for name in sorted(subdirectories):
            child = current / name
            if child.is_symlink() or config.is_excluded(child, root) or _ignored(child, True, active, config):
                continue
            kept.append(name)
            ignore_files[child] = active
        subdirectories[:] = kept
        for name in sorted(filenames):
            if not name.endswith(PYTHON_SUFFIXES):
                continue
            file = current / name
            if config.is_excluded(file, root) or _ignored(file, False, active, config):
                continue
            yield file


def _warn_unreadable_folder(error: OSError) -> None:
    """os.walk's error hook: a folder that cannot be listed is reported, not skipped silently."""
    warn(f"skipped folder {error.filename}: {error.strerror or error}")


def _ignored(path: Path, is_dir: bool, ignore_files: list[_IgnoreFile], config: ProjectConfig) -> bool:
    if not config.respect_gitignore:
        return False
    return any(ignore_file.matches(path, is_dir) for ignore_file in ignore_files)


def _own_ignore_file(directory: Path, config: ProjectConfig) -> list[_IgnoreFile]:
    if not config.respect_gitignore:
        return []
    ignore_file = _load_ignore_file(directory)
    return [ignore_file] if ignore_file else []


def _load_ignore_file(directory: Path) -> _IgnoreFile | None:
    gitignore = directory / ".gitignore"
    if not gitignore.is_file():
        return None
    try:
        lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    import pathspec  # only where a .gitignore exists (it costs ~30 ms to import)

    return _IgnoreFile(os.path.abspath(directory), pathspec.GitIgnoreSpec.from_lines(lines))


def _ignore_files_above(root: Path) -> list[_IgnoreFile]:
    """The .gitignore files of the folders above `root`, up to its repository's top (none outside a repository)."""
    found: list[_IgnoreFile] = []
    for parent in Path(os.path.abspath(root)).parents:
        ignore_file = _load_ignore_file(parent)
        if ignore_file is not None:
            found.append(ignore_file)
        if (parent / ".git").exists():
            return list(reversed(found))
    return []


@dataclass(frozen=True)
class SourceFile:
    """A Python file's text, the bytes it was decoded from, and their encoding."""

    text: str
    data: bytes
    encoding: str


def read_source(path: Path, max_bytes: int | None = None, limit_name: str = "limit") -> SourceFile:
    """Read a Python file as text (honouring a PEP 263 coding line); raise SourceReadError with a reason.

    A file over `max_bytes` is refused by its size on disk, before it is read (memory stays bounded).
    """
    try:
        size = path.stat().st_size if max_bytes is not None else 0
        if max_bytes is not None and size > max_bytes:
            raise SourceReadError(f"skipped: {size:,} bytes is over the {limit_name} of {max_bytes:,}")
        data = _read_regular_file(path)
    except OSError as exc:
        raise SourceReadError(f"cannot read: {exc.strerror or exc}") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise SourceReadError(f"skipped: {len(data):,} bytes is over the {limit_name} of {max_bytes:,}")
    wide = _wide_unicode_encoding(data)
    if wide:
        raise SourceReadError(f"cannot decode: the file is {wide} (it starts with a {wide} byte-order mark); Python source must be UTF-8 or an 8-bit encoding")
    try:
        encoding, _ = tokenize.detect_encoding(iter(data.splitlines(keepends=True)).__next__)
    except SyntaxError as exc:
        if "unknown encoding" in str(exc) or "encoding problem" in str(exc):
            raise SourceReadError(f"cannot decode: {exc}") from None
        encoding = "utf-8"  # undecodable bytes in the first lines: let decoding say where
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        where = f" (byte {data[exc.start]:#04x} at offset {exc.start})" if isinstance(exc, UnicodeDecodeError) else ""
        raise SourceReadError(f"cannot decode: not valid {encoding}{where}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return SourceFile(text, data, encoding)


def _read_regular_file(path: Path) -> bytes:
    """The bytes of a regular file; raise OSError for a FIFO or device (opened without blocking, never read)."""
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(handle, "rb") as source:
        if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return source.read()


_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _wide_unicode_encoding(data: bytes) -> str | None:
    """"UTF-16" or "UTF-32" when `data` starts with that encoding's byte-order mark, else None."""
    return next((name for bom, name in _WIDE_BOMS if data.startswith(bom)), None)
