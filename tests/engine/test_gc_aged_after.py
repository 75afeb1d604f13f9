"""`aged_after`: what a bulk build makes goes straight to the oldest generation, unless the permanent one is in use."""

from __future__ import annotations

import gc

from review_ls.engine.gc_pause import aged_after


class Holder:
    """A tracked object to find in a generation."""


def _in_generation(obj: object, generation: int) -> bool:
    return any(o is obj for o in gc.get_objects(generation=generation))


def test_objects_made_in_the_block_land_in_the_oldest_generation_uncollected() -> None:
    gc.unfreeze()  # what an earlier test in this process froze
    enabled = gc.isenabled()
    with aged_after():
        made = Holder()
        assert not gc.isenabled()  # paused for the block
    assert gc.isenabled() == enabled
    assert _in_generation(made, 2) and not _in_generation(made, 0)
    assert gc.get_freeze_count() == 0  # nothing left in the permanent generation


def test_nothing_moves_while_the_permanent_generation_is_in_use() -> None:
    gc.unfreeze()
    kept = Holder()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with aged_after():
            made = Holder()
        assert gc.get_freeze_count() == frozen  # what was frozen stays frozen...
        assert not _in_generation(made, 2)  # ...and the new objects were not moved
        assert kept is not None
    finally:
        gc.unfreeze()
