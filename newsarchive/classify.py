"""The classify stage: IPTC Media Topics and ISO 3166 countries for a story, at import."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from newsarchive.article import Article
from newsarchive.countries import CountryMention, detect_countries
from newsarchive.topics import TermOverlay, TopicScore, assign_topics

# The archive's learned topic words (newsarchive.topic_feedback), set once per import run in
# the parent and, as their initializer, in every worker process; ``None``: the lexicon alone.
_topic_overlay: TermOverlay | None = None


def use_topic_overlay(overlay: TermOverlay | None) -> None:
    """Classify with this archive's learned topic words from now on (``None``: without)."""
    global _topic_overlay
    _topic_overlay = overlay


@dataclass(frozen=True, slots=True)
class Labels:
    """What the classifiers found, kept whole for the import report."""

    topics: tuple[TopicScore, ...]
    country_mentions: tuple[CountryMention, ...]

    def report_topics(self) -> list[dict[str, str]]:
        return [{"slug": t.slug, "iptc": t.qcode} for t in self.topics]

    def report_mentions(self) -> list[dict[str, object]]:
        return [
            {"code": m.code, "score": m.score, "count": m.count, "signals": list(m.signals)}
            for m in self.country_mentions
        ]


def classify(article: Article) -> tuple[Article, Labels]:
    """The article with ``topics`` and ``countries`` filled in, and the evidence behind them.

    Labels already on the article (set by a reader from the source's own metadata) are
    kept first; the classifiers add to them.
    """
    topics = assign_topics(
        article.title,
        article.text,
        section=article.section,
        url=article.url,
        overlay=_topic_overlay,
    )
    found = detect_countries(
        article.title, article.text, dateline=article.dateline, places=_photo_places(article)
    )
    labelled = dataclasses.replace(
        article,
        topics=_merge(article.topics, (t.slug for t in topics)),
        countries=_merge(article.countries, found.codes),
    )
    return labelled, Labels(topics, found.mentions)


def _photo_places(article: Article) -> tuple[str, ...]:
    return tuple(place for photo in article.photos for place in getattr(photo, "places", ()))


def _merge(first: tuple[str, ...], more) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*first, *more)))
