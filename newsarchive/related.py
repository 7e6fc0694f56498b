"""Related stories: for every story, the k most related other stories and why.

Pure and Pelican-free: :func:`related` takes :class:`RelatedInput` records and returns
``{id: [Related, ...]}``. Stages: term counts (cached, :mod:`related_terms`) → TF-IDF and
chunked sparse top-candidate search (:mod:`related_vectors`) → re-ranking with
shared-neighbour agreement, topics, countries and dates, duplicate suppression and
reasons (:mod:`related_rank`). Deterministic: stories are processed in id order and
ties are broken by id, so the same content gives the same lists whatever the input order,
the cache state or the number of workers.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsarchive import related_rank as rank
from newsarchive import related_vectors as vec
from newsarchive.related_terms import TITLE_MARK, count_terms

log = logging.getLogger(__name__)


class RelatedInputError(ValueError):
    """The input records cannot be ranked (e.g. two records share an id)."""


KEY_TERM_MAX_SHARE = 0.05  # key-term reasons come from words in at most 5% of stories


@dataclass(frozen=True, slots=True)
class RelatedInput:
    id: str  # stable id (the plugin uses the article's URL)
    title: str
    text: str  # plain body text
    date: dt.date | dt.datetime | None
    topics: tuple[str, ...] = ()  # topic slugs
    countries: tuple[str, ...] = ()  # ISO alpha-2
    source: str = ""


@dataclass(frozen=True, slots=True)
class Related:
    id: str
    score: float
    reasons: tuple[str, ...]  # "topic:<slug>", "country:<ISO code>", "term:<word>"


@dataclass(frozen=True, slots=True)
class RelatedOptions:
    pool: int = 50  # candidates per story from the vector search
    neighbours: int = 50  # nearest neighbours compared for shared-neighbour agreement
    shared_neighbour_weight: float = 1.0
    title_weight: float = 0.3  # weight of title terms on top of their body weight
    duplicate_threshold: float = 0.9  # cosine at which a candidate is the same copy
    topic_weight: float = 0.05
    country_weight: float = 0.02
    date_weight: float = 0.02
    date_scale_days: float = 30.0
    search_max_df: int = 2200  # terms in more stories than this skip the search
    search_terms: int = 32  # heaviest terms per story used by the search
    exact_rescore: bool = False  # re-score candidates with the full (unpruned) vectors
    key_terms: int = 2  # "term:" reasons per link
    workers: int = 2  # processes counting words, threads for the sparse products


def _day_number(value: dt.date | dt.datetime | None) -> float:
    if value is None:
        return float("nan")
    if isinstance(value, dt.datetime):
        return value.toordinal() + (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    return float(value.toordinal())


def _ordered(articles: Sequence[RelatedInput]) -> list[RelatedInput]:
    ordered = sorted(articles, key=lambda article: article.id)
    for before, after in itertools.pairwise(ordered):
        if before.id == after.id:
            raise RelatedInputError(f"two stories share the id {before.id!r}")
    return ordered


def _weights(options: RelatedOptions) -> rank.Weights:
    return rank.Weights(
        shared_neighbours=options.shared_neighbour_weight, topic=options.topic_weight,
        country=options.country_weight, date=options.date_weight,
        date_scale_days=options.date_scale_days,
        duplicate_threshold=options.duplicate_threshold,
    )


def related(
    articles: Sequence[RelatedInput], k: int = 5, *, cache_dir: Path | None = None,
    candidates: Collection[str] | None = None, options: RelatedOptions | None = None,
) -> dict[str, list[Related]]:
    """Up to ``k`` related stories for every story, best first.

    ``candidates`` restricts which ids may appear in the lists (default: every story).
    """
    options = options or RelatedOptions()
    stories = _ordered(articles)
    if k <= 0 or not stories:
        return {story.id: [] for story in stories}
    table = count_terms([s.title for s in stories], [s.text for s in stories], cache_dir,
                        workers=options.workers)
    vectors = vec.tfidf(table, options.title_weight)
    allowed = set(candidates) if candidates is not None else None
    eligible = np.asarray([allowed is None or s.id in allowed for s in stories])
    pool = max(options.pool, k)
    pruned = vec.prune(vectors, options.search_max_df, options.search_terms)
    found = vec.search(pruned, eligible, pool, workers=options.workers)
    if options.exact_rescore:
        found = _rescored(vectors, found)
    top_index, top_score = _rank(stories, found, k, options)
    return _records(stories, pruned, table.terms, top_index, top_score, options)


def _rescored(vectors, searched: vec.Candidates) -> vec.Candidates:
    """Exact cosines (full vectors) for the candidates the pruned search found."""
    valid, rows, cols = rank._pairs(searched.index)
    sim = np.zeros(searched.index.shape, dtype=np.float32)
    sim[valid] = vec.pair_dot(vectors, rows, cols)
    return vec.Candidates(searched.index, sim)


def _rank(
    stories: list[RelatedInput], found: vec.Candidates, k: int, options: RelatedOptions
) -> tuple[np.ndarray, np.ndarray]:
    topics, _ = rank.label_matrix([s.topics for s in stories])
    countries, _ = rank.label_matrix([s.countries for s in stories])
    days = np.asarray([_day_number(s.date) for s in stories], dtype=np.float64)
    score = rank.combined_scores(
        found,
        rank.shared_neighbours(found, options.neighbours, workers=options.workers),
        rank.overlap(topics, found.index),
        rank.overlap(countries, found.index),
        rank.date_prior(days, found.index, options.date_scale_days),
        _weights(options),
    )
    return rank.best(found.index, score, k)


def _records(
    stories: list[RelatedInput], vectors, terms: np.ndarray, top_index: np.ndarray,
    top_score: np.ndarray, options: RelatedOptions,
) -> dict[str, list[Related]]:
    valid, rows, cols = rank._pairs(top_index)
    term_list = terms.tolist()
    # A reason a reader can use names a distinctive word: not a number, and not one that
    # a large share of the archive uses ("city", "percent", "first").
    doc_freq = np.bincount(vectors.indices, minlength=vectors.shape[1])
    common = doc_freq > max(2, KEY_TERM_MAX_SHARE * vectors.shape[0])
    allowed = np.asarray(
        [not t.startswith(TITLE_MARK) and not t.isdigit() for t in term_list]
    ) & ~common
    words = rank.key_terms(vectors, allowed, rows, cols, options.key_terms)
    topics = [frozenset(story.topics) for story in stories]
    countries = [frozenset(story.countries) for story in stories]
    out: dict[str, list[Related]] = {story.id: [] for story in stories}
    scores = top_score[valid].tolist()
    for i, j, score, pair_words in zip(rows.tolist(), cols.tolist(), scores, words, strict=True):
        shared_topics, shared_countries = topics[i] & topics[j], countries[i] & countries[j]
        reasons = [f"topic:{t}" for t in sorted(shared_topics)] if shared_topics else []
        if shared_countries:
            reasons += [f"country:{c}" for c in sorted(shared_countries)]
        reasons += [f"term:{term_list[w]}" for w in pair_words]
        out[stories[i].id].append(Related(stories[j].id, round(score, 6), tuple(reasons)))
    return out
