"""The import stage, wired: inputs → units → (workers) read + classify → store → report.

Each input item is handled on its own: a bad one becomes a ``rejected`` report line with its
reason, and the batch goes on. Work is streamed: units are read lazily from the inputs
(:mod:`newsarchive.units`), handed to worker processes in bounded batches (reading and
classifying use every core), and their outcomes come back in input order, so the parent's index
lookups and writes, and therefore the content produced, do not depend on timing. Photo items
are set aside (spooled to a temporary file) until every story is stored, so a picture can join
the story whose caption it carries whatever the input order. Content files are written
atomically; report lines go to a temporary file renamed into place when the run ends.

Statuses: ``imported``, ``updated`` (same story key: URL, or source + day + headline),
``unchanged`` (byte-identical), ``duplicate`` (the same text, or a near-duplicate text by
MinHash, is already in another file: ``output`` names it) and ``rejected``. Fields an editor
changed by hand are kept on re-import (see :mod:`newsarchive.content`).
"""

from __future__ import annotations

import dataclasses
import glob
import json
import logging
import os
import pickle
import sqlite3
import tempfile
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import IO

from newsarchive.article import Article
from newsarchive.classify import Labels, use_topic_overlay
from newsarchive.collector import without_full_collections
from newsarchive.content import (
    ATTACHED,
    atomic_write,
    editor_values,
    fingerprint,
    is_temporary,
    photo_updates,
    relative_path,
    remove_temporaries,
    render,
    split_file,
    story_key,
    with_fields,
)
from newsarchive.dates import iso_date
from newsarchive.images import write_image
from newsarchive.index import ContentIndex, key_id
from newsarchive.index_cache import ImportCache
from newsarchive.topic_feedback import FeedbackCollector, keep_topics_edited, write_feedback
from newsarchive.topics import TermOverlay
from newsarchive.units import Unit, iter_units
from newsarchive.work import Outcome, base_slug, caption_key, process, process_batch

log = logging.getLogger(__name__)

STATUSES = ("imported", "updated", "unchanged", "duplicate", "rejected")
BATCH = 8  # units per task sent to a worker
SERIAL_BELOW = 64  # fewer units than this: no worker processes (starting them costs more)


@dataclass(frozen=True, slots=True)
class Options:
    content_dir: Path
    inputs: tuple[Path, ...]
    report_path: Path | None = None
    progress: bool = False
    jobs: int = 0  # worker processes; 0: one per core
    # The importer's cache of the content files (newsarchive.index_cache): None, the folder
    # beside the content folder (content/ → cache/); use_cache=False reads every file instead.
    cache_dir: Path | None = None
    use_cache: bool = True


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """One line of the JSON Lines report (contract: DESIGN.md)."""

    input: str
    status: str
    reason: str = ""
    output: str = ""
    url: str = ""
    title: str = ""
    date: str = ""
    source: str = ""
    topics: tuple[dict[str, str], ...] = ()
    countries: tuple[str, ...] = ()
    country_mentions: tuple[dict[str, object], ...] = ()
    dropped: dict[str, int] = field(default_factory=dict)
    extra_fields: tuple[str, ...] = ()  # input fields no reader mapping knew (JSON records)

    def to_json(self) -> str:
        # Not dataclasses.asdict(): its deep copies cost more than the rest of the line, and
        # JSON writes tuples as lists anyway.
        record = {name: getattr(self, name) for name in _REPORT_FIELDS}
        record.update(input=printable_path(self.input), output=printable_path(self.output))
        return json.dumps(record, ensure_ascii=False, sort_keys=False)


_REPORT_FIELDS = tuple(f.name for f in dataclasses.fields(ReportRecord))


def printable_path(path: str) -> str:
    """A path as UTF-8 text: bytes a file name holds that are not UTF-8 (kept by Python as
    lone surrogates, which no UTF-8 file can hold) are written as ``\\xNN``."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _record(label: str, article: Article, labels: Labels | None, status: str, output: Path,
            reason: str = "") -> ReportRecord:
    return ReportRecord(
        input=label,
        status=status,
        reason=reason,
        output=str(output),
        url=article.url,
        title=article.title,
        date=iso_date(article.date),
        source=article.source,
        topics=tuple(labels.report_topics()) if labels else (),
        countries=article.countries,
        country_mentions=tuple(labels.report_mentions()) if labels else (),
        dropped=dict(article.dropped),
        extra_fields=article.extra_fields,
    )


def _unique_slug(article: Article, key: str, index: ContentIndex, base: str = "") -> str:
    """``base`` (the worker's ``base_slug(article)``, when it sent one), or else with a
    suffix made from the story's key when another story has it."""
    base = base or base_slug(article)
    if base not in index.by_slug:
        return base
    # Stable, not a counter: the suffix depends only on the story itself.
    return f"{base}-{key_id(key)[:6]}"


def _duplicate_of(outcome: Outcome, existing: Path | None, index: ContentIndex) -> Path | None:
    """The file already holding this story's text (exactly, or nearly for a new story)."""
    article = outcome.article
    assert article is not None
    kept = index.by_fingerprint.get(outcome.fingerprint or fingerprint(article))
    if kept is None and existing is None and outcome.signature:
        kept = index.near.find(outcome.signature)
    if kept is None or (existing is not None and existing != kept):
        return None
    text = kept.read_text(encoding="utf-8")
    same_input = split_file(text)[0].get("Scraped_Sha256") == article.scraped_sha256
    return None if same_input else kept


def store(outcome: Outcome, index: ContentIndex) -> ReportRecord:
    """Write one story into the content folder unless it is already there."""
    article, label = outcome.article, outcome.label
    assert article is not None
    key = story_key(article)
    existing = index.by_key.get(key_id(key))
    kept = _duplicate_of(outcome, existing, index)
    if kept is not None:
        return _record(label, article, outcome.labels, "duplicate", kept,
                       f"same story text as {kept}")
    before = existing.read_text(encoding="utf-8") if existing else None
    if existing is not None and before is not None:
        fields = split_file(before)[0]
        slug, target = fields.get("Slug", existing.stem), existing
        keep = editor_values({k.lower(): v for k, v in fields.items()})
        if any(p.image.startswith("images/") for p in article.photos):
            keep = {k: v for k, v in keep.items() if k not in ATTACHED}
    else:
        base = outcome.rendered[0] if outcome.rendered else ""
        slug, keep = _unique_slug(article, key, index, base), {}
        target = index.root / relative_path(article, slug)
        before = target.read_text(encoding="utf-8") if target.exists() else None
    if not keep and outcome.rendered[:1] == (slug,):
        text = outcome.rendered[1]  # the worker wrote it for this slug already
    else:
        text = render(article, slug, keep, outcome.markdown)
    if existing is not None and "Topics" in keep:  # an editor's topics stay the editor's
        text = keep_topics_edited(text, fields)
    for image in outcome.images:
        write_image(index.root, image)
    if before == text:
        return _record(label, article, outcome.labels, "unchanged", target)
    atomic_write(target, text, durable=False)
    fields = split_file(text)[0]
    index.add(target, fields, outcome.signature)
    index.written(target, text, fields, outcome.file_signature or outcome.signature,
                  outcome.body_words)
    status = "updated" if before is not None else "imported"
    return _record(label, article, outcome.labels, status, target)


def attach_by_caption(outcome: Outcome, index: ContentIndex) -> ReportRecord | None:
    """A photo item whose caption a stored story carries joins that story instead."""
    article = outcome.article
    assert article is not None
    photo = article.photos[0]
    target = index.by_caption.get(caption_key(photo.caption))
    if target is None:
        return None
    before = target.read_text(encoding="utf-8")
    text = with_fields(before, photo_updates(split_file(before)[0], photo))
    for image in outcome.images:
        write_image(index.root, image)
    status = "unchanged" if text == before else "updated"
    if text != before:
        atomic_write(target, text, durable=False)
        index.written(target, text)
    return _record(outcome.label, article, outcome.labels, status, target,
                   "photo joined the story that carries its caption")


def _rejected(outcome: Outcome) -> ReportRecord:
    return ReportRecord(input=outcome.label, status="rejected", reason=outcome.reason)


def handle(outcomes: list[Outcome], index: ContentIndex) -> Iterator[ReportRecord]:
    """Report records for one unit's outcomes; pictures and caption files that joined a story
    share its status and output."""
    done: dict[str, ReportRecord] = {}
    for outcome in outcomes:
        if outcome.attached_to:
            story = done.get(outcome.attached_to)
            if story is None:
                yield ReportRecord(outcome.label, "rejected", "its story was not imported")
                continue
            reason = f"joined {outcome.attached_to}"
            if story.status == "rejected":
                reason = f"{outcome.attached_to} was rejected: {story.reason}"
            yield dataclasses.replace(story, input=outcome.label, reason=reason)
            continue
        if outcome.article is None:
            record = _rejected(outcome)
        elif outcome.article.kind == "photo":
            record = attach_by_caption(outcome, index) or store(outcome, index)
        else:
            record = store(outcome, index)
        done[outcome.label] = record
        yield record


# --- the run loop --------------------------------------------------------------------------


def _batches(units: Iterable[Unit], size: int) -> Iterator[list[Unit]]:
    iterator = iter(units)
    while batch := list(islice(iterator, size)):
        yield batch


def outcomes_in_order(units: Iterator[Unit], jobs: int,
                      overlay: TermOverlay | None = None) -> Iterator[list[Outcome]]:
    """Each unit's outcomes in input order; read and classified by ``jobs`` worker processes
    with at most ``4 × jobs`` batches in flight (memory stays bounded). Stories are classified
    with the archive's learned topic words ``overlay`` (see :mod:`newsarchive.topic_feedback`)."""
    first = list(islice(units, SERIAL_BELOW))
    if jobs <= 1 or len(first) < SERIAL_BELOW:
        use_topic_overlay(overlay)
        try:
            yield from (process(unit) for unit in chain(first, units))
        finally:
            use_topic_overlay(None)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=use_topic_overlay,
                             initargs=(overlay,)) as pool:
        pending: deque = deque()
        for batch in _batches(chain(first, units), BATCH):
            pending.append(pool.submit(process_batch, batch))
            if len(pending) >= 4 * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _spooled(spool: IO[bytes]) -> Iterator[list[Outcome]]:
    spool.seek(0)
    while True:
        try:
            yield pickle.load(spool)
        except EOFError:
            return


def scan_content(content_dir: Path, cache: ImportCache | None = None,
                 ) -> tuple[ContentIndex, TermOverlay | None]:
    """The content index and, from the same pass over the files, the topic words the
    editors' corrections teach (also written to the content folder for review). With a
    ``cache``, only the files that changed since it was written are read."""
    collector = FeedbackCollector(content_dir)
    if cache is None:
        index = ContentIndex.scan(content_dir, collector.observe)
    else:
        try:
            index = ContentIndex.load(content_dir, cache, collector)
        except sqlite3.Error as exc:  # damage SQLite found only while reading the rows
            cache.recreate(f"unreadable ({exc})")
            collector = FeedbackCollector(content_dir)
            index = ContentIndex.load(content_dir, cache, collector)
        log.info("import cache %s: %d content files read, %d known", cache.path,
                 index.files_read, len(index.near))
    feedback = collector.feedback()
    write_feedback(content_dir, feedback)
    return index, feedback.overlay()


def run(options: Options) -> Counter[str]:
    """Import every input; write the report; return the count of each status."""
    with without_full_collections():  # what the run makes it keeps (newsarchive/collector.py)
        return _run(options)


def _run(options: Options) -> Counter[str]:
    from tqdm import tqdm  # imported here: only the run loop shows progress

    options.content_dir.mkdir(parents=True, exist_ok=True)
    stale = remove_temporaries(options.content_dir)
    if stale:
        log.warning("removed %d temporary files left by an interrupted run", stale)
    cache = _open_cache(options)
    index, overlay = scan_content(options.content_dir, cache)
    counts: Counter[str] = Counter()
    jobs = options.jobs or usable_cores()
    report = _ReportFile(options.report_path)
    units = iter(tqdm(iter_units(options.inputs), unit=" inputs", disable=not options.progress))
    with tempfile.TemporaryFile() as spool, report:
        for outcomes in outcomes_in_order(units, jobs, overlay):
            if any(o.deferred for o in outcomes):
                pickle.dump(outcomes, spool)
                continue
            report.write_all(handle(outcomes, index), counts)
        for outcomes in _spooled(spool):
            report.write_all(handle(outcomes, index), counts)
        os.sync()  # content files were written without one fsync each: one flush for all
    if cache is not None:
        _save_cache(index, cache)
    return counts


def usable_cores() -> int:
    """The cores this process may run on (a container or ``taskset`` may allow fewer than the
    machine has, which ``os.cpu_count()`` would report)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def _open_cache(options: Options) -> ImportCache | None:
    if not options.use_cache:
        return None
    folder = options.cache_dir or options.content_dir.parent / "cache"
    try:
        return ImportCache.open(folder, options.content_dir)
    except (OSError, sqlite3.Error) as exc:
        log.warning("cannot use the import cache in %s (%s): reading every content file",
                    folder, exc)
        return None


def _save_cache(index: ContentIndex, cache: ImportCache) -> None:
    """Record the run in the cache; a failure costs the next run time, never correctness."""
    try:
        index.save_cache()
    except (OSError, sqlite3.Error) as exc:
        log.warning("could not update the import cache %s (%s): the next run reads the "
                    "changed files again", cache.path, exc)
    finally:
        cache.close()


class _ReportFile:
    """The JSON Lines report, streamed to a temporary file beside it, renamed at the end."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.stream: IO[str] | None = None
        self.tmp = ""

    def __enter__(self) -> _ReportFile:
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for stale in self.path.parent.glob(f".{glob.escape(self.path.name)}.*.tmp"):
                if is_temporary(stale.name):  # the report of an interrupted run
                    stale.unlink(missing_ok=True)
            fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                            dir=self.path.parent)
            self.stream = os.fdopen(fd, "w", encoding="utf-8")
        return self

    def write_all(self, records: Iterable[ReportRecord], counts: Counter[str]) -> None:
        for record in records:
            counts[record.status] += 1
            if record.status == "rejected":
                log.warning("%s: rejected: %s", record.input, record.reason)
            if self.stream:
                self.stream.write(record.to_json() + "\n")

    def __exit__(self, *exc_info: object) -> None:
        if not self.stream or not self.path:
            return
        self.stream.close()
        if exc_info[0] is None:
            Path(self.tmp).replace(self.path)
        else:
            Path(self.tmp).unlink(missing_ok=True)
