"""Related stories: what is kept between builds, and which rankings still hold.

One file, ``neighbours-v<CACHE_VERSION>.npz`` beside the term counts (no pickle): every
story's id, its search vector (:func:`related_vectors.search_vectors`, with the term strings
of its columns), whether it may be found, its best candidates with their cosines and
whether that list is complete (:class:`SearchState`, kept up to date by
:mod:`related_search`), and its ranking (:class:`RankState`: its k links, their scores and
key-term columns, a hash of its topics, countries and date, and the words that may be named
as reasons). A story is re-ranked only when something its ranking reads changed
(:class:`Reuse`), with the same functions a clean build runs, row by row; the others keep
their cached ranking, which is what a clean build computes from the same inputs.

Why the IDF is quantised (:mod:`related_vectors`): with a plain IDF every new story moves
the weight of every term it contains, so every vector, every cosine and every score of the
archive changes a little, and no list could be kept. With the IDF in steps, a new story
changes the vectors of the few stories holding a term whose step it crosses (on the 20k
synthetic archive, tens to a few hundred), and a clean build computes the same steps from
the same stories: no history, no snapshot that a clean build would lack.

Any doubt (no file, unreadable or inconsistent file, other version or settings) means
starting afresh, with a log line; the file is rewritten atomically after every build and
holds only current stories. Same stories, same bytes.
"""

from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

log = logging.getLogger(__name__)

CACHE_VERSION = "1"
CACHE_NAME = f"neighbours-v{CACHE_VERSION}.npz"
SEPARATOR = "\0"


@dataclass(frozen=True, slots=True)
class SearchState:
    """The search of one build: what the next build starts from."""

    fingerprint: str  # settings the lists depend on; another value means "do not use"
    ids: np.ndarray  # str, sorted
    terms: np.ndarray  # str, sorted: the columns of ``vectors``
    vectors: sp.csr_matrix  # float32 search vectors, one row per id
    eligible: np.ndarray  # bool: may be found
    index: np.ndarray  # int32, n × depth: rows of this state, best first, -1 = none
    sim: np.ndarray  # float32, n × depth
    complete: np.ndarray  # bool: the list holds every eligible story with a positive dot


@dataclass(frozen=True, slots=True)
class RankState:
    """The re-ranking of one build, reused for stories nothing of which changed."""

    meta: np.ndarray  # int64 per story: hash of its topics, countries and date
    allowed: np.ndarray  # bool per column of the search vectors: may be a "term:" reason
    top_index: np.ndarray  # int32, n × k: rows of the search state, best first, -1 = none
    top_score: np.ndarray  # float32, n × k
    key_terms: np.ndarray  # int32, n × k × terms per link: columns of the search vectors


@dataclass(frozen=True, slots=True)
class Cached:
    search: SearchState
    ranked: RankState


@dataclass(frozen=True, slots=True)
class Changes:
    """How this build's stories relate to the cached ones."""

    old_to_new: np.ndarray  # cached row → row now, -1 = deleted
    new_to_old: np.ndarray  # row now → cached row, -1 = new
    changed: np.ndarray  # bool per row now: new, other vector bits or other eligibility
    term_map: np.ndarray  # cached vector column → column now, -1 = gone


def _pack(strings: np.ndarray) -> np.ndarray:
    text = SEPARATOR.join(strings.tolist())
    return np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)


def _unpack(blob: np.ndarray, count: int) -> np.ndarray:
    parts = blob.tobytes().decode("utf-8", "surrogatepass").split(SEPARATOR) if count else []
    if len(parts) != count:
        raise ValueError("string table does not match its count")
    return np.asarray(parts, dtype=str)


def save(path: Path, search: SearchState, ranked: RankState) -> None:
    """Write atomically: a crash leaves the old cache or the new one, never half of one."""
    if any(SEPARATOR in s for s in search.ids.tolist()):
        log.warning("related stories: an id holds a NUL character; neighbour cache not written")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(
                out, fingerprint=np.asarray(search.fingerprint), ids=_pack(search.ids),
                n_ids=np.asarray(len(search.ids)), terms=_pack(search.terms),
                n_terms=np.asarray(len(search.terms)), data=search.vectors.data,
                indices=search.vectors.indices, indptr=search.vectors.indptr,
                eligible=search.eligible, index=search.index, sim=search.sim,
                complete=search.complete, meta=ranked.meta, allowed=ranked.allowed,
                top_index=ranked.top_index, top_score=ranked.top_score,
                key_terms=ranked.key_terms,
            )
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def load(path: Path, fingerprint: str) -> tuple[Cached | None, str]:
    """The cached search and ranking, or None and why not."""
    if not path.exists():
        return None, "missing"
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["fingerprint"]) != fingerprint:
                log.info("related stories: neighbour cache %s has other settings; ignored", path)
                return None, "other settings"
            ids = _unpack(data["ids"], int(data["n_ids"]))
            terms = _unpack(data["terms"], int(data["n_terms"]))
            vectors = sp.csr_matrix((data["data"], data["indices"], data["indptr"]),
                                    shape=(len(ids), len(terms)))
            search = SearchState(fingerprint, ids, terms, vectors, data["eligible"],
                                 data["index"], data["sim"], data["complete"])
            ranked = RankState(data["meta"], data["allowed"], data["top_index"],
                               data["top_score"], data["key_terms"])
        _check(search, ranked)
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as error:
        log.warning("related stories: unreadable neighbour cache %s (%s); searching everything",
                    path, error)
        return None, "unreadable"
    return Cached(search, ranked), "used"


def _check(search: SearchState, ranked: RankState) -> None:
    n, n_terms = search.vectors.shape
    search.vectors.check_format(full_check=True)
    arrays_fit = (
        search.eligible.shape == search.complete.shape == ranked.meta.shape == (n,)
        and search.index.shape == search.sim.shape and search.index.shape[0] == n
        and ranked.top_index.shape == ranked.top_score.shape == ranked.key_terms.shape[:2]
        and ranked.top_index.shape[0] == n and ranked.allowed.shape == (n_terms,)
        and search.index.dtype == ranked.top_index.dtype == ranked.key_terms.dtype == np.int32
        and search.sim.dtype == ranked.top_score.dtype == search.vectors.dtype == np.float32
        and search.eligible.dtype == search.complete.dtype == ranked.allowed.dtype == np.bool_
        and ranked.meta.dtype == np.int64
    )
    in_range = arrays_fit and all(
        int(a.min(initial=0)) >= -1 and int(a.max(initial=-1)) < limit
        for a, limit in ((search.index, n), (ranked.top_index, n), (ranked.key_terms, n_terms))
    )
    if not (in_range and bool(np.all(search.ids[:-1] < search.ids[1:]))):
        raise ValueError("inconsistent arrays")


@dataclass(frozen=True, slots=True)
class Reuse:
    """Which cached rankings still hold. A story is re-ranked when its own vector, topics,
    countries, date or candidate list (ids or cosines) changed, or when one of its
    candidates changed its vector, labels, date or set of nearest neighbours (the
    shared-neighbour term); its key terms are recomputed too when it is re-ranked or when
    a word of its vector became, or stopped being, a possible reason."""

    previous: Cached
    changes: Changes
    rank_dirty: np.ndarray  # bool per row now
    records_dirty: np.ndarray  # bool per row now

    @classmethod
    def of(
        cls, previous: Cached, changes: Changes, search: SearchState, meta: np.ndarray,
        allowed: np.ndarray, vectors: sp.csr_matrix, pool: int, neighbours: int,
    ) -> Reuse:
        n = len(search.ids)
        rows = np.flatnonzero(changes.new_to_old >= 0)
        old_rows = changes.new_to_old[rows]
        flagged = changes.changed.copy()
        flagged[rows] |= previous.ranked.meta[old_rows] != meta[rows]
        cached = previous.search.index[old_rows, :pool]
        remapped = np.where(cached >= 0, changes.old_to_new[cached], -1)
        remapped[(cached >= 0) & (remapped < 0)] = -2  # a deleted story: never equal
        lists = search.index[rows, :pool]
        cosines = previous.search.sim[old_rows, :pool].view(np.int32)
        list_changed = (remapped != lists).any(axis=1) | (
            cosines != search.sim[rows, :pool].view(np.int32)).any(axis=1)
        width = min(neighbours, pool)
        neighbours_changed = np.ones(n, dtype=bool)
        neighbours_changed[rows] = list_changed & (
            np.sort(remapped[:, :width], axis=1) != np.sort(lists[:, :width], axis=1)
        ).any(axis=1)
        rank_dirty = flagged.copy()
        rank_dirty[rows] |= list_changed
        candidates = search.index[:, :pool]
        reach = flagged | neighbours_changed
        rank_dirty |= ((candidates >= 0) & reach[np.maximum(candidates, 0)]).any(axis=1)
        return cls(previous, changes, rank_dirty,
                   rank_dirty | _rows_with_flipped_terms(previous, changes, allowed, vectors))

    def top(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        old_rows = self.changes.new_to_old[rows]
        index = self.previous.ranked.top_index[old_rows]
        remapped = np.where(index >= 0, self.changes.old_to_new[index], -1)
        return remapped.astype(np.int32), self.previous.ranked.top_score[old_rows]

    def key_terms(self, rows: np.ndarray) -> np.ndarray:
        columns = self.previous.ranked.key_terms[self.changes.new_to_old[rows]]
        return np.where(columns >= 0, self.changes.term_map[columns], -1).astype(np.int32)


def _rows_with_flipped_terms(
    previous: Cached, changes: Changes, allowed: np.ndarray, vectors: sp.csr_matrix
) -> np.ndarray:
    """Rows whose vector holds a term that became, or stopped being, a possible reason."""
    present = changes.term_map >= 0
    columns = changes.term_map[present]
    flipped = np.zeros(len(allowed), dtype=bool)
    flipped[columns[previous.ranked.allowed[present] != allowed[columns]]] = True
    entry_rows = np.repeat(np.arange(vectors.shape[0]), np.diff(vectors.indptr))
    out = np.zeros(vectors.shape[0], dtype=bool)
    out[entry_rows[flipped[vectors.indices]]] = True
    return out
