"""End to end: fixtures → import → real Pelican + plugins → real Pagefind index."""

from __future__ import annotations

import json
import subprocess

from lxml import html as lxml_html

from tests.conftest import FIXTURES, ROOT, build_site, run_import


def page(path):
    return lxml_html.fromstring(path.read_bytes())


def test_article_page_has_story_photo_caption_and_search_markup(sample_site):
    out = sample_site / "output"
    doc = page(
        out / "2018/03/14/harbour-bridge-plan-wins-council-vote-after-six-hour-debate/index.html"
    )
    assert doc.findtext(".//h1") == "Harbour bridge plan wins council vote after six-hour debate"
    body = doc.xpath("//*[@data-pagefind-body]")
    assert len(body) == 1
    text = body[0].text_content()
    assert "council chair Henrik Dahl" in text and "cardamom" not in text
    assert [h.text_content() for h in body[0].xpath(".//div[@class='body']//h2")] == [
        "We heard every side"
    ]
    assert doc.xpath("//time/@datetime")[0].startswith("2018-03-14")
    assert "REUTERS/Anna Berg" in doc.xpath("string(//figure//*[@class='credit'])")
    assert doc.xpath("//*[@data-pagefind-filter='source']/text()") == ["Reuters"]
    # Navigation is outside the indexed body.
    assert not doc.xpath("//*[@data-pagefind-body]//nav[@aria-label='Site']")


def test_archive_pages_by_year_and_month(sample_site):
    out = sample_site / "output"
    archives = page(out / "archives/index.html")
    years = [a.text for a in archives.xpath("//section[@class='year']/h2/a")]
    assert years == ["2019", "2018", "2017"]
    month = page(out / "2018/03/index.html")
    titles = [a.text for a in month.xpath("//ol[@class='story-list']//h3/a")]
    assert titles == ["Harbour bridge plan wins council vote after six-hour debate"]
    assert (out / "2017/index.html").exists()


def test_index_lists_latest_first_and_links_resolve(sample_site):
    out = sample_site / "output"
    index = page(out / "index.html")
    links = index.xpath("//ol[@class='story-list']//h3/a/@href")
    assert len(links) == 3
    for href in links:
        assert (out / href / "index.html").exists(), href


def test_pagefind_index_is_built_and_not_empty(sample_site):
    out = sample_site / "output"
    assert (out / "pagefind/pagefind.js").stat().st_size > 0
    entry = json.loads((out / "pagefind/pagefind-entry.json").read_text())
    pages = sum(lang["page_count"] for lang in entry["languages"].values())
    assert pages == 3  # the three stories; index and archive pages carry no data-pagefind-body
    # One Pagefind bundle per year (plugins/pagefind_index/shards.py), listed in shards.json.
    manifest = json.loads((out / "pagefind/shards.json").read_text())
    assert sum(shard["pages"] for shard in manifest["shards"]) == 3
    for shard in manifest["shards"]:
        assert list((out / "pagefind" / shard["path"] / "index").iterdir())
        assert list((out / "pagefind" / shard["path"] / "filter").iterdir())


def test_search_page_loads_search_script_with_noscript_fallback(sample_site):
    # theme/static/js/search.js drives Pagefind's JS API (pagefind.js), which sorts by date;
    # the 1.5 UI bundles cannot offer a reader-chosen order.
    doc = page(sample_site / "output/search/index.html")
    assert any(src.endswith("theme/js/search.js") for src in doc.xpath("//script/@src"))
    assert "JavaScript" in doc.xpath("string(//noscript)")


def test_no_script_from_scraped_input_reaches_output(sample_site):
    out = sample_site / "output"
    for path in out.rglob("*.html"):
        doc = page(path)
        for script in doc.xpath("//script[not(@type='application/ld+json')]"):
            assert script.get("src", "").startswith(
                ("../", "/", "pagefind", "theme")
            ) or script.get("src"), path
            assert "alert" not in (script.text or ""), path
        for data in doc.xpath("//script[@type='application/ld+json']"):
            # A data block, never run; scraped text in it cannot close the element.
            assert "<" not in data.text and json.loads(data.text)["@type"] == "NewsArticle", path
        for element in doc.iter():
            if not isinstance(element.tag, str):
                continue
            assert not [a for a in element.attrib if a.lower().startswith("on")], (
                path,
                element.tag,
            )
            assert element.tag not in ("iframe", "img") or element.get("src") != "x", path
        for href in doc.xpath("//@href"):
            assert not href.strip().lower().startswith("javascript:"), path


def test_make_html_honours_inputdir_and_outputdir(tmp_path):
    run_import(tmp_path / "content", tmp_path / "r.jsonl", FIXTURES / "text")
    subprocess.run(
        [
            "make",
            "-C",
            str(ROOT),
            "html",
            f"INPUTDIR={tmp_path / 'content'}",
            f"OUTPUTDIR={tmp_path / 'out'}",
        ],
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "out/pagefind/pagefind.js").exists()
    assert (tmp_path / "out/2019/02/05").is_dir()


def _tree(root):
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


def test_build_is_deterministic(tmp_path, sample_site):
    build_site(sample_site / "content", tmp_path / "again")
    first, second = _tree(sample_site / "output"), _tree(tmp_path / "again")
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []
    assert any(k.startswith("pagefind/shards/") and "/fragment/" in k for k in first)


def _indexed_urls(output):
    """The URL of every page in the search index's fragments (gzip of Pagefind's signature
    and JSON)."""
    import gzip

    urls = set()
    for fragment in (output / "pagefind").rglob("*.pf_fragment"):
        body = gzip.decompress(fragment.read_bytes()).removeprefix(b"pagefind_dcd")
        urls.add(json.loads(body)["url"])
    return urls


def test_a_hidden_story_is_published_but_not_searchable_nor_in_the_sitemap(tmp_path):
    """``Status: hidden``: the story's page is there at its address, but no list shows it, so
    neither may the search index, the sitemap or search engines."""
    content, output = tmp_path / "content", tmp_path / "out"
    run_import(content, tmp_path / "r.jsonl", FIXTURES / "text")
    hidden, shown = sorted(content.rglob("*.md"))[:2]

    def slug(story):
        return next(
            line.split(":", 1)[1].strip()
            for line in story.read_text(encoding="utf-8").splitlines()
            if line.startswith("Slug:")
        )

    text = hidden.read_text(encoding="utf-8")
    hidden.write_text(text.replace("\nSlug: ", "\nStatus: hidden\nSlug: ", 1), encoding="utf-8")
    build_site(content, output)
    (page,) = output.rglob(f"{slug(hidden)}/index.html")
    (other,) = output.rglob(f"{slug(shown)}/index.html")
    head = page.read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex">' in head
    assert "data-pagefind-body" not in head
    assert "noindex" not in other.read_text(encoding="utf-8")
    sitemap = (output / "sitemap.xml").read_text(encoding="utf-8")
    assert f"/{slug(shown)}/" in sitemap and f"/{slug(hidden)}/" not in sitemap
    urls = _indexed_urls(output)
    assert any(f"/{slug(shown)}/" in url for url in urls)
    assert not any(f"/{slug(hidden)}/" in url for url in urls)
