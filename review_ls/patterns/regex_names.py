"""Descriptive constant names for regular expressions: `"\\t"` -> `_TAB_RE`, `"<[^<]+?>"` -> `_HTML_TAG_RE`."""

from __future__ import annotations

import re

# Whole patterns whose meaning is well known (compared after removing surrounding whitespace).
_KNOWN_PATTERNS = {
    "\t": "TAB",
    "\\t": "TAB",
    "\n": "NEWLINE",
    "\\n": "NEWLINE",
    "\\r?\\n": "NEWLINE",
    "\\r\\n": "NEWLINE",
    "\\s": "WHITESPACE",
    "\\s+": "WHITESPACE",
    "\\s*": "WHITESPACE",
    " +": "SPACES",
    "\\d": "DIGIT",
    "\\d+": "DIGITS",
    "\\w+": "WORD",
    "\\W+": "SEPARATOR",
    ",": "COMMA",
    "\\s*,\\s*": "COMMA",
    ";": "SEMICOLON",
    "\\|": "PIPE",
    "\\.": "DOT",
    "/": "SLASH",
    ":": "COLON",
    "-": "DASH",
    "<[^<]+?>": "HTML_TAG",
    "<[^>]+>": "HTML_TAG",
    "<[^>]*>": "HTML_TAG",
    "<.*?>": "HTML_TAG",
    "<[^<]*?>": "HTML_TAG",
}
_CLASS_WORDS = (("\\d", "NUMBER"), ("\\s", "WHITESPACE"), ("\\w", "WORD"), ("\\W", "SEPARATOR"), ("\\t", "TAB"))
_WORD = re.compile(r"[A-Za-z]{3,}")
_ESCAPE = re.compile(r"\\.")


def regex_constant_name(pattern: str | bytes, function: str | None = None) -> str:
    """A constant name that says what `pattern` matches; `_<FUNCTION>_RE` when the pattern says nothing."""
    text = pattern.decode("latin-1") if isinstance(pattern, bytes) else pattern
    known = _KNOWN_PATTERNS.get(text.strip() or text)
    if known:
        return f"_{known}_RE"
    if re.fullmatch(r"<[^>]*>|<.*>", text) and re.search(r"[\[\].*+?]", text):
        return "_HTML_TAG_RE"
    words = [word.upper() for word in _WORD.findall(_ESCAPE.sub(" ", text))][:2]
    if not words:
        words = [next((word for escape, word in _CLASS_WORDS if escape in text or (escape == "\\t" and "\t" in text)), "")]
    if not words[0] and function:
        words = [word.upper() for word in re.findall(r"[A-Za-z0-9]+", function)][:3]
    return f"_{'_'.join(words)}_RE" if words and words[0] else "_PATTERN_RE"
