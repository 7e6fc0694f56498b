"""Near-duplicate stories: MinHash signatures over word shingles, found through LSH buckets.

One wire story republished by two sites differs by a few words (a changed headline, a cut
last paragraph, a local spelling). Exact fingerprints miss that; comparing every pair of
stories is quadratic. Instead each story gets a MinHash signature of its 5-word shingles
(``NUM_PERM`` values), cut into ``BANDS`` bands; two stories that share any whole band land in
the same bucket and become candidates, checked by the estimated Jaccard similarity. A lookup
touches only the stories in its buckets, so it stays sub-linear in the size of the archive.

With 16 bands of 4 rows, pairs at Jaccard 0.7 (the threshold: three small edits in a
130-word story already cost 0.2 of 5-word shingles) are found with probability
1 - (1 - 0.7^4)^16 ≈ 0.988, pairs at 0.8 with ≈ 0.9996; pairs below 0.3 almost never become
candidates.

The stories already stored when a run starts are loaded in bulk (:meth:`NearDuplicateIndex.
add_many`, from the importer's cache: no text is re-read or re-signed) into sorted NumPy
tables, one per band, searched by bisection: building them for 100,000 stories takes
milliseconds, where a dictionary of Python lists would take a second. Stories stored during
the run go into ordinary dictionary buckets. Candidates are visited band by band, each band's
in the order the stories were added, exactly as one dictionary of buckets would visit them.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import numpy as np

SHINGLE_WORDS = 5
NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
THRESHOLD = 0.7  # estimated Jaccard similarity (5-word shingles) from which texts are one story
_MERSENNE = np.uint64((1 << 61) - 1)
_MASK = np.uint64((1 << 32) - 1)
_rng = np.random.default_rng(20240229)  # fixed: signatures must be the same in every run
_A = _rng.integers(1, (1 << 32) - 1, size=NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, (1 << 32) - 1, size=NUM_PERM, dtype=np.uint64)
_WORD = re.compile(r"\w+")
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant: mixes a band's values into one key
_BAND_SALT = np.random.default_rng(20260101).integers(0, 1 << 63, size=BANDS, dtype=np.uint64)
SIGNATURE_DTYPE = np.dtype("<u4")  # a signature's values all fit in 32 bits

Signature = tuple[int, ...]


def shingle_words(text: str) -> list[str]:
    """The words a signature is made of (lower-cased): texts with the same words, however
    spaced, marked up or punctuated, have the same signature."""
    return _WORD.findall(text.lower())


def shingles(text: str, words: list[str] | None = None) -> np.ndarray:
    """32-bit hashes of the text's overlapping ``SHINGLE_WORDS``-word runs (lower-cased),
    unique: each word is hashed once (CRC-32), runs combine word hashes polynomially.
    ``words``: ``shingle_words(text)`` when the caller has them already."""
    words = (shingle_words(text) if words is None else words) or [""]
    ids = np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words))
    if len(ids) < SHINGLE_WORDS:
        ids = np.concatenate([ids, np.zeros(SHINGLE_WORDS - len(ids), dtype=np.uint64)])
    runs = len(ids) - SHINGLE_WORDS + 1
    combined = np.zeros(runs, dtype=np.uint64)
    for k in range(SHINGLE_WORDS):
        combined = (combined * np.uint64(1_000_003) + ids[k : k + runs]) & _MASK
    return np.unique(combined)


def signature(text: str, words: list[str] | None = None) -> Signature:
    """The MinHash signature of a story's text (``words``: ``shingle_words(text)``, when the
    caller has them)."""
    values = shingles(text, words)
    hashed = ((values[:, None] * _A[None, :] + _B[None, :]) % _MERSENNE) & _MASK
    return tuple(hashed.min(axis=0).tolist())


def signature_bytes(sig: Signature) -> bytes:
    """A signature as ``NUM_PERM`` little-endian 32-bit values (how the cache stores it)."""
    return np.asarray(sig, dtype=SIGNATURE_DTYPE).tobytes()


def similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return sum(x == y for x, y in zip(a, b, strict=True)) / NUM_PERM


def _band_keys(matrix: np.ndarray) -> np.ndarray:
    """One 64-bit key per (signature, band) of an (n, NUM_PERM) matrix: equal bands give
    equal keys; unequal bands that collide are told apart by comparing their values."""
    values = matrix.astype(np.uint64).reshape(len(matrix), BANDS, ROWS)
    high = (values[:, :, 0] << np.uint64(32)) | values[:, :, 1]
    low = (values[:, :, 2] << np.uint64(32)) | values[:, :, 3]
    return high ^ (low * _MIX)  # wraps around modulo 2**64, as intended


class NearDuplicateIndex:
    """LSH buckets of the archive's story signatures."""

    def __init__(self) -> None:
        self.paths: list[Path] = []  # row → path, in the order stories were added
        self.rows: dict[Path, int] = {}
        self._base = np.zeros((0, NUM_PERM), dtype=SIGNATURE_DTYPE)  # rows added in bulk
        self._keys = np.zeros(0, dtype=np.uint64)  # the base rows' band keys, sorted
        self._positions = np.zeros(0, dtype=np.int64)  # where each sorted key came from
        # Signatures of the rows added one by one: the first ``_later_count`` rows of a matrix
        # whose capacity doubles as it fills, so a bucket's candidates are scored in one
        # vectorised comparison (buckets grow with the archive: follow-ups and shared
        # phrasing; scoring them one by one in Python was half of a 100,000-story import's
        # main process).
        self._later = np.zeros((0, NUM_PERM), dtype=SIGNATURE_DTYPE)
        self._later_count = 0
        self._buckets: dict[tuple[int, Signature], list[int]] = {}  # their buckets

    def __len__(self) -> int:
        return len(self.paths)

    def add_many(self, paths: list[Path], matrix: np.ndarray) -> None:
        """The stories stored before the run, in bulk: only into an empty index."""
        if self.paths:
            raise ValueError("add_many() fills an empty index")
        keep: list[int] = []
        for i, path in enumerate(paths):
            if path not in self.rows:  # the same path twice: the first one counts, as in add()
                self.rows[path] = len(keep)
                keep.append(i)
        self.paths = [paths[i] for i in keep]
        matrix = matrix if len(keep) == len(paths) else matrix[keep]
        self._base = np.ascontiguousarray(matrix, dtype=SIGNATURE_DTYPE).reshape(-1, NUM_PERM)
        # One sorted table of every (row, band) key, salted per band, so a lookup is one
        # vectorised search for all bands; entry i of the unsorted table is row i // BANDS,
        # band i % BANDS, and the stable sort keeps equal keys in row order.
        keys = (_band_keys(self._base) ^ _BAND_SALT[None, :]).ravel()
        self._positions = np.argsort(keys, kind="stable")
        self._keys = keys[self._positions]

    def add(self, path: Path, sig: Signature) -> None:
        if path in self.rows:
            return
        row = len(self.paths)
        self.rows[path] = row
        self.paths.append(path)
        sig = tuple(sig)
        count = self._later_count
        if count == len(self._later):
            grown = np.zeros((max(64, 2 * count), NUM_PERM), dtype=SIGNATURE_DTYPE)
            grown[:count] = self._later[:count]
            self._later = grown
        self._later[count] = sig
        self._later_count = count + 1
        for band in range(BANDS):
            self._buckets.setdefault((band, sig[band * ROWS : (band + 1) * ROWS]), []).append(row)

    def _base_candidates(self, values: np.ndarray) -> list[list[int]]:
        """Per band, the bulk-loaded rows sharing that band with the signature ``values``, in
        row order (empty: none)."""
        keys = _band_keys(values[None, :])[0] ^ _BAND_SALT
        starts = np.searchsorted(self._keys, keys, "left")
        stops = np.searchsorted(self._keys, keys, "right")
        found: list[list[int]] = [[] for _ in range(BANDS)]
        for band in np.flatnonzero(stops > starts).tolist():
            positions = self._positions[starts[band]:stops[band]]
            rows = positions[positions % BANDS == band] // BANDS
            columns = slice(band * ROWS, (band + 1) * ROWS)
            found[band] = rows[(self._base[rows, columns] == values[columns]).all(axis=1)].tolist()
        return found

    def signature_of(self, row: int) -> Signature:
        base = len(self._base)
        matrix, local = (self._base, row) if row < base else (self._later, row - base)
        return tuple(matrix[local].tolist())

    def find(self, sig: Signature, threshold: float = THRESHOLD) -> Path | None:
        """The most similar story at or above ``threshold``, or None. On a tie, the first one
        met: bands in order, each band's stories in the order they were added."""
        sig = tuple(sig)
        values = np.asarray(sig, dtype=SIGNATURE_DTYPE)
        offset = len(self._base)
        base = self._base_candidates(values) if offset else None
        buckets = self._buckets
        # Each candidate once, in the order first met (bands in order, each band's bulk-loaded
        # rows, then its one-by-one rows), then every candidate's shared values counted in
        # one comparison (what similarity() counts): per band and with np.unique, the small
        # arrays' overhead was most of an import's near-duplicate lookups.
        met: dict[int, None] = {}
        for band in range(BANDS):
            if base is not None:
                met.update(dict.fromkeys(base[band]))
            later = buckets.get((band, sig[band * ROWS : (band + 1) * ROWS]))
            if later:
                met.update(dict.fromkeys(later))
        if not met:
            return None
        rows = np.fromiter(met, dtype=np.int64, count=len(met))
        if base is None:
            scores = np.count_nonzero(self._later[rows - offset] == values, axis=1)
        else:
            scores = np.empty(len(rows), dtype=np.int64)
            later_ones = rows >= offset
            scores[~later_ones] = np.count_nonzero(
                self._base[rows[~later_ones]] == values, axis=1
            )
            scores[later_ones] = np.count_nonzero(
                self._later[rows[later_ones] - offset] == values, axis=1
            )
        best = int(np.argmax(scores))  # the first met on a tie
        if scores[best] / NUM_PERM < threshold:
            return None
        return self.paths[int(rows[best])]
