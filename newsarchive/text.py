"""Text helpers shared by the readers: decoding scraped bytes, headlines, summaries, slugs."""

from __future__ import annotations

import codecs
import re
import unicodedata

from unidecode import unidecode

from newsarchive.errors import InputRejected

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0/C1 controls other than tab and newline never belong in a story.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def decode_text(data: bytes) -> str:
    """Decode scraped bytes: BOM first, then UTF-8, then Windows-1252 (a superset of Latin-1
    for printable text, and what most non-UTF-8 scraped pages really are).

    Line endings are normalised to ``\\n``, text to NFC, and control characters removed.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data.decode(encoding, errors="replace")
            break
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise InputRejected("contains NUL bytes: binary data or an unmarked UTF-16/32 file")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", unicodedata.normalize("NFC", text))


def squash(text: str) -> str:
    """One line, single spaces: how every metadata value is stored."""
    return " ".join(text.split())


_TERMINAL = re.compile(r"[.!?…:;,][\"'”’»)\]]*$")


def ends_sentence(line: str) -> bool:
    return bool(_TERMINAL.search(line.rstrip()))


_CLAUSE_BREAKS = re.compile(r",\s|;\s|:\s|\s[–—-]\s|\s\(")
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\"”’])[.!?](?=\s+[A-Z\"“‘(]|$)")
_WEAK_TAIL = {
    "a",
    "an",
    "the",
    "and",
    "or",
    "but",
    "of",
    "to",
    "in",
    "on",
    "at",
    "for",
    "with",
    "by",
    "from",
    "as",
    "that",
    "which",
    "who",
    "its",
    "their",
    "his",
    "her",
    "is",
    "was",
}


def _trim_weak_tail(words: list[str]) -> list[str]:
    while len(words) > 3 and words[-1].lower().strip(",;:") in _WEAK_TAIL:
        words.pop()
    return words


def headline_from_lead(lead: str, limit: int = 100) -> str:
    """A headline-like line from a story's first paragraph.

    The first sentence when it fits in ``limit`` characters; otherwise cut at the last
    clause boundary (comma, semicolon, dash) that leaves at least 40 characters; otherwise
    at the last word boundary, never ending on an article or preposition.
    """
    text = squash(lead)
    end = _SENTENCE_END.search(text)
    sentence = text[: end.start()] if end else text.rstrip(".!?")
    if len(sentence) <= limit:
        return sentence
    window = sentence[: limit + 1]
    breaks = [m.start() for m in _CLAUSE_BREAKS.finditer(window) if m.start() >= 40]
    if breaks:
        return window[: breaks[-1]].rstrip(" ,;:")
    words = _trim_weak_tail(window[: window.rfind(" ")].split())
    return " ".join(words).rstrip(" ,;:")


def summary_of(text: str, limit: int = 300) -> str:
    """A summary: the text itself when short, else cut at a word boundary with an ellipsis."""
    text = squash(text)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: cut.rfind(" ")].rstrip(" ,;:-–—") + "…"


_NON_ALNUM = re.compile(r"[^a-z0-9]+")
SLUG_MAX = 80


def slugify(text: str, max_length: int = SLUG_MAX) -> str:
    """A readable ASCII slug ("Café in São Paulo" → "cafe-in-sao-paulo"); "" when nothing is left.

    Transliteration (unidecode) keeps non-Latin titles readable; only ``[a-z0-9-]``
    survives, so a slug can never name a path outside its folder.
    """
    slug = _NON_ALNUM.sub("-", unidecode(text).lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length]
        slug = slug[: slug.rfind("-")] if "-" in slug else slug
    return slug.strip("-")
