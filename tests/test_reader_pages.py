"""Reader pages on a real build of the photographed sample archive (tests/browser_support.py):
structured data, web conventions, calendar archives, photos and responsive images, search
markup, the Content Security Policy and page weight."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

import pytest
from lxml import html as lxml_html

from plugins.photos.photos import PhotosError
from plugins.photos.photos import check_settings as check_photo_settings
from plugins.photos.variants import parse_size, variant_widths
from plugins.site_extras.site_extras import SiteExtrasError
from plugins.site_extras.site_extras import check_settings as check_extra_settings
from plugins.site_extras.sitemap import robots_txt, sitemap_files
from tests.browser_support import PUBLISHED_URL, reader_site, settings_file
from tests.conftest import ROOT, build_site

ARTICLE = "2018/09/23/hamburg-voters-back-return-of-the-tram-in-close-referendum/index.html"
CAPTION_ONLY = (
    "2016/08/23/a-powerful-typhoon-lashed-japan-s-southern-okinawa-islands-on-tuesday-injuring/"
    "index.html"
)
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return reader_site(tmp_path_factory)


def page(path):
    return lxml_html.fromstring(path.read_bytes())


def jsonld(doc) -> dict:
    (block,) = doc.xpath("//script[@type='application/ld+json']/text()")
    return json.loads(block)


def test_news_article_jsonld_carries_the_fields(site):
    data = jsonld(page(site / "published" / ARTICLE))
    url = f"{PUBLISHED_URL}/{ARTICLE.removesuffix('index.html')}"
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert data["headline"] == "Hamburg voters back return of the tram in close referendum"
    assert data["url"] == url and data["mainEntityOfPage"]["@id"] == url
    assert data["datePublished"].startswith("2018-09-23") and data["dateModified"]
    assert data["author"] == [{"@type": "Person", "name": "Katrin Vogel"}]
    assert data["sourceOrganization"] == {"@type": "Organization", "name": "Reuters"}
    assert data["publisher"]["name"] == "News Archive"
    assert data["dateline"] == "HAMBURG, Germany"
    assert "http://cv.iptc.org/newscodes/mediatopic/11000000" in [t["@id"] for t in data["about"]]
    assert data["contentLocation"] == [{"@type": "Country", "name": "Germany", "identifier": "DE"}]
    lead = data["image"][0]
    assert lead["url"].startswith(PUBLISHED_URL + "/images/") and lead["width"] == 1600
    assert lead["creditText"] == "REUTERS/Jonas Weidlich"


def test_every_article_has_valid_jsonld_without_markup(site):
    for path in (site / "dev").glob("*/*/*/*/index.html"):
        text = path.read_text(encoding="utf-8")
        block = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
        assert block and "<" not in block[1], path
        data = json.loads(block[1])
        assert data["headline"] and data["datePublished"] and data["author"], path


def test_opengraph_canonical_and_feeds(site):
    doc = page(site / "published" / ARTICLE)
    meta = {m.get("property"): m.get("content") for m in doc.xpath("//meta[@property]")}
    url = f"{PUBLISHED_URL}/{ARTICLE.removesuffix('index.html')}"
    assert doc.xpath("//link[@rel='canonical']/@href") == [url]
    assert meta["og:type"] == "article" and meta["og:url"] == url
    assert meta["og:image"].startswith(PUBLISHED_URL) and meta["og:image"].endswith(".jpg")
    assert meta["article:published_time"].startswith("2018-09-23")
    assert meta["article:modified_time"].startswith("2018-09-23")
    assert "Politics" in doc.xpath("//meta[@property='article:tag']/@content")
    assert doc.xpath("//link[@type='application/atom+xml']/@href")[0].endswith("all.atom.xml")


def test_sitemap_robots_404_and_favicon(site):
    out = site / "published"
    root = ElementTree.parse(out / "sitemap.xml").getroot()
    locs = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in root}
    assert locs[f"{PUBLISHED_URL}/{ARTICLE.removesuffix('index.html')}"] == "2018-09-23"
    assert f"{PUBLISHED_URL}/" in locs and f"{PUBLISHED_URL}/2018/" in locs
    assert not [loc for loc in locs if "404" in loc or "/pagefind/" in loc]
    assert f"Sitemap: {PUBLISHED_URL}/sitemap.xml" in (out / "robots.txt").read_text()
    missing = page(out / "404.html")
    assert missing.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert missing.xpath("//link[@rel='stylesheet']/@href")[0].startswith(PUBLISHED_URL)
    # The dev 404 page links from the site root: it is served at any depth.
    assert page(site / "dev/404.html").xpath("//link[@rel='stylesheet']/@href") == [
        "/theme/css/site.css"
    ]
    assert (out / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    assert page(out / ARTICLE).xpath("//link[@rel='icon']/@href")


def test_sitemap_splits_at_the_limit_under_an_index():
    entries = [f"<url><loc>https://x.test/{i}/</loc></url>" for i in range(5)]
    files = sitemap_files(entries, "https://x.test", limit=2)
    assert sorted(files) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml", "sitemap.xml"]
    index = ElementTree.fromstring(files["sitemap.xml"].encode())
    assert index.tag == f"{SITEMAP}sitemapindex" and len(index) == 3
    assert len(ElementTree.fromstring(files["sitemap-3.xml"].encode())) == 1
    assert sitemap_files(entries, "https://x.test", limit=5).keys() == {"sitemap.xml"}
    assert robots_txt("https://x.test/sub").splitlines()[1] == "Disallow: /sub/pagefind/"


def test_year_archive_is_a_calendar_linking_days_with_stories(site):
    out = site / "dev"
    year = page(out / "2017/index.html")
    months = year.xpath("//section[@class='calendar']//table[contains(@class, 'month')]")
    assert [m.xpath("string(caption)").split()[0] for m in months][:3] == [
        "January",
        "February",
        "March",
    ]
    assert len(months) == 12
    days = year.xpath("//td[@class='has-stories']/a")
    assert len(days) == 6  # seven stories on six days in 2017
    for day in days:
        assert (out / "2017" / day.get("href") / "index.html").exists()
    labels = [d.get("aria-label") for d in days]
    assert "2 March: 1 story" in labels and "21 March: 2 stories" in labels
    assert not months[0].xpath(".//a")  # no story in January
    assert page(out / "2017/03/index.html").xpath("//section[contains(@class, 'calendar')]//a")
    day = page(out / "2017/03/21/index.html")
    assert day.xpath("//nav[@class='breadcrumbs']//a/text()") == ["Archives", "2017", "March"]


def test_article_page_reader_features(site):
    doc = page(site / "dev" / ARTICLE)
    assert doc.xpath("//time/@datetime")[0].startswith("2018-09-23")
    assert doc.xpath("string(//*[@class='byline'])") == "By Katrin Vogel"
    assert doc.xpath("//dl[@class='filed-under']//a[@data-pagefind-filter='country']/text()") == [
        "Germany"
    ]
    assert "Katrin Vogel. “Hamburg voters" in doc.xpath("string(//p[@class='citation'])")
    assert len(doc.xpath("//footer[@class='provenance']//code[@class='hash']/text()")[0]) == 64
    assert doc.xpath("//nav[@class='prev-next']/a[@rel='prev']") and doc.xpath("//a[@rel='next']")
    caption_only = page(site / "dev" / CAPTION_ONLY)
    figure = caption_only.xpath("//figure[contains(@class, 'caption-only')]")[0]
    assert not figure.xpath(".//img") and "Caption only" in figure.xpath(
        "string(.//*[@class='badge'])"
    )
    assert "AP Photo/Haruto Minami" in figure.xpath("string(.//*[@class='credit'])")


def test_pictures_have_variants_dimensions_and_alt_text(site):
    out = site / "dev"
    doc = page(out / ARTICLE)
    lead = doc.xpath("//figure[contains(@class, 'lead-photo')]//picture")[0]
    webp = lead.xpath("source[@type='image/webp']/@srcset")[0]
    assert [w.split()[-1] for w in webp.split(", ")] == ["320w", "640w", "1024w", "1600w"]
    img = lead.xpath(".//img")[0]
    assert img.get("alt").startswith("A campaign poster") and img.get("loading") is None
    assert doc.xpath("//figure[contains(@class, 'more-photo')]//img/@loading") == ["lazy"]
    for path in [out / ARTICLE, out / "photos/index.html", out / "index.html"]:
        for image in page(path).xpath("//img"):
            assert image.get("width") and image.get("height") and image.get("alt") is not None
            for src in [image.get("src"), *image.get("srcset", "").split(", ")]:
                if src:
                    assert (path.parent / src.split()[0]).resolve().is_file(), src
    assert variant_widths(900, (320, 640, 1024, 1600)) == (320, 640, 900)
    assert variant_widths(200, (320, 640)) == (200,)
    assert parse_size("1600x1067") == (1600, 1067) and parse_size("x") is None


def test_photo_index_and_photo_pages_link_back_to_their_stories(site):
    out = site / "dev"
    index = page(out / "photos/index.html")
    items = index.xpath("//ul[@class='photo-grid']/li")
    assert len(items) == 6  # five lead photos and one extra photo; caption-only ones have no page
    for item in items:
        assert item.xpath(".//img/@alt")[0] and item.xpath("string(.//figcaption)").strip()
        photo_href = item.xpath(".//a/@href")[0]
        photo = page(out / "photos" / photo_href / "index.html")
        story = photo.xpath("//ul[@class='photo-stories']//a/@href")[0]
        assert (out / "photos" / photo_href / story / "index.html").resolve().is_file()


def test_search_indexes_story_bodies_with_filters_sort_and_metadata(site):
    out = site / "dev"
    doc = page(out / ARTICLE)
    (body,) = doc.xpath("//*[@data-pagefind-body]")
    assert body.get("data-pagefind-sort") == "date:2018-09-23"
    assert body.get("data-pagefind-filter") == "year:2018"
    assert "thumb:images/v/" in doc.xpath("string(//*[@class='body']/@data-pagefind-meta)")
    filters = {e.get("data-pagefind-filter") for e in body.xpath(".//*[@data-pagefind-filter]")}
    assert filters == {"source", "topic", "country"}
    for ignored in ("filed-under", "provenance", "meta"):
        assert body.xpath(f".//*[@class='{ignored}']/@data-pagefind-ignore") == [""]
    assert doc.xpath("//nav[@class='prev-next']/@data-pagefind-ignore") == ["all"]
    for listing in (
        "index.html",
        "2018/index.html",
        "topics/politics/index.html",
        "photos/index.html",
    ):
        assert not page(out / listing).xpath("//*[@data-pagefind-body]"), listing


def test_content_security_policy_and_no_inline_script_on_any_page(site):
    policy = None
    for path in sorted((site / "dev").rglob("*.html")):
        if "pagefind" in path.parts:
            continue
        doc = page(path)
        policies = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
        assert len(policies) == 1, path
        policy = policy or policies[0]
        assert policies[0] == policy, path
        for script in doc.xpath("//script"):
            assert script.get("src") or script.get("type") == "application/ld+json", path
        assert not doc.xpath("//@style"), path
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self' 'wasm-unsafe-eval'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert "'unsafe-inline'" not in policy


def test_only_the_search_page_has_javascript(site):
    out = site / "dev"
    for path in (
        out / ARTICLE,
        out / "index.html",
        out / "2018/index.html",
        out / "photos/index.html",
    ):
        assert not page(path).xpath("//script[@src]"), path
    assert page(out / "search/index.html").xpath("//script/@src") == ["../theme/js/search.js"]


def test_article_page_weighs_under_50_kb_before_images(site):
    out = site / "dev"
    css = (out / "theme/css/site.css").stat().st_size
    for path in out.glob("*/*/*/*/index.html"):
        assert path.stat().st_size + css < 50_000, path


def test_variants_are_cached_by_content_hash_and_builds_are_identical(site, tmp_path):
    cache = site / "cache"
    before = {p: p.stat().st_mtime_ns for p in cache.rglob("*") if p.is_file()}
    assert len(before) >= 12
    settings = settings_file(tmp_path, "pelicanconf", cache)
    build_site(site / "content", tmp_path / "again", settings)
    after = {p: p.stat().st_mtime_ns for p in cache.rglob("*") if p.is_file()}
    assert after == before  # nothing re-encoded
    first, second = site / "dev", tmp_path / "again"
    names = sorted(
        p.relative_to(first).as_posix()
        for p in first.rglob("*")
        if p.is_file() and "pagefind" not in p.parts
    )
    assert names == sorted(
        p.relative_to(second).as_posix()
        for p in second.rglob("*")
        if p.is_file() and "pagefind" not in p.parts
    )
    assert [n for n in names if (first / n).read_bytes() != (second / n).read_bytes()] == []


@pytest.mark.parametrize(
    ("check", "settings", "error"),
    [
        (check_photo_settings, {"PHOTOS_WIDTHS": (0,)}, PhotosError),
        (check_photo_settings, {"PHOTO_URL": "photos/"}, PhotosError),
        (check_photo_settings, {"PHOTOS_QUALITY": 101}, PhotosError),
        (check_extra_settings, {"SITEMAP_MAX_URLS": 60_000}, SiteExtrasError),
        (check_extra_settings, {"SITE_EXTRAS_BASE_URL": "archive.org"}, SiteExtrasError),
    ],
)
def test_wrong_settings_stop_the_build(check, settings, error):
    with pytest.raises(error):
        check(dict(settings))


def test_theme_has_no_build_timestamps():
    for path in (ROOT / "theme/templates").rglob("*.html"):
        assert "now()" not in path.read_text() and "utcnow" not in path.read_text(), path
