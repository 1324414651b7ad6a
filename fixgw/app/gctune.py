"""Garbage-collector settings for long-running processes (the gateway, the simulator).

CPython's cyclic collector scans every tracked object of a generation when that generation's
threshold trips.  A gateway holding 100k orders, each a handful of objects, pays for scanning
them again and again while it trades; measured on the order tracker, that was a quarter to
two fifths of its time per order, growing with the book.  Two standard remedies, applied by
``fixgw run`` and ``fixgw sim`` (a library never changes them on its own):

* ``gc.freeze()`` once start-up is done: modules, the dictionary and compiled codec plans move
  to a permanent generation and are never scanned again (they live as long as the process);
* a young-generation threshold of 20,000 allocations instead of 700, so short-lived message
  objects die by reference counting before a collection ever looks at them.

Reference counting still frees everything that is not in a cycle, frozen or not.
"""

from __future__ import annotations

import gc

__all__ = ["tune_gc"]

YOUNG_THRESHOLD = 20_000


def tune_gc(*, young: int = YOUNG_THRESHOLD) -> tuple[int, int, int]:
    """Collect, freeze what exists now, raise the young threshold; returns the old thresholds."""
    old = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(young, 20, 100)
    return old  # type: ignore[return-value]
