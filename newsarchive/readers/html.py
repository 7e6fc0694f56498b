"""Read one saved HTML page into an ``Article``: metadata the page declares, body via trafilatura.

Stages: decode bytes → parse → page metadata (``html_meta``) → main content (trafilatura XML,
turned into plain-text blocks and cleaned of title repeats, teaser lists and link lines) →
reconcile with JSON-LD ``articleBody`` → figures → one ``Article``. Nothing but plain text and
checked http(s) URLs leaves this module.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import types
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from newsarchive.article import Article, Block, BlockKind, Photo
from newsarchive.dates import plausible_date
from newsarchive.errors import InputRejected
from newsarchive.readers import check_story_size, html_meta
from newsarchive.readers.html_meta import PageMeta, clean_text, safe_url

logger = logging.getLogger(__name__)

MIN_BODY_WORDS = 40  # fewer words than this is a stub, a teaser or an index page
_SNIFF = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html|<head|<body|<meta|<title)",
    re.IGNORECASE | re.DOTALL,
)
_LATE_TAGS = re.compile(rb"<(?:html|head|body|title|meta|div|p|article)\b", re.IGNORECASE)
_WORD = re.compile(r"\w+")


def load_trafilatura() -> types.ModuleType:
    """trafilatura, imported on first use (it takes ~0.5 s to import; text dumps never need it).

    Its dependency jusText needs ``lxml.html.clean``, which lxml 6 moved into the
    ``lxml_html_clean`` package: that is why the project depends on it.
    """
    import trafilatura

    return trafilatura


def looks_like_html(data: bytes) -> bool:
    """True when the bytes start like an HTML (or XHTML) document."""
    encoding = html_meta.declared_encoding(data[:4])
    head = data[:4096]
    if encoding in ("utf-16", "utf-32"):
        head = head.decode(encoding, errors="ignore").encode("utf-8")
    head = head.removeprefix(b"\xef\xbb\xbf")
    if _SNIFF.match(head):
        return True
    stripped = head.lstrip()
    return stripped.startswith(b"<") and len(_LATE_TAGS.findall(head)) >= 2


# --- trafilatura XML to blocks -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """A body block before cleaning, with what the cleaners need to judge it."""

    block: Block
    link_ratio: float  # share of the block's characters inside links
    starts_with_link: bool
    in_list: int = -1  # index of the list it came from, -1 when not in a list
    inline: bool = False  # a loose link or text run between paragraphs


_INLINE_TAGS = frozenset({"ref", "hi", "lb"})
_ENDS_SENTENCE = re.compile(r"[.!?:;…\"”’»)\]]\s*$")
_CONTINUES = re.compile(r"^\s*(?:[,.;:)\]…]|[^\W\d_](?<=[a-zà-ÿ]))")


_SPACED_TAGS = frozenset({"lb", "item", "row", "cell", "head", "p", "list", "quote"})


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _text(element: Any) -> str:
    """Text of a trafilatura XML element; line breaks and block children become spaces."""
    parts = [element.text or ""]
    for child in element:
        spacer = " " if child.tag in _SPACED_TAGS else ""
        parts.extend((spacer, _text(child), spacer, child.tail or ""))
    return "".join(parts)


def _candidate(element: Any, kind: BlockKind, in_list: int = -1) -> Candidate | None:
    text = _flat(_text(element))
    if not text:
        return None
    links = _flat(" ".join(_text(ref) for ref in element.iter("ref")))
    first_ref = next(element.iter("ref"), None)
    leading = (element.text or "").strip() == "" and first_ref is not None and (
        first_ref.getparent() is element or (first_ref.getparent().text or "").strip() == "")
    return Candidate(Block(kind, text), min(1.0, len(links) / len(text)), leading, in_list,
                     inline=element.tag in _INLINE_TAGS)


def _tail(element: Any) -> Candidate | None:
    text = _flat(element.tail or "")
    return Candidate(Block(BlockKind.PARAGRAPH, text), 0.0, False, inline=True) if text else None


def _element_candidates(element: Any, index: int) -> list[Candidate | None]:
    tag = element.tag
    if tag == "head":
        return [_candidate(element, BlockKind.HEADING)]
    if tag == "list":
        return [_candidate(item, BlockKind.PARAGRAPH, index) for item in element]
    if tag in ("quote", "div") and len(element):
        return list(xml_candidates(element))
    if tag == "table":
        return [_candidate(row, BlockKind.PARAGRAPH) for row in element.iter("row")]
    return [_candidate(element, BlockKind.PARAGRAPH)]


def xml_candidates(body: Any) -> list[Candidate]:
    """Blocks of trafilatura's XML body in document order (lists and quotes flattened)."""
    found: list[Candidate | None] = []
    for index, element in enumerate(body):
        found.extend(_element_candidates(element, index))
        found.append(_tail(element))
    return join_fragments([c for c in found if c is not None])


def _joinable(before: Candidate, after: Candidate) -> bool:
    if BlockKind.HEADING in (before.block.kind, after.block.kind) or max(
            before.in_list, after.in_list) > -1:
        return False
    return before.inline or after.inline or (
        not _ENDS_SENTENCE.search(before.block.text) and bool(_CONTINUES.match(after.block.text)))


def join_fragments(candidates: list[Candidate]) -> list[Candidate]:
    """One paragraph from pieces cut at links: "Kuo predicted that" + link + ", including..."."""
    joined: list[Candidate] = []
    for cand in candidates:
        if not joined or not _joinable(joined[-1], cand):
            joined.append(cand)
            continue
        before = joined[-1]
        glue = "" if re.match(r"[,.;:)\]]", cand.block.text) else " "
        text = before.block.text + glue + cand.block.text
        links = before.link_ratio * len(before.block.text) + cand.link_ratio * len(cand.block.text)
        joined[-1] = Candidate(Block(BlockKind.PARAGRAPH, text), links / len(text),
                               before.starts_with_link, inline=False)
    return joined


# --- cleaning ------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in _WORD.findall(text))


def teaser_lists(candidates: list[Candidate]) -> set[int]:
    """Lists whose items mostly open with a link to another story: "more news" teasers."""
    by_list: dict[int, list[Candidate]] = {}
    for cand in candidates:
        if cand.in_list >= 0:
            by_list.setdefault(cand.in_list, []).append(cand)
    return {
        index for index, items in by_list.items()
        if len(items) >= 2
        and sum(c.starts_with_link and c.link_ratio >= 0.2 for c in items) >= 0.6 * len(items)
    }


_PROMO = re.compile(
    r"^\W*(?:(?:read|see|watch|listen)\s+(?:more|also|next)|related(?:\s+(?:stories|articles))?|"
    r"don'?t\s+miss|more\s+(?:on|from)\s+this\s+story|recommended)\b\W",
    re.IGNORECASE,
)
_BARE_URL = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Known:
    """Text the page shows outside the story, as word tuples: titles, summary, captions."""

    titles: frozenset[tuple[str, ...]] = frozenset()
    summary: tuple[str, ...] = ()
    captions: frozenset[tuple[str, ...]] = frozenset()


def known_text(meta: PageMeta, headline: str, photos: Iterable[Photo]) -> Known:
    captions = set()
    for photo in photos:
        captions |= {_words(photo.caption), _words(f"{photo.caption} {photo.credit}")}
    return Known(
        titles=frozenset({_words(meta.title), _words(headline)} - {()}),
        summary=_words(meta.description),
        captions=frozenset(captions - {()}),
    )


def _drop_reason(cand: Candidate, kept: list[Block], known: Known) -> str:
    """Why a candidate is not story text, or "" to keep it."""
    text = cand.block.text
    words = _words(text)
    if not kept and words in known.titles:
        return "title"
    if cand.block.kind is BlockKind.HEADING and len(kept) < 3 and words == known.summary:
        return "standfirst"
    if words in known.captions:
        return "captions"
    if _PROMO.match(text) or (cand.link_ratio > 0.9 and len(text) < 120):
        return "links"
    if _BARE_URL.match(text):
        return "boilerplate"
    return ""


def _heading_runs(blocks: list[Block]) -> list[Block]:
    """Blocks without headings that head nothing: runs of 3+ headings and trailing headings."""
    kept: list[Block] = []
    run: list[Block] = []
    for block in blocks:
        if block.kind is BlockKind.HEADING:
            run.append(block)
            continue
        kept.extend(run if len(run) < 3 else ())
        run = []
        kept.append(block)
    return kept


def clean_candidates(
    candidates: list[Candidate], known: Known,
) -> tuple[list[Block], dict[str, int]]:
    """The story's blocks without title repeats, standfirsts, teasers, captions and link lines."""
    teasers = teaser_lists(candidates)
    kept: list[Block] = []
    dropped: dict[str, int] = {}
    for cand in candidates:
        reason = "teasers" if cand.in_list in teasers else _drop_reason(cand, kept, known)
        if reason:
            dropped[reason] = dropped.get(reason, 0) + 1
        else:
            kept.append(cand.block)
    cleaned = _heading_runs(kept)
    if len(cleaned) < len(kept):
        dropped["headings"] = len(kept) - len(cleaned)
    return cleaned, dropped


_OUTSIDE_TEXT = "ancestor-or-self::*[self::aside or self::figure or self::nav or self::footer]"


def _page_paragraphs(element: Any) -> list[Any]:
    return [p for p in element.iter("p") if not p.xpath(_OUTSIDE_TEXT)]


def continuation(tree: Any, blocks: list[Block]) -> list[Block]:
    """Paragraphs in later sibling chunks of the story's container that extraction missed.

    Pages that cut a story into chunks around ads (``<div class="chunk">`` repeated) lose every
    chunk but the first; this follows same-tag, same-class siblings of the container of the
    last extracted paragraph, up to three levels up, and takes their paragraphs.
    """
    seen = {_words(b.text) for b in blocks}
    last = None
    for paragraph in _page_paragraphs(tree):
        if _words(paragraph.text_content()) in seen:
            last = paragraph
    for level, container in enumerate(last.iterancestors() if last is not None else ()):
        if level >= 3:
            break
        siblings = [s for s in container.itersiblings()
                    if s.tag == container.tag and s.get("class") == container.get("class")
                    and container.get("class")]
        texts = [html_meta.element_text(p) for s in siblings for p in _page_paragraphs(s)]
        found = [Block(BlockKind.PARAGRAPH, t) for t in texts if t and _words(t) not in seen]
        if sum(len(_words(b.text)) >= 15 for b in found) >= 2:  # prose, not a bio or a byline
            return found
    return []


def paragraphs_of(text: str) -> list[Block]:
    """Blocks of a plain-text body with one paragraph a line."""
    return [Block(BlockKind.PARAGRAPH, line) for line in text.splitlines() if line.strip()]


def _coverage(part: Iterable[Block], whole: str) -> float:
    """Share of ``whole``'s words that ``part`` also has (bags of words)."""
    reference = Counter(_words(whole))
    have = Counter(word for block in part for word in _words(block.text))
    return sum((reference & have).values()) / max(1, reference.total())


def reconcile(blocks: list[Block], meta: PageMeta) -> list[Block]:
    """Main-content blocks, or the JSON-LD body when extraction missed the story or its paragraphs.

    The JSON-LD body wins when the extracted blocks cover little of it, or cover it well but in
    far fewer blocks (paragraph breaks lost); otherwise extraction wins, as a page's articleBody
    is often cut short or padded with captions and promotions.
    """
    ld_blocks = paragraphs_of(meta.article_body)
    if len(_words(meta.article_body)) < MIN_BODY_WORDS * 2:
        return blocks
    coverage = _coverage(blocks, meta.article_body)
    if coverage < 0.6:
        return ld_blocks
    extracted = "\n".join(b.text for b in blocks)
    if len(blocks) * 2 < len(ld_blocks) and min(coverage, _coverage(ld_blocks, extracted)) > 0.9:
        return ld_blocks
    return blocks


# --- the reader ----------------------------------------------------------------------------


def _extract(text: str, url: str) -> tuple[list[Candidate], Any]:
    """trafilatura's main content as candidate blocks, and its metadata document."""
    document = load_trafilatura().bare_extraction(
        text, url=url or None, include_comments=False, include_links=True,
        include_tables=True, with_metadata=True,
    )
    if document is None or document.body is None:
        return [], document
    return xml_candidates(document.body), document


def _fallback_date(tree: Any, url: str) -> dt.datetime | None:
    """htmldate's reading of the page and its URL, when the page declares no date."""
    from htmldate import find_date  # imported on first use, like trafilatura: ~0.1 s

    found = find_date(tree, original_date=True, url=url or None, outputformat="%Y-%m-%d")
    return dt.datetime.fromisoformat(found) if found else None


def _headline(tree: Any) -> str:
    """The page's first ``<h1>``, the story's headline on most news pages."""
    heading = tree.xpath("//h1")
    return html_meta.element_text(heading[0]) if heading else ""


def _title(meta: PageMeta, document: Any, headline: str) -> str:
    if meta.title:
        return meta.title
    return clean_text(getattr(document, "title", "") or "") or headline


def _reject_stub(blocks: list[Block], name: str) -> None:
    if sum(len(_WORD.findall(b.text)) for b in blocks) < MIN_BODY_WORDS:
        raise InputRejected(
            f"{name}: no article body found (fewer than {MIN_BODY_WORDS} words of story text); "
            "it looks like an index, teaser or empty page")


def read_html(
    data: bytes, *, origin: str = "", url: str = "", fallback_date: dt.datetime | None = None
) -> Article:
    """The story a saved page carries; ``InputRejected`` when it has no article body.

    ``fallback_date`` (a crawl's capture date) is used when the page and its URL name none.
    """
    name = origin or "page"
    check_story_size(data, "HTML page")
    if not looks_like_html(data):
        raise InputRejected(f"{name}: not an HTML page (no <html>, <head> or <body> at the start)")
    text = html_meta.decode_html(data)
    tree = html_meta.parse_tree(text)
    if tree is None:
        raise InputRejected(f"{name}: the HTML page is empty")
    meta = html_meta.page_meta(tree, safe_url(url))
    photos, headline = html_meta.photos_of(tree, meta), _headline(tree)
    candidates, document = _extract(html_meta.strip_xml_declaration(text), meta.url)
    blocks, dropped = clean_candidates(candidates, known_text(meta, headline, photos))
    blocks = reconcile(blocks + continuation(tree, blocks), meta)
    _reject_stub(blocks, name)
    date = meta.date or _fallback_date(tree, meta.url) or fallback_date
    if date is None:
        raise InputRejected(f"{name}: no publication date in the page's metadata, <time> or URL")
    title = _title(meta, document, headline)
    return Article(
        title=title or blocks[0].text[:120],
        title_derived=not title,
        date=plausible_date(date),
        body=tuple(blocks),
        source=meta.site_name or clean_text(getattr(document, "sitename", "") or ""),
        url=meta.url,
        authors=meta.authors or _authors(document),
        section=meta.section,
        summary=meta.description,
        photos=photos,
        dropped=dropped,
    )


def _authors(document: Any) -> tuple[str, ...]:
    raw = clean_text(getattr(document, "author", "") or "")
    return tuple(name.strip() for name in raw.split(";") if name.strip())
