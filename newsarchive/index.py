"""What the content folder already holds, keyed every way an import looks a story up.

Built once per run, then kept up to date as stories are written. Every lookup is a dictionary
access or an LSH bucket probe, so an import costs the same per story whether the archive holds
a hundred stories or a million.

Building it needs a few values of every content file (:func:`analyse`). :meth:`ContentIndex.
scan` reads every file for them; :meth:`ContentIndex.load` takes them from the importer's
cache (:mod:`newsarchive.index_cache`) and reads only the files that changed since, and the
run records in the cache what it writes. Both give the same index, in the same order.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from newsarchive.content import (
    editor_values,
    iter_content,
    parse_generated,
    parse_photos_field,
    plain_body,
    split_file,
)
from newsarchive.dedup import NUM_PERM, SIGNATURE_DTYPE, NearDuplicateIndex, Signature, signature
from newsarchive.dedup import signature_bytes as _signature_bytes
from newsarchive.index_cache import (
    RACY_NS,
    ImportCache,
    Record,
    Row,
    content_digest,
    now_ns,
    stamp_of,
)
from newsarchive.topic_feedback import FeedbackCollector, story_words
from newsarchive.work import caption_key

log = logging.getLogger(__name__)

Observer = Callable[[Path, dict[str, str], str], None]  # (path, fields as written, plain text)

__all__ = ["ContentIndex", "analyse", "captions_of", "key_id", "plain_body"]


def key_id(key: str) -> str:
    """The short hash of a story key that files record in ``Generated``."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _key_from_fields(meta: dict[str, str]) -> str:
    """A file's story key: recorded in ``Generated``, else rebuilt from URL or source + day +
    title (files written before ``Generated`` existed)."""
    recorded = parse_generated(meta.get("Generated", "")).get("key")
    if recorded:
        return recorded
    if meta.get("Original_Url"):
        return key_id(meta["Original_Url"])
    day = meta.get("Date", "")[:10]
    title = " ".join(meta.get("Title", "").split()).lower()
    return key_id("|".join((meta.get("Source", "").lower(), day, title)))


def captions_of(meta: dict[str, str]) -> list[str]:
    """Every photo caption a content file carries (lead and ``Photos``)."""
    captions = [meta.get("Caption", "")]
    captions += [p.get("caption", "") for p in parse_photos_field(meta.get("Photos", ""))]
    return [c for c in captions if c]


def content_files(root: Path) -> Iterator[tuple[str, str]]:
    """(path relative to ``root`` with "/" separators, full path) of every content file, in
    the order of :func:`~newsarchive.content.iter_content` (the same walk, on strings: no
    ``Path`` objects to build and compare for 100,000 files)."""
    top = str(root)
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        prefix = os.path.relpath(folder, top).replace(os.sep, "/") + "/"
        prefix = "" if prefix == "./" else prefix
        for name in sorted(files):
            if name.endswith(".md") and not name.startswith("."):
                yield prefix + name, os.path.join(folder, name)  # noqa: PTH118 (strings: speed)


def decode(data: bytes) -> str:
    """A content file's bytes as ``Path.read_text(encoding="utf-8", errors="replace")`` reads
    them (universal newlines)."""
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


def record_of(path: Path, meta: dict[str, str], sig: Signature, words: str) -> Record:
    """A file's record from its fields (as written), signature and words."""
    stories_only = meta.get("Kind") != "photo"  # a photo item never adopts another photo
    keys = [caption_key(c) for c in captions_of(meta)] if stories_only else []
    return Record(
        slug=meta.get("Slug", path.stem),
        key=_key_from_fields(meta),
        fingerprint=meta.get("Fingerprint", ""),
        captions=tuple(k for k in keys if k),
        signature=_signature_bytes(sig),
        corrected="Topics" in editor_values({k.lower(): v for k, v in meta.items()}),
        words=words,
    )


def joined_words(title: str, body_words: str) -> str:
    """The words topic feedback counts for a story (:func:`story_words` of its title and plain
    text), from its body's words: the two sets' union, sorted, space-separated."""
    return " ".join(sorted(story_words(title, "").union(body_words.split())))


def analyse(path: Path, text: str) -> tuple[dict[str, str], str, Record]:
    """(fields, plain body text, record) of a content file's text: what the index needs."""
    meta, body = split_file(text)
    plain = plain_body(body)
    words = " ".join(sorted(story_words(meta.get("Title", ""), plain)))
    return meta, plain, record_of(path, meta, signature(plain), words)


@dataclass(slots=True)
class ContentIndex:
    root: Path
    by_key: dict[str, Path] = field(default_factory=dict)
    by_slug: dict[str, Path] = field(default_factory=dict)
    by_fingerprint: dict[str, Path] = field(default_factory=dict)
    by_caption: dict[str, Path] = field(default_factory=dict)
    near: NearDuplicateIndex = field(default_factory=NearDuplicateIndex)
    cache: _CacheState | None = None
    files_read: int = 0  # content files read at start-up (the cache's work is not to)

    @classmethod
    def scan(cls, root: Path, observe: Observer | None = None) -> ContentIndex:
        """Index every content file; ``observe`` (if any) sees each one's fields and plain
        text in the same pass (the topic feedback collector)."""
        index = cls(root)
        for path in iter_content(root):
            meta, body = split_file(path.read_text(encoding="utf-8", errors="replace"))
            text = plain_body(body)
            index.add(path, meta, signature(text))
            index.files_read += 1
            if observe is not None:
                observe(path, meta, text)
        return index

    @classmethod
    def load(cls, root: Path, cache: ImportCache,
             collector: FeedbackCollector | None = None) -> ContentIndex:
        """The index :meth:`scan` builds, from ``cache`` and the files that changed since it
        was written (read, and shown to the ``collector``, like every file by :meth:`scan`);
        the run's writes are recorded in the cache by :meth:`save_cache`.

        Hand-tuned (plain tuples and strings, one ``stat`` per file): at 100,000 files this
        loop is most of what a one-story import costs."""
        index = cls(root)
        state = index.cache = _CacheState(cache)
        stored = cache.rows()
        observe = collector.observe if collector is not None else None
        paths: list[Path] = []
        signatures: list[bytes] = []
        unread = 0  # files counted through the cache's document frequencies, not read
        by_slug, by_key = index.by_slug, index.by_key
        by_fingerprint, by_caption = index.by_fingerprint, index.by_caption
        for rel, full in content_files(root):
            st = os.stat(full)  # noqa: PTH116 (a string path: no Path to build first)
            stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
            path = Path(full)
            row = stored.get(rel)
            state.seen_paths.add(rel)
            if row is not None and row[:4] == stamp and (
                    row[1] < row[5] - RACY_NS or state.verify(rel, full, row[4])):
                _, _, _, _, _, _, slug, key, fingerprint, captions, sig, corrected = row
                if observe is not None and corrected:  # feedback needs its whole text
                    meta, body = split_file(path.read_text(encoding="utf-8", errors="replace"))
                    index.files_read += 1
                    state.observed_unchanged.append(rel)
                    observe(path, meta, plain_body(body))
                else:
                    unread += 1
            else:
                data = path.read_bytes()
                seen = now_ns()
                meta, text, record = analyse(path, decode(data))
                index.files_read += 1
                state.replace(rel, Row(stamp, content_digest(data), seen, record))
                if observe is not None:
                    observe(path, meta, text)
                slug, key, fingerprint, sig = (record.slug, record.key, record.fingerprint,
                                               record.signature)
                captions = " ".join(record.captions)
            # As add() does, from the cached values.
            by_slug.setdefault(slug, path)
            by_key.setdefault(key, path)
            if fingerprint:
                by_fingerprint.setdefault(fingerprint, path)
            for caption in captions.split():
                by_caption.setdefault(caption, path)
            paths.append(path)
            signatures.append(sig)
        for rel in sorted(stored.keys() - state.seen_paths):  # files gone from the folder
            state.replace(rel, None)
        matrix = np.frombuffer(b"".join(signatures), dtype=SIGNATURE_DTYPE)
        index.near.add_many(paths, matrix.reshape(-1, NUM_PERM))
        if collector is not None and collector.corrections:
            state.seed(collector, unread)
        return index

    def add(self, path: Path, meta: dict[str, str], sig: Signature) -> None:
        """Index one file by its fields (as written: ``Title``, ``Slug``, …) and signature."""
        self.by_slug.setdefault(meta.get("Slug", path.stem), path)
        self.by_key.setdefault(_key_from_fields(meta), path)
        if meta.get("Fingerprint"):
            self.by_fingerprint.setdefault(meta["Fingerprint"], path)
        stories_only = meta.get("Kind") != "photo"  # a photo item never adopts another photo
        for caption in captions_of(meta) if stories_only else ():
            if caption_key(caption):
                self.by_caption.setdefault(caption_key(caption), path)
        if sig:
            self.near.add(path, sig)

    def written(self, path: Path, text: str, meta: dict[str, str] | None = None,
                file_signature: Signature = (), body_words: str | None = None) -> None:
        """Record in the cache a content file the run wrote, as a scan of it will see it.
        ``file_signature`` and ``body_words`` (of the plain body, computed by the worker) save
        re-deriving them; without them the text is analysed here."""
        if self.cache is None:
            return
        stamp = stamp_of(path.stat())
        seen = now_ns()
        if meta is None or not file_signature or body_words is None:
            record = analyse(path, text)[2]
        else:
            words = joined_words(meta.get("Title", ""), body_words)
            record = record_of(path, meta, file_signature, words)
        rel = path.relative_to(self.root).as_posix()
        self.cache.replace(rel, Row(stamp, content_digest(text.encode("utf-8")), seen, record))

    def save_cache(self) -> None:
        """Write what the run learnt into the cache (after the content files are synced)."""
        if self.cache is not None:
            self.cache.save(self.root)


class _CacheState:
    """The run's changes to the cache, and the document frequencies' bookkeeping."""

    def __init__(self, cache: ImportCache) -> None:
        self.cache = cache
        self.changed: dict[str, Row | None] = {}  # relative path → new row, or None: deleted
        self.verified: dict[str, int] = {}  # rows whose content was checked, and when
        self.seen_paths: set[str] = set()
        self.observed_unchanged: list[str] = []  # read for the feedback collector only
        self.delta: Counter[str] = Counter()  # change in document frequencies
        self._replaced: list[str] = []  # rows of the cache file changed: their old words go

    def verify(self, rel: str, full: str, digest: bytes) -> bool:
        """Whether a file whose stamp matches its row but cannot prove it (the row was made
        too soon after the file changed) has the content the row was made from."""
        with open(full, "rb") as stream:  # noqa: PTH123 (a string path, as in load())
            same = content_digest(stream.read()) == digest
        if same:
            self.verified[rel] = now_ns()
        return same

    def replace(self, rel: str, row: Row | None) -> None:
        if rel in self.changed:
            previous = self.changed[rel]
            if previous is not None:
                self.delta.subtract(previous.record.words.split())
        else:
            self._replaced.append(rel)
        if row is not None:
            self.delta.update(row.record.words.split())
        self.changed[rel] = row

    def _subtract_replaced(self) -> None:
        """Take the cache file's words of the rows replaced so far out of ``delta``."""
        if self._replaced:
            for words in self.cache.words(self._replaced).values():
                self.delta.subtract(words.split())
            self._replaced = []

    def seed(self, collector: FeedbackCollector, unread: int) -> None:
        """Give the collector the document frequencies of the files it was not shown."""
        self._subtract_replaced()
        frequency = self.cache.document_frequency()
        frequency.update(self.delta)  # now: every file as the scan found it
        for words in self.cache.words(self.observed_unchanged).values():
            frequency.subtract(words.split())  # the collector counted these itself
        for row in self.changed.values():
            if row is not None:
                frequency.subtract(row.record.words.split())
        collector.document_frequency.update(+frequency)
        collector.stories += unread

    def save(self, root: Path) -> None:
        # Rows made right after their file was written are checked now, when that is long
        # enough ago (one read from the page cache each), so the next run can trust them.
        now = now_ns()
        for rel, row in list(self.changed.items()):
            if row is None or not row.racy or row.stamp[1] >= now - RACY_NS:
                continue
            path = root / rel
            try:
                same = stamp_of(path.stat()) == row.stamp and \
                    content_digest(path.read_bytes()) == row.digest
            except OSError:
                same = False
            if same:
                row.seen_ns = now
            else:  # changed behind the run's back: the next run reads it
                self.replace(rel, None)
        self._subtract_replaced()
        self.cache.save(self.changed, self.verified, self.delta)
