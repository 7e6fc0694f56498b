"""The real scraped page in ../shared/samples (skipped when ../shared is absent)."""

from __future__ import annotations

from newsarchive.readers.textdump import parse
from newsarchive.text import decode_text
from tests.conftest import run_import, shared_file

SAMPLE = ("samples", "scraped-article-g7-lucca.txt")


def test_shared_sample_imports_as_the_issue_requires(tmp_path):
    sample = shared_file(*SAMPLE)
    content = tmp_path / "content"
    (record,) = run_import(content, tmp_path / "r.jsonl", sample)
    assert record["status"] == "imported"
    assert record["source"] == "Reuters" and record["date"] == "2017-04-11"
    text = open(record["output"], encoding="utf-8").read()
    header, body = text.split("\n\n", 1)
    blocks = body.strip().split("\n\n")
    headings = [b for b in blocks if b.startswith("## ")]
    assert len(headings) == 1 and headings[0].lower() == "## crimes against innocents"
    assert len(blocks) - len(headings) == 20
    assert blocks.index(headings[0]) == 9  # in order, after the ninth paragraph
    assert "Credit: REUTERS/Max Rossi" in header.splitlines()
    assert "Title_Derived: yes" in header.splitlines()
    title = next(line for line in header.splitlines() if line.startswith("Title: "))[7:]
    assert 20 < len(title) <= 100 and not title.endswith((" the", " of", " to", ","))

    # None of the 20 teasers (headline or summary line) anywhere in the content file.
    parts = parse(decode_text(sample.read_bytes()))
    assert len(parts.teaser_lines) == 40
    for line in parts.teaser_lines:
        assert line not in text
    assert record["dropped"] == {"teasers": 20}

    before = open(record["output"], "rb").read()
    (again,) = run_import(content, tmp_path / "r2.jsonl", sample)
    assert again["status"] == "unchanged"
    assert open(again["output"], "rb").read() == before
