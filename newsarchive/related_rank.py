"""Related stories, stage 3: re-rank each story's candidates and say why they are related.

Score of candidate j for story i (all terms vectorised over every pair at once):
cosine(i, j) + shared-neighbour agreement (share of i's nearest neighbours that are also
j's) + small bonuses for shared topics and countries + a time-proximity prior. Candidates
at or above the duplicate threshold are the same copy of the story and are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from newsarchive.related_vectors import Candidates, pair_dot

NO_SCORE = -np.inf


@dataclass(frozen=True, slots=True)
class Weights:
    shared_neighbours: float
    topic: float
    country: float
    date: float
    date_scale_days: float
    duplicate_threshold: float


def label_matrix(labels: Sequence[tuple[str, ...]]) -> tuple[sp.csr_matrix, list[str]]:
    """One row per story, one 0/1 column per distinct label (sorted)."""
    names = sorted({label for row in labels for label in row})
    column = {name: i for i, name in enumerate(names)}
    rows = [i for i, row in enumerate(labels) for _ in set(row)]
    cols = [column[label] for row in labels for label in set(row)]
    data = np.ones(len(rows), dtype=np.float32)
    matrix = sp.csr_matrix((data, (rows, cols)), shape=(len(labels), len(names)))
    return matrix, names


def _pairs(index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    valid = index >= 0
    rows = np.broadcast_to(np.arange(index.shape[0])[:, None], index.shape)[valid]
    return valid, rows, index[valid]


TABLE_CELLS = 16_000_000  # membership-table cells per block in shared_neighbours


def shared_neighbours(
    candidates: Candidates, neighbours: int, rows: np.ndarray | None = None
) -> np.ndarray:
    """For each candidate pair of ``rows`` (default: all), the share of the story's
    ``neighbours`` that are also the candidate's.

    Block by block: a boolean table marks each block row's neighbours, then every
    candidate's neighbours are looked up in its row's table (pool × neighbours per story).
    """
    head = candidates.index[:, :neighbours]
    n_docs, width = head.shape
    rows = np.arange(n_docs) if rows is None else np.asarray(rows, dtype=np.int64)
    none = n_docs  # table column for "no neighbour"; the last head row is "no candidate"
    padded = np.vstack([np.where(head >= 0, head, none), np.full((1, width), none)])
    out = np.zeros((len(rows), candidates.index.shape[1]), dtype=np.float32)
    block = max(1, TABLE_CELLS // (n_docs + 1))
    for start in range(0, len(rows), block):
        mine = rows[start:start + block]
        table = np.zeros((len(mine), n_docs + 1), dtype=bool)
        table[np.repeat(np.arange(len(mine)), width), padded[mine].ravel()] = True
        table[:, none] = False
        index = candidates.index[mine]
        theirs = padded[np.where(index >= 0, index, n_docs)]  # block × pool × neighbours
        offsets = (np.arange(len(mine)) * (n_docs + 1))[:, None, None]
        hits = table.ravel()[theirs + offsets].sum(axis=2, dtype=np.int32)
        out[start:start + len(mine)] = hits.astype(np.float32) / np.float32(max(1, neighbours))
    return out


def date_prior(days: np.ndarray, index: np.ndarray, scale: float, own: np.ndarray) -> np.ndarray:
    """exp(-|Δdays| / scale) per candidate pair (story ``own[r]``, candidates ``index[r]``);
    0 when either date is unknown."""
    gap = np.abs(days[index] - days[own][:, None])
    prior = np.exp(-gap / max(scale, 1e-9))
    return np.where(np.isnan(prior) | (index < 0), 0.0, prior).astype(np.float32)


DENSE_LABELS = 8  # up to this many labels per story, overlaps are counted on a dense table


def overlap(matrix: sp.csr_matrix, index: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Labels shared by each candidate pair (story ``own[r]``, candidates ``index[r]``),
    capped at 2 so one field cannot dominate."""
    valid, rows, cols = _pairs(index)
    rows = own[rows]
    out = np.zeros(index.shape, dtype=np.float32)
    width = int(np.diff(matrix.indptr).max(initial=0))
    if width == 0:
        return out
    if width > DENSE_LABELS:
        out[valid] = np.minimum(pair_dot(matrix, rows, cols), 2.0)
        return out
    # Each story's label columns, padded with -1; a pair shares the labels equal in both.
    table = np.full((matrix.shape[0] + 1, width), -1, dtype=np.int32)
    table[-1] = -2  # "no candidate" (index -1) matches nothing
    counts = np.diff(matrix.indptr)
    slot = np.arange(matrix.nnz) - np.repeat(matrix.indptr[:-1], counts)
    table[np.repeat(np.arange(matrix.shape[0]), counts), slot] = matrix.indices
    mine = table[own]
    shared = np.zeros(index.shape, dtype=np.float32)
    for a in range(width):
        mine_a = mine[:, a : a + 1]
        shared += ((table[index] == mine_a[:, :, None]).any(axis=2) & (mine_a >= 0))
    out[valid] = np.minimum(shared[valid], 2.0)
    return out


def combined_scores(
    candidates: Candidates, snn: np.ndarray, topics: np.ndarray, countries: np.ndarray,
    prior: np.ndarray, weights: Weights,
) -> np.ndarray:
    score = (
        candidates.sim + weights.shared_neighbours * snn + weights.topic * topics
        + weights.country * countries + weights.date * prior
    )
    dropped = (candidates.index < 0) | (candidates.sim >= weights.duplicate_threshold)
    return np.where(dropped, NO_SCORE, score)


def best(index: np.ndarray, score: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` best candidates by score, ties by row number (the id order)."""
    by_index = np.argsort(index, axis=1, kind="stable")
    by_score = np.argsort(-np.take_along_axis(score, by_index, axis=1), axis=1, kind="stable")
    order = np.take_along_axis(by_index, by_score[:, :k], axis=1)
    top_index = np.take_along_axis(index, order, axis=1)
    top_score = np.take_along_axis(score, order, axis=1)
    top_index[~np.isfinite(top_score)] = -1
    return top_index, top_score


def key_terms(
    vectors: sp.csr_matrix, allowed: np.ndarray, rows: np.ndarray, cols: np.ndarray, per_pair: int
) -> np.ndarray:
    """The columns contributing most to each pair's similarity, among ``allowed`` columns:
    one row per pair, best first, -1 = none."""
    product = vectors[rows].multiply(vectors[cols]).tocsr()
    product.sort_indices()
    coo = product.tocoo()
    keep = allowed[coo.col] & (coo.data > 0)
    pair, col, val = coo.row[keep], coo.col[keep], coo.data[keep].astype(np.float32)
    # Positive float32 bits are ordered like the values: one int64 key orders by pair, then
    # contribution (descending); the stable sort keeps the column order among equal ones.
    bits = val.view(np.int32).astype(np.int64)
    order = np.argsort((pair.astype(np.int64) << 31) | (0x7FFFFFFF - bits), kind="stable")
    pair, col = pair[order], col[order]
    rank = np.arange(len(pair)) - np.searchsorted(pair, pair)
    chosen = rank < per_pair
    out = np.full((len(rows), per_pair), -1, dtype=np.int32)
    out[pair[chosen], rank[chosen]] = col[chosen]
    return out
