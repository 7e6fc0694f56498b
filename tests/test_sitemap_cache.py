"""The sitemap's lastmod values are kept between builds: a rebuild reads back only the pages
that were written again, and the sitemap is the same as one made without the cache."""

from __future__ import annotations

import os
import re

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


def test_entries_learnt_from_the_written_bytes_are_not_read_back(tmp_path, monkeypatch):
    """``page_fact`` gives a written page's entry from its bytes; with those entries the
    sitemap reads no page back, and is the one reading every page gives. A page changed
    after it was learnt (its stamp moved) is read again."""
    site, cache = tmp_path / "out", tmp_path / "sitemap-lastmod.json"
    _site(site)
    write_sitemaps(site, BASE, 50_000)
    expected = (site / "sitemap.xml").read_text()
    learnt = {}
    for relative in ["pagefind/ignored.html", "404.html", *page_files(site)]:
        path = site / relative
        fact = sitemap.page_fact(relative, path.read_bytes(), path.stat())
        if fact is not None:
            learnt[relative] = fact
    assert sorted(learnt) == page_files(site)  # pagefind/ and 404.html are not in a sitemap
    assert learnt["2021/05/06/b/index.html"][2] == "2021-05-06"

    reads = _count_reads(monkeypatch)
    write_sitemaps(site, BASE, 50_000, cache, learnt)
    assert reads == []
    assert (site / "sitemap.xml").read_text() == expected
    assert cache.exists(), "what a clean build learnt is kept for the next one"
    write_sitemaps(site, BASE, 50_000, cache)  # the next build, nothing written again
    assert reads == [] and (site / "sitemap.xml").read_text() == expected

    page = _page(site, "2020/01/02/a/index.html", "2023-01-01")
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1_000_000))
    write_sitemaps(site, BASE, 50_000, None, learnt)
    assert reads == ["a"]
    assert "<lastmod>2023-01-01</lastmod>" in (site / "sitemap.xml").read_text()


COUNTING_BUILD = """
import atexit, sys
sys.path.insert(0, sys.argv[1])
from site_extras import sitemap
reads = []
original = sitemap.last_modified
def counting(path):
    reads.append(str(path))
    return original(path)
sitemap.last_modified = counting
report = sys.argv[2]
atexit.register(lambda: open(report, "w").write(str(len(reads))))
from pelican import main
sys.argv = ["pelican", *sys.argv[3:]]
main()
"""


def test_a_real_build_reads_no_page_back_for_its_sitemap(tmp_path):
    """Through the real Pelican and render_pool: every page's lastmod comes from the bytes
    the build wrote (no page is read back, even with no cache yet), and the sitemap is the
    one made from the finished folder without any cache."""
    import subprocess
    import sys

    from tests.conftest import FIXTURES, ROOT, run_import, write_conf

    run_import(tmp_path / "content", tmp_path / "report.jsonl", FIXTURES / "text")
    settings = write_conf(tmp_path / "settings.py", tmp_path / "content")
    count = tmp_path / "reads.txt"
    output = tmp_path / "output"
    args = [str(tmp_path / "content"), "-o", str(output), "-s", str(settings)]
    command = [sys.executable, "-c", COUNTING_BUILD, str(ROOT / "plugins"), str(count), *args]
    subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    assert count.read_text() == "0"
    built = (output / "sitemap.xml").read_text()
    # The next build (no change) reads no page back either: the clean build kept its entries.
    assert (settings.parent / f"cache-{settings.stem}" / "sitemap-lastmod.json").exists()
    subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    assert count.read_text() == "0"
    assert (output / "sitemap.xml").read_text() == built
    assert built.count("<url>") == len(page_files(output)) > 10
    assert "<lastmod>" in built

    (output / "sitemap.xml").unlink()
    base = re.search(r"<loc>(https?://[^/<]+)", built)[1]
    write_sitemaps(output, base, 50_000)  # every page read back, no cache
    assert (output / "sitemap.xml").read_text() == built


def test_a_listing_left_by_an_earlier_build_is_not_used(tmp_path):
    """The search index sends its listing of the output for the sitemap to use; one that
    arrived after an earlier build's sitemap (plugins in another order) is dropped when the
    next build starts, so the sitemap walks the folder as it stands."""
    from types import SimpleNamespace

    from plugins.site_extras import site_extras

    site = tmp_path / "out"
    _site(site)
    stale = {"gone/index.html": (site / "index.html").stat()}
    site_extras.store_listing(None, output=str(site), listing=stale)
    settings = {"SITEURL": BASE, "SITEMAP_MAX_URLS": 50_000, "CACHE_PATH": str(tmp_path / "c")}
    pelican = SimpleNamespace(output_path=str(site), settings=settings)
    site_extras.get_generators(pelican)  # the next build starts
    site_extras.on_finalized(pelican)
    text = (site / "sitemap.xml").read_text()
    assert "gone/" not in text and f"{BASE}/2021/05/06/b/" in text
    # A listing without another bundle folder than the sitemap skips is not taken either:
    # the pages under it (a search page in "search/") would be missing.
    site_extras.store_listing(None, output=str(site), listing=stale, bundle_dir="search")
    site_extras.on_finalized(pelican)
    assert (site / "sitemap.xml").read_text() == text


def test_a_page_asking_not_to_be_indexed_is_left_out_also_from_the_cache(tmp_path, monkeypatch):
    """A page whose head has ``<meta name="robots" content="noindex">`` (a hidden story) is
    not in the sitemap, and the cache remembers that without reading it again."""
    site, cache = tmp_path / "out", tmp_path / "cache" / "sitemap-lastmod.json"
    _site(site)
    hidden = site / "2022/03/04/c/index.html"
    hidden.parent.mkdir(parents=True)
    hidden.write_text(
        '<html><head><meta name="robots" content="noindex">'
        '<meta property="article:modified_time" content="2022-03-04T10:00:00+00:00">'
        "</head></html>",
        encoding="utf-8",
    )
    assert sitemap.modified_in(hidden.read_bytes()) is None
    write_sitemaps(site, BASE, 50_000, cache)
    listed = (site / "sitemap.xml").read_text()
    assert "/2021/05/06/b/" in listed and "/2022/03/04/c/" not in listed
    reads = _count_reads(monkeypatch)
    write_sitemaps(site, BASE, 50_000, cache)
    assert reads == [] and (site / "sitemap.xml").read_text() == listed
