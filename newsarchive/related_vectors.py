"""Related stories, stage 2: term counts → search vectors → top candidates per story.

Weights are TF-IDF with a **quantised IDF**, so that adding, editing or deleting a story
changes the vectors of few other stories (what makes the neighbour cache of
:mod:`related_cache` pay): a term's IDF moves only when its document frequency crosses a
step of a geometric grid (``IDF_STEP`` in log(1 + df)), and the archive size enters only
through a grid of ``IDF_SCALE_STEPS`` points per doubling. Both are pure functions of the
current stories, so a warm build and a clean one compute the same weights.

Every search vector is a pure function of its own story's counts and of the IDF of its
terms (*row-local*): terms in more than ``max_df`` stories are dropped (an absolute count,
so each posting list, and the work per story, stays bounded however large the archive
grows), the ``keep_terms`` heaviest remain (ties by term order), and the row is
L2-normalised once. Floating-point steps are elementwise or sequential within the row, so
the same story gives the same bits whatever else the archive holds.

Candidates come from sparse products (a block of rows times the transposed archive), each
block reduced to its rows' best ``depth`` columns and discarded, so no n×n matrix ever
exists. The dot product of two rows is accumulated over their shared terms in term order,
so it has the same bits whichever of the two rows the product starts from.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from newsarchive.related_terms import TITLE_MARK, TermTable

PAIR_BLOCK = 200_000  # pairs per vectorised block in pair_dot
PRODUCT_BUDGET = 10_000_000  # products per search block (memory bound)
BLOCK_ROWS = 512  # rows per search block at most
TOP_CHUNK_ROWS = 256  # rows whose products are padded into one table to find their best
IDF_STEP = 0.25  # IDF moves in steps of this size (log(1 + df) rounded down to the grid)
IDF_SCALE_STEPS = 4  # the archive size counts for IDF on a grid of 4 points per doubling


@dataclass(frozen=True, slots=True)
class Candidates:
    """For row i: ``index[i, :]`` other rows (-1 = none), best first; ``sim`` their cosines."""

    index: np.ndarray  # int, n × pool
    sim: np.ndarray  # float32, n × pool


@dataclass(frozen=True, slots=True)
class TopRows:
    """The best ``depth`` candidates of some rows, and how many candidates each row had."""

    index: np.ndarray  # int32, rows × depth, -1 = none
    sim: np.ndarray  # float32, rows × depth
    found: np.ndarray  # int64, rows: eligible other rows with a positive dot product


def archive_scale(n_docs: int) -> float:
    """The smallest point 2**(j / IDF_SCALE_STEPS) of the grid at or above ``n_docs``."""
    step = 0
    while 2.0 ** (step / IDF_SCALE_STEPS) < n_docs:
        step += 1
    return 2.0 ** (step / IDF_SCALE_STEPS)


def quantised_idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """1 + log(1 + N') − ⌊log(1 + df) / IDF_STEP⌋·IDF_STEP, N' = ``archive_scale(n_docs)``.

    The steps are found by comparing df with integer thresholds computed once in Python,
    so the value depends on nothing but (df, N'), bit for bit.
    """
    df = np.asarray(df, dtype=np.int64)
    top = int(math.log1p(max(int(df.max(initial=0)), 1)) / IDF_STEP) + 2
    thresholds = np.asarray([math.expm1(step * IDF_STEP) for step in range(top + 1)])
    steps = np.searchsorted(thresholds, df, side="right") - 1
    return (1.0 + math.log1p(archive_scale(n_docs))) - steps * IDF_STEP


def term_weights(table: TermTable) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sublinear TF × quantised IDF per story and term (not normalised); and each term's df."""
    counts = table.counts
    if not counts.has_sorted_indices:
        counts = counts.sorted_indices()
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = quantised_idf(df, counts.shape[0])
    tf = 1.0 + np.log(counts.data.astype(np.float64))
    data = (tf * idf[counts.indices]).astype(np.float32)
    weights = sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)
    weights.has_sorted_indices = True
    return weights, df


def title_scale(terms: np.ndarray, title_weight: float) -> np.ndarray:
    is_title = np.char.startswith(terms.astype(str), TITLE_MARK) if len(terms) else []
    return np.where(is_title, title_weight, 1.0)


def tfidf(table: TermTable, title_weight: float) -> sp.csr_matrix:
    """Full TF-IDF vectors (every term), title terms scaled by ``title_weight``, L2-normalised."""
    weights, _ = term_weights(table)
    return normalise_rows(_scale_columns(weights, title_scale(table.terms, title_weight)))


def search_vectors(
    table: TermTable, title_weight: float, max_df: int, keep_terms: int
) -> sp.csr_matrix:
    """The vectors the search uses: row-local pruning of the TF-IDF weights, then L2 norm."""
    weights, df = term_weights(table)
    weights = _scale_columns(weights, title_scale(table.terms, title_weight))
    return normalise_rows(prune(weights, df, max_df, keep_terms))


def _scale_columns(matrix: sp.csr_matrix, scale: np.ndarray) -> sp.csr_matrix:
    data = (matrix.data * scale[matrix.indices]).astype(np.float32)
    out = sp.csr_matrix((data, matrix.indices, matrix.indptr), shape=matrix.shape)
    out.has_sorted_indices = True
    return out


def normalise_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to unit length (empty rows stay empty); each row on its own."""
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    if not matrix.has_sorted_indices:
        matrix = matrix.sorted_indices()
    squares = sp.csr_matrix((matrix.data * matrix.data, matrix.indices, matrix.indptr),
                            shape=matrix.shape)
    norms = np.sqrt(squares @ np.ones(matrix.shape[1], dtype=np.float32))  # sequential per row
    scale = np.divide(np.float32(1.0), norms, out=np.zeros_like(norms), where=norms > 0)
    data = matrix.data * np.repeat(scale, np.diff(matrix.indptr))
    out = sp.csr_matrix((data.astype(np.float32), matrix.indices, matrix.indptr),
                        shape=matrix.shape)
    out.has_sorted_indices = True
    return out


def prune(
    weights: sp.csr_matrix, df: np.ndarray, max_df: int, keep_terms: int
) -> sp.csr_matrix:
    """Drop terms in over ``max_df`` stories; keep each row's ``keep_terms`` heaviest (ties:
    lower column first). Entries stay in column order; nothing is renormalised."""
    n_rows = weights.shape[0]
    usable = np.flatnonzero((df[weights.indices] <= max_df) & (weights.data > 0))
    row = np.repeat(np.arange(n_rows), np.diff(weights.indptr))[usable]
    value = weights.data[usable]
    counts = np.bincount(row, minlength=n_rows)
    keep = np.ones(len(usable), dtype=bool)
    crowded = np.flatnonzero(counts > keep_terms)
    if len(crowded):
        keep[_beyond_heaviest(row, value, counts, crowded, keep_terms)] = False
    kept = usable[keep]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(row[keep], minlength=n_rows))])
    out = sp.csr_matrix((weights.data[kept], weights.indices[kept], indptr),
                        shape=weights.shape)
    out.has_sorted_indices = True
    return out


def _beyond_heaviest(
    row: np.ndarray, value: np.ndarray, counts: np.ndarray, crowded: np.ndarray, keep: int
) -> np.ndarray:
    """Entries (positions in ``row``/``value``, grouped by row, column order within a row)
    that are not among their row's ``keep`` heaviest; only ``crowded`` rows have any."""
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    in_crowded = np.zeros(len(counts), dtype=bool)
    in_crowded[crowded] = True
    entries = np.flatnonzero(in_crowded[row]) if len(crowded) < len(counts) else None
    rows = row if entries is None else row[entries]
    values = value if entries is None else value[entries]
    slot = np.full(len(counts), -1, dtype=np.int64)
    slot[crowded] = np.arange(len(crowded))
    width = int(counts[crowded].max())
    table = np.full((len(crowded), width), -np.inf, dtype=np.float32)
    position = (np.arange(len(rows)) if entries is None else entries) - starts[rows]
    table[slot[rows], position] = values
    # The keep-th largest value of each crowded row, then how many equal to it still fit.
    threshold = np.partition(table, width - keep, axis=1)[:, width - keep]
    cut = threshold[slot[rows]]
    above = values > cut
    quota = keep - np.bincount(rows[above], minlength=len(counts))
    tied = np.flatnonzero(values == cut)
    tied_rows = rows[tied]
    first_tie = np.searchsorted(tied_rows, tied_rows)  # tied entries are in row order
    dropped = ~above
    dropped[tied[(np.arange(len(tied)) - first_tie) < quota[tied_rows]]] = False
    if entries is None:
        return np.flatnonzero(dropped)
    return entries[dropped]


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


def transposed_targets(vectors: sp.csr_matrix, eligible: np.ndarray) -> sp.csr_matrix:
    """terms × stories: the rows that may be found (``eligible``), the others left empty."""
    lengths = np.where(eligible, np.diff(vectors.indptr), 0)
    keep = np.repeat(eligible, np.diff(vectors.indptr))
    masked = sp.csr_matrix(
        (vectors.data[keep], vectors.indices[keep],
         np.concatenate([[0], np.cumsum(lengths)])), shape=vectors.shape,
    )
    return masked.T.tocsr()


def products_per_row(targets: sp.csr_matrix, n_docs: int) -> float:
    """About how many products one row's search makes (from the posting-list lengths)."""
    df = np.diff(targets.indptr).astype(np.float64)
    return max(1.0, min(float(max(1, n_docs)), float(np.dot(df, df)) / max(1, n_docs)))


def row_blocks(rows: np.ndarray, per_row: float) -> Iterator[np.ndarray]:
    """Groups of rows whose product holds about ``PRODUCT_BUDGET`` entries at most."""
    size = int(min(BLOCK_ROWS, max(64, PRODUCT_BUDGET // per_row)))
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _top_of_block(product: sp.csr_matrix, rows: np.ndarray, depth: int) -> TopRows:
    """Each row's best ``depth`` columns (excluding its own row), ties broken by column."""
    n_rows = product.shape[0]
    index = np.full((n_rows, depth), -1, dtype=np.int32)
    sim = np.zeros((n_rows, depth), dtype=np.float32)
    entry_row = np.repeat(np.arange(n_rows, dtype=np.int32), np.diff(product.indptr))
    keep = product.indices != rows[entry_row]
    found = np.bincount(entry_row[keep], minlength=n_rows)
    crowded = np.flatnonzero(found > depth)
    # Rows of like length share a table: each table is as wide as its longest row, so
    # mixing one long row with short ones made most of the partition work padding.
    lengths = np.diff(product.indptr)[crowded]
    crowded = crowded[np.argsort(lengths, kind="stable")]
    for start in range(0, len(crowded), TOP_CHUNK_ROWS):
        _drop_below_threshold(product, crowded[start:start + TOP_CHUNK_ROWS], keep, depth)
    row, col, val = entry_row[keep], product.indices[keep], product.data[keep]
    order = np.lexsort((col, -val, row))
    row, col, val = row[order], col[order], val[order]
    rank = np.arange(len(row)) - np.searchsorted(row, row)
    head = rank < depth
    index[row[head], rank[head]] = col[head]
    sim[row[head], rank[head]] = val[head]
    return TopRows(index, sim, found)


def _drop_below_threshold(
    product: sp.csr_matrix, crowded: np.ndarray, keep: np.ndarray, depth: int
) -> None:
    """For rows with more than ``depth`` kept entries, un-keep those below the row's
    ``depth``-th largest value (ties at that value stay; the final sort settles them)."""
    starts, stops = product.indptr[crowded], product.indptr[crowded + 1]
    lengths = stops - starts
    width = int(lengths.max())
    slot = np.repeat(np.arange(len(crowded)), lengths)
    entries = np.repeat(starts, lengths) + (np.arange(lengths.sum())
                                            - np.repeat(np.cumsum(lengths) - lengths, lengths))
    table = np.full((len(crowded), width), -np.inf, dtype=np.float32)
    values = np.where(keep[entries], product.data[entries], -np.inf)
    table[slot, entries - np.repeat(starts, lengths)] = values
    threshold = np.partition(table, width - depth, axis=1)[:, width - depth]
    keep[entries] &= values >= threshold[slot]


def top_rows(
    vectors: sp.csr_matrix, targets: sp.csr_matrix, rows: np.ndarray, depth: int, *,
    workers: int = 2,
) -> TopRows:
    """The best ``depth`` candidates (by dot product) of each of ``rows``, block by block.

    ``targets`` comes from :func:`transposed_targets`. Each row's result depends only on
    its own vector and the targets, not on which other rows are searched with it.
    """
    rows = np.asarray(rows, dtype=np.int64)
    blocks = list(row_blocks(rows, products_per_row(targets, vectors.shape[0])))

    def run(block: np.ndarray) -> TopRows:
        return _top_of_block(vectors[block] @ targets, block, depth)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as executor:
        results = list(executor.map(run, blocks))
    if not results:
        return TopRows(np.zeros((0, depth), np.int32), np.zeros((0, depth), np.float32),
                       np.zeros(0, np.int64))
    return TopRows(np.vstack([r.index for r in results]), np.vstack([r.sim for r in results]),
                   np.concatenate([r.found for r in results]))


def search(
    vectors: sp.csr_matrix, eligible: np.ndarray, pool: int, *, workers: int = 2
) -> Candidates:
    """Top ``pool`` eligible rows by dot product for every row (no cache)."""
    targets = transposed_targets(vectors, np.asarray(eligible, dtype=bool))
    top = top_rows(vectors, targets, np.arange(vectors.shape[0]), pool, workers=workers)
    return Candidates(top.index.astype(np.int64), top.sim)
