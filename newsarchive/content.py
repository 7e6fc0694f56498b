"""Pelican Markdown content files: rendering an Article, reading headers back, atomic writes.

Editor overrides. Every file carries ``Generated: key=… title=… summary=… topics=…
countries=…``: the story key's hash and a short hash of each editable field's value as the
importer wrote it. On re-import, an editable field whose current value no longer matches its
recorded hash was changed by hand and is kept; so is any field named in ``Locked: title,
topics`` (a field an editor adds). Everything else is regenerated from the input, and the
``Generated`` hashes always describe the new generated values, so an editor who restores the
generated text hands the field back to the importer. The story key hash lets a re-import find
the file even after its title was edited.

Photos. The lead picture is ``Image`` (a content path such as ``images/ab/ab….jpg`` or an
http(s) URL), ``Image_Size`` (``WIDTHxHEIGHT``), ``Caption`` and ``Credit``; further pictures
are ``Photos``, one line of JSON (see :func:`photos_field`). Pictures attached to a story after
it was written are kept when the story is re-imported.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsarchive.article import Article, BlockKind, Photo
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


_last_fingerprint: tuple[Article | None, str] = (None, "")


def fingerprint(article: Article) -> str:
    """A short hash of the body's words, equal for the same story text however it was wrapped."""
    # The importer asks twice per story (duplicate check, then the file's field): the last
    # answer is kept for the same (immutable) article object.
    global _last_fingerprint
    if _last_fingerprint[0] is article:
        return _last_fingerprint[1]
    words = _WORDS.findall(article.text.lower())
    value = hashlib.sha256(" ".join(words).encode()).hexdigest()[:16]
    _last_fingerprint = (article, value)
    return value


_WORDS = re.compile(r"\w+")


def story_key(article: Article) -> str:
    """What makes two inputs the same story: the original URL, else source + day + headline."""
    if article.url:
        return article.url
    return "|".join(
        (article.source.lower(), article.date.date().isoformat(), squash(article.title).lower())
    )


def relative_path(article: Article, slug: str) -> Path:
    return Path(ARTICLES_DIR, f"{article.date:%Y}", f"{article.date:%m}", f"{slug}.md")


# Every field a content file may carry, in the order it is written. Fields not listed
# (added by hand) follow in the order they appear.
FIELD_ORDER = (
    "Title", "Title_Derived", "Kind", "Date", "Slug", "Source", "Byline", "Dateline", "Section",
    "Topics", "Countries", "Summary", "Image", "Image_Size", "Caption", "Credit", "Photos",
    "Original_Url", "Scraped_Sha256", "Fingerprint", "Generated", "Locked",
)
REQUIRED = frozenset({"Title", "Date", "Slug", "Source", "Topics", "Countries", "Summary"})
# Fields an editor may change by hand; a re-import keeps the editor's value (module docstring).
EDITABLE = ("Title", "Summary", "Topics", "Countries")
# Fields a photo attached after the story was written adds; a re-import of the story keeps them.
ATTACHED = ("Image", "Image_Size", "Caption", "Credit", "Photos")

_LOCAL_IMAGE = re.compile(r"^images/[0-9a-f]{2}/[0-9a-f]{64}\.(?:jpg|png|webp)$")
_WEB_URL = re.compile(r"^https?://[^\s\"'<>`\\]+$", re.IGNORECASE)


def safe_link(value: str, *, local: bool = False) -> str:
    """``value`` when it is an absolute http(s) URL (or, with ``local``, a content image path)."""
    if _WEB_URL.match(value) or (local and _LOCAL_IMAGE.match(value)):
        return value
    return ""


def field_hash(value: str) -> str:
    return hashlib.sha256(squash(value).encode()).hexdigest()[:8]


def generated_record(values: dict[str, str], key: str) -> str:
    """The ``Generated`` field: the story key and a hash of each editable value as generated."""
    hashes = " ".join(f"{name.lower()}={field_hash(values.get(name, ''))}" for name in EDITABLE)
    return f"key={hashlib.sha256(key.encode()).hexdigest()[:16]} {hashes}"


def parse_generated(value: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in value.split() if "=" in part)


def editor_values(existing: dict[str, str]) -> dict[str, str]:
    """What a re-import must keep from an existing file (keys as read: lower-case).

    An editable field is kept when it is named in ``Locked`` or when its value no longer
    matches the hash recorded in ``Generated`` (an editor changed it by hand). ``Locked``
    itself is always kept, and so are photos attached to the story after it was written.
    """
    recorded = parse_generated(existing.get("generated", ""))
    locked = {name.strip().lower() for name in existing.get("locked", "").split(",")}
    kept: dict[str, str] = {}
    for name in EDITABLE:
        key = name.lower()
        value = existing.get(key, "")
        if key in locked or (key in recorded and field_hash(value) != recorded[key]):
            kept[name] = value
    if existing.get("locked"):
        kept["Locked"] = existing["locked"]
    if _LOCAL_IMAGE.match(existing.get("image", "")) or "photos" in existing:
        kept.update({name: existing.get(name.lower(), "") for name in ATTACHED})
    return kept


def parse_photos_field(value: str) -> list[dict]:
    """The ``Photos`` field read back: a list of photo objects, ``[]`` when it is missing or
    was hand-edited into something else."""
    try:
        extra = json.loads(value or "[]")
    except (ValueError, RecursionError):
        return []
    return [p for p in extra if isinstance(p, dict)] if isinstance(extra, list) else []


def photos_field(photos: Iterable[Photo]) -> str:
    """The ``Photos`` field: pictures after the lead as one line of JSON, a list of objects
    with ``image`` (content path or http(s) URL, may be ""), ``caption``, ``credit`` and
    ``size`` ("WIDTHxHEIGHT", "" when unknown). Templates read it with a JSON parser."""
    items = [
        {
            "image": safe_link(p.image, local=True),
            "caption": squash(p.caption),
            "credit": squash(p.credit),
            "size": f"{p.width}x{p.height}" if p.width else "",
        }
        for p in photos
    ]
    return json.dumps(items, ensure_ascii=False, separators=(", ", ": ")) if items else ""


def _metadata(article: Article, slug: str) -> dict[str, str]:
    lead = article.photos[0] if article.photos else Photo()
    fields = {
        "Title": article.title,
        "Title_Derived": "yes" if article.title_derived else "",
        "Kind": article.kind,
        "Date": iso_date(article.date),
        "Slug": slug,
        "Source": article.source,
        "Byline": ", ".join(article.authors),
        "Dateline": article.dateline,
        "Section": article.section,
        "Topics": ", ".join(article.topics),
        "Countries": ", ".join(article.countries),
        # Pelican treats a summary as HTML (feeds write it as <summary type="html">, the theme
        # strips its tags): scraped text goes in escaped, so it is only ever read as text.
        "Summary": html.escape(article.summary, quote=False),
        "Image": safe_link(lead.image, local=True),
        "Image_Size": f"{lead.width}x{lead.height}" if lead.width else "",
        "Caption": lead.caption,
        "Credit": lead.credit,
        "Photos": photos_field(article.photos[1:]),
        "Original_Url": safe_link(article.url),
        "Scraped_Sha256": article.scraped_sha256,
        "Fingerprint": fingerprint(article),
    }
    fields = {name: squash(value) for name, value in fields.items()}
    fields["Generated"] = generated_record(fields, story_key(article))
    return fields


def emit(fields: dict[str, str], body: str) -> str:
    """A content file from its fields (written in ``FIELD_ORDER``, empty optional ones left
    out) and its Markdown body."""
    order = [name for name in FIELD_ORDER if name in fields]
    order += [name for name in fields if name not in FIELD_ORDER]
    lines = (
        f"{name}: {squash(fields[name])}".rstrip()
        for name in order
        if fields[name] or name in REQUIRED
    )
    return "\n".join(lines) + "\n\n" + body


def markdown_body(article: Article) -> str:
    blocks = []
    for block in article.body:
        text = escape_markdown(block.text)
        blocks.append(f"## {text}" if block.kind is BlockKind.HEADING else text)
    return "\n\n".join(blocks) + "\n"


def render(article: Article, slug: str, keep: dict[str, str] | None = None,
           body: str | None = None) -> str:
    """The content file's text. Pure and deterministic: same Article, slug and kept fields,
    same bytes. ``keep`` holds values that win over the article's (editor edits, attachments).
    ``body``: ``markdown_body(article)`` when the caller has it already (a worker made it)."""
    fields = _metadata(article, slug)
    fields.update(keep or {})
    return emit(fields, markdown_body(article) if body is None else body)


def split_file(text: str) -> tuple[dict[str, str], str]:
    """(fields with their written names, body) of a content file's text."""
    fields: dict[str, str] = {}
    lines = text.split("\n")
    for i, line in enumerate(lines):
        match = _HEADER_LINE.match(line)
        if not match:
            return fields, "\n".join(lines[i:]).lstrip("\n")
        fields[match.group(1)] = match.group(2).strip()
    return fields, ""


_ESCAPES = re.compile(r"\\(.)")
_HEADING_MARK = re.compile(r"(?m)^## ")


def plain_body(body: str) -> str:
    """A content file's Markdown body back as the plain text it was written from."""
    return html.unescape(_ESCAPES.sub(r"\1", _HEADING_MARK.sub("", body)))


def with_fields(text: str, updates: dict[str, str]) -> str:
    """A content file's text with some fields set (written in the usual order)."""
    fields, body = split_file(text)
    fields.update(updates)
    return emit(fields, body)


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


# What atomic_write's temporary files are called: ".NAME." + 8 characters (mkstemp's, or
# _temporary's hexadecimal) + ".tmp".
_TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def is_temporary(name: str) -> bool:
    return bool(_TEMPORARY.match(name))


def remove_temporaries(folder: Path) -> int:
    """Delete the temporary files a killed run left behind under ``folder`` (their rename never
    happened, so each holds a write that did not complete); return how many. Call it before a
    run starts writing: a run still going would lose its temporary files too."""
    removed = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            if is_temporary(name):
                Path(root, name).unlink(missing_ok=True)
                removed += 1
    return removed


_folders_made: set[str] = set()  # folders atomic_write made or found (this process)
_serial = itertools.count()


def _temporary(folder: str, name: str) -> tuple[int, str]:
    """A new temporary file for ``name`` in ``folder`` (as ``_TEMPORARY`` names them), open
    for writing. Named from the process id and a counter, one ``open``: mkstemp's random
    names cost as much Python as the write itself (half of an import's per-file writing);
    a name taken (a killed run's file) falls back to mkstemp."""
    tag = f"{(os.getpid() << 20 | next(_serial)) & 0xFFFFFFFF:08x}"
    tmp = f"{folder}{os.sep}.{name}.{tag}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(tmp, flags, 0o600), tmp  # mkstemp's mode
    except FileExistsError:
        return tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)


def atomic_write(path: Path, data: str | bytes, *, durable: bool = True) -> None:
    """Write via a temporary file in the same folder, then rename: old or new, never half.

    ``durable=False`` skips the fsync before the rename (a batch calls ``os.sync()`` once at
    its end instead): a crashed process still leaves every file old or new; only a power cut
    in the middle of a batch may lose that batch's most recent writes.
    """
    folder = os.fspath(path.parent)
    if folder not in _folders_made:
        path.parent.mkdir(parents=True, exist_ok=True)
        _folders_made.add(folder)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = _temporary(folder, path.name)
    except FileNotFoundError:  # the folder went away since: make it again
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _temporary(folder, path.name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        os.replace(tmp, path)  # noqa: PTH105 (a str temporary: no Path to build)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def photo_updates(fields: dict[str, str], photo: Photo) -> dict[str, str]:
    """Fields that attach a stored picture to an existing file (fields as written).

    The picture fills the photo whose caption it carries (lead or one of ``Photos``), else
    the lead when the file has no photo at all, else it is added to ``Photos``.
    """
    size = f"{photo.width}x{photo.height}" if photo.width else ""
    words = re.findall(r"\w+", photo.caption.lower())
    if re.findall(r"\w+", fields.get("Caption", "").lower()) == words or not (
            fields.get("Caption") or fields.get("Image")):
        return {"Image": photo.image, "Image_Size": size,
                "Caption": fields.get("Caption") or photo.caption,
                "Credit": fields.get("Credit") or photo.credit}
    extra = parse_photos_field(fields.get("Photos", ""))
    for item in extra:
        if isinstance(item, dict) and re.findall(r"\w+", str(item.get("caption", "")).lower()) \
                == words:
            item.update(image=photo.image, size=size, credit=item.get("credit") or photo.credit)
            break
    else:
        extra.append({"image": photo.image, "caption": squash(photo.caption),
                      "credit": squash(photo.credit), "size": size})
    return {"Photos": json.dumps(extra, ensure_ascii=False, separators=(", ", ": "))}
