"""No broken internal link anywhere in the built sample site, dev (relative) or published
(absolute) form: every href, src and srcset of every HTML page and every #fragment; the images
pages name for machines (OpenGraph, JSON-LD, search thumbnails); every link of every Atom feed
(entries, the feed's own address, pictures in entry content); every sitemap entry; and the
sitemap robots.txt names."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree
from lxml import html as lxml_html

from tests.browser_support import PUBLISHED_URL, reader_site

LINK_ATTRIBUTES = ("href", "src")


def page_ids(path: Path, cache: dict[Path, set[str]]) -> set[str]:
    if path not in cache:
        doc = lxml_html.fromstring(path.read_bytes())
        cache[path] = set(doc.xpath("//@id"))
    return cache[path]


def links_of(doc) -> list[str]:
    links = [value for attr in LINK_ATTRIBUTES for value in doc.xpath(f"//@{attr}")]
    for srcset in doc.xpath("//@srcset"):
        links += [part.strip().split()[0] for part in srcset.split(",") if part.strip()]
    return links + machine_links(doc)


def machine_links(doc) -> list[str]:
    """Addresses a page gives machines: OpenGraph/Twitter images, JSON-LD URLs, and search
    result thumbnails (``data-pagefind-meta="thumb:PATH"``, PATH from the site root)."""
    links = [str(v) for v in doc.xpath(
        '//meta[@property="og:image" or @name="twitter:image" or @property="og:url"]/@content')]
    for meta in doc.xpath("//@data-pagefind-meta"):
        links += ["/" + part.removeprefix("thumb:").lstrip("/")
                  for part in str(meta).split(",") if part.startswith("thumb:")]
    for script in doc.xpath('//script[@type="application/ld+json"]/text()'):
        links += list(json_urls(json.loads(script)))
    return links


def json_urls(value) -> list[str]:
    """Every ``url`` and ``@id`` in a JSON-LD document."""
    if isinstance(value, list):
        return [url for item in value for url in json_urls(item)]
    if not isinstance(value, dict):
        return []
    urls = [v for k, v in value.items() if k in ("url", "@id") and isinstance(v, str)]
    return urls + [url for v in value.values() for url in json_urls(v)]


def target_of(page: Path, link: str, site: Path, base: str) -> Path | None:
    """The file an internal link points at (None for a link that leaves the site)."""
    if base and link.startswith(base + "/"):
        link = "/" + link[len(base) + 1 :]
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None  # external: the original story, IPTC, the Wayback Machine
    if not parts.path:
        return page
    path = unquote(parts.path)
    target = (site / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
    target = target.resolve()
    return target / "index.html" if path.endswith("/") or target.is_dir() else target


def broken_links(site: Path, base: str = "") -> list[str]:
    site = site.resolve()
    broken, ids = [], {}
    for page in sorted(site.rglob("*.html")):
        if page.is_relative_to(site / "pagefind"):
            continue
        doc = lxml_html.fromstring(page.read_bytes())
        for link in links_of(doc):
            target = target_of(page, link, site, base)
            where = f"{page.relative_to(site)} → {link}"
            if target is None:
                continue
            if not target.is_relative_to(site) or not target.is_file():
                broken.append(where)
                continue
            fragment = urlsplit(link).fragment
            if fragment and target.suffix == ".html" and fragment not in page_ids(target, ids):
                broken.append(where + " (no such id)")
    return broken


def _file_for(link: str, site: Path, base: str) -> Path | None:
    """The file a link of a feed, sitemap or robots.txt names (those are absolute, or, in a
    build without SITEURL, relative to the site root); None when it leaves the site."""
    if base and link.startswith(base + "/"):
        link = link[len(base):]
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    target = (site / unquote(parts.path).lstrip("/")).resolve()
    return target / "index.html" if not parts.path or parts.path.endswith("/") or \
        target.is_dir() else target


def _missing(link: str, site: Path, base: str, where: str, internal: bool = False) -> list[str]:
    target = _file_for(link, site, base)
    if target is None:
        return [f"{where} → {link} (not on this site)"] if internal else []
    if not target.is_relative_to(site) or not target.is_file():
        return [f"{where} → {link}"]
    return []


def broken_feed_links(site: Path, base: str = "") -> list[str]:
    """Broken links of every Atom feed: entries, the feed's own links, pictures in entries."""
    site, atom, broken = site.resolve(), "{http://www.w3.org/2005/Atom}", []
    for feed in sorted(site.rglob("*.atom.xml")):
        where = str(feed.relative_to(site))
        root = etree.fromstring(feed.read_bytes())
        for link in root.iter(f"{atom}link"):
            broken += _missing(link.get("href", ""), site, base, where, internal=True)
        for content in root.iter(f"{atom}content"):
            doc = lxml_html.fragment_fromstring(content.text or "", create_parent="div")
            for src in doc.xpath("//img/@src"):
                broken += _missing(str(src), site, base, where)
    return broken


def broken_sitemap_entries(site: Path, base: str = "") -> list[str]:
    """Sitemap entries (and sitemaps of a sitemap index) that name no file; robots.txt's
    ``Sitemap:`` line too."""
    site, broken = site.resolve(), []
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    for sitemap in sorted(site.glob("sitemap*.xml")):
        for loc in etree.fromstring(sitemap.read_bytes()).iter(f"{namespace}loc"):
            broken += _missing((loc.text or "").strip(), site, base, sitemap.name, internal=True)
    robots = site / "robots.txt"
    for line in robots.read_text(encoding="utf-8").splitlines() if robots.exists() else ():
        if line.lower().startswith("sitemap:"):
            link = line.split(":", 1)[1].strip()
            broken += _missing(link, site, base, "robots.txt", internal=True)
    return broken


# The dev build has no SITEURL: canonical, OpenGraph, JSON-LD, feed and sitemap addresses are
# absolute under FEED_DOMAIN (pelicanconf.py), where `make serve` serves it.
DEV_URL = "http://127.0.0.1:8000"
BUILDS = [("dev", DEV_URL), ("published", PUBLISHED_URL)]


@pytest.mark.parametrize(("build", "base"), BUILDS)
def test_no_broken_internal_links(tmp_path_factory, build, base):
    site = reader_site(tmp_path_factory) / build
    pages = list(site.rglob("*.html"))
    assert len(pages) > 100
    assert broken_links(site, base) == []


@pytest.mark.parametrize(("build", "base"), BUILDS)
def test_no_broken_feed_links_or_sitemap_entries(tmp_path_factory, build, base):
    site = reader_site(tmp_path_factory) / build
    assert len(list(site.rglob("*.atom.xml"))) > 10
    assert broken_feed_links(site, base) == []
    assert (site / "sitemap.xml").exists()
    assert broken_sitemap_entries(site, base) == []


def test_the_checker_finds_a_broken_link(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/index.html").write_text(
        '<a href="../b/">b</a> <a href="../a/#top">top</a> <img src="x.jpg" srcset="y.jpg 2x">'
    )
    assert sorted(broken_links(tmp_path)) == [
        "a/index.html → ../a/#top (no such id)",
        "a/index.html → ../b/",
        "a/index.html → x.jpg",
        "a/index.html → y.jpg",
    ]


def test_the_checker_finds_broken_feed_links_and_sitemap_entries(tmp_path):
    base = "https://example.org/news"
    (tmp_path / "a").mkdir()
    (tmp_path / "a/index.html").write_text("ok")
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds/all.atom.xml").write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom"><link href="https://example.org/news/"/>'
        f'<entry><link href="{base}/a/"/><content type="html">&lt;img src="{base}/x.jpg"&gt;'
        f'</content></entry><entry><link href="{base}/b/"/></entry></feed>')
    (tmp_path / "sitemap.xml").write_text(
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/a/</loc></url><url><loc>{base}/c/</loc></url>"
        "<url><loc>https://elsewhere.example/</loc></url></urlset>")
    (tmp_path / "robots.txt").write_text(f"Sitemap: {base}/sitemap-2.xml\n")
    assert broken_feed_links(tmp_path, base) == [
        "feeds/all.atom.xml → https://example.org/news/",
        f"feeds/all.atom.xml → {base}/b/",
        f"feeds/all.atom.xml → {base}/x.jpg",
    ]
    assert broken_sitemap_entries(tmp_path, base) == [
        f"sitemap.xml → {base}/c/",
        "sitemap.xml → https://elsewhere.example/ (not on this site)",
        f"robots.txt → {base}/sitemap-2.xml",
    ]


def test_the_checker_follows_machine_readable_links(tmp_path):
    base = "https://example.org/news"
    (tmp_path / "a").mkdir()
    (tmp_path / "a/index.html").write_text(
        f'<meta property="og:image" content="{base}/og.jpg">'
        '<div data-pagefind-meta="thumb:images/t.jpg"></div>'
        '<script type="application/ld+json">{"url": "%s/a/", "image": [{"url": "%s/ld.jpg"}],'
        ' "mainEntityOfPage": {"@id": "%s/gone/"}}</script>' % (base, base, base))
    assert sorted(broken_links(tmp_path, base)) == [
        "a/index.html → /images/t.jpg",
        f"a/index.html → {base}/gone/",
        f"a/index.html → {base}/ld.jpg",
        f"a/index.html → {base}/og.jpg",
    ]
