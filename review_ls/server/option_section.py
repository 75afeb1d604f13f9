"""Where review-ls's options sit in what an editor sends (no option parsing here: it loads before pygls)."""

from __future__ import annotations

from collections.abc import Mapping

SECTION = "review-ls"


def options_section(raw: object) -> object:
    """The review-ls part of what an editor sent: `{"review-ls": {...}}`, `{"settings": {...}}` or the options."""
    while isinstance(raw, Mapping):
        if SECTION in raw:
            raw = raw[SECTION]
        elif "settings" in raw and isinstance(raw["settings"], Mapping):
            raw = raw["settings"]
        else:
            break
    return raw
