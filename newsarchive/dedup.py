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
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
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

Signature = tuple[int, ...]


def shingles(text: str) -> np.ndarray:
    """32-bit hashes of the text's overlapping ``SHINGLE_WORDS``-word runs (lower-cased),
    unique: each word is hashed once (CRC-32), runs combine word hashes polynomially."""
    words = _WORD.findall(text.lower()) or [""]
    ids = np.fromiter((zlib.crc32(w.encode()) for w in words), dtype=np.uint64, count=len(words))
    if len(ids) < SHINGLE_WORDS:
        ids = np.concatenate([ids, np.zeros(SHINGLE_WORDS - len(ids), dtype=np.uint64)])
    runs = len(ids) - SHINGLE_WORDS + 1
    combined = np.zeros(runs, dtype=np.uint64)
    for k in range(SHINGLE_WORDS):
        combined = (combined * np.uint64(1_000_003) + ids[k : k + runs]) & _MASK
    return np.unique(combined)


def signature(text: str) -> Signature:
    """The MinHash signature of a story's text."""
    values = shingles(text)
    hashed = ((values[:, None] * _A[None, :] + _B[None, :]) % _MERSENNE) & _MASK
    return tuple(int(v) for v in hashed.min(axis=0))


def similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return sum(x == y for x, y in zip(a, b, strict=True)) / NUM_PERM


def _bands(sig: Signature) -> list[int]:
    return [hash((band, sig[band * ROWS : (band + 1) * ROWS])) for band in range(BANDS)]


@dataclass(slots=True)
class NearDuplicateIndex:
    """LSH buckets of the archive's story signatures."""

    buckets: dict[int, list[Path]] = field(default_factory=dict)
    signatures: dict[Path, Signature] = field(default_factory=dict)

    def add(self, path: Path, sig: Signature) -> None:
        if path in self.signatures:
            return
        self.signatures[path] = sig
        for key in _bands(sig):
            self.buckets.setdefault(key, []).append(path)

    def find(self, sig: Signature, threshold: float = THRESHOLD) -> Path | None:
        """The most similar story at or above ``threshold`` (first added on a tie), or None."""
        best: tuple[float, int, Path] | None = None
        seen: set[Path] = set()
        for key in _bands(sig):
            for rank, path in enumerate(self.buckets.get(key, ())):
                if path in seen:
                    continue
                seen.add(path)
                score = similarity(sig, self.signatures[path])
                if score >= threshold and (best is None or score > best[0]):
                    best = (score, rank, path)
        return best[2] if best else None
