"""Related stories: every story's candidate list, searched again only where a change reaches.

Why the warm lists equal the cold ones, exactly. A story's search vector depends only on
its own counts and the quantised IDF of its terms, and a dot product has the same bits
whichever of its two rows it is computed from (:mod:`related_vectors`). So after comparing
every new vector with its cached bits, the stories fall in two groups:

* *changed*: new stories, stories whose vector changed (their text, or a term whose IDF
  stepped), stories whose eligibility changed. Their lists are searched afresh, and one
  sparse product of their rows gives their new cosine with every other story;
* *unchanged*: every cosine between two unchanged stories is as it was. Their cached list
  (``depth`` = pool + ``RESERVE`` entries), minus deleted and changed stories, is still the
  exact head of their ranking over the unchanged stories: everything not in it ranked below
  its last entry. Adding the changed stories' new cosines and keeping only what ranks at or
  above that last entry (all of it when the list was complete) gives an exact head of the
  new ranking. When fewer than ``pool`` entries remain, the story is searched afresh.

No cache, another version or settings, or more than ``FULL_SEARCH_SHARE`` of the stories
changed or deleted: every story is searched, as in a clean build.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from newsarchive import related_vectors as vec
from newsarchive.related_cache import Changes, SearchState

log = logging.getLogger(__name__)

RESERVE = 14  # candidates kept beyond the pool, so a few departures need no new search
FULL_SEARCH_SHARE = 0.3  # when more stories than this changed, search them all


@dataclass(frozen=True, slots=True)
class SearchReport:
    stories: int
    searched: int  # stories whose candidates were searched afresh
    changed: int  # new stories, changed vectors, changed eligibility
    deleted: int
    cache: str  # "off", "missing", "unreadable", "other settings", "too many changes", "used"


def cold_state(
    fingerprint: str, ids: np.ndarray, terms: np.ndarray, vectors: sp.csr_matrix,
    eligible: np.ndarray, depth: int, workers: int,
) -> SearchState:
    """Every story searched (what a clean build does)."""
    targets = vec.transposed_targets(vectors, eligible)
    top = vec.top_rows(vectors, targets, np.arange(len(ids)), depth, workers=workers)
    return SearchState(fingerprint, ids, terms, vectors, eligible, top.index, top.sim,
                       top.found <= depth)


def neighbour_search(
    previous: SearchState | None, status: str, fingerprint: str, ids: np.ndarray,
    terms: np.ndarray, vectors: sp.csr_matrix, eligible: np.ndarray, pool: int, depth: int,
    *, workers: int = 2,
) -> tuple[SearchState, Changes | None, SearchReport]:
    """The candidate lists of every story, updated from ``previous`` when there is one."""
    state = changes = None
    report = SearchReport(len(ids), len(ids), len(ids), 0, status)
    if previous is not None:
        state, changes, report = _update(previous, fingerprint, ids, terms, vectors, eligible,
                                         pool, depth, workers)
    if state is None:
        state = cold_state(fingerprint, ids, terms, vectors, eligible, depth, workers)
        report = SearchReport(len(ids), len(ids), report.changed, report.deleted, report.cache)
    log.info("related stories: searched %d of %d stories (%d changed, %d deleted; cache %s)",
             report.searched, report.stories, report.changed, report.deleted, report.cache)
    return state, changes, report


def _row_map(old_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each old row: its new row (-1 if deleted), and the last new row with an id ≤ it."""
    at_or_before = np.searchsorted(ids, old_ids, side="right") - 1
    clipped = np.maximum(at_or_before, 0)
    alive = (at_or_before >= 0) & (ids[clipped] == old_ids) if len(ids) else at_or_before >= 0
    return np.where(alive, at_or_before, -1), at_or_before


def _term_map(old_terms: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """Cached column → column now (-1 = the term is gone); both term lists are sorted."""
    column = np.searchsorted(terms, old_terms)
    known = column < len(terms)
    known[known] = terms[column[known]] == old_terms[known]
    return np.where(known, column, -1)


def _unchanged_rows(
    old: SearchState, old_to_new: np.ndarray, column: np.ndarray, vectors: sp.csr_matrix,
    eligible: np.ndarray,
) -> np.ndarray:
    """Per new row: True when the cached vector has the same terms and bits, and the story's
    eligibility is the same."""
    alive = np.flatnonzero(old_to_new >= 0)
    new_rows = old_to_new[alive]
    lengths = np.diff(old.vectors.indptr)[alive]
    same_shape = (lengths == np.diff(vectors.indptr)[new_rows]) & (
        old.eligible[alive] == eligible[new_rows])
    alive, new_rows, lengths = alive[same_shape], new_rows[same_shape], lengths[same_shape]
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    at_old = np.repeat(old.vectors.indptr[alive], lengths) + offsets
    at_new = np.repeat(vectors.indptr[new_rows], lengths) + offsets
    differs = (column[old.vectors.indices[at_old]] != vectors.indices[at_new]) | (
        old.vectors.data[at_old].view(np.int32) != vectors.data[at_new].view(np.int32))
    bad = np.bincount(np.repeat(np.arange(len(lengths)), lengths), weights=differs,
                      minlength=len(lengths)) > 0
    unchanged = np.zeros(vectors.shape[0], dtype=bool)
    unchanged[new_rows[~bad]] = True
    return unchanged


@dataclass(frozen=True, slots=True)
class _Entries:
    row: np.ndarray  # new row whose list the entry belongs to
    col: np.ndarray  # the candidate (new row)
    sim: np.ndarray  # float32

    def take(self, mask: np.ndarray) -> _Entries:
        return _Entries(self.row[mask], self.col[mask], self.sim[mask])


def _update(
    old: SearchState, fingerprint: str, ids: np.ndarray, terms: np.ndarray,
    vectors: sp.csr_matrix, eligible: np.ndarray, pool: int, depth: int, workers: int,
) -> tuple[SearchState | None, Changes | None, SearchReport]:
    n = len(ids)
    if old.index.shape[1] != depth:
        return None, None, SearchReport(n, n, n, 0, "other settings")
    old_to_new, at_or_before = _row_map(old.ids, ids)
    new_to_old = np.full(n, -1, dtype=np.int64)
    new_to_old[old_to_new[old_to_new >= 0]] = np.flatnonzero(old_to_new >= 0)
    term_map = _term_map(old.terms, terms)
    changed = ~_unchanged_rows(old, old_to_new, term_map, vectors, eligible)
    changes = Changes(old_to_new, new_to_old, changed, term_map)
    deleted = int((old_to_new < 0).sum())
    if changed.sum() + deleted > FULL_SEARCH_SHARE * max(n, 1):
        return None, None, SearchReport(n, n, int(changed.sum()), deleted, "too many changes")
    kept = np.flatnonzero(~changed)
    survivors, touched = _surviving_entries(old, old_to_new, changed, new_to_old, kept)
    bound_sim, bound_col, complete = _bounds(old, new_to_old, at_or_before, n)
    fresh = _fresh_entries(vectors, eligible, changed, bound_sim, bound_col, complete)
    touched[fresh.row] = True
    index = np.full((n, depth), -1, dtype=np.int32)
    sim = np.zeros((n, depth), dtype=np.float32)
    new_complete = np.zeros(n, dtype=bool)
    quiet = kept[~touched[kept]]  # lists nothing can have changed: copied as they were
    remapped = old.index[new_to_old[quiet]]
    index[quiet] = np.where(remapped >= 0, old_to_new[remapped], -1)
    sim[quiet] = old.sim[new_to_old[quiet]]
    new_complete[quiet] = complete[quiet]
    short = _merge(survivors, fresh, touched, complete, index, sim, new_complete, pool, depth)
    redo = np.flatnonzero(changed | short)
    top = vec.top_rows(vectors, vec.transposed_targets(vectors, eligible), redo, depth,
                       workers=workers)
    index[redo], sim[redo], new_complete[redo] = top.index, top.sim, top.found <= depth
    state = SearchState(fingerprint, ids, terms, vectors, eligible, index, sim, new_complete)
    return state, changes, SearchReport(n, len(redo), int(changed.sum()), deleted, "used")


def _surviving_entries(
    old: SearchState, old_to_new: np.ndarray, changed: np.ndarray, new_to_old: np.ndarray,
    kept: np.ndarray,
) -> tuple[_Entries, np.ndarray]:
    """The cached entries of unchanged stories' lists that still hold (neither the story
    listed nor its vector changed), and which lists lost an entry."""
    lists = old.index[new_to_old[kept]]
    target = np.where(lists >= 0, old_to_new[lists], -1)
    gone = (lists >= 0) & ((target < 0) | changed[np.maximum(target, 0)])
    touched = np.zeros(len(changed), dtype=bool)
    touched[kept[gone.any(axis=1)]] = True
    holds = (lists >= 0) & ~gone
    rows = np.broadcast_to(kept[:, None], lists.shape)[holds]
    return _Entries(rows, target[holds], old.sim[new_to_old[kept]][holds]), touched


def _bounds(
    old: SearchState, new_to_old: np.ndarray, at_or_before: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per new row of an unchanged story: the cosine and the last new row (in id order) of
    its cached list's last entry (what unknown stories rank below), and completeness."""
    bound_sim = np.full(n, np.inf, dtype=np.float32)
    bound_col = np.full(n, -1, dtype=np.int64)
    complete = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(new_to_old >= 0)
    old_rows = new_to_old[rows]
    complete[rows] = old.complete[old_rows]
    length = (old.index[old_rows] >= 0).sum(axis=1)
    has = length > 0
    last = old.index[old_rows[has], length[has] - 1]
    bound_sim[rows[has]] = old.sim[old_rows[has], length[has] - 1]
    bound_col[rows[has]] = at_or_before[last]
    return bound_sim, bound_col, complete


def _fresh_entries(
    vectors: sp.csr_matrix, eligible: np.ndarray, changed: np.ndarray,
    bound_sim: np.ndarray, bound_col: np.ndarray, complete: np.ndarray,
) -> _Entries:
    """Changed, findable stories as candidates of unchanged ones: the new cosines that rank
    at or above the list's bound (any, for a complete list)."""
    sources = np.flatnonzero(changed & eligible)
    everyone = vectors.T.tocsr()
    parts = []
    for block in vec.row_blocks(sources, vec.products_per_row(everyone, vectors.shape[0])):
        product = (vectors[block] @ everyone).tocoo()
        entries = _Entries(product.col.astype(np.int64), block[product.row],
                           product.data.astype(np.float32))
        entries = entries.take(~changed[entries.row] & (entries.row != entries.col))
        row = entries.row
        above = (entries.sim > bound_sim[row]) | (
            (entries.sim == bound_sim[row]) & (entries.col <= bound_col[row]))
        parts.append(entries.take(complete[row] | above))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return _Entries(empty, empty, np.zeros(0, dtype=np.float32))
    return _Entries(*(np.concatenate([getattr(part, name) for part in parts])
                      for name in ("row", "col", "sim")))


def _merge(
    survivors: _Entries, fresh: _Entries, touched: np.ndarray, complete: np.ndarray,
    index: np.ndarray, sim: np.ndarray, new_complete: np.ndarray, pool: int, depth: int,
) -> np.ndarray:
    """Fill the touched lists from the surviving and fresh entries; return the rows left
    with fewer than ``pool`` known entries (to search afresh)."""
    entries = _Entries(*(np.concatenate(pair) for pair in (
        (survivors.row, fresh.row), (survivors.col, fresh.col), (survivors.sim, fresh.sim))))
    entries = entries.take(touched[entries.row])
    order = np.lexsort((entries.col, -entries.sim, entries.row))
    entries = entries.take(order)
    n = len(touched)
    counts = np.bincount(entries.row, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(entries.row)) - starts[entries.row]
    head = entries.take(rank < depth)
    index[head.row, rank[rank < depth]] = head.col
    sim[head.row, rank[rank < depth]] = head.sim
    rows = np.flatnonzero(touched)
    new_complete[rows] = complete[rows] & (counts[rows] <= depth)
    return touched & ~complete & (counts < pool)
