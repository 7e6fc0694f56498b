"""Related stories: for every story, the k most related other stories and why.

Pure and Pelican-free: :func:`related` takes :class:`RelatedInput` records and returns
``{id: [Related, ...]}``. Stages: term counts (cached, :mod:`related_terms`) → TF-IDF with
a quantised IDF and sparse top-candidate search (:mod:`related_vectors`), the candidate
lists updated only where a change can reach them (:mod:`related_search`) → re-ranking with
shared-neighbour agreement, topics, countries and dates, duplicate suppression and reasons
(:mod:`related_rank`), reused for the stories nothing reached (:mod:`related_cache`).
Deterministic: stories are processed in id order and ties are broken by id, so the same
content gives the same lists, to the bit, whatever the input order, the cache state or the
number of workers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsarchive import related_cache as cache
from newsarchive import related_rank as rank
from newsarchive import related_search as searching
from newsarchive import related_vectors as vec
from newsarchive.related_terms import TITLE_MARK, TOKENISER_VERSION, count_terms

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
    With ``cache_dir``, word counts, candidate lists and rankings are kept there between
    calls and only what a change can reach is recomputed; the result is the same, to the
    bit, as without a cache.
    """
    options = options or RelatedOptions()
    stories = _ordered(articles)
    if k <= 0 or not stories:
        return {story.id: [] for story in stories}
    table = count_terms([s.title for s in stories], [s.text for s in stories], cache_dir,
                        workers=options.workers)
    allowed = set(candidates) if candidates is not None else None
    eligible = np.asarray([allowed is None or s.id in allowed for s in stories], dtype=bool)
    pool = max(options.pool, k)
    depth = pool + searching.RESERVE
    vectors = vec.search_vectors(table, options.title_weight, options.search_max_df,
                                 options.search_terms)
    fingerprint = _fingerprint(options, k, depth)
    path = cache_dir / cache.CACHE_NAME if cache_dir is not None else None
    previous, status = cache.load(path, fingerprint) if path is not None else (None, "off")
    search, changes, _ = searching.neighbour_search(
        previous.search if previous else None, status, fingerprint,
        np.asarray([s.id for s in stories], dtype=str), table.terms, vectors, eligible, pool,
        depth, workers=options.workers,
    )
    found = vec.Candidates(search.index[:, :pool].astype(np.int64), search.sim[:, :pool])
    if options.exact_rescore:  # cosines of full vectors: every one may change, no reuse
        found, previous = _rescored(vec.tfidf(table, options.title_weight), found), None
    meta = np.asarray([_meta_key(s) for s in stories], dtype=np.int64)
    reasons_allowed = _reason_terms(vectors, table.terms)
    reuse = (cache.Reuse.of(previous, changes, search, meta, reasons_allowed, vectors, pool,
                            options.neighbours) if previous and changes else None)
    top_index, top_score = _rank(stories, found, k, options, reuse)
    key_columns = _key_terms(vectors, reasons_allowed, top_index, options, reuse)
    if path is not None:
        cache.save(path, search, cache.RankState(meta, reasons_allowed, top_index, top_score,
                                                 key_columns))
    return _records(stories, table.terms, top_index, top_score, key_columns)


def _fingerprint(options: RelatedOptions, k: int, depth: int) -> str:
    """Everything the cached lists depend on besides the stories (vectors are compared bit
    by bit, topics, countries and dates by hash)."""
    fields = {name: getattr(options, name) for name in options.__dataclass_fields__
              if name != "workers"}
    return (f"neighbours v{cache.CACHE_VERSION}; tokeniser {TOKENISER_VERSION}; k {k}; "
            f"depth {depth}; idf {vec.IDF_STEP!r}/{vec.IDF_SCALE_STEPS}; "
            f"key-term share {KEY_TERM_MAX_SHARE!r}; {fields!r}")


def _meta_key(story: RelatedInput) -> int:
    """A hash of what re-ranking reads besides the text: topics, countries, date."""
    data = repr((story.topics, story.countries, _day_number(story.date))).encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little", signed=True)


def _rescored(vectors, searched: vec.Candidates) -> vec.Candidates:
    """Exact cosines (full vectors) for the candidates the pruned search found."""
    valid, rows, cols = rank._pairs(searched.index)
    sim = np.zeros(searched.index.shape, dtype=np.float32)
    sim[valid] = vec.pair_dot(vectors, rows, cols)
    return vec.Candidates(searched.index, sim)


def _rank(
    stories: list[RelatedInput], found: vec.Candidates, k: int, options: RelatedOptions,
    reuse: cache.Reuse | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each story's ``k`` best candidates and scores; rankings nothing changed are reused."""
    n = len(stories)
    top_index = np.full((n, k), -1, dtype=np.int32)
    top_score = np.zeros((n, k), dtype=np.float32)
    rows = np.arange(n) if reuse is None else np.flatnonzero(reuse.rank_dirty)
    if reuse is not None:
        clean = np.flatnonzero(~reuse.rank_dirty)
        top_index[clean], top_score[clean] = reuse.top(clean)
    if len(rows):
        topics, _ = rank.label_matrix([s.topics for s in stories])
        countries, _ = rank.label_matrix([s.countries for s in stories])
        days = np.asarray([_day_number(s.date) for s in stories], dtype=np.float64)
        mine = vec.Candidates(found.index[rows], found.sim[rows])
        score = rank.combined_scores(
            mine,
            rank.shared_neighbours(found, options.neighbours, rows),
            rank.overlap(topics, mine.index, rows),
            rank.overlap(countries, mine.index, rows),
            rank.date_prior(days, mine.index, options.date_scale_days, rows),
            _weights(options),
        )
        best_index, best_score = rank.best(mine.index, score, k)
        top_index[rows] = best_index
        top_score[rows] = np.where(best_index >= 0, best_score, 0.0)
    return top_index, top_score


def _reason_terms(vectors, terms: np.ndarray) -> np.ndarray:
    """Columns that may be named as a reason: a distinctive word, not a number, and not one
    that a large share of the archive uses ("city", "percent", "first")."""
    doc_freq = np.bincount(vectors.indices, minlength=vectors.shape[1])
    common = doc_freq > max(2, KEY_TERM_MAX_SHARE * vectors.shape[0])
    return np.asarray(
        [not t.startswith(TITLE_MARK) and not t.isdigit() for t in terms.tolist()], dtype=bool
    ) & ~common


def _key_terms(
    vectors, allowed: np.ndarray, top_index: np.ndarray, options: RelatedOptions,
    reuse: cache.Reuse | None,
) -> np.ndarray:
    """The ``key_terms`` columns of every link (n × k × key_terms, -1 = none)."""
    n, k = top_index.shape
    out = np.full((n, k, options.key_terms), -1, dtype=np.int32)
    if reuse is not None:
        clean = np.flatnonzero(~reuse.records_dirty)
        out[clean] = reuse.key_terms(clean)
    dirty = np.arange(n) if reuse is None else np.flatnonzero(reuse.records_dirty)
    links = top_index[dirty]
    valid = links >= 0
    rows = np.broadcast_to(dirty[:, None], links.shape)[valid]
    chosen = rank.key_terms(vectors, allowed, rows, links[valid], options.key_terms)
    block = out[dirty]
    block[valid] = chosen
    out[dirty] = block
    return out


def _records(
    stories: list[RelatedInput], terms: np.ndarray, top_index: np.ndarray,
    top_score: np.ndarray, key_columns: np.ndarray,
) -> dict[str, list[Related]]:
    ids = [story.id for story in stories]
    valid = top_index >= 0
    rows = np.broadcast_to(np.arange(len(ids))[:, None], top_index.shape)[valid]
    cols = top_index[valid]
    labels = _SharedLabels(stories).reasons(rows, cols)
    words = _term_reasons(terms, key_columns[valid])
    scores = np.round(top_score[valid].astype(np.float64), 6).tolist()
    links = [
        Related(ids[j], score, shared + named)
        for j, score, shared, named in zip(cols.tolist(), scores, labels, words, strict=True)
    ]
    bounds = np.concatenate([[0], np.cumsum(valid.sum(axis=1))]).tolist()
    return {story_id: links[start:stop]
            for story_id, start, stop in zip(ids, bounds[:-1], bounds[1:], strict=True)}


def _term_reasons(terms: np.ndarray, columns: np.ndarray) -> list[tuple[str, ...]]:
    """``term:<word>`` reasons of each link (a row of ``columns``, -1 = none)."""
    used = np.unique(columns[columns >= 0])
    names = np.empty(len(terms) + 1, dtype=object)  # the last one stands for -1
    names[used] = [f"term:{term}" for term in terms[used].tolist()]
    # Columns fill each row from the left, so a row's words are its first ``count``.
    counts = (columns >= 0).sum(axis=1)
    out: list[tuple[str, ...]] = [()] * len(columns)
    for count in range(1, columns.shape[1] + 1):
        rows = np.flatnonzero(counts == count)
        for row, words in zip(rows.tolist(), names[columns[rows, :count]].tolist(),
                              strict=True):
            out[row] = tuple(words)
    return out


class _SharedLabels:
    """``topic:``/``country:`` reasons of a pair, computed once per pair of label sets."""

    def __init__(self, stories: list[RelatedInput]) -> None:
        groups: dict[tuple[frozenset[str], frozenset[str]], int] = {}
        self.group = np.asarray([
            groups.setdefault((frozenset(s.topics), frozenset(s.countries)), len(groups))
            for s in stories
        ], dtype=np.int64)
        self.labels = list(groups)

    def reasons(self, rows: np.ndarray, cols: np.ndarray) -> list[tuple[str, ...]]:
        pairs = self.group[rows] * max(1, len(self.labels)) + self.group[cols]
        unique, inverse = np.unique(pairs, return_inverse=True)
        found = [self._shared(*divmod(pair, max(1, len(self.labels))))
                 for pair in unique.tolist()]
        return [found[i] for i in inverse.ravel().tolist()]

    def _shared(self, first: int, second: int) -> tuple[str, ...]:
        (topics_a, countries_a), (topics_b, countries_b) = self.labels[first], self.labels[second]
        return tuple([f"topic:{t}" for t in sorted(topics_a & topics_b)]
                     + [f"country:{c}" for c in sorted(countries_a & countries_b)])
