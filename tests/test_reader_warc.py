"""WARC crawls: article pages import with their URL and capture date; index pages and a cut-off
tail are reported, one line per record."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from newsarchive.readers.warc import index_page_reason
from tests.conftest import ROOT, run_import

_spec = importlib.util.spec_from_file_location("media", ROOT / "scripts" / "make_sample_media.py")
media = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(media)

STORY = (
    "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    "<p>The orchard cooperative in Bramley Vale pressed its first cider of the season on "
    "Saturday, using apples from trees planted by schoolchildren a decade ago.</p>"
    "<p>Members said the harvest was the largest since the cooperative was founded, and that "
    "the new press, bought with a grant from the parish, had doubled what they could make.</p>"
    "<p>{extra} Bottles will go on sale at the village fete next month.</p>"
    "</article></body></html>"
)


def crawl(gzip: bool = True) -> bytes:
    return media.warc([
        ("https://vale.example/2031/09/cider", "2031-09-14T10:00:00Z",
         STORY.format(title="Bramley Vale presses its first cider", extra="Proceeds fund trees.")),
        ("https://vale.example/tag/orchards/", "2031-09-14T10:01:00Z",
         "<html><body><ul><li><a href='/a'>A</a></li></ul></body></html>"),
        ("https://vale.example/2031/09/hedges", "2031-09-15T07:30:00Z",
         STORY.format(title="Parish plants a mile of hedgerow", extra="A different ending, "
                      "with hedgerow talk about hawthorn, blackthorn and hazel whips planted "
                      "along the lane by forty volunteers over two wet weekends in the autumn.")),
    ], gzip=gzip)


@pytest.mark.parametrize("gzip", [True, False])
def test_each_response_record_is_a_report_line(tmp_path: Path, gzip: bool) -> None:
    path = tmp_path / ("crawl.warc.gz" if gzip else "crawl.warc")
    path.write_bytes(crawl(gzip))
    report = run_import(tmp_path / "c", tmp_path / "r.jsonl", path)
    assert [r["input"] for r in report] == [f"{path}#{n}" for n in (1, 2, 3)]
    first, index, third = report
    assert first["status"] == "imported"
    assert first["url"] == "https://vale.example/2031/09/cider"
    assert first["date"].startswith("2031-09-14")  # the page names no date: WARC-Date
    assert index["status"] == "rejected" and "index, tag or section" in index["reason"]
    assert third["status"] in ("imported", "duplicate")


def test_truncated_crawl_keeps_good_records(tmp_path: Path) -> None:
    data = crawl()
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(data[: len(data) - 300])  # the last record is cut short
    report = run_import(tmp_path / "c", tmp_path / "r.jsonl", path)
    assert report[0]["status"] == "imported"
    assert report[-1]["input"] == f"{path}#3" and report[-1]["status"] == "rejected"
    assert "truncated WARC" in report[-1]["reason"]


@pytest.mark.parametrize(
    "url, skipped",
    [
        ("https://a.example/", True),
        ("https://a.example/news/", True),
        ("https://a.example/tag/floods", True),
        ("https://a.example/category/world/page/2", True),
        ("https://a.example/2031/09/cider", False),
        ("https://a.example/news/story.html", False),
    ],
)
def test_index_urls(url: str, skipped: bool) -> None:
    assert bool(index_page_reason(url)) is skipped
