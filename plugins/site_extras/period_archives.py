"""Year, month and day archives grouped in one pass: linear in the number of stories.

Pelican 4.12's ``ArticlesGenerator._build_period_archives`` finds each period's stories with
``[a for a in articles if a in dates]``: a scan of the whole archive for every year, month
and day. With day archives on, 25 years of news hold ~9,000 periods, so that is ~9,000 × N
steps (minutes at 100,000 stories, hours at 1,000,000).

:func:`build_period_archives` returns exactly what Pelican's method returns (the same
``defaultdict`` of the same dicts, keys in the same order, the same lists in the same
order) from one ``groupby`` per granularity over the date-sorted stories, plus one sort per
period by each story's position in ``articles``. Pelican then writes the pages itself
(``generate_period_archives``: same template, URLs, context and pagination), and
``context["period_archives"]`` is unchanged for the calendar and every other reader.

It is installed per generator instance (:func:`install`, on ``article_generator_init``):
the instance attribute shadows the method for that generator only, nothing in Pelican is
patched globally, and ``SITE_EXTRAS_LINEAR_ARCHIVES = False`` gives Pelican's own back.
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from itertools import groupby
from operator import attrgetter
from typing import Any

from pelican.generators import ArticlesGenerator

log = logging.getLogger(__name__)

# Pelican's own keys, in Pelican's order (dicts and their iteration order are part of the output).
GRANULARITIES: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("year", attrgetter("date.year")),
    ("month", attrgetter("date.year", "date.month")),
    ("day", attrgetter("date.year", "date.month", "date.day")),
)


def build_period_archives(
    sorted_articles: Sequence, articles: Sequence, settings: dict
) -> defaultdict[str, list[dict]]:
    """Pelican's period archives (same signature and result as
    ``ArticlesGenerator._build_period_archives``) in O(N log N) instead of O(periods × N).

    ``sorted_articles`` are the stories in archive order (``generator.dates``), ``articles``
    the same stories in listing order; each period's ``articles`` keeps that listing order.
    """
    # Pelican keeps `a for a in articles if a in dates`; Content has no __eq__, so `in` is
    # identity: a story's position in `articles`, by identity, reproduces that order.
    position = {id(article): index for index, article in enumerate(articles)}
    period_archives: defaultdict[str, list[dict]] = defaultdict(list)
    for granularity, key in GRANULARITIES:
        save_as_fmt = settings[f"{granularity.upper()}_ARCHIVE_SAVE_AS"]
        url_fmt = settings[f"{granularity.upper()}_ARCHIVE_URL"]
        if not save_as_fmt:
            continue  # this granularity is switched off, as in Pelican
        for period, group in groupby(sorted_articles, key=key):
            dates = list(group)
            listed = [a for a in dates if id(a) in position]
            listed.sort(key=lambda a: position[id(a)])
            first = dates[0].date  # any story of the period gives the same URL
            archive: dict[str, Any] = {
                "dates": dates,
                "articles": listed,
                "save_as": save_as_fmt.format(date=first),
                "url": url_fmt.format(date=first),
            }
            if granularity == "year":
                archive["period"] = (period,)
                archive["period_num"] = (period,)
            else:
                month_name = calendar.month_name[period[1]]
                archive["period"] = (period[0], month_name, *period[2:])
                archive["period_num"] = tuple(period)
            period_archives[granularity].append(archive)
    return period_archives


def install(generator) -> None:
    """Give this articles generator the linear grouping (``article_generator_init``)."""
    if not isinstance(generator, ArticlesGenerator):
        return
    if not generator.settings.get("SITE_EXTRAS_LINEAR_ARCHIVES", True):
        return
    if not callable(getattr(ArticlesGenerator, "_build_period_archives", None)):
        # A Pelican without the method builds its archives its own way; nothing to replace.
        log.warning("site_extras: this Pelican has no _build_period_archives; not replaced")
        return
    generator._build_period_archives = build_period_archives
