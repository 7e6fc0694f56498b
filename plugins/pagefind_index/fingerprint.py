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
is that of the whole file.

:func:`view_digest` (what the index uses) gets there without a parser: the page's bytes
minus the regions marked ``data-pagefind-ignore`` that provably hold nothing Pagefind reads
(see "The fast way" below) — a superset of the parts above, so nothing Pagefind reads is
missed, and the lists that other stories change are still left out.
:func:`parsed_view_digest` is the parsing way, exactly the parts above (the tests check that
what the fast way leaves out the parsing way does not see either). Anything either misses would
show up as an incremental index that differs from a clean one, which
``tests/test_pagefind_shards.py`` checks byte for byte.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator

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


# --- The fast way: the page minus the regions Pagefind is told to ignore ----------------------
#
# Parsing every indexed page with lxml cost ~0.45 ms a page (~45 CPU-s of a 100,000-story
# index, most of the indexer's own work). What a new story changes on the pages of other
# stories is their "related stories" list and their earlier/later links: elements that carry
# ``data-pagefind-ignore`` and nothing else Pagefind reads. So a page's digest is the hash of
# its bytes with every such element cut out: that covers everything Pagefind can read
# (sound: only bytes Pagefind provably skips are left out) and stays the same when only
# those lists change. A region is cut only when that is certain without a parser:
#
# * an ``<aside>``, ``<nav>``, ``<header>`` or ``<footer>`` whose start tag carries
#   ``data-pagefind-ignore`` (these elements are never closed implicitly by the content HTML
#   allows inside them), up to the first matching end tag: the related stories, the
#   earlier/later links, the site's header and footer, a story's provenance notes;
# * with no ``data-pagefind-`` attribute inside (Pagefind reads filters, meta and sorts
#   inside ``data-pagefind-ignore``), no nested element of the same name (the end tag would
#   belong to it) and nothing that changes how HTML is tokenised (comments, scripts,
#   styles, templates, CDATA).
#
# Anything else stays in the digest: a page whose template changes outside those regions
# is indexed again (what it costs: the shard's Pagefind run), never missed.
_CUT_TAGS = (b"aside", b"nav", b"header", b"footer")
_IGNORED_START = re.compile(rb"<(" + b"|".join(_CUT_TAGS) + rb")\b([^<>]*)>", re.I)
_IGNORE_ATTR = re.compile(
    rb"\sdata-pagefind-ignore(?=[\s=/]|$)(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?", re.I
)
_UNSAFE_INSIDE = (b"data-pagefind-", b"<!--", b"<script", b"<style", b"<template", b"<![cdata")


_IGNORE_NAME = b"data-pagefind-ignore"
_SPACE = frozenset(b" \t\n\r\f\v")  # \s in a bytes pattern
# The scans below find what ``_IGNORED_START.finditer`` and ``</tag\s*>`` (re.I) would find,
# from the attribute's name and with str.find on the page lowered once: trying the regexes
# on every tag cost ~45 µs a page, run on every page the render writes (tests compare them).


def _ignored_starts(data: bytes, lowered: bytes) -> Iterator[re.Match[bytes]]:
    """The start tags ``_IGNORED_START.finditer(data)`` gives that can carry
    ``data-pagefind-ignore``, in order: each begins at the last ``<`` before the name (a
    start tag holds no ``<``)."""
    found = lowered.find(_IGNORE_NAME)
    while found != -1:
        opening = lowered.rfind(b"<", 0, found)
        start = _IGNORED_START.match(data, opening) if opening != -1 else None
        if start is not None and start.end() > found:
            yield start
            found = lowered.find(_IGNORE_NAME, start.end())
        else:
            found = lowered.find(_IGNORE_NAME, found + 1)


def _end_tag(lowered: bytes, tag: bytes, begin: int) -> tuple[int, int] | None:
    """Where ``</tag\\s*>`` first matches from ``begin``: (start, end), or None."""
    opener = b"</" + tag
    found = lowered.find(opener, begin)
    while found != -1:
        at = found + len(opener)
        while at < len(lowered) and lowered[at] in _SPACE:
            at += 1
        if at < len(lowered) and lowered[at] == ord(">"):
            return found, at + 1
        found = lowered.find(opener, found + 1)
    return None


def _cut_ignored(data: bytes) -> bytes:
    """``data`` without the ``data-pagefind-ignore`` regions that are safe to cut."""
    pieces: list[bytes] = []
    position = 0
    lowered = data.lower()  # ASCII only, like re.I on bytes
    for start in _ignored_starts(data, lowered):
        if start.start() < position:
            continue  # inside a region already cut
        tag, attributes = start.group(1).lower(), start.group(2)
        if not _IGNORE_ATTR.search(attributes):
            continue
        if b"data-pagefind-" in _IGNORE_ATTR.sub(b"", attributes).lower():
            continue  # the element itself carries something Pagefind reads
        end = _end_tag(lowered, tag, start.end())
        if end is None:
            continue
        inner = lowered[start.end() : end[0]]
        if b"<" + tag in inner or any(marker in inner for marker in _UNSAFE_INSIDE):
            continue
        pieces.append(data[position : start.start()])
        pieces.append(b"<" + tag + b" cut>")  # where a region was: the digest sees the cut
        position = end[1]
    if not pieces:
        return data
    pieces.append(data[position:])
    return b"".join(pieces)


_AFTER_BODY = _SPACE | frozenset(b"=/>")
_LETTERS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def has_body(data: bytes) -> bool:
    """Is there a tag with a ``data-pagefind-body`` attribute, as the regex
    ``<[a-zA-Z][^<>]*\\sdata-pagefind-body(?=[\\s=/>])`` finds it (the attribute inside a
    tag, not the words in a story's text)? Found from the attribute's name: a tag holds no
    ``<``, so the only tag it can be in starts at the last ``<`` before it. (The regex tries
    every tag of the page: ~50 µs a page; this ~3. The tests compare the two.)"""
    name = _BODY.encode()
    found = data.find(name)
    while found != -1:
        opening = data.rfind(b"<", 0, found)
        after = found + len(name)
        if (
            opening != -1
            and found >= opening + 3
            and data[opening + 1] in _LETTERS
            and data[found - 1] in _SPACE
            and data.find(b">", opening, found) == -1
            and after < len(data)
            and data[after] in _AFTER_BODY
        ):
            return True
        found = data.find(name, found + 1)
    return False


def view_digest(data: bytes) -> str:
    """The digest of the parts of an HTML page that Pagefind reads (see the module doc and
    the fast way above)."""
    if _BODY.encode() not in data:
        return "whole:" + raw_digest(data)
    return "cut:" + raw_digest(_cut_ignored(data))


def parsed_view_digest(data: bytes) -> str:
    """The same by parsing the page: only what Pagefind reads, so a page whose template
    changes outside its indexed parts keeps its digest (slower: ~0.45 ms a page)."""
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
