"""Related stories, stage 1: text → term counts, cached by content between builds.

What is cached: for every story, the counts of its terms (body terms plus title terms,
the latter under ``TITLE_MARK``; the lead, the first ``LEAD_TOKENS`` body terms, counts
``1 + LEAD_WEIGHT`` times because a story's first lines say what it is about), keyed by a
hash of the tokeniser version, title and text. One ``.npz`` file holds the whole table
(no pickle). Invalidation: a changed title or text, or a new ``TOKENISER_VERSION``,
changes the key, so the old entry is never read again; entries of stories no longer in
the archive are dropped when the file is rewritten, so the cache never outgrows the
archive. IDF, vectors and neighbours are recomputed every build (cheap and vectorised),
so the result never depends on what the cache held: same content, same lists.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
import zipfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

import numpy as np
import scipy.sparse as sp

log = logging.getLogger(__name__)

TOKENISER_VERSION = "3"
TITLE_MARK = "^"
MAX_TOKEN_CHARS = 30
LEAD_TOKENS = 40  # body terms that make up a story's lead
LEAD_WEIGHT = 0.5  # extra count of each lead term occurrence
PARALLEL_MIN_STORIES = 4000  # fewer new stories than this are counted in-process
CHUNK_STORIES = 2500  # stories per worker task
CACHE_NAME = f"terms-v{TOKENISER_VERSION}.npz"

_WORD = re.compile(r"\w\w+")  # runs of two or more word characters

# A short English function-word list (no content words: "said", "mln" stay).
_STOP_TEXT = """a about above after again against all almost also although always am among an and
    another any anyhow anyone anything are around as at be became because become been before
    being below besides between both but by can cannot could did do does doing done down due
    during each either else elsewhere enough etc even ever every few for former formerly from
    further had has have having he hence her here hers herself him himself his how however i
    if in indeed into is it its itself just keep last latter least less many may me meanwhile
    might mine more moreover most mostly much must my myself namely neither never nevertheless
    next no nobody none nor not nothing now of off often on once one only onto or other others
    otherwise our ours ourselves out over own per perhaps please rather re same seem seemed
    seeming seems several she should since so some somehow someone something sometime sometimes
    still such than that the their theirs them themselves then thence there thereafter thereby
    therefore therein thereupon these they this those though through throughout thru thus to
    together too toward towards under until up upon us very via was we well were what whatever
    when whence whenever where whereafter whereas whereby wherein whereupon wherever whether
    which while whither who whoever whole whom whose why will with within without would yet
    you your yours yourself yourselves"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


@dataclass(frozen=True, slots=True)
class TermTable:
    """Term counts, one row per story (``keys``), one column per term (``terms``)."""

    keys: np.ndarray  # content keys, str
    terms: np.ndarray  # term strings, str
    counts: sp.csr_matrix  # float32 counts


def content_key(title: str, text: str) -> str:
    data = f"{TOKENISER_VERSION}\0{title}\0{text}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:32]


def s_stem(word: str) -> str:
    """Harman's "S" stemmer: plural endings only (tariffs → tariff, duties → duty)."""
    if len(word) <= 3 or word[-1] != "s" or word.isdigit():
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith(("us", "ss")):
        return word
    return word[:-1]


class StemTable(dict[str, str]):
    """word → its term ("" for function words and overlong tokens), filled on first sight."""

    def __missing__(self, word: str) -> str:
        term = "" if word in STOP_WORDS or len(word) > MAX_TOKEN_CHARS else s_stem(word)
        self[word] = term
        return term


def tokens(text: str, stems: StemTable | None = None) -> list[str]:
    """Lower-cased, S-stemmed word tokens of two or more characters, function words dropped."""
    stems = StemTable() if stems is None else stems
    return [term for term in map(stems.__getitem__, _WORD.findall(text.lower())) if term]


def term_counts(title: str, text: str, stems: StemTable | None = None) -> Counter[str]:
    """Body terms (the title counts as body too, the lead extra) plus title terms marked
    ``TITLE_MARK``."""
    stems = StemTable() if stems is None else stems
    title_terms = Counter(map(stems.__getitem__, _WORD.findall(title.lower())))
    body = list(filter(None, map(stems.__getitem__, _WORD.findall(text.lower()))))
    counts: Counter[str] = Counter(body)
    counts.update(title_terms)
    for term, times in Counter(body[:LEAD_TOKENS]).items():
        counts[term] += LEAD_WEIGHT * times  # multiples of 0.5: exact, as one by one
    counts.update({TITLE_MARK + term: count for term, count in title_terms.items()})
    for term in ("", TITLE_MARK):
        counts.pop(term, None)
    return counts


def _table_from_counters(keys: list[str], counters: list[Counter[str]]) -> TermTable:
    vocabulary: defaultdict[str, int] = defaultdict()
    vocabulary.default_factory = vocabulary.__len__  # a new term gets the next column
    indptr = [0]
    indices: list[int] = []
    values: list[float] = []
    for counter in counters:
        indices.extend(map(vocabulary.__getitem__, counter))
        values.extend(counter.values())
        indptr.append(len(indices))
    matrix = sp.csr_matrix(
        (np.asarray(values, np.float32), np.asarray(indices, np.int32), np.asarray(indptr)),
        shape=(len(counters), len(vocabulary)),
    )
    return TermTable(np.asarray(keys, dtype=str), np.asarray(list(vocabulary), dtype=str), matrix)


def _count_chunk(keys: list[str], titles: list[str], texts: list[str]) -> TermTable:
    """One chunk of stories counted (the task a worker process runs)."""
    stems = StemTable()
    counters = [term_counts(title, text, stems) for title, text in zip(titles, texts, strict=True)]
    return _stack([_table_from_counters(keys, counters)])


def _count_new(
    keys: list[str], titles: list[str], texts: list[str], workers: int
) -> TermTable:
    """Term counts of the given stories, in chunks over ``workers`` processes if worth it."""
    # Workers are forked: no re-import of the caller's main module (as "spawn" would do).
    # Forking is only safe while this is the only thread, so otherwise count in-process.
    can_fork = "fork" in get_all_start_methods() and threading.active_count() == 1
    if workers <= 1 or len(keys) < PARALLEL_MIN_STORIES or not can_fork:
        return _count_chunk(keys, titles, texts)
    starts = range(0, len(keys), CHUNK_STORIES)
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        chunks = list(pool.map(
            _count_chunk, *zip(*[
                (keys[i:i + CHUNK_STORIES], titles[i:i + CHUNK_STORIES],
                 texts[i:i + CHUNK_STORIES]) for i in starts
            ], strict=True),
        ))
    return _stack(chunks)


def _empty_table() -> TermTable:
    empty = sp.csr_matrix((0, 0), dtype=np.float32)
    return TermTable(np.asarray([], str), np.asarray([], str), empty)


def _stack(tables: Sequence[TermTable]) -> TermTable:
    """Rows of all, columns merged on term strings, sorted (a canonical column order), each
    row's entries in column order: the same table whatever the grouping of the rows."""
    if not tables:
        return _empty_table()
    terms, inverse = np.unique(np.concatenate([t.terms for t in tables]), return_inverse=True)
    offsets = np.cumsum([0] + [len(t.terms) for t in tables])
    parts = [
        sp.csr_matrix(
            (t.counts.data, inverse[t.counts.indices + offset].astype(np.int32), t.counts.indptr),
            shape=(t.counts.shape[0], len(terms)),
        )
        for t, offset in zip(tables, offsets.tolist(), strict=False)
    ]
    counts = sp.vstack(parts, format="csr", dtype=np.float32)
    counts.sort_indices()
    return TermTable(np.concatenate([t.keys for t in tables]), terms, counts)


def _select(table: TermTable, rows: np.ndarray) -> TermTable:
    """The given rows, unused columns dropped."""
    counts = table.counts[rows]
    used = np.flatnonzero(np.bincount(counts.indices, minlength=counts.shape[1]))
    renumber = np.cumsum(np.bincount(used, minlength=counts.shape[1])) - 1
    selected = sp.csr_matrix(
        (counts.data, renumber[counts.indices].astype(np.int32), counts.indptr),
        shape=(counts.shape[0], len(used)),
    )
    selected.sort_indices()
    return TermTable(table.keys[rows], table.terms[used], selected)


def load_cache(path: Path) -> TermTable:
    if not path.exists():
        return _empty_table()
    try:
        with np.load(path, allow_pickle=False) as data:
            counts = sp.csr_matrix(
                (data["data"], data["indices"], data["indptr"]),
                shape=(len(data["keys"]), len(data["terms"])),
            )
            return TermTable(data["keys"], data["terms"], counts)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        log.warning("ignoring unreadable related-stories cache %s: %s", path, error)
        return _empty_table()


def save_cache(path: Path, table: TermTable) -> None:
    """Write atomically: a crash leaves the old cache or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(
                out, keys=table.keys, terms=table.terms, data=table.counts.data,
                indices=table.counts.indices, indptr=table.counts.indptr,
            )
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def count_terms(
    titles: Sequence[str], texts: Sequence[str], cache_dir: Path | None = None, *,
    workers: int = 1,
) -> TermTable:
    """Term counts for each story, in input order; only stories new to the cache are tokenised."""
    keys = [content_key(title, text) for title, text in zip(titles, texts, strict=True)]
    cache_path = cache_dir / CACHE_NAME if cache_dir is not None else None
    cached = load_cache(cache_path) if cache_path is not None else _empty_table()
    known = {key: row for row, key in enumerate(cached.keys.tolist())}
    missing = sorted({key: i for i, key in enumerate(keys) if key not in known}.values())
    fresh = _count_new([keys[i] for i in missing], [titles[i] for i in missing],
                       [texts[i] for i in missing], workers)
    merged = _stack([cached, fresh]) if missing else cached
    position = {key: row for row, key in enumerate(merged.keys.tolist())}
    table = _select(merged, np.asarray([position[key] for key in keys], dtype=np.int64))
    log.info("related stories: %d stories, %d tokenised, %d from cache",
             len(keys), len(missing), len(keys) - len(missing))
    if cache_path is not None and (missing or len(known) != len(set(keys))):
        unique_rows = np.unique(np.asarray([position[key] for key in set(keys)], np.int64))
        whole = len(unique_rows) == len(merged.keys)  # nothing to drop: save as it is
        save_cache(cache_path, merged if whole else _select(merged, unique_rows))
    return table
