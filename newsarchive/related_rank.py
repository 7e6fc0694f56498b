"""Related stories, stage 3: re-rank each story's candidates and say why they are related.

Score of candidate j for story i (all terms vectorised over every pair at once):
cosine(i, j) + shared-neighbour agreement (share of i's nearest neighbours that are also
j's) + small bonuses for shared topics and countries + a time-proximity prior. Candidates
at or above the duplicate threshold are the same copy of the story and are dropped.
"""

from __future__ import annotations

import itertools
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


def shared_neighbours(candidates: Candidates, neighbours: int, *, workers: int = 1) -> np.ndarray:
    """For each candidate pair, the share of the story's ``neighbours`` also the candidate's."""
    head = candidates.index[:, :neighbours]
    valid, rows, cols = _pairs(head)
    n_docs = head.shape[0]
    member = sp.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(n_docs, n_docs)
    )
    valid, rows, cols = _pairs(candidates.index)
    out = np.zeros(candidates.index.shape, dtype=np.float32)
    out[valid] = pair_dot(member, rows, cols, workers=workers) / max(1, neighbours)
    return out


def date_prior(days: np.ndarray, index: np.ndarray, scale: float) -> np.ndarray:
    """exp(-|Δdays| / scale) per candidate pair; 0 when either date is unknown."""
    gap = np.abs(days[index] - days[:, None])
    prior = np.exp(-gap / max(scale, 1e-9))
    return np.where(np.isnan(prior) | (index < 0), 0.0, prior).astype(np.float32)


DENSE_LABELS = 8  # up to this many labels per story, overlaps are counted on a dense table


def overlap(matrix: sp.csr_matrix, index: np.ndarray) -> np.ndarray:
    """Labels shared by each candidate pair (capped at 2 so one field cannot dominate)."""
    valid, rows, cols = _pairs(index)
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
    mine = table[np.arange(index.shape[0])]
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
) -> list[list[int]]:
    """The columns contributing most to each pair's similarity, among ``allowed`` columns."""
    product = vectors[rows].multiply(vectors[cols]).tocsr()
    product.sort_indices()
    coo = product.tocoo()
    keep = allowed[coo.col] & (coo.data > 0)
    pair, col, val = coo.row[keep], coo.col[keep], coo.data[keep].astype(np.float64)
    # One float key orders by pair, then contribution (descending); the stable sort keeps
    # the column order among equal contributions.
    order = np.argsort(pair + (1.0 - val / (val.max(initial=0) + 1.0)), kind="stable")
    pair, col = pair[order], col[order]
    rank = np.arange(len(pair)) - np.searchsorted(pair, pair)
    chosen = rank < per_pair
    bounds = np.searchsorted(pair[chosen], np.arange(len(rows) + 1)).tolist()
    columns = col[chosen].tolist()
    return [columns[start:stop] for start, stop in itertools.pairwise(bounds)]
