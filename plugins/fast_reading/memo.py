"""Pelican's pure per-story helpers, computed once per argument instead of once per call.

Two helpers of Pelican's are called many times per story with the same arguments, and each
call does the same work again (py-spy of a 20,000-story rebuild: ~3.7 s of ~40 in the
Pelican process, and again in every render worker):

* ``pelican.utils.strftime`` (what ``SafeDatetime.strftime``, ``Content.locale_date`` and the
  ``{date:%Y}`` fields of ``ARTICLE_URL``/``ARTICLE_SAVE_AS`` go through): two regular
  expressions and one ``datetime.strftime`` per directive, ~10 µs a call, 15–20 calls a story
  (URL and save path while reading, the validity check, the templates' ``date.strftime``);
* ``Content.get_relative_source_path``: ``abspath`` + ``relpath`` of the same two paths, about
  five times a story (``url_format`` builds it for every URL even when the pattern has no
  ``{path}``).

Both are pure functions of their arguments here: the date (with its time zone and fold, since
equal instants in different zones format differently) and the format; the source path and the
absolute content path. A memo keyed on exactly those returns the very string the helper
returned, so the output is byte for byte the same (tests/test_build_speed.py). The memo is
emptied when a build starts (``initialized``) and when it grows past ``MEMO_MAX`` entries; the
formatting locale is set once per build from ``LOCALE`` (a plugin that switches ``LC_TIME``
in the middle of a build must set ``FAST_READING_MEMO = False``).

functools.lru_cache does not fit: the date's equality ignores its zone (12:00 UTC equals
13:00 CET), so the key must carry the zone explicitly, and a bounded LRU costs more per hit
than the formatting it saves on this many distinct dates.

One of Pelican's cache checks also asks the file system a question whose answer it never uses:
``FileStampDataCacher`` takes a file's stamp (an ``os.stat``) in
``get_cached_data`` even when the cache holds nothing for the file (the ``None`` stamp then
never matches), and in ``cache_data`` even when its caching policy is off and the data is
dropped. With ``CONTENT_CACHING_LAYER = "reader"`` the articles generator does both for
every story: two of the three ``stat`` calls per story were wasted (~0.2 s of a warm
20,000-story rebuild's single-core start: 40,000 checks through Pelican's methods took
0.22 s on this machine; py-spy had put them at ~0.9 s, sampling overhead on a system
call). :func:`_stamp_if_cached` and :func:`_stamp_if_kept` skip the stamp in exactly those
two cases; a file that is cached or kept is stamped as before. They are installed and
removed with the memos (``FAST_READING_MEMO``).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from pelican import cache, contents, readers, utils

MEMO_MAX = 2_000_000  # entries per memo (~200 bytes each); emptied when reached

_formatted: dict[tuple, str] = {}
_relative: dict[tuple[str, str], str | None] = {}
_installed: dict[str, object] = {}


# Pelican's strftime formats each "%x" candidate on its own and puts the pieces back; for a
# format whose candidates are all C89 directives without the "-" flag that is exactly what
# one datetime.strftime call over the whole format returns (both leave other text as is).
_CANDIDATE = re.compile("%[-]?.")
_C89 = "aAbBcdfGHIjmMpSUuVwWxXyYzZ%"
_plain_formats: dict[str, bool] = {}


def _plain(date_format: str) -> bool:
    plain = _plain_formats.get(date_format)
    if plain is None:
        plain = _plain_formats[date_format] = all(
            len(c) == 2 and c[-1] in _C89 for c in _CANDIDATE.findall(date_format)
        )
    return plain


def _format(date, date_format: str) -> str:
    if type(date) is utils.SafeDatetime and _plain(date_format):
        return datetime.datetime.strftime(date, date_format)
    return _installed["strftime"](date, date_format)


def _memo_strftime(date, date_format):
    try:
        key = (date_format, date, getattr(date, "tzinfo", None), getattr(date, "fold", 0))
        hit = _formatted.get(key)
    except TypeError:  # an unhashable date-like object: no memo
        return _installed["strftime"](date, date_format)
    if hit is None:
        hit = _format(date, date_format)
        if len(_formatted) >= MEMO_MAX:
            _formatted.clear()
        _formatted[key] = hit
    return hit


def _memo_relative_source_path(self, source_path=None):
    if not source_path:
        source_path = self.source_path
    if source_path is None:
        return None
    base = self.settings["PATH"]
    key = (source_path, base)
    try:
        hit = _relative.get(key)
    except TypeError:  # an unhashable path-like
        return _installed["relative"](self, source_path)
    if hit is None:
        hit = _installed["relative"](self, source_path)
        # A relative content path makes the answer depend on the working folder: no memo.
        if isinstance(base, str) and Path(base).is_absolute():
            if len(_relative) >= MEMO_MAX:
                _relative.clear()
            _relative[key] = hit
    return hit


# ``Date:``/``Modified:`` fields as the importer writes them (ISO 8601, no zone). Pelican
# reads every one with dateutil's general parser (~70 µs); for these forms dateutil's
# answer is the SafeDatetime of the same fields, which this builds directly. Any other
# form, a zone, or a day that does not exist goes to Pelican's get_date as before.
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")


def _quick_get_date(string: str) -> datetime.datetime:
    match = _ISO_DATE.fullmatch(string)
    if match is not None:
        try:
            return utils.SafeDatetime(*(int(part or 0) for part in match.groups()))
        except ValueError:
            pass
    return _installed["get_date"](string)


def known_relative_source_path(content) -> None:
    """A content restored whole (``snapshot``) carries the relative path its constructor
    worked out (``Content.__init__`` stores ``get_relative_source_path()``): the memo takes
    it, so the generators' lookups by source path do not work it out again."""
    if not _installed or content.source_path is None:
        return
    base = content.settings["PATH"]
    if isinstance(base, str) and Path(base).is_absolute():
        relative = getattr(content, "relative_source_path", None)
        if relative is not None:
            if len(_relative) >= MEMO_MAX:
                _relative.clear()
            _relative[(content.source_path, base)] = relative


def _stamp_if_cached(self, filename, default=None):
    """``FileStampDataCacher.get_cached_data``: a file the cache holds nothing for is a miss
    without taking its stamp (Pelican's comparison of ``None`` with any stamp says so)."""
    if filename not in self._cache:
        return default
    return _installed["get_cached"](self, filename, default)


def _stamp_if_kept(self, filename, data):
    """``FileStampDataCacher.cache_data``: data a cacher with its policy off would drop is
    dropped without taking the file's stamp."""
    if self._cache_data_policy:
        _installed["cache_data"](self, filename, data)


def install() -> None:
    """Route Pelican's helpers through the memos (idempotent) and empty them."""
    reset()
    if _installed:
        return
    _installed["strftime"] = utils.strftime
    _installed["relative"] = contents.Content.get_relative_source_path
    _installed["get_date"] = readers.get_date
    _installed["get_cached"] = cache.FileStampDataCacher.get_cached_data
    _installed["cache_data"] = cache.FileStampDataCacher.cache_data
    # SafeDatetime.strftime and DateFormatter look ``strftime`` up in pelican.utils at call
    # time, so replacing the module attribute reaches every caller; the readers' metadata
    # processors look ``get_date`` up in pelican.readers the same way.
    utils.strftime = _memo_strftime
    contents.Content.get_relative_source_path = _memo_relative_source_path
    readers.get_date = _quick_get_date
    cache.FileStampDataCacher.get_cached_data = _stamp_if_cached
    cache.FileStampDataCacher.cache_data = _stamp_if_kept


def uninstall() -> None:
    """Pelican's own helpers back (FAST_READING_MEMO = False, tests)."""
    reset()
    if not _installed:
        return
    utils.strftime = _installed.pop("strftime")
    contents.Content.get_relative_source_path = _installed.pop("relative")
    readers.get_date = _installed.pop("get_date")
    cache.FileStampDataCacher.get_cached_data = _installed.pop("get_cached")
    cache.FileStampDataCacher.cache_data = _installed.pop("cache_data")


def reset() -> None:
    _formatted.clear()
    _relative.clear()


def on_initialized(pelican) -> None:
    if pelican.settings.get("FAST_READING_MEMO", True):
        install()
    else:
        uninstall()
