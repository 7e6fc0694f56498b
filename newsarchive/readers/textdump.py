"""Reader for text dumps of article pages (one paragraph per line, as scrapers save them).

Layout of a dump, top to bottom:

* optional header: a headline line, a byline ("By ..."), a date line, an agency line;
* body paragraphs, possibly with short subheading lines (no final full stop);
* the end block, in any order: an agency line ("Reuters"), a date line
  ("Tue Apr 11 2017"), photo captions ending in a credit ("... REUTERS/Max Rossi");
* the site's "more news" teasers (headline line, summary line, repeated), dropped and counted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache

from newsarchive.agencies import agency_name, credit_agency, split_credit
from newsarchive.article import Article, Block, BlockKind, Photo
from newsarchive.dates import parse_date_line, plausible_date
from newsarchive.errors import InputRejected
from newsarchive.readers import check_story_size
from newsarchive.text import decode_text, ends_sentence, headline_from_lead, squash, summary_of

MIN_BODY_CHARS = 200
HEADLINE_MAX = 150
SUBHEADING_MAX_WORDS = 10
SUBHEADING_MAX_CHARS = 80


class LineKind(Enum):
    AGENCY = "agency"
    DATE = "date"
    CAPTION = "caption"
    TEXT = "text"


@dataclass(slots=True)
class _Parts:
    """What the parser found, before it becomes an Article."""

    headline: str = ""
    byline: str = ""
    source: str = ""
    date: dt.datetime | None = None
    body: list[str] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)
    teaser_lines: list[str] = field(default_factory=list)


@lru_cache(maxsize=4096)  # parsing a dump asks about the same lines up to three times
def _date_line(line: str) -> dt.datetime | None:
    return parse_date_line(line)  # pure: the same line always gives the same (immutable) value


@lru_cache(maxsize=4096)
def classify(line: str) -> LineKind:
    if agency_name(line):
        return LineKind.AGENCY
    if _date_line(line):
        return LineKind.DATE
    caption = split_credit(line)
    if caption and len(caption.text.split()) >= 3:
        return LineKind.CAPTION
    return LineKind.TEXT


def is_subheading(line: str) -> bool:
    """A short line that does not end a sentence: a crosshead such as '"CRIMES AGAINST X"'."""
    return (
        len(line) <= SUBHEADING_MAX_CHARS
        and len(line.split()) <= SUBHEADING_MAX_WORDS
        and not ends_sentence(line)
        and any(c.isalpha() for c in line)
    )


def subheading_text(line: str) -> str:
    """Crossheads shouted in capitals read better in sentence case; others stay as written."""
    letters = [c for c in line if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        lowered = line.lower()
        first = next(i for i, c in enumerate(lowered) if c.isalpha())
        return lowered[:first] + lowered[first].upper() + lowered[first + 1 :]
    return line


_BYLINE = re.compile(r"^by\s+(?P<names>[^\d]{3,80})$", re.IGNORECASE)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
# "LUCCA, Italy (Reuters) -", "SALVADOR, Feb 26 -", "WASHINGTON (AP) —"
DATELINE = re.compile(
    r"^(?P<place>[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ .'’-]{1,40}"  # capitals, accented ones too ("MÁLAGA")
    r"(?:,\s*(?!" + _MONTH + r"\.?\s+\d)[A-ZÀ-ÖØ-Þ][\w .'’-]{1,30}?)?)"
    r"(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"
    r"\s*(?:\((?P<agency>[^)]{2,30})\))?\s*[-–—]+\s+"
)


def unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines: a line that does not end a sentence and is followed by a
    line starting in lower case continues on that line. Agency and date lines ("dpa",
    "Tue Apr 11 2017") are never joined, on either side."""
    out: list[str] = []
    for line in lines:
        if (
            out
            and not ends_sentence(out[-1])
            and line[:1].islower()
            and classify(line) is LineKind.TEXT
            and classify(out[-1]) is LineKind.TEXT
        ):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


def _take_header(lines: list[str], parts: _Parts) -> list[str]:
    """Consume headline, byline, date and agency lines at the top; return the rest."""
    rest = list(lines)
    first = rest[0] if rest else ""
    if (
        len(rest) > 2
        and len(first) <= HEADLINE_MAX
        and not ends_sentence(first)
        and not DATELINE.match(first)
        and classify(first) is LineKind.TEXT
        and not _BYLINE.match(first)
    ):
        parts.headline = first
        rest.pop(0)
    while rest:
        line, kind = rest[0], classify(rest[0])
        byline = _BYLINE.match(line)
        if byline and not parts.byline:
            parts.byline = byline.group("names").strip()
        elif kind is LineKind.DATE and parts.date is None:
            parts.date = _date_line(line)
        elif kind is LineKind.AGENCY and not parts.source:
            parts.source = agency_name(line)
        else:
            break
        rest.pop(0)
    return rest


def _end_block(lines: list[str]) -> tuple[int, int]:
    """Start and end of the agency/date/caption block after the body, or (len, len)."""
    # Lines are classified only as far as needed: the block starts at the first agency or
    # date line, and most lines before it are body text that the caption test (the slowest,
    # a long regex) never needs to see.
    for i, line in enumerate(lines):
        if i == 0 or not (agency_name(line) or _date_line(line)):
            continue
        start = i
        while start > 1 and classify(lines[start - 1]) is LineKind.CAPTION:
            start -= 1
        end = i
        while end < len(lines) and classify(lines[end]) is not LineKind.TEXT:
            end += 1
        return start, end
    return len(lines), len(lines)


def _take_end_block(block: list[str], parts: _Parts) -> None:
    for line in block:
        kind = classify(line)
        if kind is LineKind.AGENCY and not parts.source:
            parts.source = agency_name(line)
        elif kind is LineKind.DATE and parts.date is None:
            parts.date = _date_line(line)
        elif kind is LineKind.CAPTION:
            caption = split_credit(line)
            if caption:
                parts.photos.append(Photo(caption=caption.text, credit=caption.credit))


def parse(text: str) -> _Parts:
    lines = unwrap([squash(line) for line in text.split("\n") if line.strip()])
    parts = _Parts()
    rest = _take_header(lines, parts)
    start, end = _end_block(rest)
    parts.body = rest[:start]
    _take_end_block(rest[start:end], parts)
    parts.teaser_lines = rest[end:]
    if parts.body and _BYLINE.match(parts.body[0]) and not parts.byline:
        parts.byline = _BYLINE.match(parts.body.pop(0)).group("names").strip()  # type: ignore[union-attr]
    return parts


def _blocks(body: list[str]) -> tuple[Block, ...]:
    blocks = []
    for i, line in enumerate(body):
        # The lead is never a crosshead, and a crosshead always has text after it.
        if 0 < i < len(body) - 1 and is_subheading(line):
            blocks.append(Block(BlockKind.HEADING, subheading_text(line.strip("\"'“”‘’ "))))
        else:
            blocks.append(Block(BlockKind.PARAGRAPH, line))
    return tuple(blocks)


def _check(parts: _Parts) -> None:
    if not parts.body:
        raise InputRejected("no story text: no body paragraphs before the agency/date lines")
    if sum(len(line) for line in parts.body) < MIN_BODY_CHARS:
        raise InputRejected(
            f"story text too short ({sum(len(x) for x in parts.body)} characters; "
            f"at least {MIN_BODY_CHARS} expected): probably not an article"
        )
    if parts.date is None:
        raise InputRejected(
            "no date line found: add a line such as 'Tue Apr 11 2017' or '11 April 2017' "
            "after the story"
        )


def read_textdump(data: bytes, *, origin: str = "") -> Article:
    """Parse a text dump into an Article; raise InputRejected with the reason when it is not one."""
    check_story_size(data, "text dump")
    text = decode_text(data)
    if not text.strip():
        raise InputRejected("empty file")
    parts = parse(text)
    _check(parts)
    assert parts.date is not None
    lead = parts.body[0]
    dateline = DATELINE.match(lead)
    source = parts.source
    if not source and dateline and dateline.group("agency"):
        source = agency_name(dateline.group("agency"))
    if not source and parts.photos:
        source = credit_agency(parts.photos[0].credit)
    lead_text = lead[dateline.end() :] if dateline else lead
    return Article(
        title=parts.headline or headline_from_lead(lead_text),
        title_derived=not parts.headline,
        date=plausible_date(parts.date),
        body=_blocks(parts.body),
        source=source,
        authors=tuple(a.strip() for a in re.split(r",|\band\b", parts.byline) if a.strip()),
        dateline=dateline.group("place").strip() if dateline else "",
        summary=summary_of(lead_text),
        photos=tuple(parts.photos),
        scraped_sha256=hashlib.sha256(data).hexdigest(),
        dropped={"teasers": (len(parts.teaser_lines) + 1) // 2} if parts.teaser_lines else {},
    )
