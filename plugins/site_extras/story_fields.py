"""A story's URL and formatted dates, computed once per build instead of once per use.

A story appears on its own page, its neighbours' pages, up to five related-story lists,
the home pages, its year/month/day pages and three or more term pages: 20–25 uses of its
URL per build. Pelican's ``Content.url`` is a property that recomputes the URL on every
access (a copy of the metadata, ``os.path.relpath`` and three ``strftime`` through
Pelican's ``strftime`` wrapper: ~15–20% of our build in the issue's profile), and every
``date.strftime`` in a template goes through the same wrapper.

:func:`cache_story_fields` runs when Pelican has made a story (``content_object_init``;
again at ``article_generator_pretaxonomy`` for any story made before), by then a story's URL
and date are final: it stores the
URL in ``override_url``, which ``Content.url`` returns as is (Pelican's own mechanism for a
``URL:`` metadata field; a story that has one keeps it), and gives the templates the
formatted dates as plain attributes. Every value is computed by the very calls the
templates made before, so the pages are byte for byte the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

# attribute → strftime format (Pelican's wrapper, as ``date.strftime`` in a template).
DATE_FIELDS = {
    "date_month": "%Y-%m",  # story lists: <time datetime> of the month heading
    "date_month_name": "%B %Y",  # story lists: the month heading
}


# Every field cache_story_fields sets: each a function of the story's own fields.
STORY_FIELDS = ("override_url", "override_save_as", "date_iso", *DATE_FIELDS)


def cache_story_fields(stories: Iterable) -> int:
    """Set ``override_url``, ``override_save_as``, ``date_iso`` and :data:`DATE_FIELDS` on
    every story."""
    count = 0
    for story in stories:
        if not hasattr(story, "override_url"):
            story.override_url = story.url
        if not hasattr(story, "override_save_as"):  # the writer asks for it once more
            story.override_save_as = story.save_as
        date = getattr(story, "date", None)
        if date is not None:
            story.date_iso = date.isoformat()
            for attribute, fmt in DATE_FIELDS.items():
                setattr(story, attribute, date.strftime(fmt))
        count += 1
    return count


def has_story_fields(story) -> bool:
    """Has the story been through cache_story_fields (a story without a date never is)?"""
    return hasattr(story, "date_iso") or getattr(story, "date", None) is None


def all_stories(generator) -> Iterable:
    """Every story an articles generator holds, listed or not (drafts are rendered too)."""
    return chain(
        generator.articles,
        generator.translations,
        generator.hidden_articles,
        generator.hidden_translations,
        generator.drafts,
        generator.drafts_translations,
    )
