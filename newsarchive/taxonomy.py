"""Browsable terms (topics, countries, sources) and the stories filed under each.

Pure functions over anything with ``date``, ``slug`` and ``metadata`` (Pelican articles in
the build, plain objects in tests). Grouping is one pass over the stories plus one sort
per term: linear in the archive up to the sorts.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from newsarchive.countries import country
from newsarchive.text import slugify
from newsarchive.topics import topic

log = logging.getLogger(__name__)

IPTC_URI = "http://cv.iptc.org/newscodes/mediatopic/{}"


@dataclass(frozen=True, slots=True, order=True)
class Term:
    """One page-worthy label: an IPTC topic, an ISO country, or a source."""

    kind: str  # "topic" | "country" | "source"
    slug: str  # URL slug, unique within its kind
    name: str  # what readers see
    code: str = ""  # IPTC QCode for topics, ISO alpha-2 for countries
    uri: str = ""  # IPTC URI for topics
    flag: str = ""
    group: str = ""  # region for countries, parent label for subtopics
    parent: str = ""  # parent slug for subtopics


def split_list(value: object) -> tuple[str, ...]:
    """Comma-separated metadata as a tuple (Pelican passes unknown fields as strings)."""
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(part.strip() for part in str(value or "").split(",") if part.strip())


# Terms are immutable and the vocabularies fixed for the process, so one Term per key is
# made once and shared: every story asks for its terms on each build (20,000 stories × ~4).
@functools.lru_cache(maxsize=8192)
def topic_term(slug: str) -> Term | None:
    try:
        entry = topic(slug)
    except KeyError:
        return None
    qnum = entry.qcode.split(":", 1)[-1]
    parent = topic(entry.parent) if entry.parent else None
    return Term(
        "topic",
        entry.slug,
        entry.label,
        entry.qcode,
        IPTC_URI.format(qnum),
        group=parent.label if parent else "",
        parent=entry.parent or "",
    )


@functools.lru_cache(maxsize=8192)
def country_term(code: str) -> Term | None:
    try:
        entry = country(code)
    except KeyError:
        return None
    return Term("country", entry.slug, entry.name, entry.code, flag=entry.flag, group=entry.region)


@functools.lru_cache(maxsize=8192)
def source_term(name: str) -> Term | None:
    slug = slugify(name)
    return Term("source", slug, name) if slug else None


def article_terms(article: Any) -> dict[str, tuple[Term, ...]]:
    """The terms one story is filed under, by kind, in the order the content file gives."""
    meta = article.metadata
    origin = getattr(article, "source_path", "?")
    return {
        "topic": _resolve(split_list(meta.get("topics")), topic_term, "topic", origin),
        "country": _resolve(split_list(meta.get("countries")), country_term, "country", origin),
        "source": _resolve(split_list(meta.get("source", "")), source_term, "source", origin),
    }


def _resolve(
    keys: Iterable[str], make: Callable[[str], Term | None], kind: str, origin: str
) -> tuple[Term, ...]:
    terms = []
    for key in keys:
        term = make(key)
        if term is None:
            log.warning("%s: unknown %s %r ignored", origin, kind, key)
        elif term not in terms:
            terms.append(term)
    return tuple(terms)


def _story_order(story: Any) -> tuple[Any, str]:
    return (story.date, story.slug)


def newest_first_pairs(pairs: Iterable[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """(story, anything) pairs, newest story first (as ``newest_first`` orders stories)."""
    return sorted(pairs, key=lambda pair: _story_order(pair[0]), reverse=True)


def group_by_term(
    pairs: Iterable[tuple[Any, Iterable[Term]]], *, ordered: bool = False
) -> dict[Term, list[Any]]:
    """Stories under each term, newest first; terms with no story never appear. The stories
    are put in order once, not term by term, and filed under their terms in that order (at
    20,000 stories a sort per term read each story's date and slug several times over);
    ``ordered``: the pairs come newest first already (``newest_first_pairs``)."""
    ordered_pairs = pairs if ordered else newest_first_pairs(pairs)
    groups: dict[Term, list[Any]] = {}
    for story, terms in ordered_pairs:
        for term in terms:
            groups.setdefault(term, []).append(story)
    return {term: groups[term] for term in sorted(groups, key=_term_order)}


def _term_order(term: Term) -> tuple[str, str]:
    return (term.name.lower(), term.slug)
