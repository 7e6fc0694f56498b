"""The one record a story travels in, from a reader to the content writer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class BlockKind(StrEnum):
    PARAGRAPH = "paragraph"
    HEADING = "heading"


@dataclass(frozen=True, slots=True)
class Block:
    """One unit of story body: a paragraph or a subheading, plain text."""

    kind: BlockKind
    text: str


@dataclass(frozen=True, slots=True)
class Photo:
    """A picture (or only its caption, when the image itself was not scraped)."""

    caption: str = ""
    credit: str = ""
    image: str = ""  # path relative to the content folder, "" when only the caption is known
    width: int = 0
    height: int = 0
    date: str = ""  # when the picture was taken (ISO 8601), from IPTC/XMP, "" when unknown
    places: tuple[str, ...] = ()  # city, country names from IPTC/XMP, for the classifiers


@dataclass(frozen=True, slots=True)
class Article:
    """A scraped story after reading and extraction, before it is written.

    Plain text only: readers turn markup into ``Block`` text, and the writer
    escapes it for Markdown, so nothing from the input is ever interpreted as
    markup.
    """

    title: str
    date: dt.datetime
    body: tuple[Block, ...]
    source: str = ""
    title_derived: bool = False
    url: str = ""
    authors: tuple[str, ...] = ()
    dateline: str = ""
    section: str = ""
    summary: str = ""
    topics: tuple[str, ...] = ()  # topic slugs from newsarchive's vocabulary
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2, most salient first
    photos: tuple[Photo, ...] = ()
    scraped_sha256: str = ""
    kind: str = ""  # "" for a story, "photo" for a picture imported on its own
    # Input fields no mapping knew (JSON records), named in the report rather than lost.
    extra_fields: tuple[str, ...] = field(default=(), hash=False, compare=False)
    # What the reader dropped on purpose (e.g. {"teasers": 20}), for the report.
    dropped: dict[str, int] = field(default_factory=dict, hash=False, compare=False)

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.body if b.kind is BlockKind.PARAGRAPH]

    @property
    def text(self) -> str:
        """The body as plain text, blocks separated by blank lines."""
        return "\n\n".join(b.text for b in self.body)
