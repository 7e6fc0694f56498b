"""The import stage, wired: find inputs → read → write content → report.

Each input item is handled on its own: a bad one becomes a ``rejected`` report line
with its reason, and the batch goes on. Content files are written atomically, and
the report is written to a temporary file renamed into place when the run ends.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsarchive.article import Article
from newsarchive.classify import Labels, classify
from newsarchive.content import (
    atomic_write,
    fingerprint,
    iter_content,
    read_header,
    relative_path,
    render,
    story_key,
)
from newsarchive.dates import iso_date
from newsarchive.errors import InputRejected
from newsarchive.formats import MAX_INPUT_BYTES, detect
from newsarchive.text import headline_from_lead, slugify

log = logging.getLogger(__name__)

STATUSES = ("imported", "updated", "unchanged", "duplicate", "rejected")


@dataclass(frozen=True, slots=True)
class Options:
    content_dir: Path
    inputs: tuple[Path, ...]
    report_path: Path | None = None
    progress: bool = False


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

    def to_json(self) -> str:
        record = dataclasses.asdict(self)
        return json.dumps(record, ensure_ascii=False, sort_keys=False)


@dataclass(slots=True)
class ContentIndex:
    """What the content folder already holds, keyed the ways an import needs to look it up."""

    root: Path
    by_key: dict[str, Path] = field(default_factory=dict)
    by_slug: dict[str, Path] = field(default_factory=dict)
    by_fingerprint: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def scan(cls, root: Path) -> ContentIndex:
        index = cls(root)
        for path in iter_content(root):
            meta = read_header(path)
            index.add(
                path, meta.get("slug", path.stem), _key_from_meta(meta), meta.get("fingerprint", "")
            )
        return index

    def add(self, path: Path, slug: str, key: str, fprint: str) -> None:
        self.by_slug.setdefault(slug, path)
        if key:
            self.by_key.setdefault(key, path)
        if fprint:
            self.by_fingerprint.setdefault(fprint, path)


def _key_from_meta(meta: dict[str, str]) -> str:
    if meta.get("original_url"):
        return meta["original_url"]
    day = meta.get("date", "")[:10]
    return "|".join(
        (meta.get("source", "").lower(), day, " ".join(meta.get("title", "").split()).lower())
    )


# A folder's own documentation is not scraped material (a file named explicitly still is).
_FOLDER_DOCS = re.compile(r"^(readme|license|licence|changelog|notice)(\.[a-z]+)?$", re.I)


def iter_inputs(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and files under folders named: recursively, sorted, skipping hidden
    files and the folder's own README/LICENSE files."""
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith(".") and not _FOLDER_DOCS.match(name):
                    yield Path(root, name)


def read_input(path: Path) -> Article:
    if not path.exists():
        raise InputRejected("no such file")
    size = path.stat().st_size
    if size == 0:
        raise InputRejected("empty file (0 bytes)")
    if size > MAX_INPUT_BYTES:
        raise InputRejected(f"file too large ({size} bytes; the limit is {MAX_INPUT_BYTES})")
    data = path.read_bytes()
    reader, payload = detect(path, data)
    article = reader(payload, origin=str(path))
    return dataclasses.replace(article, scraped_sha256=hashlib.sha256(data).hexdigest())


def _unique_slug(article: Article, key: str, index: ContentIndex) -> str:
    # A title with nothing transliterable (emoji, symbols) borrows words from the lead.
    lead = article.paragraphs[0] if article.paragraphs else ""
    base = slugify(article.title) or slugify(headline_from_lead(lead)) or "story"
    if base not in index.by_slug:
        return base
    # Stable, not a counter: the suffix depends only on the story itself.
    return f"{base}-{hashlib.sha256(key.encode()).hexdigest()[:6]}"


def _record(
    path: Path, article: Article, labels: Labels, status: str, output: Path, reason: str = ""
) -> ReportRecord:
    return ReportRecord(
        input=str(path),
        status=status,
        reason=reason,
        output=str(output),
        url=article.url,
        title=article.title,
        date=iso_date(article.date),
        source=article.source,
        topics=tuple(labels.report_topics()),
        countries=article.countries,
        country_mentions=tuple(labels.report_mentions()),
        dropped=dict(article.dropped),
    )


def store(path: Path, article: Article, labels: Labels, index: ContentIndex) -> ReportRecord:
    """Write one story into the content folder unless it is already there."""
    key = story_key(article)
    fprint = fingerprint(article)
    existing = index.by_key.get(key)
    kept = index.by_fingerprint.get(fprint)
    if kept is not None and (existing is None or existing == kept):
        meta = read_header(kept)
        if meta.get("scraped_sha256") != article.scraped_sha256:
            return _record(path, article, labels, "duplicate", kept, f"same story text as {kept}")
    if existing is not None:
        slug = read_header(existing).get("slug", existing.stem)
        target = existing
    else:
        slug = _unique_slug(article, key, index)
        target = index.root / relative_path(article, slug)
    text = render(article, slug)
    if target.exists() and target.read_text(encoding="utf-8") == text:
        return _record(path, article, labels, "unchanged", target)
    status = "updated" if target.exists() else "imported"
    atomic_write(target, text)
    index.add(target, slug, key, fprint)
    return _record(path, article, labels, status, target)


def import_one(path: Path, index: ContentIndex) -> ReportRecord:
    try:
        return store(path, *classify(read_input(path)), index)
    except InputRejected as exc:
        return ReportRecord(input=str(path), status="rejected", reason=exc.reason)
    except OSError as exc:
        return ReportRecord(
            input=str(path), status="rejected", reason=f"cannot read: {exc.strerror}"
        )


def run(options: Options) -> Counter[str]:
    """Import every input; write the report; return the count of each status."""
    from tqdm import tqdm  # imported here: only the run loop shows progress

    options.content_dir.mkdir(parents=True, exist_ok=True)
    index = ContentIndex.scan(options.content_dir)
    counts: Counter[str] = Counter()
    lines: list[str] = []
    inputs = tqdm(iter_inputs(options.inputs), unit=" inputs", disable=not options.progress)
    for path in inputs:
        record = import_one(path, index)
        counts[record.status] += 1
        lines.append(record.to_json())
        if record.status == "rejected":
            log.warning("%s: rejected: %s", path, record.reason)
    if options.report_path:
        atomic_write(options.report_path, "".join(line + "\n" for line in lines))
    return counts
