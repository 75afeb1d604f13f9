"""A digest that tells two texts apart, made without loading OpenSSL.

`hashlib` loads OpenSSL when it is imported (milliseconds of every start-up, `tests/cli/test_check_imports.py`);
CPython's own BLAKE2 module does not, and `hashlib.blake2b` is that same function where the module is missing.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # (a Python built without its BLAKE2 module)
    from hashlib import blake2b

DIGEST_SIZE = 16


def text_digest(text: str) -> bytes:
    """16 bytes of BLAKE2b over the text's UTF-8 (lone surrogates kept): equal texts, equal digests; different texts,
    different digests (but for a collision of a 128-bit cryptographic hash)."""
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=DIGEST_SIZE).digest()
