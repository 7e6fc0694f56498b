"""Scraper JSON and JSON Lines: dialects, one report line per record, clear rejections."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from newsarchive.errors import InputRejected
from newsarchive.readers.json_records import paragraphs, read_record
from tests.conftest import FIXTURES, run_import

FEED = FIXTURES / "json" / "feed.jsonl"


def records() -> list[dict]:
    return [json.loads(line) for line in FEED.read_text().splitlines()[:5]]


def test_news_please_record() -> None:
    article = read_record(records()[0])
    assert article.title == "Eastmarsh water board orders new sluice gates"
    assert article.date == dt.datetime(2031, 2, 3, 10, 0)
    assert article.authors == ("Ivo Lark",)
    assert article.source == "eastmarsh.example"
    assert article.url == "https://eastmarsh.example/news/sluice-gates"
    assert article.photos[0].image == "https://eastmarsh.example/img/gates.jpg"
    assert article.summary.startswith("Forty million crowns")
    assert len(article.paragraphs) == 3  # one paragraph a line
    assert article.extra_fields == ("crawler_note",)  # date_download, language: known, unused


def test_trafilatura_record() -> None:
    article = read_record(records()[1])
    assert article.authors == ("Mina Sorrel", "Teo Vance")
    assert article.source == "varrow-post.example"  # hostname; `source` is a URL here
    assert article.url == "https://varrow-post.example/2031/02/oven"
    assert article.section == "Food"
    assert len(article.paragraphs) == 3  # blank lines separate paragraphs
    assert article.extra_fields == ()


def test_newspaper4k_record() -> None:
    article = read_record(records()[2])
    assert article.source == "Calder Coast News"
    assert article.url == "https://calder.example/news/terns"
    assert article.date == dt.datetime(2031, 6, 6, 8, 15, tzinfo=dt.UTC)
    assert article.photos[0].image == "https://calder.example/terns.jpg"


@pytest.mark.parametrize(
    "index, reason",
    [(3, "field 'title' has the wrong type: a number"), (4, "field 'date' has the wrong type")],
)
def test_wrong_types_are_clear_rejections(index: int, reason: str) -> None:
    with pytest.raises(InputRejected, match=reason):
        read_record(records()[index])


def test_plain_text_is_split_into_paragraphs() -> None:
    assert [b.text for b in paragraphs("One.\n\nTwo\nstill two.\n\n\nThree.")] == [
        "One.", "Two still two.", "Three."]
    assert [b.text for b in paragraphs("One.\r\nTwo.\r\n")] == ["One.", "Two."]


def test_html_field_goes_through_the_html_reader() -> None:
    page = (FIXTURES / "html" / "jsonld.html").read_text(encoding="utf-8")
    article = read_record({"html": page, "url": "https://courier.example.org/x", "tags": []})
    assert article.title == "Harbour ferry returns after winter repairs"
    assert article.body[0].text.startswith("The little blue ferry")


def test_jsonl_file_reports_one_line_per_record(tmp_path: Path) -> None:
    report = run_import(tmp_path / "c", tmp_path / "r.jsonl", FEED)
    by_input = {r["input"].rsplit("/", 1)[-1]: r for r in report}
    assert list(by_input) == [f"feed.jsonl#{n}" for n in (1, 2, 3, 4, 5, 7)]  # line 6 blank
    assert [r["status"] for r in report] == [
        "imported", "imported", "imported", "rejected", "rejected", "rejected"]
    assert "wrong type" in by_input["feed.jsonl#4"]["reason"]
    assert "not valid JSON" in by_input["feed.jsonl#7"]["reason"]
    assert by_input["feed.jsonl#1"]["extra_fields"] == ["crawler_note"]
    assert by_input["feed.jsonl#3"]["url"] == "https://calder.example/news/terns"


def test_json_array_records_and_duplicates(tmp_path: Path) -> None:
    array = FIXTURES / "json" / "array.json"
    report = run_import(tmp_path / "c", tmp_path / "r.jsonl", FEED, array)
    tail = {r["input"].rsplit("/", 1)[-1]: r for r in report[-2:]}
    assert tail["array.json#1"]["status"] == "duplicate"  # same text as feed.jsonl#3
    assert tail["array.json#1"]["output"] == report[2]["output"]
    assert tail["array.json#2"]["status"] == "rejected"
    assert "too short" in tail["array.json#2"]["reason"]


def test_hostile_json_record_yields_safe_content(tmp_path: Path) -> None:
    hostile = (FIXTURES / "html" / "hostile.html").read_text(encoding="utf-8")
    record = {"html": hostile, "url": "javascript:alert(1)",
              "image_url": "data:image/png;base64,AA",
              "title": "Council approves allotment plan <script>alert(2)</script>",
              "date": "2033-04-01"}
    feed = tmp_path / "hostile.jsonl"
    feed.write_text(json.dumps(record) + "\n" + json.dumps(record | {"html": ""}) + "\n")
    report = run_import(tmp_path / "c", tmp_path / "r.jsonl", feed)
    assert report[0]["status"] == "imported"
    text = Path(report[0]["output"]).read_text(encoding="utf-8").lower()
    for needle in ("<script", "onerror", "onload", "onclick", "<iframe", "<form",
                   "javascript:", "data:"):
        assert needle not in text, needle
    assert report[1]["status"] == "rejected"  # no text, no html
