"""WARC and WARC.gz crawls: every HTML ``response`` record is a candidate article.

:func:`iter_records` streams a crawl record by record (warcio), never holding more than one
payload; each response becomes a :class:`WarcPage` with its ``WARC-Target-URI`` and
``WARC-Date``, or a reason it is skipped (not HTML, an index or tag page by its URL). A
truncated or corrupt crawl ends with one :class:`WarcPage` carrying the reason, after the good
records. :func:`read_page` turns one page into an ``Article`` through the saved-HTML reader,
with the URL as the page's address and the capture date as the last-resort date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

from newsarchive.article import Article
from newsarchive.errors import InputRejected
from newsarchive.readers import MAX_STORY_BYTES
from newsarchive.readers.html import looks_like_html, read_html
from newsarchive.readers.html_meta import parse_date, safe_url

MAX_PAYLOAD = MAX_STORY_BYTES
# URL paths of listing pages, not stories: section fronts, tag, category, author, search,
# paginated lists.
_INDEX_PATH = re.compile(
    r"/(?:tags?|category|categories|topics?|authors?|section|search|archive|page)(?:/|$)|"
    r"/page/\d+/?$|/index\.html?$|/$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class WarcPage:
    """One response record: its number in the file (from 1), URL, capture date, and either
    the HTML payload or the reason it is not a candidate article."""

    number: int
    url: str = ""
    date: str = ""  # WARC-Date, ISO 8601
    payload: bytes = b""
    reason: str = ""


def looks_like_warc(head: bytes) -> bool:
    return head.lstrip(b"\r\n").startswith(b"WARC/")


def index_page_reason(url: str) -> str:
    """Why a URL names a listing page rather than a story, or ""."""
    path = urlsplit(url).path or "/"
    if _INDEX_PATH.search(path):
        return f"not an article page: {path!r} is an index, tag or section URL"
    return ""


def _page(number: int, record) -> WarcPage:  # record: warcio ArcWarcRecord
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    date = record.rec_headers.get_header("WARC-Date") or ""
    content_type = (record.http_headers.get_header("Content-Type") or "") if (
        record.http_headers) else ""
    status = record.http_headers.get_statuscode() if record.http_headers else "200"
    if status and not status.startswith("2"):
        return WarcPage(number, url, date, reason=f"HTTP status {status}, not a page")
    if content_type and "html" not in content_type.lower():
        return WarcPage(number, url, date, reason=f"not an HTML page ({content_type})")
    reason = index_page_reason(url)
    if reason:
        return WarcPage(number, url, date, reason=reason)
    payload = record.content_stream().read(MAX_PAYLOAD + 1)
    missing = getattr(record.raw_stream, "limit", 0)
    if len(payload) <= MAX_PAYLOAD and missing > 0:
        return WarcPage(number, url, date,
                        reason=f"truncated WARC: the record is cut short ({missing} bytes missing)")
    if len(payload) > MAX_PAYLOAD:
        return WarcPage(number, url, date, reason=f"page larger than {MAX_PAYLOAD // 2**20} MiB")
    if not looks_like_html(payload):
        return WarcPage(number, url, date, reason="payload is not HTML")
    return WarcPage(number, url, date, payload=payload)


def iter_records(stream: BinaryIO) -> Iterator[WarcPage]:
    """Each response record of a WARC (gzipped or not), in order; then, when the file is cut
    short or corrupt, one page with number 0 and the reason."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    number = 0
    try:
        for record in ArchiveIterator(stream, check_digests=False):
            number += 1
            if record.rec_type == "response":
                yield _page(number, record)
    # warcio on a malformed record raises more than its own errors (a response without a
    # WARC-Target-URI: AttributeError); either way the crawl is unreadable from there on.
    except (ArchiveLoadFailed, EOFError, OSError, ValueError, AttributeError, TypeError,
            IndexError, KeyError) as exc:
        detail = " ".join(str(exc).split())[:160] or type(exc).__name__
        yield WarcPage(0, reason=f"truncated or corrupt WARC after record {number}: {detail}")


def read_page(page: WarcPage, *, origin: str = "") -> Article:
    """The story a WARC response page carries."""
    if page.reason:
        raise InputRejected(page.reason)
    return read_html(page.payload, origin=origin, url=safe_url(page.url),
                     fallback_date=parse_date(page.date))
