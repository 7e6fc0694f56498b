"""Index the built site with Pagefind (the binary bundled in the `pagefind-bin` wheel).

Runs once over the whole output folder when Pelican has finished writing. The ``finalized``
signal is used rather than a generator from ``get_generators`` because it fires after every
generator, including other plugins' page writers and static files, so the index always
covers the finished site. The binary is driven in service mode, page by page in sorted path
order, and its filter/meta files are rewritten in name order (``deterministic.py``): the
plain CLI numbers pages in directory order and stores filters in a randomly seeded hash map,
so two builds of the same site would differ.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from pelican import signals

from .deterministic import PagefindError, build_index, options_from_args

log = logging.getLogger(__name__)

DEFAULTS = {
    "PAGEFIND_ENABLED": True,
    "PAGEFIND_ARGS": [],
}


def check_settings(settings: dict) -> None:
    """Stop the build on a wrong setting instead of silently ignoring it."""
    for key, default in DEFAULTS.items():
        settings.setdefault(key, default)
    if not isinstance(settings["PAGEFIND_ENABLED"], bool):
        raise PagefindError(
            f"PAGEFIND_ENABLED must be True or False, not {settings['PAGEFIND_ENABLED']!r}"
        )
    args = settings["PAGEFIND_ARGS"]
    if not isinstance(args, list | tuple) or not all(isinstance(a, str) for a in args):
        raise PagefindError(f"PAGEFIND_ARGS must be a list of strings, not {args!r}")
    options_from_args(args)  # an unsupported flag stops the build here, not at the end


def run_pagefind(output_path: str, extra: list[str]) -> int:
    """Index the finished site reproducibly (see deterministic.py); return the page count."""
    started = time.perf_counter()
    summary = build_index(Path(output_path), options_from_args(extra))
    log.info(
        "Pagefind indexed %d pages of %s in %.1f s",
        summary.pages,
        output_path,
        time.perf_counter() - started,
    )
    return summary.pages


def on_initialized(pelican) -> None:
    check_settings(pelican.settings)


def on_finalized(pelican) -> None:
    if pelican.settings["PAGEFIND_ENABLED"]:
        run_pagefind(pelican.output_path, list(pelican.settings["PAGEFIND_ARGS"]))


def register() -> None:
    signals.initialized.connect(on_initialized)
    signals.finalized.connect(on_finalized)
