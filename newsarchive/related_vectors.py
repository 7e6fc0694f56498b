"""Related stories, stage 2: term counts → TF-IDF vectors → top candidates per story.

Candidates come from chunked sparse products (a block of rows times the transposed
archive), each block reduced to its rows' best ``pool`` columns and discarded, so memory
stays bounded and no n×n matrix ever exists. To keep the cost near-linear, the search
uses a pruned copy of the vectors: terms found in more than ``max_df`` stories (an
absolute count, so each posting list, and the work per story, stays bounded however large
the archive grows) and each story's weakest terms beyond ``keep_terms`` are dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from newsarchive.related_terms import TITLE_MARK, TermTable

PAIR_BLOCK = 200_000  # pairs per vectorised block in pair_dot
PRODUCT_BUDGET = 40_000_000  # stored products per search block (memory bound)


@dataclass(frozen=True, slots=True)
class Candidates:
    """For row i: ``index[i, :]`` other rows (-1 = none), best first; ``sim`` their cosines."""

    index: np.ndarray  # int64, n × pool
    sim: np.ndarray  # float32, n × pool


def tfidf(table: TermTable, title_weight: float) -> sp.csr_matrix:
    """Sublinear TF × smoothed IDF, title terms scaled by ``title_weight``, rows L2-normalised."""
    counts = table.counts
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    is_title = np.char.startswith(table.terms.astype(str), TITLE_MARK) if len(table.terms) else []
    column_weight = np.where(is_title, title_weight, 1.0) * idf
    vectors = counts.astype(np.float32, copy=True)
    vectors.data = (1.0 + np.log(vectors.data)) * column_weight[vectors.indices]
    return normalise_rows(vectors)


def normalise_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    out = sp.csr_matrix(sp.diags(scale.astype(np.float32)) @ matrix, dtype=np.float32)
    out.sort_indices()
    return out


def prune(vectors: sp.csr_matrix, max_df: int, keep_terms: int) -> sp.csr_matrix:
    """Drop terms in over ``max_df`` rows, keep each row's ``keep_terms`` heaviest, renormalise."""
    n_docs = vectors.shape[0]
    df = np.bincount(vectors.indices, minlength=vectors.shape[1])
    coo = vectors.tocoo()
    keep = df[coo.col] <= max_df
    row, col, val = coo.row[keep], coo.col[keep], coo.data[keep]
    # One float key sorts by row, then weight (descending); the stable sort keeps column order.
    order = np.argsort(row + (1.0 - val.astype(np.float64) / (val.max(initial=0) + 1.0)),
                       kind="stable")
    row, col, val = row[order], col[order], val[order]
    starts = np.searchsorted(row, np.arange(n_docs))
    rank = np.arange(len(row)) - starts[row]
    keep = rank < keep_terms
    pruned = sp.csr_matrix((val[keep], (row[keep], col[keep])), shape=vectors.shape)
    return normalise_rows(pruned)


def pair_dot(
    matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray, *, workers: int = 1
) -> np.ndarray:
    """``matrix[rows[p]] · matrix[cols[p]]`` for every pair p, in vectorised blocks.

    Blocks run on ``workers`` threads (scipy's sparse kernels release the GIL); each writes
    its own slice of the result, so the figures do not depend on ``workers``.
    """
    out = np.zeros(len(rows), dtype=np.float32)

    def run(start: int) -> None:
        stop = start + PAIR_BLOCK
        product = matrix[rows[start:stop]].multiply(matrix[cols[start:stop]])
        out[start:stop] = np.asarray(product.sum(axis=1)).ravel()

    starts = range(0, len(rows), PAIR_BLOCK)
    if workers <= 1 or len(starts) <= 1:
        for start in starts:
            run(start)
    else:
        with ThreadPoolExecutor(max_workers=workers) as executor:
            list(executor.map(run, starts))
    return out


def _row_blocks(n_rows: int, per_row: float) -> Iterator[tuple[int, int]]:
    """Row ranges whose product holds about ``PRODUCT_BUDGET`` entries at most."""
    size = int(min(2000, max(64, PRODUCT_BUDGET // per_row)))
    for start in range(0, n_rows, size):
        yield start, min(n_rows, start + size)


def _top_of_block(product: sp.csr_matrix, start: int, pool: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's best ``pool`` columns (excluding its own row), ties broken by column."""
    index = np.full((product.shape[0], pool), -1, dtype=np.int64)
    sim = np.zeros((product.shape[0], pool), dtype=np.float32)
    for r in range(product.shape[0]):
        lo, hi = product.indptr[r], product.indptr[r + 1]
        cols, vals = product.indices[lo:hi], product.data[lo:hi]
        mine = cols != start + r
        cols, vals = cols[mine], vals[mine]
        if len(cols) > pool:
            keep = vals >= np.partition(vals, len(vals) - pool)[len(vals) - pool]
            cols, vals = cols[keep], vals[keep]
        order = np.lexsort((cols, -vals))[:pool]
        index[r, : len(order)], sim[r, : len(order)] = cols[order], vals[order]
    return index, sim


def search(
    vectors: sp.csr_matrix, eligible: np.ndarray, pool: int, *, workers: int = 2
) -> Candidates:
    """Top ``pool`` eligible rows by dot product for every row, block by block."""
    n_docs = vectors.shape[0]
    target = sp.csr_matrix(vectors.multiply(eligible[:, None].astype(np.float32)))
    transposed = target.T.tocsr()
    df = np.diff(transposed.indptr).astype(np.float64)
    per_row = min(float(n_docs), float(np.dot(df, df)) / max(1, n_docs))
    blocks = list(_row_blocks(n_docs, max(1.0, per_row)))

    def run(block: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        start, stop = block
        return _top_of_block(vectors[start:stop] @ transposed, start, pool)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as executor:
        results = list(executor.map(run, blocks))
    if not results:
        return Candidates(np.zeros((0, pool), np.int64), np.zeros((0, pool), np.float32))
    return Candidates(
        np.vstack([index for index, _ in results]), np.vstack([sim for _, sim in results])
    )
