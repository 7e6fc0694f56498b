"""What Pagefind reads from a page, as a digest: a shard is re-indexed only when it changes.

Hashing whole HTML files would re-index a year's shard whenever a page of it changes outside
the indexed part: adding one story changes its neighbours' "earlier/later story" links and
the "related stories" lists of stories in any year, none of which Pagefind reads on our
pages (they sit outside ``data-pagefind-body``). So the digest covers what Pagefind 1.x
takes from a page when the site uses ``data-pagefind-body`` (its documented behaviour):

* every ``data-pagefind-body`` element with everything inside it (text, markup, images,
  ids for anchors, ``data-pagefind-ignore``/``-weight``/``-index-attrs`` …);
* every element *outside* the body that carries a ``data-pagefind-*`` attribute other than
  ``data-pagefind-ignore`` (filters, meta and sorts are read anywhere on the page), with
  everything inside it, since a filter or meta value may be the element's text;
* the ``<html>`` element's attributes (``lang`` picks the index language) and ``<title>``.

A page without a ``data-pagefind-body`` element is indexed whole by Pagefind, so its digest
is that of the whole file. Anything this misses would show up as an incremental index that
differs from a clean one, which ``tests/test_pagefind_shards.py`` checks byte for byte.
"""

from __future__ import annotations

import hashlib
import threading

from lxml import etree
from lxml import html as lxml_html

DIGEST_SIZE = 16
_LOCAL = threading.local()  # lxml parsers must not be shared between threads (shards.py)
_BODY = "data-pagefind-body"
_READ_OUTSIDE = (
    "//*[@*[starts-with(name(), 'data-pagefind-') and name() != 'data-pagefind-ignore']]"
    "[not(ancestor-or-self::*[@data-pagefind-body])]"
)


def _parser() -> lxml_html.HTMLParser:
    if not hasattr(_LOCAL, "parser"):
        _LOCAL.parser = lxml_html.HTMLParser(encoding="utf-8")
    return _LOCAL.parser


def raw_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=DIGEST_SIZE).hexdigest()


def view_digest(data: bytes) -> str:
    """The digest of the parts of an HTML page that Pagefind reads (see the module doc)."""
    if _BODY.encode() not in data:
        return "whole:" + raw_digest(data)
    try:
        root = lxml_html.document_fromstring(data, parser=_parser())
    except (etree.ParserError, ValueError):
        return "whole:" + raw_digest(data)
    hasher = hashlib.blake2b(digest_size=DIGEST_SIZE)

    def part(label: bytes, value: bytes) -> None:
        hasher.update(label + len(value).to_bytes(8, "big") + value)

    part(b"html", repr(sorted(root.attrib.items())).encode("utf-8"))
    title = root.find(".//title")
    part(b"title", (title.text_content() if title is not None else "").encode("utf-8"))
    bodies = root.xpath(f"//*[@{_BODY}]")
    for element in bodies:
        part(b"body", etree.tostring(element, method="html", encoding="utf-8", with_tail=False))
    for element in root.xpath(_READ_OUTSIDE):
        part(b"attr", etree.tostring(element, method="html", encoding="utf-8", with_tail=False))
    return "view:" + hasher.hexdigest()
