"""Pelican Markdown content files: rendering an Article, reading headers back, atomic writes."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from newsarchive.article import Article, BlockKind
from newsarchive.dates import iso_date
from newsarchive.text import squash

ARTICLES_DIR = "articles"

# Characters that start Markdown or HTML constructs anywhere in a line. Scraped text is
# plain text, so every one of them is escaped; "&", "<" and ">" become entities so no
# tag or entity from the input is ever interpreted.
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]{}])")
_LINE_START = re.compile(r"^([#+\-]|\d+[.)])")


def escape_markdown(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _INLINE_SPECIALS.sub(r"\\\1", squash(text))
    # A paragraph that starts like a heading, list item or numbered item stays a paragraph.
    return _LINE_START.sub(lambda m: f"{m.group(1)[:-1]}\\{m.group(1)[-1]}", text)


def fingerprint(article: Article) -> str:
    """A short hash of the body's words, equal for the same story text however it was wrapped."""
    words = re.findall(r"\w+", article.text.lower())
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:16]


def story_key(article: Article) -> str:
    """What makes two inputs the same story: the original URL, else source + day + headline."""
    if article.url:
        return article.url
    return "|".join(
        (article.source.lower(), article.date.date().isoformat(), squash(article.title).lower())
    )


def relative_path(article: Article, slug: str) -> Path:
    return Path(ARTICLES_DIR, f"{article.date:%Y}", f"{article.date:%m}", f"{slug}.md")


def _metadata(article: Article, slug: str) -> list[tuple[str, str]]:
    lead = article.photos[0] if article.photos else None
    fields = [
        ("Title", article.title),
        ("Title_Derived", "yes" if article.title_derived else ""),
        ("Date", iso_date(article.date)),
        ("Slug", slug),
        ("Source", article.source),
        ("Byline", ", ".join(article.authors)),
        ("Dateline", article.dateline),
        ("Section", article.section),
        ("Topics", ", ".join(article.topics)),
        ("Countries", ", ".join(article.countries)),
        ("Summary", article.summary),
        ("Image", lead.image if lead else ""),
        ("Image_Size", f"{lead.width}x{lead.height}" if lead and lead.width else ""),
        ("Caption", lead.caption if lead else ""),
        ("Credit", lead.credit if lead else ""),
        ("Original_Url", article.url),
        ("Scraped_Sha256", article.scraped_sha256),
        ("Fingerprint", fingerprint(article)),
    ]
    required = {"Title", "Date", "Slug", "Source", "Topics", "Countries", "Summary"}
    return [(k, squash(v)) for k, v in fields if v or k in required]


def render(article: Article, slug: str) -> str:
    """The content file's text. Pure and deterministic: same Article and slug, same bytes."""
    header = "\n".join(f"{key}: {value}".rstrip() for key, value in _metadata(article, slug))
    blocks = []
    for block in article.body:
        text = escape_markdown(block.text)
        blocks.append(f"## {text}" if block.kind is BlockKind.HEADING else text)
    return header + "\n\n" + "\n\n".join(blocks) + "\n"


_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):\s?(.*)$")


def read_header(path: Path) -> dict[str, str]:
    """The metadata block of a content file (keys lower-cased), reading no further than it."""
    meta: dict[str, str] = {}
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            match = _HEADER_LINE.match(line.rstrip("\n"))
            if not match:
                break
            meta[match.group(1).lower()] = match.group(2).strip()
    return meta


def iter_content(content_dir: Path) -> Iterator[Path]:
    """Every Markdown file under the content folder, in a stable order."""
    for root, dirs, files in os.walk(content_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".md") and not name.startswith("."):
                yield Path(root, name)


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write via a temporary file in the same folder, then rename: old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
