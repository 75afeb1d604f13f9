"""The result cache of `review-ls check`: each file's findings, reused while nothing that decides them changed.

Layout (at the project root: the folder of the governing pyproject.toml, else the current directory):

    .review-ls-cache/
        .gitignore          `*`: the cache never shows up in `git status`
        CACHEDIR.TAG        marks the folder as a cache for backup tools (and for `review-ls clean`)
        <rule-set fingerprint>/<entry key>.json

An entry's key hashes the file's path and content and the resolved settings; the folder it sits in is
named by the fingerprint of the rule set (review-ls's version and source, the Python version, and the
project index when one is used), so an upgrade starts a fresh folder and the old ones are pruned.
Entries are JSON (never pickle: a cache folder may come from an untrusted checkout), signed with a
per-user key; an entry that is not a regular file, is too large, is not signed by this user or does
not decode is ignored and overwritten. The cache folder, its markers and its entries are never read
or written through a symbolic link: a linked cache folder is refused with a warning.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import hmac
import json
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

from review_ls.config import Settings
from review_ls.deferred_dataclass import dataclass
from review_ls.engine.model import Applicability, Finding, Fix, RelatedLocation, Severity, Span, TextEdit

CACHE_DIR_NAME = ".review-ls-cache"
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by review-ls.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
_ENTRY_FORMAT = 2
# An entry is `{"format":2,"mac":"<64 hex>","entry":<JSON body>}`: the signature is checked on the raw
# body bytes before anything is parsed, so a crafted entry costs one bounded read and one HMAC.
_HEADER = b'{"format":%d,"mac":"' % _ENTRY_FORMAT
_BODY_KEY = b'","entry":'
MAX_ENTRY_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class CachedResult:
    """What the cache holds for one file: its findings, their fixes (if they were computed), internal errors."""

    findings: list[Finding]
    fixes: dict[int, Fix] | None
    internal_errors: tuple[str, ...]
    dependencies: tuple[tuple[str, str], ...] | None = None  # (path, digest) of the facts read (dependency_cache.py)


@dataclass(frozen=True)
class ResultCache:
    """One cache folder (picklable: it travels to worker processes inside each task)."""

    directory: str
    fingerprint: str  # of the rule set, and of the project index when `project_fingerprint` is set
    project_fingerprint: str = ""
    secret: bytes = b""  # signs entries: ones not written by this user (e.g. shipped in a checkout) are ignored

    @property
    def entries(self) -> Path:
        """The folder of this rule set's entries."""
        return Path(self.directory) / self.fingerprint

    def key(self, path: str, data: bytes, settings: Settings) -> str:
        """The entry key of a file: its path as given, a hash of its bytes, and its settings."""
        return self.key_for_content(path, hashlib.sha256(data).hexdigest(), settings)

    def key_for_content(self, path: str, content_sha256: str, settings: Settings) -> str:
        """The entry key `key` gives a file whose bytes have this SHA-256 (hex), without reading them."""
        digest = hashlib.sha256()
        for part in (path.encode("utf-8", "surrogateescape"), bytes.fromhex(content_sha256), _settings_bytes(settings)):
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
        return digest.hexdigest()

    def load(self, key: str, need_fixes: bool) -> CachedResult | None:
        """The cached result under `key`; None if absent, unreadable, corrupted, forged, or without needed fixes.

        The file must be a regular file (never followed through a link) of at most `MAX_ENTRY_BYTES`,
        and its signature is checked before its JSON is parsed.
        """
        try:
            body = self._signed_body(read_regular_file(self.entries / f"{key}.json", MAX_ENTRY_BYTES))
            if body is None:
                return None
            entry = json.loads(body)
            if entry["key"] != key or (need_fixes and entry["fixes"] is None):
                return None
            return CachedResult(
                findings=[decode_finding(item) for item in entry["findings"]],
                fixes=None if entry["fixes"] is None else {int(i): decode_fix(f) for i, f in entry["fixes"].items()},
                internal_errors=tuple(str(e) for e in entry["internal_errors"]),
                dependencies=None if entry.get("deps") is None else tuple((str(p), str(d)) for p, d in entry["deps"]),
            )
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError):
            return None

    def _signed_body(self, data: bytes) -> bytes | None:
        """The entry's body if `data` is `_HEADER` + signature + body + `}` with a valid signature, else None."""
        mac_end = len(_HEADER) + 64
        if not data.startswith(_HEADER) or data[mac_end : mac_end + len(_BODY_KEY)] != _BODY_KEY or not data.endswith(b"}"):
            return None
        body = data[mac_end + len(_BODY_KEY) : -1]
        return body if hmac.compare_digest(data[len(_HEADER) : mac_end], self._mac(body).encode()) else None

    def _mac(self, body: bytes) -> str:
        """The signature of an entry's JSON body with this user's secret."""
        return hmac.new(self.secret, body, hashlib.sha256).hexdigest()

    def store(self, key: str, result: CachedResult) -> None:
        """Write an entry atomically; silently skip it if the folder is not writable or a value has no JSON form."""
        try:
            entry = {
                "key": key,
                "findings": [encode_finding(f) for f in result.findings],
                "fixes": None if result.fixes is None else {str(i): encode_fix(f) for i, f in result.fixes.items()},
                "internal_errors": list(result.internal_errors),
                "deps": None if result.dependencies is None else [list(pair) for pair in result.dependencies],
            }
            body = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except (TypeError, ValueError):
            return
        self._write_signed(f"{key}.json", body)

    def store_blob(self, name: str, body: bytes) -> None:
        """Write a signed blob (e.g. the project index) next to the entries, atomically; skip it if the folder is not writable."""
        self._write_signed(name, body)

    def load_blob(self, name: str, max_bytes: int) -> bytes | None:
        """The body of a blob this user's review-ls stored under `name`; None if absent, too large or not signed by this user."""
        try:
            return self._signed_body(read_regular_file(self.entries / name, max_bytes))
        except OSError:
            return None

    def _write_signed(self, name: str, body: bytes) -> None:
        """Write `_HEADER` + signature + body atomically under `name` in the entries folder (silently skipped on OSError)."""
        data = _HEADER + self._mac(body).encode() + _BODY_KEY + body + b"}"
        try:
            handle, temporary = tempfile.mkstemp(dir=self.entries, prefix=".tmp-", suffix=".json")
        except OSError:
            return
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, self.entries / name)
        except OSError:
            try:
                os.unlink(temporary)
            except OSError:
                pass


@functools.lru_cache(maxsize=64)
def _settings_bytes(settings: Settings) -> bytes:
    """The part of an entry key that names the settings (a run has a few distinct settings for thousands of files)."""
    return repr(settings).encode()


def open_cache(directory: Path, project_fingerprint: str = "") -> ResultCache:
    """Create the cache folder (with .gitignore and CACHEDIR.TAG), drop other rule sets' entries; raise OSError.

    `project_fingerprint` must be given when findings read a project index: a digest of every indexed
    file's content that is stable across processes. A folder that exists with other content and no
    review-ls CACHEDIR.TAG is refused, never written to.
    """
    fingerprint = rule_set_fingerprint(project_fingerprint)
    refuse_symlink(directory)
    if directory.is_dir() and not is_cache_directory(directory) and any(directory.iterdir()):
        raise FileExistsError(errno.EEXIST, "it exists and is not a review-ls cache folder", str(directory))
    directory.mkdir(parents=True, exist_ok=True)
    refuse_symlink(directory)
    for name, content in ((".gitignore", "*\n"), ("CACHEDIR.TAG", CACHEDIR_TAG)):
        _write_marker(directory / name, content)
    for child in directory.iterdir():
        if not child.is_symlink() and child.is_dir() and child.name != fingerprint and len(child.name) == len(fingerprint):
            shutil.rmtree(child, ignore_errors=True)
    cache = ResultCache(str(directory), fingerprint, project_fingerprint, user_secret())
    if cache.entries.is_symlink():
        cache.entries.unlink()  # a link planted in our own folder: entries never leave it
    cache.entries.mkdir(exist_ok=True)
    return cache


def refuse_symlink(path: Path) -> None:
    """Raise OSError if `path` is a symbolic link (the cache is never read or written through one)."""
    if path.is_symlink():
        raise OSError(errno.ELOOP, "it is a symbolic link; review-ls does not follow links for its cache", str(path))


def _write_marker(path: Path, content: str) -> None:
    """Create a marker file unless a regular one is there; never through a link (raise OSError for one)."""
    refuse_symlink(path)
    if path.is_file():
        return
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(content)


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes`, opened without following links or blocking.

    Raises OSError for a link, a FIFO, a device or a folder, and for a file over the limit.
    """
    handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(handle, "rb") as source:
        status = os.fstat(source.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if status.st_size > max_bytes:
            raise OSError(errno.EFBIG, f"over {max_bytes:,} bytes", str(path))
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise OSError(errno.EFBIG, f"over {max_bytes:,} bytes", str(path))
    return data


def user_secret() -> bytes:
    """This user's key for signing cache entries, kept outside any workspace (made on first use).

    A cache folder can arrive with a checkout; entries that this user's review-ls did not sign are
    never trusted. Where no key can be stored, a per-process key makes the cache a no-op, not a risk.
    """
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "review-ls"
    key_file = home / "cache-signing-key"
    try:
        data = key_file.read_bytes()
        if len(data) >= 32:
            return data
    except OSError:
        pass
    data = os.urandom(32)
    try:
        home.mkdir(parents=True, exist_ok=True)
        handle = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
    except OSError:
        pass
    return data


def is_cache_directory(directory: Path) -> bool:
    """True when `directory` is a review-ls cache (it holds the CACHEDIR.TAG that review-ls writes)."""
    try:
        return read_regular_file(directory / "CACHEDIR.TAG", len(CACHEDIR_TAG)) == CACHEDIR_TAG.encode()
    except OSError:
        return False


def remove_cache(directory: Path) -> bool:
    """Delete a review-ls cache folder; return False if there is none there (other folders are never touched).

    Raises OSError for a symbolic link: what it points at is never removed.
    """
    refuse_symlink(directory)
    if not is_cache_directory(directory):
        return False
    shutil.rmtree(directory)
    return True


@functools.cache
def rule_set_fingerprint(project_fingerprint: str = "") -> str:
    """A hash of everything besides a file and its settings that decides its findings.

    That is review-ls's version and every source file of the package (engine, rules, patterns, ...),
    the Python version (the `ast` differs between versions), and the project index's own fingerprint.
    """
    import review_ls

    package = Path(review_ls.__file__).parent
    digest = hashlib.sha256(f"{review_ls.__version__}\0{sys.version}\0{project_fingerprint}".encode())
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(hashlib.sha256(source.read_bytes()).digest())
    return digest.hexdigest()[:24]


# -- JSON forms of the model types ---------------------------------------------------------------


def encode_finding(finding: Finding) -> list[Any]:
    """A finding as a JSON-ready list (raises TypeError for rule data without a JSON form)."""
    return [
        finding.code,
        finding.name,
        finding.message,
        _encode_span(finding.span),
        finding.severity.value,
        finding.statement_line,
        finding.fixable,
        finding.fix_title,
        [[key, _encode_value(value)] for key, value in finding.data],
        [[r.path, _encode_span(r.span), r.message] for r in finding.related],
        finding.unnecessary,
        finding.node_type,
    ]


def decode_finding(item: list[Any]) -> Finding:
    """The finding `encode_finding` encoded."""
    code, name, message, span, severity, statement_line, fixable, fix_title, data, related, unnecessary, node_type = item
    return Finding(
        code=code,
        name=name,
        message=message,
        span=_decode_span(span),
        severity=Severity(severity),
        statement_line=statement_line,
        fixable=fixable,
        fix_title=fix_title,
        data=tuple((key, _decode_value(value)) for key, value in data),
        related=tuple(RelatedLocation(path, _decode_span(s), text) for path, s, text in related),
        unnecessary=unnecessary,
        node_type=node_type,
    )


def encode_fix(fix: Fix) -> list[Any]:
    """A fix as a JSON-ready list."""
    return [fix.title, fix.applicability.value, [[_encode_span(e.span), e.content] for e in fix.edits]]


def decode_fix(item: list[Any]) -> Fix:
    """The fix `encode_fix` encoded."""
    title, applicability, edits = item
    return Fix(title, Applicability(applicability), tuple(TextEdit(_decode_span(s), content) for s, content in edits))


def _encode_span(span: Span) -> list[int]:
    return [span.line, span.col, span.end_line, span.end_col]


def _decode_span(values: list[int]) -> Span:
    line, col, end_line, end_col = values
    return Span(line, col, end_line, end_col)


def _encode_value(value: Any) -> Any:
    """Tag tuples and dicts so that decoding gives back equal values of the same types."""
    if value is None or type(value) in (str, bool, int, float):  # exact types: subclasses would not round-trip
        return value
    if isinstance(value, tuple):
        return {"t": [_encode_value(v) for v in value]}
    if isinstance(value, list):
        return [_encode_value(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"d": {k: _encode_value(v) for k, v in value.items()}}
    raise TypeError(f"no JSON form for {type(value).__name__}")


def _decode_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode_value(v) for v in value]
    if isinstance(value, dict):
        if "t" in value:
            return tuple(_decode_value(v) for v in value["t"])
        return {k: _decode_value(v) for k, v in value["d"].items()}
    return value
