"""Index the built site with Pagefind (the binary bundled in the `pagefind-bin` wheel).

Runs over the output folder when Pelican has finished writing, as one Pagefind bundle per
year of stories (``shards.py``), indexed in parallel and only where pages changed. The ``finalized``
signal is used rather than a generator from ``get_generators`` because it fires after every
generator, including other plugins' page writers and static files, so the index always
covers the finished site. The pages are listed and the shards to index again found in the
main thread; Pagefind then indexes them from a thread of its own while the receivers after
this one (the sitemap, which takes this listing instead of walking the output again, and
the caches) do their work, and the last ``finalized`` receiver waits for it. The binary is
driven in service mode, page by page in sorted path order, and its filter/meta files are
rewritten in name order (``deterministic.py``): the plain CLI numbers pages in directory
order and stores filters in a randomly seeded hash map, so two builds of the same site
would differ.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from blinker import signal

from .deterministic import PagefindError, check_indexer, options_from_args
from .shards import index_jobs, page_entry, prepare_shards, record_pages, speculate

log = logging.getLogger(__name__)

DEFAULTS = {
    "PAGEFIND_ENABLED": True,
    "PAGEFIND_ARGS": [],
    "PAGEFIND_JOBS": None,  # Pagefind processes at once (one shard each); None: cores + 1
    "PAGEFIND_SHARD_MAX_PAGES": 5000,
    "PAGEFIND_CACHE": None,  # None: <CACHE_PATH>/pagefind-pages.json
    # "auto": each shard by `pagefind --site` over links walked in page order where it can
    # (a tmpfs), checked, else by `pagefind --service`; "service": always the service.
    "PAGEFIND_INDEXER": "auto",
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
    check_indexer(settings["PAGEFIND_INDEXER"])
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
    return _IndexRun(output_path, list(extra), settings).finish()


class _IndexRun(threading.Thread):
    """One index of the finished site: ``prepare`` finds the pages and the shards to index
    again (Python alone), ``finish`` has Pagefind index them and writes the manifest. In a
    build, ``finish`` runs in this thread: Pagefind's own processes index while the other
    ``finalized`` receivers (the sitemap, the caches) work in the main thread, and what it
    raises is raised again there by ``finish_index``."""

    def __init__(self, output_path: str, extra: list[str], settings: dict | None) -> None:
        super().__init__(name="pagefind-index")
        self.output_path, self.extra = output_path, extra
        self.settings = {**DEFAULTS, **(settings or {})}
        self.error: BaseException | None = None
        self.prepared = None
        self.ahead = 0  # folders of links made in ``prepare`` (see prepare_shards)
        self.speculation: threading.Thread | None = None  # shards started early (speculate)

    def prepare(self) -> None:
        self.started = time.perf_counter()
        self.prepared = prepare_shards(
            Path(self.output_path),
            options_from_args(self.extra),
            max_pages=self.settings["PAGEFIND_SHARD_MAX_PAGES"],
            cache_file=cache_file(self.settings),
            indexer=self.settings["PAGEFIND_INDEXER"],
            ahead=self.ahead,
            wait=self.speculation.join if self.speculation is not None else None,
        )

    def finish(self) -> int:
        if self.prepared is None:
            self.prepare()
        summary = self.prepared.finish(self.settings["PAGEFIND_JOBS"])
        # Shards indexed as soon as the pages were written and then found up to date are
        # counted as re-indexed: they were, by this build.
        early = set(getattr(self.speculation, "built", ()))
        early &= {(c.task.plan.name, c.fingerprint) for c in self.prepared.checks if c.kept}
        log.info(
            "Pagefind indexed %d pages of %s in %d shards (%d re-indexed, %d of them as soon as "
            "the pages were written; %d removed) in %.1f s",
            summary.pages,
            self.output_path,
            summary.shards,
            len(summary.rebuilt) + len(early),
            len(early),
            len(summary.removed),
            time.perf_counter() - self.started,
        )
        return summary.pages

    def run(self) -> None:
        try:
            self.finish()
        except BaseException as exc:  # handed to the main thread, which raises it
            self.error = exc


def on_initialized(pelican) -> None:
    from pelican import signals

    check_settings(pelican.settings)
    # Connected now, once every plugin has registered: Pelican calls ``finalized`` receivers
    # in the order they were connected, so this one comes after all of theirs.
    signals.finalized.connect(finish_index)


_runs: dict[int, _IndexRun] = {}  # id(Pelican) → its index, until finish_index


def on_finalized(pelican) -> None:
    """Start indexing the finished site. The other plugins' ``finalized`` receivers write no
    HTML (the sitemap, robots.txt, caches), and every page is written before this signal;
    the bundle folder is the index's own."""
    settings = pelican.settings
    if settings["PAGEFIND_ENABLED"]:
        run = _IndexRun(pelican.output_path, list(settings["PAGEFIND_ARGS"]), settings)
        run.speculation = _speculations.pop(os.path.realpath(pelican.output_path), None)
        # The first shards' folders of links are made here, before the thread starts: in
        # it, each of their file-system calls waited for the main thread (the sitemap).
        run.ahead = index_jobs(settings["PAGEFIND_JOBS"])
        run.prepare()
        _runs[id(pelican)] = run
        run.start()
        OUTPUT_LISTING.send(
            pelican,
            output=pelican.output_path,
            listing=run.prepared.listing,
            bundle_dir=run.prepared.root.name,
        )


def _join(pelican) -> BaseException | None:
    """Wait for this Pelican's index, if one is running; what it raised, or None."""
    run = _runs.pop(id(pelican), None)
    if run is None:
        return None
    run.join()
    return run.error


def finish_index(pelican) -> None:
    """The last ``finalized`` receiver: wait for the index; its error fails the build."""
    error = _join(pelican)
    if error is not None:
        raise error


# Shards started as soon as the pages were written (``store_page_facts``), by output folder,
# until the index of the same build takes them (``on_finalized``) or the next build starts.
_speculations: dict[str, threading.Thread] = {}


def finish_leftover(pelican) -> None:
    """As a build starts (``get_generators``, also each rebuild of ``--autoreload``): an
    index still running from a build that failed after it started (a later ``finalized``
    receiver raised, so ``finish_index`` never ran) is waited for before this build writes
    or forks anything, and its error is reported."""
    error = _join(pelican)
    if error is not None:
        log.warning("the search index of the previous build failed too: %s", error)
    for thread in _speculations.values():  # a build that failed after writing its pages
        thread.join()
    _speculations.clear()


# render_pool's named signals (plugins/render_pool/writer.py): with its writer, each page's
# cache entry (digests, file stamp: what shards.py would otherwise read every page back for)
# is taken from the page's bytes in the worker that rendered it, and stored in the cache
# before indexing starts (also when the index is built later, with run_pagefind).
PAGE_FACTS = signal("render_pool.page_facts")
PAGES_WRITTEN = signal("render_pool.pages_written")
FINISHING_SETTINGS = signal("render_pool.finishing_settings")
# Sent at ``finalized`` once the index has listed the finished site: ``listing`` maps every
# HTML page outside the bundle folder (``bundle_dir``) (relative POSIX path) to its
# ``os.stat``, directories reached through symlinks included. A receiver
# connected to ``finalized`` after this plugin (the sitemap, site_extras) may use it instead
# of walking the output folder again (~0.5 s at 20,000 stories): no receiver writes HTML.
OUTPUT_LISTING = signal("pagefind_index.output_listing")


def offer_page_fact(writer) -> tuple | None:
    return ("pagefind", page_fact) if cache_file(writer.settings) is not None else None


def page_fact(rel: str, data: bytes, stat) -> list | None:
    return page_entry(data, stat) if rel.endswith(".html") else None


def store_page_facts(writer, facts: dict) -> None:
    entries = facts.get("pagefind")
    settings = writer.settings
    target = cache_file(settings)
    if entries and target is not None:
        record_pages(target, entries)
        _speculate(writer.output_path, settings, target)


def _speculate(output_path: str, settings: dict, target: Path) -> None:
    """The pages are written (render_pool's ``pages_written``, once per build before the
    static files are copied and ``finalized`` is sent): when this build makes the index,
    start the shards the page cache shows out of date now, while the main thread copies
    static files, lists the output and writes caches (``shards.speculate``). A one-story
    20,000-story rebuild waited ~0.5 s for that listing before Pagefind started."""
    key = os.path.realpath(output_path)
    if not settings.get("PAGEFIND_ENABLED") or key in _speculations:
        return
    try:
        check_settings(settings)
        thread = speculate(
            Path(output_path),
            options_from_args(list(settings["PAGEFIND_ARGS"])),
            max_pages=settings["PAGEFIND_SHARD_MAX_PAGES"],
            cache_file=target,
            indexer=settings["PAGEFIND_INDEXER"],
            jobs=settings["PAGEFIND_JOBS"],
        )
    except Exception as exc:  # the index at ``finalized`` does it all, and reports errors
        log.debug("pagefind: no shards started early (%s)", exc)
        return
    if thread is not None:
        _speculations[key] = thread


def finishing_settings(writer) -> tuple[str, ...]:
    """render_pool's ``finishing_settings``: these settings are read at ``finalized`` only,
    so turning the index on or off leaves every page's render key as it was."""
    return tuple(DEFAULTS)


def register() -> None:
    # Pelican is imported here, not at the top: the standalone index (run_pagefind) then
    # starts without it (~0.2 s).
    from pelican import signals

    PAGE_FACTS.connect(offer_page_fact)
    PAGES_WRITTEN.connect(store_page_facts)
    FINISHING_SETTINGS.connect(finishing_settings)
    signals.initialized.connect(on_initialized)
    signals.get_generators.connect(finish_leftover)
    signals.finalized.connect(on_finalized)
