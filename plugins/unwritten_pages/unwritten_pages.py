"""Skip Pelican's tag, category and author pages when their ``*_SAVE_AS`` is empty.

This archive is browsed by topic, country and source (plugins/taxonomies), so pelicanconf
sets ``TAG_SAVE_AS``, ``CATEGORY_SAVE_AS`` and ``AUTHOR_SAVE_AS`` to ``""`` and Pelican writes
none of those pages. It still prepares each one, though: Pelican 4.12's
``ArticlesGenerator.generate_tags/categories/authors`` start every page with
``[article for article in self.dates if article in articles]`` — a list membership test
inside a loop over all stories, quadratic in the number of stories. Every story has the one
author and the one category here, so that line alone cost ~5 s at 20,000 stories and
grows to minutes at 100,000, for pages that are then not written.

When the setting is empty the writer would discard the page anyway (``Writer.write_file``
returns at once for an empty name), so not preparing it changes no output. When a site does
set one of these, Pelican's own method runs unchanged.

Drafts (``Status: draft``) the same way with ``DRAFT_SAVE_AS``: pelicanconf leaves it empty
(a draft is not published: no page, so not in the search index or the sitemap either).
Pelican 4.12's ``generate_drafts`` also reads ``draft.category`` unguarded, and a story has
no category when ``CATEGORY_SAVE_AS`` is empty, so a single draft story failed the build
(``AttributeError``) before this (upstream: getpelican/pelican pull request #3600, open).
"""

from __future__ import annotations

import functools

from pelican import signals
from pelican.generators import ArticlesGenerator

# generator method -> the setting naming where its pages are written
METHODS = {
    "generate_tags": "TAG_SAVE_AS",
    "generate_categories": "CATEGORY_SAVE_AS",
    "generate_authors": "AUTHOR_SAVE_AS",
    "generate_drafts": "DRAFT_SAVE_AS",
}


def _skip_when_unwritten(method, setting: str):
    @functools.wraps(method)
    def wrapper(self, write):
        if not self.settings.get(setting):
            return None
        return method(self, write)

    wrapper.__unwritten_pages__ = True
    return wrapper


def patch() -> None:
    for name, setting in METHODS.items():
        method = getattr(ArticlesGenerator, name)
        if not getattr(method, "__unwritten_pages__", False):
            setattr(ArticlesGenerator, name, _skip_when_unwritten(method, setting))


def _on_initialized(_pelican) -> None:
    patch()


def register() -> None:
    # A module-level function, not a lambda: blinker holds receivers by weak reference, so a
    # lambda would be collected at once and the patch would never run.
    signals.initialized.connect(_on_initialized)
