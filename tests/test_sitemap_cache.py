"""The sitemap's lastmod values are kept between builds: a rebuild reads back only the pages
that were written again, and the sitemap is the same as one made without the cache."""

from __future__ import annotations

import os

from plugins.site_extras import sitemap
from plugins.site_extras.sitemap import page_files, write_sitemaps

BASE = "https://archive.test"


def _page(root, relative, day):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'<html><head><meta property="article:modified_time" content="{day}T10:00:00+00:00">'
        "</head></html>",
        encoding="utf-8",
    )
    return path


def _site(root):
    _page(root, "2020/01/02/a/index.html", "2020-01-02")
    _page(root, "2021/05/06/b/index.html", "2021-05-06")
    (root / "index.html").write_text("<html></html>", encoding="utf-8")
    _page(root, "pagefind/ignored.html", "2000-01-01")
    (root / "404.html").write_text("<html></html>", encoding="utf-8")


def _count_reads(monkeypatch):
    reads = []
    original = sitemap.last_modified

    def counting(path):
        reads.append(path.name if path.name != "index.html" else path.parent.name)
        return original(path)

    monkeypatch.setattr(sitemap, "last_modified", counting)
    return reads


def test_cached_sitemap_equals_uncached_and_reads_only_changed_pages(tmp_path, monkeypatch):
    site, cache = tmp_path / "out", tmp_path / "cache" / "sitemap-lastmod.json"
    _site(site)
    assert page_files(site) == ["2020/01/02/a/index.html", "2021/05/06/b/index.html", "index.html"]

    write_sitemaps(site, BASE, 50_000)
    uncached = (site / "sitemap.xml").read_text()
    assert "<lastmod>2021-05-06</lastmod>" in uncached

    reads = _count_reads(monkeypatch)
    write_sitemaps(site, BASE, 50_000, cache)
    assert len(reads) == 3 and (site / "sitemap.xml").read_text() == uncached
    assert cache.exists()

    reads.clear()
    write_sitemaps(site, BASE, 50_000, cache)
    assert reads == []  # nothing was written again: nothing is read
    assert (site / "sitemap.xml").read_text() == uncached

    # One page written again with a new date: only it is read, and the new date is used.
    page = _page(site, "2021/05/06/b/index.html", "2022-07-08")
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1_000_000))
    reads.clear()
    write_sitemaps(site, BASE, 50_000, cache)
    assert reads == ["b"]
    text = (site / "sitemap.xml").read_text()
    assert "<lastmod>2022-07-08</lastmod>" in text and "2021-05-06" not in text


def test_a_damaged_cache_is_read_past(tmp_path, monkeypatch):
    site, cache = tmp_path / "out", tmp_path / "sitemap-lastmod.json"
    _site(site)
    cache.write_text("{not json", encoding="utf-8")
    reads = _count_reads(monkeypatch)
    write_sitemaps(site, BASE, 50_000, cache)
    assert len(reads) == 3
    assert "<lastmod>2020-01-02</lastmod>" in (site / "sitemap.xml").read_text()
