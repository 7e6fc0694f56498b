"""No broken internal link anywhere in the built sample site, dev (relative) or published
(absolute) form: every href, src and srcset of every HTML page, and every #fragment."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
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
    return links


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


@pytest.mark.parametrize(("build", "base"), [("dev", ""), ("published", PUBLISHED_URL)])
def test_no_broken_internal_links(tmp_path_factory, build, base):
    site = reader_site(tmp_path_factory) / build
    pages = list(site.rglob("*.html"))
    assert len(pages) > 100
    assert broken_links(site, base) == []


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
