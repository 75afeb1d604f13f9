"""Finding the Python files to check: walk folders, honour exclude globs and .gitignore files."""

from __future__ import annotations

import codecs
import errno
import os
import stat
import sys
import tokenize
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from review_ls.config import ConfigResolver, ProjectConfig
from review_ls.deferred_dataclass import dataclass

PYTHON_SUFFIXES = (".py", ".pyi")


class SourceReadError(Exception):
    """A file that cannot be read as Python source; `str()` is a one-line reason."""


@dataclass(frozen=True)
class _IgnoreFile:
    """One .gitignore: its folder (absolute) and its patterns."""

    base: str
    spec: Any  # pathspec.PathSpec (it matches paths relative to `base`, folders with a trailing '/')


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
        real_root = os.path.realpath(path)
        for found, relative, entry in _walk(path, resolver):
            if entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                try:
                    _require_regular_file(found)
                except SourcePathError as exc:
                    if strict:
                        raise
                    warn(f"skipped {exc}")
                    continue
                resolved = found.resolve()
            else:  # a regular file in a folder reached without links: its real path is the root's plus the same parts
                resolved = Path(real_root, relative)
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


def _walk(root: Path, resolver: ConfigResolver) -> Iterator[tuple[Path, str, os.DirEntry[str]]]:
    """(path, path relative to `root`, directory entry) of each Python file below `root` that is not excluded or ignored.

    Top-down and sorted, as `os.walk` lists them; folder links are not followed. Each folder is listed
    once (`os.scandir`: no `stat` per file), its configuration and the paths its ignore files and
    excludes match against are worked out once per folder, not per file.
    """
    root_folder = os.path.abspath(root)
    root_config = resolver.config_for(root)
    resolver.config_for_subfolder(root_folder, root_config, has_pyproject=False)  # its files get it without walking up
    pending: list[tuple[Path, str, str, ProjectConfig | None, list[_IgnoreFile]]] = [(root, root_folder, "", None, _ignore_files_above(root))]
    while pending:
        current, folder, relative, parent_config, inherited = pending.pop()
        try:
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            _warn_unreadable_folder(exc)
            continue
        names = {entry.name: entry for entry in entries}
        if parent_config is None:
            config = root_config
        else:
            config = resolver.config_for_subfolder(folder, parent_config, _is_file(names.get("pyproject.toml")))
        own = _load_ignore_file(current) if config.respect_gitignore and _is_file(names.get(".gitignore")) else None
        active = [*inherited, own] if own is not None else inherited
        matches = _FolderMatcher(current, folder, config, root, active)
        subfolders = []
        for entry in entries:
            if _is_dir(entry):
                if not entry.is_symlink() and not matches.excludes(entry.name, True):
                    subfolders.append(entry)
            elif entry.name.endswith(PYTHON_SUFFIXES) and not matches.excludes(entry.name, False):
                yield current / entry.name, f"{relative}/{entry.name}" if relative else entry.name, entry
        for entry in reversed(subfolders):
            pending.append((current / entry.name, os.path.join(folder, entry.name), f"{relative}/{entry.name}" if relative else entry.name, config, active))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """True for a folder or a link to one (as `os.walk` sorts them); False when it cannot be told."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str] | None) -> bool:
    """True for a regular file or a link to one."""
    try:
        return entry is not None and entry.is_file()
    except OSError:
        return False


class _FolderMatcher:
    """Whether a name in one folder is excluded by the configuration or ignored by a .gitignore, with the folder's paths worked out once."""

    def __init__(self, current: Path, folder: str, config: ProjectConfig, walk_root: Path, ignore_files: list[_IgnoreFile]) -> None:
        self._current = current
        self._config = config
        self._walk_root = walk_root
        self._config_relative = config.folder_relative(folder)
        self._ignore_relatives: list[tuple[_IgnoreFile, str]] = []
        if config.respect_gitignore:
            for ignore_file in ignore_files:
                relative = os.path.relpath(folder, ignore_file.base).replace(os.sep, "/")
                if relative != ".." and not relative.startswith("../"):
                    self._ignore_relatives.append((ignore_file, "" if relative == "." else relative))

    def excludes(self, name: str, is_dir: bool) -> bool:
        """True when `name` in this folder is excluded (`exclude`/`extend-exclude`) or ignored (.gitignore)."""
        if self._config_relative is None:  # the folder is not below its configuration's root by name (links): match it whole
            if self._config.is_excluded(self._current / name, self._walk_root):
                return True
        elif self._config.is_excluded_in_folder(self._config_relative, name):
            return True
        suffix = "/" if is_dir else ""
        return any(ignore_file.spec.match_file(f"{relative}/{name}{suffix}" if relative else f"{name}{suffix}") for ignore_file, relative in self._ignore_relatives)


def _warn_unreadable_folder(error: OSError) -> None:
    """os.walk's error hook: a folder that cannot be listed is reported, not skipped silently."""
    warn(f"skipped folder {error.filename}: {error.strerror or error}")


def _load_ignore_file(directory: Path) -> _IgnoreFile | None:
    gitignore = directory / ".gitignore"
    if not gitignore.is_file():
        return None
    try:
        lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return _IgnoreFile(os.path.abspath(directory), _gitignore_spec(gitignore, lines))


def _gitignore_spec(gitignore: Path, lines: list[str]) -> Any:
    """The patterns of a .gitignore; a line git would not understand is skipped (as git does) with a warning."""
    import pathspec  # only where a .gitignore exists (it costs ~30 ms to import)

    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except ValueError:  # GitIgnorePatternError: find the lines at fault and leave them out
        valid = []
        for number, line in enumerate(lines, start=1):
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except ValueError:
                warn(f"{gitignore}:{number}: ignored the invalid pattern {line.strip()!r}")
            else:
                valid.append(line)
        return pathspec.GitIgnoreSpec.from_lines(valid)


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


def read_source(path: Path | str, max_bytes: int | None = None, limit_name: str = "limit") -> SourceFile:
    """Read a Python file as text (honouring a PEP 263 coding line); raise SourceReadError with a reason.

    A file over `max_bytes` is refused by its size on disk, before it is read (memory stays bounded).
    """
    try:
        size = os.stat(path).st_size if max_bytes is not None else 0
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
        encoding, _ = tokenize.detect_encoding(iter(_first_lines(data)).__next__)
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


def _first_lines(data: bytes) -> list[bytes]:
    """The lines of `data` as `bytes.splitlines(keepends=True)` gives them, at least the first two (a coding line is on
    one of them), without splitting the whole file."""
    lines = data[:4096].splitlines(keepends=True)
    return lines[:2] if len(lines) > 2 else data.splitlines(keepends=True)


def _read_regular_file(path: Path | str) -> bytes:
    """The bytes of a regular file; raise OSError for a FIFO or device (opened without blocking, never read).

    Read with `os.read` (no file object: an index build reads thousands of files), in one call when the size holds.
    """
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        chunks: list[bytes] = []
        size = status.st_size + 1  # (+1: the read that finds the end is then the next one, which returns nothing)
        while chunk := os.read(handle, size):
            chunks.append(chunk)
            size = 1 << 16
        return b"".join(chunks)
    finally:
        os.close(handle)


_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _wide_unicode_encoding(data: bytes) -> str | None:
    """"UTF-16" or "UTF-32" when `data` starts with that encoding's byte-order mark, else None."""
    return next((name for bom, name in _WIDE_BOMS if data.startswith(bom)), None)
