"""What each content held when Pelican's constructor finished, for cheap render keys.

A story's render key used to walk every field of the story (its HTML, its metadata, the
dates and strings Pelican derives from them) in every render process: about 0.3 ms a
story, 8–11 s per process for a 20,000-story archive, as much as rendering all its pages
(docs/scaling.md). Those fields are a function of the source file (as Pelican's own
content cache trusts: same path, size and modification time, same reader output), the
settings and the code, and the last two are in every key already. So when a content is
made (``content_object_init``) this module notes the names of its fields, the identities
of their values and the file's stamp; the fingerprinter describes every field that still
holds the same object by that one stamp, and walks only what was set or replaced later
(the related stories, neighbours, term links and photos that plugins attach).

The contract this relies on: a plugin that changes a field after the content is made
assigns a new value (``article.summary = …``) instead of changing the old one in place
(``article.metadata["x"] = …``). Every plugin of this project does; Pelican does.
Contents that are not read from a file (no ``source_path``, or one that cannot be
``stat``-ed) are not recorded, and are walked field by field as before.
"""

from __future__ import annotations

import os

# id(content) → (content, a copy of its fields as the constructor left them, the file's
# stamp parts); for one build. (A shallow copy of the dict is one C call: ~1 µs a story,
# where listing names and identities took ~9.)
BORN: dict[int, tuple] = {}


def reset() -> None:
    BORN.clear()


def record(content) -> None:
    """``content_object_init`` receiver (connected only when render keys are computed)."""
    path = getattr(content, "source_path", None)
    if not path:
        return
    try:
        st = os.stat(path)
    except (OSError, TypeError, ValueError):
        return
    BORN[id(content)] = (content, vars(content).copy(), path, st.st_size, st.st_mtime_ns)
