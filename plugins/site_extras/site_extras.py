"""Reader-facing extras: JSON-LD and permanent URLs for templates, calendar year archives,
the 404 page, ``sitemap.xml``, ``robots.txt`` and ``/favicon.ico``.

Templates get the Jinja filters ``news_jsonld`` (an article's schema.org ``NewsArticle`` as
safe JSON) and ``absolute_url`` (a site path as an absolute URL), and the context gets
``archive_calendars`` (year → twelve month grids), ``period_calendars`` (a period page's
``period_num`` → the grids it shows) and ``archive_years``. Every story gets
its URL and formatted dates computed once (``date_iso``, ``date_month``, ``date_month_name``:
story_fields.py), and the year/month/day archives are grouped in one pass
(period_archives.py).
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import shutil
from operator import attrgetter
from pathlib import Path

from blinker import signal
from pelican import signals
from pelican.contents import Article
from pelican.generators import Generator

from .archive_calendar import period_calendars, year_calendars, year_links
from .jsonld import absolute, base_url, news_article, script_json
from .period_archives import install as install_linear_archives
from .sitemap import SKIPPED_DIRS, page_fact, write_sitemaps
from .story_fields import STORY_FIELDS, all_stories, cache_story_fields, has_story_fields
from .teasers import reset as reset_teasers
from .teasers import story_teaser

log = logging.getLogger(__name__)

DEFAULTS: dict[str, object] = {
    "SITE_EXTRAS_BASE_URL": "",  # absolute URLs in JSON-LD, OpenGraph, sitemap; "" = SITEURL
    "SITEMAP_MAX_URLS": 50_000,
    "NOT_FOUND_SAVE_AS": "404.html",
    # Year/month/day archives grouped in one pass (period_archives.py); False = Pelican's own.
    "SITE_EXTRAS_LINEAR_ARCHIVES": True,
    # Each story's teaser rendered once and reused by every story list (teasers.py).
    "STORY_TEASER_CACHE": True,
}


class SiteExtrasError(Exception):
    """A site_extras setting is wrong."""


def check_settings(settings: dict) -> None:
    for key, default in DEFAULTS.items():
        settings.setdefault(key, default)
        if not isinstance(settings[key], type(default)):
            raise SiteExtrasError(
                f"{key} must be a {type(default).__name__}, not {settings[key]!r}"
            )
    if not 1 <= settings["SITEMAP_MAX_URLS"] <= 50_000:
        raise SiteExtrasError("SITEMAP_MAX_URLS must be between 1 and 50000 (the protocol's limit)")
    base = settings["SITE_EXTRAS_BASE_URL"]
    if base and not base.startswith(("http://", "https://")):
        raise SiteExtrasError(f"SITE_EXTRAS_BASE_URL must be an http(s) URL, not {base!r}")


def news_jsonld(article, settings: dict):
    return script_json(news_article(article, settings))


def absolute_url(path: str, settings: dict) -> str:
    return absolute(path, settings)


def on_initialized(pelican) -> None:
    settings = pelican.settings
    check_settings(settings)
    _learnt.clear()
    reset_teasers()
    filters = dict(settings.get("JINJA_FILTERS") or {})
    filters["news_jsonld"] = functools.partial(news_jsonld, settings=settings)
    filters["absolute_url"] = functools.partial(absolute_url, settings=settings)
    filters["story_teaser"] = functools.partial(story_teaser, cache=settings["STORY_TEASER_CACHE"])
    settings["JINJA_FILTERS"] = filters


def newest_first(stories: list) -> None:
    """Sort in place, newest first; stories of the same moment by slug, never by reading order."""
    stories.sort(key=attrgetter("slug"))
    stories.sort(key=attrgetter("date"), reverse=True)


def stable_story_order(generator) -> None:
    """Pelican orders by date alone, so same-day stories follow the file system's listing
    order; give every list the templates see a total order instead.

    The story list is put in that order once; every other list (the archive's, each
    period's) is checked against it and sorted only if it is out of order. They are in
    order already when ``ARTICLE_ORDER_BY`` is this order (pelicanconf's), since Pelican
    builds them from that list; at 20,000 stories the ~19,000 sorts of these lists read
    every story's date and slug ~16 times, 0.3 s of the build's main process. Two stories
    never share both a date and a slug (they would share a URL), so the order is total and
    a list found in it is what the sort would make of it."""
    reordered = generator.settings.get("ARTICLE_ORDER_BY") == "reversed-date"
    if reordered:
        newest_first(generator.articles)
    if not generator.settings.get("NEWEST_FIRST_ARCHIVES", True):
        return
    order = generator.articles
    if not reordered:  # the story list keeps the order its own setting gave it
        order = list(order)
        newest_first(order)
    rank = {id(story): i for i, story in enumerate(order)}
    lists = [generator.dates]
    for archives in generator.context.get("period_archives", {}).values():
        for archive in archives:
            lists += [archive["dates"], archive["articles"]]
    for stories in lists:
        ranks = [rank.get(id(story), -1) for story in stories]
        if -1 in ranks or any(a > b for a, b in itertools.pairwise(ranks)):
            newest_first(stories)


def on_content_made(content) -> None:
    """``content_object_init``: a story's URL and dates are final when Pelican has made it
    (they come from its metadata and the settings), so they are worked out there, once; a
    story restored from fast_reading's snapshot comes back with them."""
    if isinstance(content, Article):
        cache_story_fields((content,))


def on_articles_read(generator) -> None:
    """Every story is read and ordered (``article_generator_pretaxonomy``): any story made
    without ``on_content_made`` gets its fields now, before the plugins that run at
    ``article_generator_finalized`` (related stories, neighbours) need them."""
    cache_story_fields(s for s in all_stories(generator) if not has_story_fields(s))


def on_articles_finalized(generator) -> None:
    stable_story_order(generator)
    archives = generator.context.get("period_archives", {})
    calendars = year_calendars(archives)
    generator.context["archive_calendars"] = calendars
    generator.context["period_calendars"] = period_calendars(calendars)
    generator.context["archive_years"] = year_links(archives)


class NotFoundGenerator(Generator):
    """The 404 page, with root-based links: it is served at any depth."""

    def generate_output(self, writer) -> None:
        writer.write_file(
            self.settings["NOT_FOUND_SAVE_AS"],
            self.get_template("404"),
            self.context,
            relative_urls=False,
        )


def get_generators(_pelican) -> type[Generator]:
    # Sent as each build starts (also each rebuild of `pelican --autoreload`): a listing of
    # the output left by an earlier build (sent after its sitemap was written, with the plugins
    # in another order) must not stand in for this build's folder.
    _listings.clear()
    return NotFoundGenerator


# render_pool's named signals (plugins/render_pool/writer.py): each written page's sitemap
# entry is taken from its bytes in the worker that rendered it, instead of reading every
# page back when the sitemap is written.
PAGE_FACTS = signal("render_pool.page_facts")
PAGES_WRITTEN = signal("render_pool.pages_written")
_learnt: dict[str, dict[str, list]] = {}  # output folder → {relative path: entry}, this build


def offer_page_fact(writer) -> tuple | None:
    return ("sitemap", page_fact) if base_url(writer.settings) else None


def store_page_facts(writer, facts: dict) -> None:
    entries = facts.get("sitemap")
    if entries:
        _learnt.setdefault(os.path.realpath(writer.output_path), {}).update(entries)


# pagefind_index's listing of the finished site (see OUTPUT_LISTING there), when it indexed
# before the sitemap is written: the output folder is then walked once, not twice.
_listings: dict[str, dict] = {}


def store_listing(_sender, output: str, listing: dict, bundle_dir: str = "pagefind") -> None:
    # The listing leaves the bundle folder out; the sitemap leaves out the folders it skips
    # (SKIPPED_DIRS): the same pages only when the bundle folder is one of those.
    if f"{bundle_dir}/" in SKIPPED_DIRS:
        _listings[os.path.realpath(output)] = listing


def on_finalized(pelican) -> None:
    output = Path(pelican.output_path)
    base = base_url(pelican.settings)
    cache = None
    if pelican.settings.get("CACHE_PATH"):
        cache = Path(pelican.settings["CACHE_PATH"]) / "sitemap-lastmod.json"
    learnt = _learnt.pop(os.path.realpath(output), None)
    listing = _listings.pop(os.path.realpath(output), None)
    count = write_sitemaps(
        output, base, pelican.settings["SITEMAP_MAX_URLS"], cache, learnt, listing
    )
    if not base:
        log.warning("site_extras: no absolute SITEURL or FEED_DOMAIN; sitemap.xml not written")
    log.info("site_extras: sitemap with %d URLs", count)
    icon = output / "theme" / "favicon.ico"
    if icon.exists():
        shutil.copyfile(icon, output / "favicon.ico")


def content_fields(_writer) -> dict:
    """For render_pool's keys: the story fields set from each story's own fields alone."""
    return {"derived": STORY_FIELDS}


def register() -> None:
    signal("render_pool.content_fields").connect(content_fields)
    signal("pagefind_index.output_listing").connect(store_listing)
    signals.content_object_init.connect(on_content_made)
    signals.initialized.connect(on_initialized)
    signals.article_generator_init.connect(install_linear_archives)
    signals.article_generator_pretaxonomy.connect(on_articles_read)
    signals.article_generator_finalized.connect(on_articles_finalized)
    signals.get_generators.connect(get_generators)
    signals.finalized.connect(on_finalized)
    PAGE_FACTS.connect(offer_page_fact)
    PAGES_WRITTEN.connect(store_page_facts)
