"""Previous/next story in time on every article page (``article.prev_article``/``next_article``).

One sort of the archive, then one pass: linear after the sort, whatever the archive's size.
"""

from __future__ import annotations

from blinker import signal
from pelican import signals


def chronological(articles: list) -> list:
    """Oldest first; ties broken by slug so the order never depends on reading order."""
    return sorted(articles, key=lambda a: (a.date, a.slug))


def link_neighbours(generator) -> None:
    ordered = chronological(generator.articles)
    for i, article in enumerate(ordered):
        article.prev_article = ordered[i - 1] if i > 0 else None
        article.next_article = ordered[i + 1] if i + 1 < len(ordered) else None


def _neighbour_stamp(value, ref, _unread) -> list:
    return ["none"] if value is None else [ref(value)]


def content_fields(_writer) -> dict:
    """How render_pool's keys describe the neighbours: by the stories they name."""
    return {"links": {"prev_article": _neighbour_stamp, "next_article": _neighbour_stamp}}


def register() -> None:
    signals.article_generator_finalized.connect(link_neighbours)
    signal("render_pool.content_fields").connect(content_fields)
