"""The saved-HTML reader on pages the project wrote itself, and its bar on the shared corpus."""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from lxml import html as lxml_html

from newsarchive.article import Article, Block, BlockKind
from newsarchive.errors import InputRejected
from newsarchive.readers.html import continuation, looks_like_html, read_html
from newsarchive.readers.html_meta import decode_html, safe_url

FIXTURES = Path(__file__).parent / "fixtures" / "html"


def read_fixture(name: str, **kwargs: str) -> Article:
    return read_html((FIXTURES / name).read_bytes(), origin=name, **kwargs)


def every_string(article: Article) -> list[str]:
    """Every text and URL field of an article, body and photos included."""
    values: list[str] = [b.text for b in article.body]
    for field in dataclasses.fields(article):
        value = getattr(article, field.name)
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, tuple):
            values.extend(v for v in value if isinstance(v, str))
    for photo in article.photos:
        values.extend((photo.caption, photo.credit, photo.image))
    return values


def test_json_ld_page_gives_every_declared_field() -> None:
    article = read_fixture("jsonld.html")
    assert article.title == "Harbour ferry returns after winter repairs"
    assert not article.title_derived
    plus_one = dt.timezone(dt.timedelta(hours=1))
    assert article.date == dt.datetime(2031, 3, 14, 8, 30, tzinfo=plus_one)
    assert article.authors == ("Ada Fenwick", "Tomas Reyl")
    assert article.source == "The Millbrook Courier"  # og:site_name is the name readers see
    assert article.section == "Local"
    assert article.url == "https://courier.example.org/news/2031/03/harbour-ferry-returns"
    assert article.summary.startswith("The little blue ferry is back")
    assert article.photos[0].image == "https://cdn.courier.example.org/img/ferry-lead.jpg"
    assert article.photos[0].caption == "The ferry leaves the slipway"


def test_body_keeps_paragraphs_and_subheadings_but_not_the_title() -> None:
    article = read_fixture("jsonld.html")
    assert article.body[0].text.startswith("The little blue ferry that links")
    assert Block(BlockKind.HEADING, "A cheaper crossing for pupils") in article.body
    assert len(article.paragraphs) == 5
    assert all("winter repairs" not in b.text for b in article.body)
    assert "3 Quay Street" not in article.text


def test_opengraph_only_page() -> None:
    article = read_fixture("opengraph.html")
    assert article.title == "Orchard society names its oldest apple tree"
    # article:published_time wins over a bare <time> elsewhere on the page
    assert article.date == dt.datetime(2030, 9, 2, 17, 45, tzinfo=dt.UTC)
    assert article.source == "Valley Gazette"
    assert article.section == "Countryside"
    assert article.authors == ("Priya Lindqvist",)
    assert article.url == "https://gazette.example.net/stories/oldest-apple-tree"
    assert article.photos[0].image == "https://img.gazette.example.net/apple-tree.jpg"
    assert len(article.paragraphs) == 4


def test_navigation_teasers_share_bars_ads_and_comments_stay_out() -> None:
    article = read_fixture("boilerplate.html")
    for marker in ("NAVLINK", "SIGNUP", "SHAREBAR", "ADVERT", "TEASER", "COMMENTTEXT",
                   "FOOTERTEXT", "More from Transport", "Most read"):
        assert marker not in article.text, marker
    assert len(article.paragraphs) == 4
    assert article.paragraphs[-1].startswith("The authority said it would review")
    # the standfirst is the summary, not a subheading of the story
    assert article.summary == "Two night routes will stop at the hospital from next month."
    assert article.summary not in article.text
    assert article.dropped.get("standfirst") == 1


def test_figures_with_captions_credits_and_absolute_urls() -> None:
    photos = read_fixture("figures.html").photos
    assert [(p.caption, p.credit, p.image) for p in photos] == [
        ("A glassblower shapes a vase in front of the restored furnace.",
         "Ines Marlow / Example Agency", "https://news.example.com/culture/images/furnace.jpg"),
        ("Coloured bowls from the 1920s on display in the engine hall", "Ravi Chandran",
         "https://cdn.example.com/photos/bowls.jpg"),  # the data: placeholder is skipped
        ("The beam engine now stands at the centre of the main gallery", "",
         "https://news.example.com/img/beam-engine.jpg"),
    ]


def test_captions_do_not_repeat_in_the_body() -> None:
    article = read_fixture("figures.html")
    assert "glassblower" not in article.text
    assert "beam engine now stands" not in article.text


def test_index_page_is_rejected_with_a_reason() -> None:
    with pytest.raises(InputRejected) as rejected:
        read_fixture("index.html")
    assert "index.html" in rejected.value.reason
    assert "no article body" in rejected.value.reason


@pytest.mark.parametrize("data", [b"", b"   \n", b'{"title": "not a page"}', b"%PDF-1.7\n",
                                  b"Plain text notes about a council meeting.\n"])
def test_what_is_not_html_is_rejected(data: bytes) -> None:
    assert not looks_like_html(data)
    with pytest.raises(InputRejected, match="not an HTML page"):
        read_html(data, origin="notes.bin")


def test_hostile_markup_reaches_no_field() -> None:
    article = read_fixture("hostile.html", url="javascript:alert(0)")
    values = every_string(article)
    for needle in ("javascript", "script", "alert", "onerror", "onload", "onclick", "iframe",
                   "IFRAMETEXT", "SVGTEXT", "INJECTED", "<", ">"):
        assert not [v for v in values if needle in v.lower()], needle
    assert article.url == ""
    assert [p.image for p in article.photos] == ["", "https://img.example.com/plots.jpg"]
    assert article.title == "Council approves allotment plan"
    assert article.authors == ("Hal Brennick",)
    assert article.source == "Eastfield Post"


@pytest.mark.parametrize("name", ["cp1252.html", "undeclared-cp1252.html"])
def test_windows_1252_pages_decode(name: str) -> None:
    article = read_fixture(name)
    assert article.title == "Café owner wins regional pastry prize"
    assert article.paragraphs[0].startswith("Renée Grünwald, who runs the small café")
    assert "“I nearly didn’t enter,”" in article.text
    assert "€500" in article.text


def test_byte_order_marks_win() -> None:
    page = (FIXTURES / "cp1252.html").read_bytes().decode("cp1252")
    page = page.replace("charset=iso-8859-1", "charset=utf-8")
    assert decode_html(codecs.BOM_UTF8 + page.encode("utf-8")).startswith("<html>")
    utf16 = codecs.BOM_UTF16_LE + page.encode("utf-16-le")
    assert looks_like_html(utf16)
    assert read_html(utf16).title == "Café owner wins regional pastry prize"


def test_url_argument_is_the_fallback_for_the_canonical_url() -> None:
    page = (FIXTURES / "cp1252.html").read_bytes()
    assert read_html(page, url="https://cafe.example.com/prize").url == "https://cafe.example.com/prize"
    assert read_fixture("jsonld.html", url="https://mirror.example.com/x").url.startswith(
        "https://courier.example.org/")


def test_date_falls_back_to_the_url() -> None:
    page = (FIXTURES / "cp1252.html").read_bytes().replace(
        b'<meta property="article:published_time" content="2028-11-23T14:20:00+01:00">', b"")
    article = read_html(page, url="https://cafe.example.com/2017/06/18/tart-prize.html")
    assert article.date.date() == dt.date(2017, 6, 18)


def test_json_ld_article_body_rescues_a_page_rendered_by_script() -> None:
    story = "\\n".join(
        f"Paragraph {n} of a story the page only shows once its script has run, with enough "
        "words in it to count as prose rather than a caption or a teaser line." for n in range(6))
    page = f"""<!doctype html><html><head><title>Flood barrier tested</title>
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "Flood barrier tested",
"datePublished": "2031-02-02", "articleBody": "{story}"}}</script></head>
<body><div id="app">Loading…</div></body></html>"""
    article = read_html(page.encode())
    assert len(article.paragraphs) == 6
    assert article.paragraphs[5].startswith("Paragraph 5 of a story")


def test_continuation_follows_story_chunks_split_by_ads() -> None:
    chunk = '<div class="chunk"><p>{0} is a paragraph of the story long enough to read as prose ' \
            'and not as a byline.</p><p>{0} has a second paragraph that is also written out ' \
            'in full sentences, as the paragraphs of a story are.</p></div>'
    tree = lxml_html.document_fromstring(
        f"<html><body><main>{chunk.format('First')}<div class='ad'>Advert</div>"
        f"{chunk.format('Second')}<aside><p>An aside that is not part of the story at all, "
        "whatever its length may be.</p></aside></main></body></html>")
    first = [Block(BlockKind.PARAGRAPH, p.text_content()) for p in tree.iter("p")][:2]
    found = continuation(tree, first)
    assert [b.text[:6] for b in found] == ["Second", "Second"]


@pytest.mark.parametrize(("value", "base", "expected"), [
    ("https://a.example/x.jpg", "", "https://a.example/x.jpg"),
    ("/x.jpg", "https://a.example/news/1", "https://a.example/x.jpg"),
    ("//cdn.example/x.jpg", "", "https://cdn.example/x.jpg"),
    ("javascript:alert(1)", "https://a.example/", ""),
    (" JaVaScRiPt:alert(1)", "", ""),
    ("data:image/png;base64,AAAA", "", ""),
    ("x.jpg", "", ""),
    ('https://a.example/"onerror=alert(1)', "", ""),
    ("vbscript:msgbox", "https://a.example/", ""),
])
def test_only_absolute_http_urls_are_kept(value: str, base: str, expected: str) -> None:
    assert safe_url(value, base) == expected


@pytest.mark.parametrize("data", [
    b"<!DOCTYPE html><html><body></body></html>",
    b"\xef\xbb\xbf<!doctype html>",
    b"  <html lang='en'>",
    b"<?xml version='1.0'?>\n<!DOCTYPE html><html xmlns='http://www.w3.org/1999/xhtml'>",
    b"<!-- saved from url=(0042)https://x.example/ -->\n<html>",
    b"<div class='story'><p>Saved fragment</p></div><p>More</p>",
])
def test_html_is_recognised(data: bytes) -> None:
    assert looks_like_html(data)


def test_extraction_bar_on_the_shared_corpus() -> None:
    corpora = pytest.importorskip("benchmarks.corpora")
    from benchmarks import eval_extraction

    try:
        figures = {f.name: f for f in eval_extraction.run()}
    except corpora.CorpusMissing as missing:
        pytest.skip(str(missing))
    assert figures["newsarchive"].f1 >= 0.95
