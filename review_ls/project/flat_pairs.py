"""Pairs of strings kept as one flat tuple (a, b, a, b, ...): a tuple per pair costs a 72-byte object each, and the
index holds tens of thousands of such pairs (re-exports, imported names)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable


def flat(pairs: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """`pairs` laid flat: first, second, first, second, ..."""
    return tuple(itertools.chain.from_iterable(pairs))


def pairs_of(laid_flat: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The pairs `flat` laid flat."""
    return tuple(zip(laid_flat[::2], laid_flat[1::2]))
