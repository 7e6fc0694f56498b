"""Loaders for the shared development corpora (../shared/corpora), for evaluation only.

Nothing here is shipped into content: the corpora are read at evaluation time and
their text never leaves memory. Every loader raises ``CorpusMissing`` when the
shared folder is absent so scripts and tests can skip cleanly.
"""

from __future__ import annotations

import gzip
import html
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSARCHIVE_SHARED", ROOT.parent / "shared"))
CORPORA = SHARED / "corpora"


class CorpusMissing(RuntimeError):
    """The shared corpus folder is not on this machine."""


def require(path: Path) -> Path:
    if not path.exists():
        raise CorpusMissing(f"{path} not found (the shared corpora are not on this machine)")
    return path


@dataclass(frozen=True, slots=True)
class ReutersStory:
    newid: str
    date: str  # as written in the SGML, e.g. "26-FEB-1987 15:01:01.79"
    topics: tuple[str, ...]
    places: tuple[str, ...]
    title: str
    dateline: str
    body: str


_REUTERS = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
_NEWID = re.compile(r'NEWID="(\d+)"')


def _tag(block: str, name: str) -> str:
    m = re.search(rf"<{name}[^>]*>(.*?)</{name}>", block, re.S)
    return m.group(1) if m else ""


def _labels(block: str, name: str) -> tuple[str, ...]:
    return tuple(re.findall(r"<D>(.*?)</D>", _tag(block, name)))


def _clean(text: str) -> str:
    text = text.replace("&#3;", "").replace("\x03", "")
    text = re.sub(r"\s*\bReuter\s*$", "", text.strip())
    return html.unescape(text)


def load_reuters() -> Iterator[ReutersStory]:
    """Every story of reut2-*.sgm.gz in file order (Latin-1, SGML)."""
    folder = require(CORPORA / "reuters21578-dev")
    for path in sorted(folder.glob("reut2-*.sgm.gz")):
        raw = gzip.decompress(path.read_bytes()).decode("latin-1")
        for attrs, block in _REUTERS.findall(raw):
            newid = _NEWID.search(attrs)
            yield ReutersStory(
                newid=newid.group(1) if newid else "",
                date=_tag(block, "DATE").strip(),
                topics=_labels(block, "TOPICS"),
                places=_labels(block, "PLACES"),
                title=_clean(_tag(block, "TITLE")),
                dateline=_clean(_tag(block, "DATELINE")),
                body=_clean(_tag(block, "BODY")),
            )


@dataclass(frozen=True, slots=True)
class BBCStory:
    id: str
    category: str
    title: str
    text: str


def load_bbc() -> Iterator[BBCStory]:
    path = require(CORPORA / "bbc-news-dev" / "bbc-dev.jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            rec = json.loads(line)
            yield BBCStory(str(rec["id"]), rec["category"], rec["title"], rec["text"])


@dataclass(frozen=True, slots=True)
class ExtractionPage:
    sha: str
    html: bytes
    url: str
    article_body: str


def load_extraction() -> Iterator[ExtractionPage]:
    folder = require(CORPORA / "article-extraction-dev")
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    for sha in sorted(truth):
        page = folder / "html" / f"{sha}.html.gz"
        yield ExtractionPage(
            sha,
            gzip.decompress(page.read_bytes()),
            truth[sha].get("url", ""),
            truth[sha]["articleBody"],
        )
