"""Parallel and incremental page rendering (issue 10): wiring and settings.

Settings:

* ``RENDER_JOBS`` (default: one per core, ``os.cpu_count()``): processes that render pages;
  ``1`` renders in the Pelican process.
* ``RENDER_SKIP_UNCHANGED`` (default ``True``): skip a page whose render key (templates,
  code, settings and every value its templates read) is the one recorded for the file the
  previous build wrote. Stale files of the previous build are removed either way; with
  ``False`` no key is computed (and the next build with ``True`` renders every page once).
  Needs Pelican's default ``CONTENT_CACHING_LAYER = "reader"`` (checked). A story's fields
  as Pelican's constructor left them are described by its file's stamp (``born.py``), and
  plugins describe the fields they attach (``writer.CONTENT_FIELDS``).
* ``RENDER_CACHE_PATH`` (default ``<CACHE_PATH>/render_pool``): where the manifest of
  rendered files lives (one JSON file per output folder).

The writer records while generators run and renders when they are done: just before the
static generator's output (Pelican always runs it last, and only then sends ``finalized``,
where Pagefind and the sitemap read the output), with ``finalized`` as a fallback.
"""

from __future__ import annotations

import logging
import os
import pickle
import weakref

from pelican import signals

from . import born
from .writer import RenderPoolWriter

log = logging.getLogger(__name__)

DEFAULTS: dict[str, object] = {
    "RENDER_JOBS": None,
    "RENDER_SKIP_UNCHANGED": True,
    "RENDER_CACHE_PATH": None,
}

_writers: weakref.WeakSet = weakref.WeakSet()


class RenderPoolSettingsError(Exception):
    """A RENDER_* setting is wrong."""


def check_settings(settings: dict) -> None:
    for key, default in DEFAULTS.items():
        settings.setdefault(key, default)
    jobs = settings["RENDER_JOBS"]
    if jobs is None:
        settings["RENDER_JOBS"] = os.cpu_count() or 1
    elif isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise RenderPoolSettingsError(f"RENDER_JOBS must be an integer ≥ 1, not {jobs!r}")
    if not isinstance(settings["RENDER_SKIP_UNCHANGED"], bool):
        raise RenderPoolSettingsError(
            "RENDER_SKIP_UNCHANGED must be True or False, "
            f"not {settings['RENDER_SKIP_UNCHANGED']!r}"
        )
    if settings["RENDER_SKIP_UNCHANGED"] and settings.get("CONTENT_CACHING_LAYER") == "generator":
        # Articles restored whole from the generator cache carry copies of what the previous
        # build attached to them (its context among them), not the objects this build made,
        # and the keys would walk all of it for every story: a 20k rebuild with both settings
        # was still computing keys after 10 minutes (2026-12-06), against ~8 s with "reader".
        raise RenderPoolSettingsError(
            'RENDER_SKIP_UNCHANGED = True needs CONTENT_CACHING_LAYER = "reader" (Pelican\'s '
            'default): with "generator", articles come back from the cache with copies of the '
            "previous build's context, which no render key can describe in reasonable time"
        )
    cache = settings["RENDER_CACHE_PATH"]
    if cache is None:
        settings["RENDER_CACHE_PATH"] = os.path.join(
            settings.get("CACHE_PATH", "cache"), "render_pool"
        )
    elif not isinstance(cache, str) or not cache:
        raise RenderPoolSettingsError(f"RENDER_CACHE_PATH must be a folder path, not {cache!r}")


class _Writer(RenderPoolWriter):
    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        _writers.add(self)


def on_initialized(pelican) -> None:
    check_settings(pelican.settings)
    _atomic_pelican_cache()
    born.reset()
    if pelican.settings["RENDER_SKIP_UNCHANGED"]:
        signals.content_object_init.connect(born.record)
    else:
        signals.content_object_init.disconnect(born.record)


def get_writer(_pelican):
    return _Writer


def on_all_generators_finalized(generators) -> None:
    # Every generator shares one context dict; content objects rewrite links against it.
    if generators:
        RenderPoolWriter.main_context = generators[0].context


def on_static_generator_init(generator) -> None:
    """Render the recorded pages before the static generator's output: Pelican runs that
    generator last, so every other generator has written by then."""
    original = generator.generate_output

    def generate_output(writer):
        if isinstance(writer, RenderPoolWriter):
            writer.flush()
        return original(writer)

    generator.generate_output = generate_output


def on_finalized(_pelican) -> None:
    for writer in list(_writers):
        if not writer.flushed:
            log.warning(
                "render_pool: pages rendered at `finalized` (no static generator ran); "
                "receivers of `finalized` connected before this plugin ran without them"
            )
            writer.flush()


def _atomic_pelican_cache() -> None:
    """Pelican saves its content cache (CACHE_CONTENT) by writing the pickle in place; a
    killed build, or two builds sharing CACHE_PATH, leave a truncated file that the next
    load fails on (EOFError is not among the errors Pelican catches). Write it to a
    temporary file and rename instead; loading also treats any broken pickle as empty.

    Pelican also writes the whole cache again after every build, changed or not (~1 s at
    20,000 stories gzipped); it is written only when something was stored in it since it
    was loaded. And it keeps every file it has ever held: a deleted or renamed story stays
    in the pickle (and in memory, loaded on every build) for good. Entries for files this
    build neither looked up nor stored are dropped when it is saved (each generator asks
    for every file it reads, so those are files that are no longer content)."""
    from pelican import cache

    if getattr(cache.FileDataCacher, "_render_pool_atomic", False):
        return

    original_cache_data = cache.FileDataCacher.cache_data
    original_get_cached_data = cache.FileDataCacher.get_cached_data

    def cache_data(self, filename, data):
        self._render_pool_dirty = True
        _seen(self).add(filename)
        return original_cache_data(self, filename, data)

    def get_cached_data(self, filename, default=None):
        _seen(self).add(filename)
        return original_get_cached_data(self, filename, default)

    def save_cache(self):
        if not self._cache_data_policy:
            return
        stale = [name for name in self._cache if name not in _seen(self)]
        for name in stale:  # files that are no longer content
            del self._cache[name]
        if stale:
            self._render_pool_dirty = True
            log.debug(
                "content cache %s: %d entries of removed files dropped",
                self._cache_path,
                len(stale),
            )
        if getattr(self, "_render_pool_loaded", False) and not getattr(
            self, "_render_pool_dirty", True
        ):
            return  # the file holds exactly what was loaded from it
        try:
            os.makedirs(self.settings["CACHE_PATH"], exist_ok=True)
            tmp = f"{self._cache_path}.{os.getpid()}.tmp"
            with self._cache_open(tmp, "wb") as handle:
                pickle.dump(self._cache, handle)
            os.replace(tmp, self._cache_path)
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as err:
            log.warning("Could not save cache %s\n ... %s", self._cache_path, err)

    original_init = cache.FileDataCacher.__init__

    def __init__(self, settings, cache_name, caching_policy, load_policy):
        try:
            original_init(self, settings, cache_name, caching_policy, load_policy)
            self._render_pool_loaded = bool(load_policy) and os.path.exists(self._cache_path)
        except (EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError) as err:
            log.warning(
                "Cannot load cache %s (%s); proceeding with an empty cache", cache_name, err
            )
            original_init(self, settings, cache_name, caching_policy, False)
            self._render_pool_loaded = False
        self._render_pool_dirty = False

    cache.FileDataCacher.save_cache = save_cache
    cache.FileDataCacher.cache_data = cache_data
    cache.FileDataCacher.get_cached_data = get_cached_data
    cache.FileDataCacher.__init__ = __init__
    cache.FileDataCacher._render_pool_atomic = True


def _seen(cacher) -> set:
    """The files a content cache was asked about or given in this build."""
    seen = cacher.__dict__.get("_render_pool_seen")
    if seen is None:
        seen = cacher.__dict__["_render_pool_seen"] = set()
    return seen


def register() -> None:
    signals.initialized.connect(on_initialized)
    signals.get_writer.connect(get_writer)
    signals.all_generators_finalized.connect(on_all_generators_finalized)
    signals.static_generator_init.connect(on_static_generator_init)
    signals.finalized.connect(on_finalized)
