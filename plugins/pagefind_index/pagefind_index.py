"""Index the built site with Pagefind (the binary bundled in the `pagefind-bin` wheel).

Runs over the output folder when Pelican has finished writing, as one Pagefind bundle per
year of stories (``shards.py``), indexed in parallel and only where pages changed. The ``finalized``
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

from blinker import signal

from .deterministic import PagefindError, options_from_args
from .shards import build_shards, page_entry, record_pages

log = logging.getLogger(__name__)

DEFAULTS = {
    "PAGEFIND_ENABLED": True,
    "PAGEFIND_ARGS": [],
    "PAGEFIND_JOBS": None,  # Pagefind processes at once (one shard each); None: one per core
    "PAGEFIND_SHARD_MAX_PAGES": 5000,
    "PAGEFIND_CACHE": None,  # None: <CACHE_PATH>/pagefind-pages.json
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
    for key in ("PAGEFIND_JOBS", "PAGEFIND_SHARD_MAX_PAGES"):
        value = settings[key]
        if value is None and key == "PAGEFIND_JOBS":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise PagefindError(f"{key} must be a whole number of at least 1, not {value!r}")


def cache_file(settings: dict) -> Path | None:
    """Where the per-page digests live between builds (see fingerprint.py)."""
    if settings.get("PAGEFIND_CACHE"):
        return Path(settings["PAGEFIND_CACHE"])
    if settings.get("CACHE_PATH"):
        return Path(settings["CACHE_PATH"]) / "pagefind-pages.json"
    return None


def run_pagefind(output_path: str, extra: list[str], settings: dict | None = None) -> int:
    """Index the finished site reproducibly, shard by shard; return the page count."""
    settings = {**DEFAULTS, **(settings or {})}
    started = time.perf_counter()
    summary = build_shards(
        Path(output_path),
        options_from_args(extra),
        jobs=settings["PAGEFIND_JOBS"],
        max_pages=settings["PAGEFIND_SHARD_MAX_PAGES"],
        cache_file=cache_file(settings),
    )
    log.info(
        "Pagefind indexed %d pages of %s in %d shards (%d re-indexed, %d removed) in %.1f s",
        summary.pages,
        output_path,
        summary.shards,
        len(summary.rebuilt),
        len(summary.removed),
        time.perf_counter() - started,
    )
    return summary.pages


def on_initialized(pelican) -> None:
    check_settings(pelican.settings)


def on_finalized(pelican) -> None:
    if pelican.settings["PAGEFIND_ENABLED"]:
        settings = pelican.settings
        run_pagefind(pelican.output_path, list(settings["PAGEFIND_ARGS"]), settings)


# render_pool's named signals (plugins/render_pool/writer.py): with its writer, each page's
# cache entry (digests, file stamp: what shards.py would otherwise read every page back for)
# is taken from the page's bytes in the worker that rendered it, and stored in the cache
# before indexing starts (also when the index is built later, with run_pagefind).
PAGE_FACTS = signal("render_pool.page_facts")
PAGES_WRITTEN = signal("render_pool.pages_written")


def offer_page_fact(writer) -> tuple | None:
    return ("pagefind", page_fact) if cache_file(writer.settings) is not None else None


def page_fact(rel: str, data: bytes, stat) -> list | None:
    return page_entry(data, stat) if rel.endswith(".html") else None


def store_page_facts(writer, facts: dict) -> None:
    entries = facts.get("pagefind")
    target = cache_file(writer.settings)
    if entries and target is not None:
        record_pages(target, entries)


def register() -> None:
    # Pelican is imported here, not at the top: the standalone index (run_pagefind) then
    # starts without it (~0.2 s).
    from pelican import signals

    PAGE_FACTS.connect(offer_page_fact)
    PAGES_WRITTEN.connect(store_page_facts)
    signals.initialized.connect(on_initialized)
    signals.finalized.connect(on_finalized)
