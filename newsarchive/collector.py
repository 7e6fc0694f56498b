"""Python's cyclic garbage collector during a long run that keeps what it makes.

An import (and a build, see ``plugins/fast_reading/gc_policy.py``) makes objects it keeps to
the end: the content index, the near-duplicate table, the report's records. CPython runs a
full collection each time enough objects have survived two young collections, and a full
collection walks every tracked object in the process, finding nothing to free here: a
20,000-story import's main process made 10 of them, 0.79 s of the ~15 s of work it does in
order while the workers wait for it (2026-12-07, ``gc.callbacks``). Young collections stay
on: they free the short-lived cycles, so memory stays where it was.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

NO_FULL_COLLECTIONS = 1 << 30  # surviving young collections needed before a full one


@contextlib.contextmanager
def without_full_collections() -> Iterator[None]:
    """Young collections only, until the block ends (thresholds put back as they were)."""
    first, second, third = gc.get_threshold()
    gc.set_threshold(first, second, NO_FULL_COLLECTIONS)
    try:
        yield
    finally:
        gc.set_threshold(first, second, third)


def in_forked_worker() -> None:
    """In a process just forked from a build: what it inherited is frozen (a collection must
    not walk, and so copy, every inherited object) and the collector runs on what the worker
    makes itself, also when the parent had paused it (``plugins/fast_reading/gc_policy.py``)."""
    gc.freeze()
    gc.enable()
