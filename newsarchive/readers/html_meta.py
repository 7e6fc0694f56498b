"""Decode a saved page and read what it declares: JSON-LD, OpenGraph, <meta>, <time>, figures.

Pure functions over bytes or an lxml tree. Every value that leaves this module is plain text
or a checked absolute http(s) URL, so nothing from the page is ever interpreted as markup.
"""

from __future__ import annotations

import codecs
import copy
import datetime as dt
import html
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import charset_normalizer
from dateutil import parser as dateparser
from lxml import etree
from lxml import html as lxml_html

from newsarchive.article import Photo

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "blogposting",
    "liveblogposting", "report", "techarticle", "scholarlyarticle", "socialmediaposting",
})
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_.:-]+)|<\?xml[^>]+encoding=["']([a-z0-9_.:-]+)""",
    re.IGNORECASE,
)
# WHATWG: pages labelled Latin-1 or ASCII are decoded as windows-1252.
# WHATWG too: a <meta> that names UTF-16 is read as UTF-8 (only a BOM can mean UTF-16).
_WHATWG_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
                   "ascii": "cp1252", "us-ascii": "cp1252", "iso8859-1": "cp1252",
                   "utf-16": "utf-8", "utf-16le": "utf-8", "utf-16be": "utf-8"}
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
# Controls, zero-width marks, and lone surrogates (JSON may spell one \ud800; no file
# can hold them as UTF-8).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff\ud800-\udfff]")
_SPACE = re.compile(r"\s+")
_URLISH = re.compile(r"^(?:https?:)?//|^www\.", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PageMeta:
    """What a page declares about its story, every field plain text or a safe URL."""

    title: str = ""
    date: dt.datetime | None = None
    authors: tuple[str, ...] = ()
    site_name: str = ""
    section: str = ""
    url: str = ""
    base: str = ""  # what relative links resolve against: <base href>, else the page URL
    image: str = ""
    image_caption: str = ""
    description: str = ""
    article_body: str = ""


# --- bytes to text -------------------------------------------------------------------------


def declared_encoding(data: bytes) -> str:
    """The encoding a BOM, ``<meta charset>`` or XML declaration names, or ""."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    match = _DECLARED.search(data[:4096])
    if not match:
        return ""
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    label = _WHATWG_ALIASES.get(label, label)
    return _text_encoding(label)


def _text_encoding(label: str) -> str:
    """Python's name for the text encoding ``label`` names; "" for an unknown label or a
    bytes-to-bytes codec (``base64``, ``rot13``, ``zlib``), which is no page encoding."""
    try:
        name = codecs.lookup(label).name
        b"<".decode(name)  # (empty bytes would not tell: they decode without a codec lookup)
    except LookupError:
        return ""
    except UnicodeError:
        pass  # a text encoding that cannot decode one byte on its own (UTF-16)
    return name


def decode_html(data: bytes) -> str:
    """Text of a saved page: BOM, then declared charset, then UTF-8, then detection."""
    for encoding in dict.fromkeys((declared_encoding(data), "utf-8")):
        if not encoding:
            continue
        try:
            return data.decode(encoding)
        except UnicodeError:  # UnicodeDecodeError, or the idna codec's own UnicodeError
            logger.debug("page does not decode as its declared %s", encoding)
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    encoding = best.encoding if best is not None else "cp1252"
    return data.decode(encoding, errors="replace")


# Characters XML (and so lxml) cannot hold: setting them on an element raises ValueError.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def strip_xml_declaration(text: str) -> str:
    """The page text without an ``<?xml ...?>`` line (lxml refuses it in a str) or characters
    XML cannot hold (NULs and other control characters)."""
    return _NOT_XML.sub("", _XML_DECL.sub("", text, count=1))


def parse_tree(text: str) -> lxml_html.HtmlElement | None:
    """An lxml document tree, or None when nothing parses."""
    text = strip_xml_declaration(text)
    if not text.strip():
        return None
    try:
        return lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


# --- small cleaners ------------------------------------------------------------------------


def clean_text(value: Any) -> str:
    """Plain one-line text: entities decoded, stray tags and control characters removed."""
    if not isinstance(value, str):
        return ""
    text = html.unescape(value)
    if "<" in text:
        text = markup_text(text)
    return _SPACE.sub(" ", _CONTROL.sub("", text)).strip()


def markup_text(value: str) -> str:
    """The text content of an HTML fragment (scripts and styles dropped)."""
    try:
        fragment = lxml_html.fragment_fromstring(value, create_parent="div")
    except (etree.ParserError, ValueError):
        return value
    for node in fragment.xpath(".//script|.//style|.//noscript"):
        node.drop_tree()
    return fragment.text_content()


def element_text(element: Any) -> str:
    """One-line text of a page element, without what its scripts and styles contain."""
    element = copy.deepcopy(element)
    for node in element.xpath(".//script|.//style|.//noscript"):
        node.drop_tree()
    return _SPACE.sub(" ", _CONTROL.sub("", element.text_content())).strip()


def safe_url(value: Any, base: str = "") -> str:
    """An absolute http(s) URL, resolved against ``base``; "" for anything else."""
    if not isinstance(value, str):
        return ""
    raw = _CONTROL.sub("", html.unescape(value)).strip()
    if not raw or any(c in raw for c in " \t\r\n<>\"'`\\"):
        return ""
    if raw.startswith("//") and not base:
        raw = "https:" + raw
    resolved = urljoin(base, raw) if base else raw
    parts = urlsplit(resolved)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return resolved


def parse_date(value: Any) -> dt.datetime | None:
    """A datetime from an ISO 8601 or written date string, or None."""
    text = clean_text(value)
    if not text or not re.search(r"\d{4}", text):
        return None
    try:
        return dateparser.isoparse(text)
    except (ValueError, OverflowError):
        pass
    try:
        return dateparser.parse(text)
    except (ValueError, OverflowError, dateparser.ParserError):
        return None


# --- JSON-LD -------------------------------------------------------------------------------


def _json_nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a JSON-LD document, depth first (``@graph`` included)."""
    if isinstance(value, list):
        for item in value:
            yield from _json_nodes(item)
    elif isinstance(value, dict):
        yield value
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in value:
                yield from _json_nodes(value[key])


def json_ld_nodes(tree: lxml_html.HtmlElement) -> list[dict[str, Any]]:
    """All objects of every ``application/ld+json`` script that parses."""
    nodes: list[dict[str, Any]] = []
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        raw = (script.text or "").strip()
        raw = re.sub(r"^\s*(?:<!--|//\s*<!\[CDATA\[)|(?:-->|//\s*\]\]>)\s*$", "", raw)
        try:
            nodes.extend(_json_nodes(json.loads(raw, strict=False)))
        except (ValueError, RecursionError):  # RecursionError: nested thousands deep
            logger.debug("skipping a JSON-LD script that does not parse")
    return nodes


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type", "")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower().rsplit("/", 1)[-1] for k in kinds}


def article_node(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON-LD object that describes the story, or {} (the one with a body wins)."""
    articles = [n for n in nodes if _types(n) & ARTICLE_TYPES]
    articles.sort(key=lambda n: (not n.get("articleBody"), not n.get("headline")))
    return articles[0] if articles else {}


def _names(value: Any, depth: int = 0) -> list[str]:
    """Person or organisation names from a string, object or list of them (nested at most a
    few levels: deeper is not a byline, and would exhaust the stack)."""
    if depth > 4:
        return []
    if isinstance(value, list):
        return [name for item in value for name in _names(item, depth + 1)]
    if isinstance(value, dict):
        return _names(value.get("name", ""), depth + 1)
    text = clean_text(value)
    if not text or _URLISH.match(text) or len(text) > 80:
        return []
    return [text]


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _image(value: Any) -> tuple[Any, str]:
    """(url, caption) of a JSON-LD image: a string, ImageObject, or list of them."""
    value = _first(value)
    if isinstance(value, dict):
        return value.get("url") or value.get("contentUrl"), clean_text(value.get("caption"))
    return value, ""


def _node_url(node: dict[str, Any]) -> Any:
    page = node.get("mainEntityOfPage")
    page = page.get("@id") or page.get("url") if isinstance(page, dict) else page
    return node.get("url") or page


# --- the page's own declarations -----------------------------------------------------------


def meta_values(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """``<meta property|name|itemprop=... content=...>``, keys lower-cased, first value wins."""
    values: dict[str, str] = {}
    for meta in tree.xpath("//meta[@content]"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
        content = meta.get("content", "")
        if key and content.strip():
            values.setdefault(key.strip().lower(), content)
    return values


def _canonical(tree: lxml_html.HtmlElement) -> str:
    links = tree.xpath('//link[contains(concat(" ", normalize-space(@rel), " "), " canonical ")]')
    return links[0].get("href", "") if links else ""


def _time_element(tree: lxml_html.HtmlElement) -> str:
    """The ``datetime`` of the page's publication ``<time>`` (marked one first)."""
    for xpath in ('//time[@itemprop="datePublished"]/@datetime', "//time[@pubdate]/@datetime",
                  '//*[@itemprop="datePublished"]/@content', "//article//time/@datetime",
                  "//time/@datetime"):
        found = tree.xpath(xpath)
        if found:
            return str(found[0])
    return ""


def _first_date(*candidates: Any) -> dt.datetime | None:
    for candidate in candidates:
        parsed = parse_date(candidate)
        if parsed is not None:
            return parsed
    return None


def _dedupe(names: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(re.sub(r"^by\s+", "", n, flags=re.IGNORECASE) for n in names))


def page_meta(tree: lxml_html.HtmlElement, base_url: str = "") -> PageMeta:
    """What the page declares: JSON-LD first, then OpenGraph and ``<meta>``, then ``<time>``."""
    node = article_node(json_ld_nodes(tree))
    meta = meta_values(tree)
    url = safe_url(_node_url(node), base_url) or safe_url(meta.get("og:url"), base_url) \
        or safe_url(_canonical(tree), base_url) or safe_url(base_url)
    hrefs = tree.xpath("//base/@href")
    base = (safe_url(str(hrefs[0]), url or base_url) if hrefs else "") or url
    publisher = node.get("publisher")
    ld_image, caption = _image(node.get("image"))
    authors = _names(node.get("author")) or _names(meta.get("author")) \
        or _names(meta.get("article:author")) or _names(meta.get("byl")) \
        or _names(meta.get("parsely-author"))
    return PageMeta(
        title=clean_text(node.get("headline")) or clean_text(meta.get("og:title"))
        or clean_text(meta.get("twitter:title")),
        date=_first_date(node.get("datePublished"), meta.get("article:published_time"),
                         _time_element(tree), node.get("dateCreated"), meta.get("pubdate"),
                         meta.get("publishdate"), meta.get("parsely-pub-date"),
                         meta.get("dc.date"), meta.get("date")),
        authors=_dedupe(authors),
        site_name=clean_text(meta.get("og:site_name")) or (_names(publisher) or [""])[0],
        section=clean_text(_first(node.get("articleSection")))
        or clean_text(meta.get("article:section")),
        url=url,
        base=base,
        image=safe_url(ld_image, base) or safe_url(meta.get("og:image"), base)
        or safe_url(meta.get("twitter:image"), base),
        image_caption=caption,
        description=clean_text(node.get("description")) or clean_text(meta.get("og:description"))
        or clean_text(meta.get("description")),
        article_body=body_text(node.get("articleBody")),
    )


def body_text(value: Any) -> str:
    """A JSON-LD ``articleBody`` as plain text with one paragraph a line."""
    if not isinstance(value, str):
        return ""
    text = html.unescape(value)
    if re.search(r"<(?:p|br|div)\b", text, re.IGNORECASE):
        text = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", text)
        text = markup_text(text)
    lines = (_SPACE.sub(" ", _CONTROL.sub("", line)).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# --- figures -------------------------------------------------------------------------------

_CREDIT_CLASS = re.compile(r"credit|copyright|byline|source|attribution|photographer", re.I)
_CREDIT_TEXT = re.compile(
    r"\s*[(\[]?\s*(?:(?:photo|picture|image|foto)s?\s*(?:credit)?\s*(?::|by)|©|\(c\)|credit:)\s*"
    r"(?P<credit>[^()\[\]]{2,80}?)\s*[)\]]?\s*$",
    re.IGNORECASE,
)
_NOT_ARTICLE_FIGURE = "ancestor::*[self::nav or self::aside or self::footer or self::header]"
_FIGURES = ('.//figure | .//*[contains(concat(" ", normalize-space(@class), " "), " wp-caption ")]')
_CAPTIONS = ('.//figcaption | .//*[contains(concat(" ", normalize-space(@class), " "), '
             '" wp-caption-text ")]')


def _image_src(figure: Any, base: str) -> str:
    for img in figure.iter("img", "source"):
        for attr in ("src", "data-src", "data-original", "data-lazy-src", "srcset", "data-srcset"):
            value = (img.get(attr) or "").strip().split(" ")[0]
            url = safe_url(value, base)
            if url and not value.startswith("data:"):
                return url
    return ""


def caption_and_credit(figcaption: Any) -> tuple[str, str]:
    """(caption, credit) of a ``<figcaption>``: a marked credit element, else a trailing credit."""
    if figcaption is None:
        return "", ""
    figcaption = copy.deepcopy(figcaption)  # credits are cut out of a copy, not the page
    credit = ""
    for node in list(figcaption.iter()):
        if node is not figcaption and _CREDIT_CLASS.search(
                f"{node.get('class', '')} {node.get('itemprop', '')}"):
            credit = credit or element_text(node)
            node.drop_tree()
    caption = element_text(figcaption)
    if not credit:
        match = _CREDIT_TEXT.search(caption)
        if match:
            credit, caption = match.group("credit").strip(), caption[: match.start()].strip()
    return caption, credit


def _in_page_furniture(figure: Any) -> bool:
    """True for figures in navigation, sidebars, footers or a header outside the article."""
    return bool(figure.xpath(_NOT_ARTICLE_FIGURE)) or bool(
        figure.xpath("ancestor::header") and not figure.xpath("ancestor::article"))


def figures(tree: Any, base: str) -> list[Photo]:
    """Every figure of the story's region with its image, caption and credit, in page order."""
    articles = tree.xpath("//article")
    region = max(articles, key=lambda a: len(a.text_content())) if articles else tree
    found = region.xpath(_FIGURES)
    photos: list[Photo] = []
    for figure in found:
        if _in_page_furniture(figure) or any(f in found for f in figure.iterancestors()):
            continue
        captions = figure.xpath(_CAPTIONS)
        caption, credit = caption_and_credit(captions[0] if captions else None)
        image = _image_src(figure, base)
        if image or caption:
            photos.append(Photo(caption=caption, credit=credit, image=image))
    return photos


def photos_of(tree: Any, meta: PageMeta) -> tuple[Photo, ...]:
    """The figures (each picture once), led by the declared lead image when none has a picture."""
    unique: dict[str, Photo] = {}
    for photo in figures(tree, meta.base):
        unique.setdefault(photo.image or photo.caption, photo)
    photos = list(unique.values())
    if meta.image and not any(p.image for p in photos):
        photos.insert(0, Photo(caption=meta.image_caption, image=meta.image))
    return tuple(photos)
