"""The result cache of `review-ls check`: each file's findings, reused while nothing that decides them changed.

Layout (at the project root: the folder of the governing pyproject.toml, else the current directory):

    .review-ls-cache/
        .gitignore          `*`: the cache never shows up in `git status`
        CACHEDIR.TAG        marks the folder as a cache for backup tools (and for `review-ls clean`)
        <rule-set fingerprint>/<entry key>.json

An entry's key hashes the file's path and content and the resolved settings; the folder it sits in is
named by the fingerprint of the rule set (review-ls's version and source, the Python version, and the
project index when one is used), so an upgrade starts a fresh folder and the old ones are pruned.
Entries are JSON (never pickle: a cache folder may come from an untrusted checkout); an entry that does
not decode is ignored and overwritten.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import hmac
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from review_ls.config import Settings
from review_ls.engine.model import Applicability, Finding, Fix, RelatedLocation, Severity, Span, TextEdit

CACHE_DIR_NAME = ".review-ls-cache"
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by review-ls.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
_ENTRY_FORMAT = 1


@dataclass(frozen=True)
class CachedResult:
    """What the cache holds for one file: its findings, their fixes (if they were computed), internal errors."""

    findings: list[Finding]
    fixes: dict[int, Fix] | None
    internal_errors: tuple[str, ...]


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
        digest = hashlib.sha256()
        for part in (path.encode("utf-8", "surrogateescape"), hashlib.sha256(data).digest(), repr(settings).encode()):
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
        return digest.hexdigest()

    def load(self, key: str, need_fixes: bool) -> CachedResult | None:
        """The cached result under `key`; None if absent, unreadable, corrupted, or without needed fixes."""
        try:
            entry = json.loads((self.entries / f"{key}.json").read_bytes())
            if entry["format"] != _ENTRY_FORMAT or entry["key"] != key:
                return None
            if not hmac.compare_digest(str(entry.pop("mac")), self._mac(entry)):
                return None
            if need_fixes and entry["fixes"] is None:
                return None
            return CachedResult(
                findings=[decode_finding(item) for item in entry["findings"]],
                fixes=None if entry["fixes"] is None else {int(i): decode_fix(f) for i, f in entry["fixes"].items()},
                internal_errors=tuple(str(e) for e in entry["internal_errors"]),
            )
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None

    def _mac(self, entry: dict[str, Any]) -> str:
        """The entry's signature with this user's secret (over its canonical JSON form)."""
        canonical = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        return hmac.new(self.secret, canonical, hashlib.sha256).hexdigest()

    def store(self, key: str, result: CachedResult) -> None:
        """Write an entry atomically; silently skip it if the folder is not writable or a value has no JSON form."""
        try:
            entry = {
                "format": _ENTRY_FORMAT,
                "key": key,
                "findings": [encode_finding(f) for f in result.findings],
                "fixes": None if result.fixes is None else {str(i): encode_fix(f) for i, f in result.fixes.items()},
                "internal_errors": list(result.internal_errors),
            }
            entry["mac"] = self._mac(entry)
            text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError):
            return
        try:
            handle, temporary = tempfile.mkstemp(dir=self.entries, prefix=".tmp-", suffix=".json")
        except OSError:
            return
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, self.entries / f"{key}.json")
        except OSError:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def open_cache(directory: Path, project_fingerprint: str = "") -> ResultCache:
    """Create the cache folder (with .gitignore and CACHEDIR.TAG), drop other rule sets' entries; raise OSError.

    `project_fingerprint` must be given when findings read a project index: a digest of every indexed
    file's content that is stable across processes. A folder that exists with other content and no
    review-ls CACHEDIR.TAG is refused, never written to.
    """
    fingerprint = rule_set_fingerprint(project_fingerprint)
    if directory.is_dir() and not is_cache_directory(directory) and any(directory.iterdir()):
        raise FileExistsError(errno.EEXIST, "it exists and is not a review-ls cache folder", str(directory))
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in ((".gitignore", "*\n"), ("CACHEDIR.TAG", CACHEDIR_TAG)):
        marker = directory / name
        if not marker.is_file():
            marker.write_text(content, encoding="utf-8")
    for child in directory.iterdir():
        if child.is_dir() and child.name != fingerprint and len(child.name) == len(fingerprint):
            shutil.rmtree(child, ignore_errors=True)
    cache = ResultCache(str(directory), fingerprint, project_fingerprint, user_secret())
    cache.entries.mkdir(exist_ok=True)
    return cache


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
        return (directory / "CACHEDIR.TAG").read_text(encoding="utf-8") == CACHEDIR_TAG
    except OSError:
        return False


def remove_cache(directory: Path) -> bool:
    """Delete a review-ls cache folder; return False if there is none there (other folders are never touched)."""
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
