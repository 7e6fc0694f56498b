"""Let a process that built something big end without walking all of it again.

When a Python process ends, the interpreter's last garbage collection walks every object
still alive, and the cycles among them are then freed one by one: after a 20,000-story
Pelican build that took ~1.7 s, single-threaded, after the build was done (``main()``
returning to the process ending: 2.1 s; 0.45 s with the objects frozen), and ~0.15 s after a
5,000-story import. :func:`freeze_at_exit` registers an ``atexit`` handler that moves every
object into the permanent generation (``gc.freeze()``) as the process ends: the collection
skips them and the operating system takes the memory back at once.

The handler runs only at exit, so nothing the process does before is affected. ``atexit``
handlers run last-registered first: the ones registered earlier (``logging``'s flush,
``weakref.finalize``, ``tempfile``'s clean-up) still run after it; objects freed by reference
counting are still freed. What it skips is the collector freeing cycles, which runs no code
of ours: every file is closed by the code that opened it (``with``), not by the collector.
"""

from __future__ import annotations

import atexit
import gc

_registered: list[bool] = []


def freeze_at_exit() -> None:
    """Freeze every object when the process ends (registered once per process)."""
    if not _registered:
        _registered.append(True)
        atexit.register(gc.freeze)
