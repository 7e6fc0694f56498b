"""The importer's cache of what it knows about the stored content files, kept between runs.

At start-up an import needs, for every content file, a few header values (slug, story key,
fingerprint, caption keys), the MinHash signature of its text and, for the editors' topic
feedback, its words. Reading and signing every file costs ~1.5 ms a story (30 s at 20,000
stories), so the values are kept in an SQLite file in the cache folder
(``<cache>/import-index-<hash of the content folder's path>.sqlite``; the stdlib's ``sqlite3``:
one file, transactions, and cheap updates of a few rows at 100,000) and a run re-reads only
the files that changed.

It can never go stale silently:

* each row is keyed by the file's path relative to the content folder and validated by its
  ``os.stat`` stamp (size, mtime_ns, ctime_ns, inode): an edit by hand or by git, a
  ``touch``, a copy or a rename changes it, and the file is read again; files gone from the
  folder drop out, files added by hand are read;
* a row whose file was modified less than ``RACY_NS`` before the row was made cannot prove,
  by its stamp alone, that a later edit in the same clock tick did not happen (git's "racily
  clean" problem): its file's content hash (BLAKE2b) is checked instead, once, after which
  the row is stamped as verified;
* the file records its format, a hash of the source of every module whose code decides the
  cached values (change the code, the cache is rebuilt) and the content folder it describes;
  a mismatch, or a file SQLite cannot read, is logged and the cache rebuilt, never trusted;
* a run writes the cache in one transaction at its end, after its content files are synced,
  so an interrupted run leaves the previous cache, whose stale rows the stamps reveal.

The rows are derived from the content files alone (see :func:`newsarchive.index.analyse`), so
a cache gives exactly what reading every file would: ``tests/test_index_cache.py`` checks it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

FORMAT = "1"
RACY_NS = 2_000_000_000  # coarser than any file system's timestamps (FAT: 2 s)
# Modules whose code decides what a row holds: a change to any of them rebuilds the cache.
_SOURCES = ("content.py", "dedup.py", "index.py", "index_cache.py", "text.py", "topic_feedback.py",
            "topics.py", "work.py")
_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, ino INTEGER,
    digest BLOB, seen_ns INTEGER, slug TEXT, key TEXT, fingerprint TEXT, captions TEXT,
    signature BLOB, corrected INTEGER);
CREATE TABLE words (path TEXT PRIMARY KEY, words TEXT NOT NULL);
CREATE TABLE df (word TEXT PRIMARY KEY, n INTEGER NOT NULL);
"""


def code_version() -> str:
    """A hash of the source of the modules that decide the cached values."""
    digest = hashlib.sha256(FORMAT.encode())
    folder = Path(__file__).resolve().parent
    for name in _SOURCES:
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes())
    return digest.hexdigest()[:16]


def content_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


Stamp = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


def stamp_of(stat: os.stat_result) -> Stamp:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


@dataclass(slots=True)
class Record:
    """What an import needs to know about one content file; derived from the file alone."""

    slug: str
    key: str
    fingerprint: str
    captions: tuple[str, ...]  # caption keys a photo may join the story by
    signature: bytes  # MinHash of the plain body text (dedup.signature_bytes)
    corrected: bool  # an editor set its topics: the feedback collector reads the whole file
    words: str = ""  # its words as topic feedback counts them, sorted, space-separated


@dataclass(slots=True)
class Row:
    """A cached record with the evidence that it still describes the file."""

    stamp: Stamp
    digest: bytes
    seen_ns: int  # when the record was made from the file (or last verified against it)
    record: Record

    @property
    def racy(self) -> bool:
        """Made too soon after the file's last change for the stamp alone to prove it."""
        return self.stamp[1] >= self.seen_ns - RACY_NS


def row_of(raw: tuple) -> Row:
    """A :class:`Row` from a tuple of :meth:`ImportCache.rows`."""
    size, mtime, ctime, ino, digest, seen, slug, key, fingerprint, captions, sig, corrected = raw
    record = Record(slug, key, fingerprint, tuple(captions.split()), sig, bool(corrected))
    return Row((size, mtime, ctime, ino), digest, seen, record)


def cache_file(cache_dir: Path, content_dir: Path) -> Path:
    """The cache of one content folder: several folders may share a cache folder."""
    where = os.path.realpath(content_dir)
    return cache_dir / f"import-index-{hashlib.sha256(where.encode()).hexdigest()[:12]}.sqlite"


class ImportCache:
    """One content folder's cache file: read once at start-up, written once at the end."""

    def __init__(self, path: Path, content_dir: Path) -> None:
        self.path = path
        self.root = os.path.realpath(content_dir)
        self.db: sqlite3.Connection | None = None
        self.rebuilt = ""  # why the cache was started afresh ("" when it was used)

    @classmethod
    def open(cls, cache_dir: Path, content_dir: Path) -> ImportCache:
        cache = cls(cache_file(cache_dir, content_dir), content_dir)
        cache.path.parent.mkdir(parents=True, exist_ok=True)
        why = cache._check()
        if why:
            cache._recreate(why)
        return cache

    def _check(self) -> str:
        """Why the file cannot be trusted, or "" when it can."""
        if not self.path.exists():
            return "missing"
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None)
            meta = dict(self.db.execute("SELECT name, value FROM meta"))
            self.db.execute("SELECT path, size, mtime_ns, ctime_ns, ino, digest, seen_ns, slug, "
                            "key, fingerprint, captions, signature, corrected FROM files LIMIT 1")
            self.db.execute("SELECT path, words FROM words LIMIT 1")
            self.db.execute("SELECT word, n FROM df LIMIT 1")
        except sqlite3.Error as exc:  # damage found later, while reading rows, is handled too
            return f"unreadable ({exc})"
        if meta.get("format") != FORMAT:
            return f"format {meta.get('format')!r}, not {FORMAT!r}"
        if meta.get("code") != code_version():
            return "written by another version of the importer"
        if meta.get("root") != self.root:
            return f"describes {meta.get('root')!r}, not this content folder"
        return ""

    def recreate(self, why: str) -> None:
        """Start afresh (logged): after damage found while reading the rows."""
        self._recreate(why)

    def _recreate(self, why: str) -> None:
        if self.db is not None:
            self.db.close()
        if why != "missing":
            log.warning("import cache %s is %s: rebuilding it from the content files",
                        self.path, why)
        for stale in (self.path, Path(f"{self.path}-journal"), Path(f"{self.path}-wal")):
            stale.unlink(missing_ok=True)
        # Built under a temporary name and renamed: a half-created cache is never opened.
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        db = sqlite3.connect(tmp, isolation_level=None)
        db.executescript(_SCHEMA)
        db.executemany("INSERT INTO meta VALUES (?, ?)",
                       [("format", FORMAT), ("code", code_version()), ("root", self.root)])
        db.close()
        tmp.replace(self.path)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.rebuilt = why

    def rows(self) -> dict[str, tuple]:
        """Every cached row by relative path, as a plain tuple (100,000 of them load in a
        fraction of a second; :func:`row_of` makes a :class:`Row` of one): stamp (4 values),
        digest, seen_ns, then the record's slug, key, fingerprint, captions (space-separated),
        signature and corrected. Words are not loaded: see :meth:`words`."""
        assert self.db is not None
        query = ("SELECT path, size, mtime_ns, ctime_ns, ino, digest, seen_ns, slug, key, "
                 "fingerprint, captions, signature, corrected FROM files")
        return {row[0]: row[1:] for row in self.db.execute(query)}

    def words(self, paths: Iterable[str]) -> dict[str, str]:
        """The stored words of these rows."""
        assert self.db is not None
        found: dict[str, str] = {}
        paths = list(paths)
        for start in range(0, len(paths), 500):  # SQLite limits a statement's parameters
            chunk = paths[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self.db.execute(
                f"SELECT path, words FROM words WHERE path IN ({marks})", chunk))
        return found

    def document_frequency(self) -> Counter[str]:
        """In how many cached files each word occurs."""
        assert self.db is not None
        return Counter(dict(self.db.execute("SELECT word, n FROM df")))

    def save(self, changed: dict[str, Row | None], verified: dict[str, int],
             delta: Counter[str]) -> None:
        """One transaction: rows written or deleted (``None``), rows whose content was
        verified at that time, and the change in document frequencies."""
        assert self.db is not None
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            gone = [(path,) for path, row in changed.items() if row is None]
            db.executemany("DELETE FROM files WHERE path = ?", gone)
            db.executemany("DELETE FROM words WHERE path = ?", gone)
            rows = [(path, row) for path, row in changed.items() if row is not None]
            db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(path, *row.stamp, row.digest, row.seen_ns, row.record.slug, row.record.key,
                  row.record.fingerprint, " ".join(row.record.captions), row.record.signature,
                  int(row.record.corrected)) for path, row in rows])
            db.executemany("INSERT OR REPLACE INTO words VALUES (?, ?)",
                           [(path, row.record.words) for path, row in rows])
            db.executemany("UPDATE files SET seen_ns = ? WHERE path = ?",
                           [(seen, path) for path, seen in verified.items()
                            if path not in changed])
            db.executemany(
                "INSERT INTO df VALUES (?, ?) ON CONFLICT (word) DO UPDATE SET n = n + excluded.n",
                [(word, n) for word, n in sorted(delta.items()) if n])
            db.execute("DELETE FROM df WHERE n <= 0")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def now_ns() -> int:
    return time.time_ns()
