"""tune_gc(): what fixgw run and fixgw sim do to the collector at start-up."""

from __future__ import annotations

import gc

from fixgw.app import tune_gc
from fixgw.app.gctune import YOUNG_THRESHOLD


def test_tune_gc_freezes_start_up_objects_and_raises_the_young_threshold():
    before = gc.get_threshold()
    try:
        old = tune_gc()
        assert old == before
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
        assert gc.get_freeze_count() > 1000  # modules, functions, the dictionary...
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
