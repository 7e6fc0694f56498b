"""Property-based fuzzing (hypothesis) of every parser entry point of the importer.

The property, for each entry point: any input gives either an ``Article`` that the content
writer can write (a title, a date in the accepted window, UTF-8-clean fields, a path inside the
content folder) or ``InputRejected`` with a reason; never any other exception. The whole
import path (:data:`ENTRY_POINTS` ``import``) also checks that nothing is written outside the
content folder.

Each entry point gets raw bytes and structured inputs that reach deeper (text dumps built from
plausible lines, HTML documents built from hostile elements, JSON of any shape, WARC crawls
and pictures, cut or with a flipped byte). :func:`fuzz` runs one entry point for a number of
examples and returns how many ran; ``tests/test_fuzz.py`` (bounded, derandomised, in CI) and
``scripts/fuzz.py`` (``make fuzz``: long, random) call it.
"""

from __future__ import annotations

import gzip
import html
import io
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from PIL import Image

from newsarchive.article import Article
from newsarchive.content import relative_path, render, split_file
from newsarchive.dates import MAX_YEAR, MIN_YEAR
from newsarchive.errors import InputRejected
from newsarchive.formats import detect
from newsarchive.importer import handle
from newsarchive.index import ContentIndex
from newsarchive.readers.html import read_html
from newsarchive.readers.json_records import read_json, read_record
from newsarchive.readers.photo import photo_article
from newsarchive.readers.textdump import read_textdump
from newsarchive.readers.warc import iter_records, read_page
from newsarchive.text import slugify, squash
from newsarchive.units import iter_units
from newsarchive.work import process, read_photo
from tests.hostile.corpus import MD, XSS, media
from tests.hostile.stories import paragraphs

# --- building blocks -----------------------------------------------------------------------

_WORD_LIST = ("the council harbour vote bridge Reuters said on Tuesday minister police Lucca "
              "Italy March 2018 by and of to in a new plan city water rail court (AP) — « » é ß "
              "東京")
_WORDS = st.sampled_from(_WORD_LIST.split())
_HOSTILE = st.sampled_from([XSS, MD, "javascript:alert(1)", "<svg onload=alert(1)>", "\x00",
                            "\ud800", "\ufeff", "&amp;", "&#0;", "{{ 7*7 }}", "{filename}/x.md",
                            "Title: injected", "\u202e", "\r", "\x1b[31m"])
_YEARS = st.one_of(st.integers(0, 9999), st.integers(1990, 2030))
_DATE_LINES = st.builds(
    lambda fmt, y, m, d: fmt.format(y=y, m=m, d=d),
    st.sampled_from(["{y:04d}-{m:02d}-{d:02d}", "{d} March {y}", "Tue Apr {d} {y}",
                     "April {d}, {y}", "{d}/{m}/{y}", "{y:04d}-{m:02d}-{d:02d}T10:30:00Z",
                     "Updated: {d} May {y} 10:30 GMT"]),
    _YEARS, st.integers(0, 13), st.integers(0, 32))
# Dates a story may carry, so that structured inputs get past the date checks.
_GOOD_DATES = st.builds(lambda fmt, y, m, d: fmt.format(y=y, m=m, d=d),
                        st.sampled_from(["{y:04d}-{m:02d}-{d:02d}", "{d} March {y}",
                                         "April {d}, {y}"]),
                        st.integers(1990, 2030), st.integers(1, 12), st.integers(1, 28))
_SENTENCES = st.builds(lambda words: " ".join(words).capitalize() + ".",
                       st.lists(_WORDS, min_size=3, max_size=40))
_LINES = st.one_of(
    st.text(max_size=120), _SENTENCES, _SENTENCES, _DATE_LINES, _HOSTILE,
    st.sampled_from(["Reuters", "AFP", "AP", "Bernama", "Xinhua", "By Ann Ray and Bo Lind",
                     '"WE HEARD EVERY SIDE"', "LUCCA, Italy (Reuters) - The", ""]),
    st.builds(lambda text, who: f"{text} REUTERS/{who}", _SENTENCES, st.text(max_size=20)),
)


def _encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace" if encoding != "utf-8" else "surrogatepass")


TEXT_DUMPS = st.one_of(
    st.builds(lambda lines, eol, enc: _encoded(eol.join(lines), enc),
              st.lists(_LINES, max_size=40), st.sampled_from(["\n", "\r\n", "\r"]),
              st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1"])),
    # Shaped like a story (headline, body, agency, date, teasers): deep into the parser.
    st.builds(lambda head, body, agency, date, tail: "\n".join(
        [head, *body, agency, date, *tail]).encode("utf-8", "surrogatepass"),
        _LINES, st.lists(_SENTENCES, min_size=1, max_size=8),
        st.sampled_from(["Reuters", "AFP", "", "AP"]), _DATE_LINES | _GOOD_DATES,
        st.lists(_LINES, max_size=10)),
)

_TAGS = st.sampled_from([
    "p", "div", "span", "a", "script", "style", "iframe", "svg", "article", "h1", "h2",
    "figure", "figcaption", "img", "time", "ul", "li", "table", "tr", "td", "noscript",
    "template", "base", "meta", "title", "nav", "aside", "footer", "header", "math", "object"])
_ATTR_VALUES = st.one_of(st.text(max_size=30), _HOSTILE, _DATE_LINES, st.sampled_from([
    "https://news.example/2019/05/story", "/relative/path.jpg", "data:image/png;base64,AA",
    " JaVaScRiPt:alert(1)", "article:published_time", "og:title", "datePublished", "utf-8",
    "base64", "refresh", "credit", "chunk"]))
_ATTRS = st.dictionaries(
    st.sampled_from(["href", "src", "onload", "onclick", "class", "id", "datetime", "style",
                     "content", "property", "name", "srcset", "itemprop", "charset",
                     "http-equiv", "type", "pubdate"]), _ATTR_VALUES, max_size=3)


def _element(tag: str, attrs: dict[str, str], children: list[str]) -> str:
    attributes = "".join(f' {k}="{html.escape(v)}"' for k, v in attrs.items())
    return f"<{tag}{attributes}>{''.join(children)}</{tag}>"


_LEAVES = st.one_of(_SENTENCES, st.text(max_size=40), _HOSTILE.map(html.escape), _HOSTILE)
_FRAGMENTS = st.recursive(
    _LEAVES, lambda children: st.builds(_element, _TAGS, _ATTRS, st.lists(children, max_size=6)),
    max_leaves=40)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40) | _HOSTILE
    | _DATE_LINES,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4), max_leaves=20)
_LD = st.fixed_dictionaries({"@type": st.sampled_from(["NewsArticle", "Thing"])}, optional={
    "headline": _JSON, "datePublished": _DATE_LINES, "author": _JSON, "articleBody": _JSON,
    "image": _JSON, "url": _ATTR_VALUES, "publisher": _JSON, "@graph": _JSON})


def _page(head: list[str], body: list[str], ld: dict, date: str, story: int | None) -> str:
    text = "".join(f"<p>{p}</p>" for p in paragraphs(story, 3)) if story is not None else ""
    script = json.dumps(ld).replace("</", "<\\/")
    return (f'<html><head><meta property="article:published_time" content="{date}">'
            f'<script type="application/ld+json">{script}</script>{"".join(head)}</head>'
            f"<body><article>{text}{''.join(body)}</article></body></html>")


HTML_PAGES = st.builds(
    lambda page, enc: page.encode(enc, errors="replace" if enc != "utf-8" else "surrogatepass"),
    st.builds(_page, st.lists(_FRAGMENTS, max_size=4), st.lists(_FRAGMENTS, max_size=8), _LD,
              _DATE_LINES | _GOOD_DATES, st.none() | st.integers(0, 10**6)),
    st.sampled_from(["utf-8", "utf-16", "cp1252"]))

_RECORD_TEXT = st.builds(lambda seed: "\n".join(paragraphs(seed)), st.integers(0, 10**6))
_OPTIONAL_FIELDS = {
    "maintext": _JSON, "date_publish": _JSON, "authors": _JSON, "author": _JSON,
    "source": _JSON, "source_domain": _JSON, "url": _ATTR_VALUES, "image_url": _ATTR_VALUES,
    "description": _JSON, "categories": _JSON, "tags": _JSON,
    "html": HTML_PAGES.map(lambda b: b.decode("utf-8", "replace"))}
RECORDS = st.one_of(
    st.fixed_dictionaries({}, optional={
        "title": _JSON, "text": st.one_of(_RECORD_TEXT, _JSON),
        "date": st.one_of(_GOOD_DATES, _DATE_LINES, _JSON), **_OPTIONAL_FIELDS}),
    # Shaped like a story, so that the other fields are read too.
    st.fixed_dictionaries({"title": st.text(max_size=60) | _HOSTILE, "text": _RECORD_TEXT,
                           "date": _GOOD_DATES}, optional=_OPTIONAL_FIELDS),
)
JSON_FILES = st.one_of(
    RECORDS.map(lambda r: json.dumps(r).encode()), _JSON.map(lambda v: json.dumps(v).encode()))


def _utf8(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


def _mutated(data: bytes, how: int, where: int) -> bytes:
    """``data`` as it is (0), cut at ``where`` (1), or with the byte at ``where`` flipped (2)."""
    if not data or how == 0:
        return data
    where %= len(data)
    if how == 1:
        return data[:where]
    return data[:where] + bytes([data[where] ^ 0xFF]) + data[where + 1:]


def mutations(strategy: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    return st.builds(_mutated, strategy, st.integers(0, 2), st.integers(0, 2**20))


_STORY_URLS = st.integers(0, 10**6).map(lambda n: f"https://news.example/2019/05/story-{n}")
WARCS = mutations(st.builds(
    media.warc,
    st.lists(st.tuples(_STORY_URLS | _ATTR_VALUES.map(_utf8), _DATE_LINES | _GOOD_DATES,
                       HTML_PAGES.map(
        lambda b: b.decode("utf-8", "replace"))), min_size=1, max_size=3),
    st.booleans()))


def _picture(size: tuple[int, int], mode: str, fmt: str, iptc: dict[str, str] | None,
             xmp: dict[str, str] | None, orientation: int) -> bytes:
    image = Image.new(mode, size, 128 if mode in ("L", "P", "1") else None)
    if mode not in (("RGB", "L", "CMYK") if fmt == "JPEG" else ("RGB", "L", "P", "RGBA", "1")):
        image = image.convert("RGB")
    if fmt == "JPEG":
        return media.jpeg(image, iptc, orientation, media.xmp_packet(xmp) if xmp else b"")
    out = io.BytesIO()
    image.save(out, fmt, **({"xmp": media.xmp_packet(xmp)} if xmp and fmt == "WEBP" else {}))
    return out.getvalue()


_CAPTION_FIELDS = st.dictionaries(
    st.sampled_from(["caption", "byline", "credit", "city", "country", "date"]),
    st.one_of(_SENTENCES, _DATE_LINES, _HOSTILE.filter(lambda h: "\ud800" not in h),
              st.text(max_size=40).filter(lambda t: not re.search("[\ud800-\udfff]", t)),
              st.just("Crowds gather in Oslo, Norway, March 13, 2018. REUTERS/Ann Ray")),
    max_size=6)
PICTURES = st.one_of(
    mutations(st.builds(
        _picture, st.tuples(st.integers(1, 48), st.integers(1, 48)),
        st.sampled_from(["RGB", "L", "P", "RGBA", "CMYK", "1"]),
        st.sampled_from(["JPEG", "PNG", "WEBP"]), st.none() | _CAPTION_FIELDS,
        st.none() | _CAPTION_FIELDS, st.integers(1, 8))),
    st.builds(lambda magic, rest: magic + rest,
              st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\0\0\0\0WEBPVP8 "]),
              st.binary(max_size=512)),
)
SIDECARS = st.one_of(st.just(b""), _CAPTION_FIELDS.map(lambda d: json.dumps(d).encode()),
                     st.binary(max_size=200), _SENTENCES.map(str.encode))

ANY_INPUT = st.one_of(st.binary(max_size=2048), TEXT_DUMPS, HTML_PAGES, JSON_FILES, WARCS,
                      PICTURES, st.lists(RECORDS, max_size=3).map(
                          lambda rs: "".join(json.dumps(r) + "\n" for r in rs).encode()))

# --- properties ----------------------------------------------------------------------------


def check_article(article: Any) -> None:
    """An accepted story is one the content writer and Pelican can take."""
    assert isinstance(article, Article), type(article)
    assert squash(article.title), "a story needs a title"
    assert MIN_YEAR <= article.date.year <= MAX_YEAR, article.date
    assert article.body and all(b.text.strip() for b in article.body)
    slug = slugify(article.title) or "story"
    path = relative_path(article, slug)
    assert path.parts[0] == "articles" and ".." not in path.parts and len(path.parts) == 4
    text = render(article, slug)
    text.encode("utf-8")  # no lone surrogates: the file can be written
    fields, _ = split_file(text)
    assert fields["Title"] == squash(article.title).replace("\n", " ")
    assert fields["Slug"] == slug


def _count(article: Article | None) -> int:
    return 0 if article is None else 1


def accepted(read: Callable[..., Article], *args: Any, **kwargs: Any) -> Article | None:
    """The article ``read`` returns (checked), or None when it rejects the input with a
    reason; any other exception propagates and fails the property."""
    try:
        article = read(*args, **kwargs)
    except InputRejected as exc:
        assert exc.reason.strip(), "a rejection must say why"
        return None
    check_article(article)
    return article


def fuzz_textdump(data: bytes) -> int:
    return _count(accepted(read_textdump, data, origin="fuzz.txt"))


def fuzz_html(data: bytes) -> int:
    return _count(accepted(read_html, data, origin="fuzz.html", url="https://news.example/a"))


def fuzz_json(data: bytes) -> int:
    return _count(accepted(read_json, data, origin="fuzz.json"))


def fuzz_json_record(record: dict) -> int:
    return _count(accepted(read_record, record, origin="fuzz.jsonl#1"))


def fuzz_warc(data: bytes) -> int:
    return sum(_count(accepted(read_page, page, origin=f"fuzz.warc#{page.number}"))
               for page in iter_records(io.BytesIO(data)))


def fuzz_detect(data: bytes) -> int:
    try:
        reader, payload = detect(Path("fuzz.bin"), data)
    except InputRejected as exc:
        assert exc.reason.strip()
        return 0
    return _count(accepted(reader, payload, origin="fuzz.bin"))


def _read_picture(data: bytes, sidecar: bytes) -> Article:
    photo, stored = read_photo(data, sidecar)
    digest = stored.path.rsplit("/", 1)[-1].split(".")[0]
    assert re.fullmatch(r"images/[0-9a-f]{2}/[0-9a-f]{64}\.(jpg|png|webp)", stored.path)
    assert digest.startswith(stored.path.split("/")[1])
    return photo_article(photo, origin="fuzz.jpg")


def fuzz_photo(case: tuple[bytes, bytes]) -> int:
    return _count(accepted(_read_picture, *case))


_SUFFIXES = st.sampled_from(["", ".txt", ".html", ".json", ".jsonl", ".warc", ".jpg", ".png",
                             ".txt.gz", ".warc.gz"])


def fuzz_import(case: tuple[bytes, str, bool]) -> int:
    """The worker and writer path on one file: units, reading, classifying, storing. Outcomes
    are stories or reasons; every file written is inside the content folder."""
    data, suffix, zipped = case
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        inputs, content = root / "inputs", root / "content"
        inputs.mkdir()
        content.mkdir()
        (inputs / f"input{suffix}").write_bytes(gzip.compress(data, mtime=0) if zipped else data)
        index, stories = ContentIndex.scan(content), 0
        for unit in iter_units([inputs]):
            outcomes = process(unit)
            for outcome in outcomes:
                assert outcome.article is not None or outcome.reason or outcome.attached_to
                if outcome.article is not None:
                    check_article(outcome.article)
                    stories += 1
            for record in handle(outcomes, index):
                assert record.status != "rejected" or record.reason
                assert not record.output or Path(record.output).resolve().is_relative_to(content)
        assert sorted(p.name for p in root.iterdir()) == ["content", "inputs"]
    return stories


ENTRY_POINTS: dict[str, tuple[Callable[[Any], int], st.SearchStrategy]] = {
    "textdump": (fuzz_textdump, st.one_of(st.binary(max_size=2048), TEXT_DUMPS)),
    "html": (fuzz_html, st.one_of(st.binary(max_size=2048), HTML_PAGES)),
    "json": (fuzz_json, st.one_of(st.binary(max_size=1024), JSON_FILES)),
    "json_record": (fuzz_json_record, RECORDS),
    "warc": (fuzz_warc, st.one_of(st.binary(max_size=1024).map(lambda b: b"WARC/1.0\r\n" + b),
                                  WARCS)),
    "photo": (fuzz_photo, st.tuples(PICTURES, SIDECARS)),
    "detect": (fuzz_detect, ANY_INPUT),
    "import": (fuzz_import, st.tuples(ANY_INPUT, _SUFFIXES, st.booleans())),
}


@dataclass(frozen=True, slots=True)
class FuzzRun:
    name: str
    examples: int  # inputs tried
    stories: int  # of which became stories (the rest were rejected with a reason)


def fuzz(name: str, max_examples: int, *, derandomize: bool = True,
         seed: int | None = None) -> FuzzRun:
    """Run one entry point's property for ``max_examples`` examples and say how many ran.
    A failing example raises (hypothesis shrinks it first and prints it)."""
    check, strategy = ENTRY_POINTS[name]
    ran = stories = 0

    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=derandomize,
              suppress_health_check=list(HealthCheck), print_blob=True)
    @given(strategy)
    def property_(value: Any) -> None:
        nonlocal ran, stories
        ran += 1
        stories += check(value)

    if seed is not None and not derandomize:
        property_ = hypothesis_seed(seed)(property_)
    property_()
    return FuzzRun(name, ran, stories)


__all__ = ["ENTRY_POINTS", "FuzzRun", "check_article", "fuzz"]
