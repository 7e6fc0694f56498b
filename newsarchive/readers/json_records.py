"""Reader for scraper JSON: one record (a JSON object) into an ``Article``.

Dialects, told apart by their field names:

* news-please: ``title``, ``maintext``, ``date_publish``, ``authors``, ``source_domain``,
  ``image_url``, ``url``, ``description``;
* trafilatura JSON: ``title``, ``text``, ``date``, ``author`` ("A; B"), ``hostname`` or
  ``sitename``, ``source``/``url``, ``image``, ``categories``, ``tags``, ``excerpt``;
* newspaper4k: ``title``, ``text``, ``publish_date``, ``authors``, ``top_image``,
  ``canonical_link``, ``meta_site_name``, ``meta_description``;
* plain: ``title``, ``text`` or ``body``, ``date``, ``source``, ``url``.

A record may carry ``html`` (or ``raw_html``) instead of text: the page then goes through
:func:`~newsarchive.readers.html.read_html`, the same sanitising path as a saved page, and the
record's own fields win where they are set. Plain text is split into paragraphs at line
breaks. Fields no dialect knows are named in ``Article.extra_fields`` (and so in the report).
Splitting files into records (a JSON array, JSON Lines) is :mod:`newsarchive.units`' job.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from newsarchive.article import Article, Block, BlockKind, Photo
from newsarchive.dates import plausible_date
from newsarchive.errors import InputRejected
from newsarchive.readers import check_story_size
from newsarchive.readers.html import read_html
from newsarchive.readers.html_meta import clean_text, parse_date, safe_url
from newsarchive.text import headline_from_lead, squash, summary_of

MIN_BODY_CHARS = 200

# Field names for each part of a story, first present wins.
TITLE = ("title", "headline")
TEXT = ("maintext", "text", "body", "content", "article_text")
HTML = ("html", "raw_html")
DATE = ("date_publish", "publish_date", "date", "published", "date_published", "pubdate")
AUTHORS = ("authors", "author", "byline")
SOURCE = ("source_domain", "meta_site_name", "sitename", "site_name", "hostname", "source")
URL = ("url", "canonical_link", "source", "link")
IMAGE = ("image_url", "top_image", "image")
SUMMARY = ("description", "meta_description", "excerpt", "summary")
SECTION = ("categories", "category", "section")
# Known and deliberately unused: scraper bookkeeping, not part of the story.
IGNORED = frozenset({
    "date_download", "date_modify", "filename", "localpath", "language", "title_page",
    "title_rss", "fingerprint", "id", "license", "comments", "raw_text", "tags", "keywords",
    "meta_keywords", "meta_lang", "meta_favicon", "movies", "images", "imgs", "summary_nlp",
    "pagetype", "meta_img", "meta_data", "canonical", "url_domain", "article_html",
    "date_modified", "date_crawled", "language_detected",
})
KNOWN = frozenset(TITLE + TEXT + HTML + DATE + AUTHORS + SOURCE + URL + IMAGE + SUMMARY + SECTION)


_JSON_TYPES = {int: "a number", float: "a number", bool: "true/false", list: "a list",
               dict: "an object", str: "a string"}


def parse_record(data: bytes | str) -> dict[str, Any]:
    """One JSON object from bytes or text; ``InputRejected`` for anything else."""
    try:
        value = json.loads(data)
    except RecursionError as exc:
        raise InputRejected("JSON nested too deeply to be a story record") from exc
    except ValueError as exc:  # bad syntax, bad encoding, or a number of 4,300+ digits
        raise InputRejected(f"not valid JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise InputRejected(f"a JSON {type(value).__name__}, not an object with story fields")
    return value


def _field(record: dict[str, Any], names: tuple[str, ...], kinds: tuple[type, ...]) -> Any:
    """The first field present (not null) among ``names``; reject a value of the wrong type."""
    for name in names:
        value = record.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, kinds) or isinstance(value, bool):
            allowed = " or ".join(dict.fromkeys(_JSON_TYPES[k] for k in kinds))
            raise InputRejected(
                f"field {name!r} has the wrong type: {_JSON_TYPES.get(type(value), 'value')}, "
                f"expected {allowed}")
        return value
    return None


def _text_field(record: dict[str, Any], names: tuple[str, ...]) -> str:
    return _field(record, names, (str,)) or ""


def _authors(record: dict[str, Any]) -> tuple[str, ...]:
    value = _field(record, AUTHORS, (str, list))
    if value is None:
        return ()
    names = value.split(";") if isinstance(value, str) else value
    if not all(isinstance(name, str) for name in names):
        raise InputRejected("field 'authors' must be a string or a list of strings")
    return tuple(dict.fromkeys(clean_text(n) for n in names if clean_text(n)))


def _date(record: dict[str, Any]) -> dt.datetime | None:
    value = _field(record, DATE, (str, int, float))
    if value is None:
        return None
    if isinstance(value, int | float):
        try:  # a Unix timestamp, as some scrapers write it
            return dt.datetime.fromtimestamp(value, dt.UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise InputRejected(f"date {value!r} is not a plausible timestamp") from exc
    found = parse_date(value)
    if found is None:
        raise InputRejected(f"cannot read the date {value[:40]!r}")
    return found


def _source(record: dict[str, Any]) -> str:
    """The publication's name; trafilatura's ``source`` is a URL, not a name, and is skipped."""
    for name in SOURCE:
        value = _field(record, (name,), (str,))
        if value and not safe_url(value) and not value.lower().startswith(("http:", "https:")):
            return clean_text(value)
    return ""


def _section(record: dict[str, Any]) -> str:
    value = _field(record, SECTION, (str, list))
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), "")
    return clean_text((value or "").split(";")[0])


def paragraphs(text: str) -> tuple[Block, ...]:
    """Plain text into paragraphs: blank lines separate them, or single newlines when the text
    has no blank lines (scrapers write one paragraph a line)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    chunks = text.split("\n\n") if "\n\n" in text.strip() else text.split("\n")
    return tuple(Block(BlockKind.PARAGRAPH, squash(c)) for c in chunks if squash(c))


def _from_html(record: dict[str, Any], origin: str) -> Article:
    html = _text_field(record, HTML)
    url = safe_url(_text_field(record, URL))
    # "replace": a lone surrogate (\ud800 in the JSON) has no UTF-8 form.
    return read_html(html.encode("utf-8", "replace"), origin=origin, url=url)


def _from_text(record: dict[str, Any], origin: str) -> Article:
    text = _text_field(record, TEXT)
    check_story_size(text, "story text")
    body = paragraphs(clean_text_keep_lines(text))
    if sum(len(b.text) for b in body) < MIN_BODY_CHARS:
        raise InputRejected(
            f"{origin or 'record'}: story text too short or missing (no 'text', 'maintext' or "
            f"'body' with at least {MIN_BODY_CHARS} characters)"
        )
    date = _date(record)
    if date is None:
        raise InputRejected(f"{origin or 'record'}: no date ('date', 'date_publish' or "
                            "'publish_date')")
    lead = body[0].text
    title = clean_text(_text_field(record, TITLE))
    return Article(
        title=title or headline_from_lead(lead),
        title_derived=not title,
        date=date,
        body=body,
        summary=summary_of(lead),
    )


def clean_text_keep_lines(text: str) -> str:
    """Plain text, line breaks kept: stray markup and entities removed line by line."""
    return "\n".join(clean_text(line) for line in text.split("\n"))


def read_record(record: dict[str, Any], *, origin: str = "") -> Article:
    """The story one scraper record carries; ``InputRejected`` with the reason otherwise."""
    title = _field(record, TITLE, (str,))  # type-checked early: a number is a clear rejection
    has_text = bool(_text_field(record, TEXT).strip())
    article = _from_text(record, origin) if has_text or not _text_field(record, HTML) else (
        _from_html(record, origin))
    image = safe_url(_text_field(record, IMAGE))
    photos = article.photos or ((Photo(image=image),) if image else ())
    date = plausible_date(_date(record) or article.date)
    return dataclasses.replace(
        article,
        title=clean_text(title) or article.title,
        title_derived=not clean_text(title) and article.title_derived,
        date=date,
        authors=_authors(record) or article.authors,
        source=_source(record) or article.source,
        url=safe_url(_text_field(record, URL)) or article.url,
        section=_section(record) or article.section,
        summary=clean_text(_text_field(record, SUMMARY)) or article.summary,
        photos=photos,
        extra_fields=tuple(sorted(set(record) - KNOWN - IGNORED)),
    )


def read_json(data: bytes, *, origin: str = "") -> Article:
    """A file holding one JSON object (a record)."""
    return read_record(parse_record(data), origin=origin)
