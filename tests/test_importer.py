"""The import command end to end on files: report contract, idempotency, safety."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newsarchive.content import escape_markdown, read_header, render
from newsarchive.readers.textdump import read_textdump
from newsarchive.text import headline_from_lead, slugify
from tests.conftest import FIXTURES, GOLDEN, ROOT, run_import

REPORT_FIELDS = {
    "input",
    "status",
    "reason",
    "output",
    "url",
    "title",
    "date",
    "source",
    "topics",
    "countries",
}


def test_report_has_one_record_per_input_with_contract_fields(tmp_path):
    records = run_import(tmp_path / "content", tmp_path / "r.jsonl", FIXTURES / "text")
    assert len(records) == len(list((FIXTURES / "text").iterdir()))
    for record in records:
        assert record.keys() >= REPORT_FIELDS
    by_name = {os.path.basename(r["input"]): r for r in records}
    assert by_name["harbour-bridge-vote.txt"]["status"] == "imported"
    assert by_name["harbour-bridge-vote.txt"]["date"] == "2018-03-14"
    assert by_name["harbour-bridge-vote.txt"]["dropped"] == {"teasers": 3}
    rejected = by_name["no-date.txt"]
    assert rejected["status"] == "rejected" and "no date line" in rejected["reason"]


def test_reimport_is_unchanged_and_byte_identical(tmp_path):
    content = tmp_path / "content"
    first = run_import(content, tmp_path / "r1.jsonl", FIXTURES / "text")
    files = {p: p.read_bytes() for p in content.rglob("*.md")}
    second = run_import(content, tmp_path / "r2.jsonl", FIXTURES / "text")
    assert {r["status"] for r in second if r["status"] != "rejected"} == {"unchanged"}
    assert [r["output"] for r in first] == [r["output"] for r in second]
    assert {p: p.read_bytes() for p in content.rglob("*.md")} == files
    assert not list(content.rglob("*.tmp")), "no temporary files left behind"


def test_changed_input_is_updated_in_place(tmp_path):
    src = tmp_path / "in" / "story.txt"
    src.parent.mkdir()
    shutil.copy(FIXTURES / "text" / "harbour-bridge-vote.txt", src)
    (first,) = run_import(tmp_path / "c", tmp_path / "r.jsonl", src)
    src.write_text(src.read_text().replace("41 to 38", "42 to 37"))
    (second,) = run_import(tmp_path / "c", tmp_path / "r.jsonl", src)
    assert (first["status"], second["status"]) == ("imported", "updated")
    assert first["output"] == second["output"]
    assert "42 to 37" in open(second["output"], encoding="utf-8").read()


def test_same_story_from_another_file_is_a_duplicate(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    original = (FIXTURES / "text" / "harbour-bridge-vote.txt").read_text()
    (inbox / "a.txt").write_text(original)
    # The same wire copy saved by another site: different teasers, CRLF line endings.
    (inbox / "b.txt").write_text(original.split("Local bakery")[0].replace("\n", "\r\n"))
    first, second = run_import(tmp_path / "c", tmp_path / "r.jsonl", inbox)
    assert first["status"] == "imported"
    assert second["status"] == "duplicate" and second["output"] == first["output"]


def test_golden_content_files(tmp_path):
    """Importer output for each fixture, compared with reviewed golden files
    (regenerate with `make golden` and review the diff)."""
    run_import(tmp_path / "c", tmp_path / "r.jsonl", FIXTURES / "text")
    produced = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "c").rglob("*.md")}
    if os.environ.get("UPDATE_GOLDEN"):
        for name, text in produced.items():
            (GOLDEN / name).write_text(text, encoding="utf-8")
    golden = {p.name: p.read_text(encoding="utf-8") for p in GOLDEN.glob("*.md")}
    assert produced == golden


def test_markup_in_scraped_text_stays_text(tmp_path):
    story = read_textdump((FIXTURES / "text" / "markup-injection.txt").read_bytes())
    text = render(story, "x")
    body = text.split("\n\n", 1)[1]
    assert "<script" not in body and "<img" not in body and "<iframe" not in body
    assert "\\# Not a heading" in body and "\\- Not a list" in body
    assert read_header_from_text(text)["title"].startswith(
        '<script>alert("headline")'
    )  # plain text, escaped by templates


def read_header_from_text(text: str) -> dict[str, str]:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "x.md")
        path.write_text(text, encoding="utf-8")
        return read_header(path)


@pytest.mark.parametrize(
    "title, slug",
    [
        ("Café owners in São Paulo protest", "cafe-owners-in-sao-paulo-protest"),
        ("../../etc/passwd", "etc-passwd"),
        ("🎉🎉🎉", ""),
        ("Владимир и Москва", "vladimir-i-moskva"),
    ],
)
def test_slugify_is_ascii_and_never_a_path(title, slug):
    assert slugify(title) == slug


def test_emoji_title_still_gets_a_slug_inside_content(tmp_path):
    src = tmp_path / "emoji.txt"
    body = FIXTURES.joinpath("text", "ecuador-rate-cp1252.txt").read_bytes().decode("cp1252")
    src.write_text("🎉🎉🎉\r\n" + body, encoding="utf-8")
    (record,) = run_import(tmp_path / "c", tmp_path / "r.jsonl", src)
    assert record["status"] == "imported"
    out = (tmp_path / "c").resolve()
    assert os.path.commonpath([out, os.path.realpath(record["output"])]) == str(out)
    assert read_header(Path(record["output"]))["slug"].startswith("quito-ecuador")


def test_colliding_slugs_get_a_stable_suffix(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    text = (FIXTURES / "text" / "harbour-bridge-vote.txt").read_text()
    (inbox / "a.txt").write_text(text)
    # Same headline, next day, a different story (a near-duplicate text would be a duplicate).
    headline = text.splitlines()[0]
    other = (FIXTURES / "text" / "ecuador-rate-cp1252.txt").read_bytes().decode("cp1252")
    (inbox / "b.txt").write_text(
        f"{headline}\n{other.replace('July 6, 2017', 'March 15, 2018').replace('AFP', 'Reuters')}"
    )
    first, second = run_import(tmp_path / "c", tmp_path / "r.jsonl", inbox)
    assert second["status"] == "imported" and first["output"] != second["output"]
    slug2 = read_header(Path(second["output"]))["slug"]
    assert slug2.startswith(read_header(Path(first["output"]))["slug"] + "-")
    # The suffix comes from the story, not from the order: a fresh run gives the same one.
    shutil.rmtree(tmp_path / "c")
    run_import(tmp_path / "c", tmp_path / "r.jsonl", inbox)
    assert read_header(Path(second["output"]))["slug"] == slug2


def test_headline_from_lead_cuts_at_a_clause():
    lead = (
        "Officials from twelve coastal nations met in Lisbon on Tuesday, seeking a common plan "
        "to protect fishing grounds from warming seas and illegal trawling."
    )
    assert (
        headline_from_lead(lead) == "Officials from twelve coastal nations met in Lisbon on Tuesday"
    )
    assert len(headline_from_lead("word " * 80)) <= 100


def test_escape_markdown_neutralises_constructs():
    assert escape_markdown("<b>x</b> & [a](b)") == "&lt;b&gt;x&lt;/b&gt; &amp; \\[a\\](b)"


def test_cli_help_and_missing_input(tmp_path):
    help_text = subprocess.run(
        [sys.executable, str(ROOT / "scripts/import_articles.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--content" in help_text and "--report" in help_text
    (record,) = run_import(tmp_path / "c", tmp_path / "r.jsonl", tmp_path / "missing.txt")
    assert record == {**record, "status": "rejected", "reason": "no such file"}


def test_report_is_json_lines(tmp_path):
    run_import(tmp_path / "c", tmp_path / "r.jsonl", FIXTURES / "text")
    for line in (tmp_path / "r.jsonl").read_text().splitlines():
        json.loads(line)


def test_the_parent_takes_the_fingerprint_and_slug_the_worker_made(tmp_path, monkeypatch):
    """A worker hashes the story's words (its ``Fingerprint`` field) and makes its base slug
    for the content file anyway; the parent, which writes every file in turn, uses both
    instead of making them again, and writes the same file (a slug taken still gets its
    suffix)."""
    from newsarchive import importer
    from newsarchive.index import ContentIndex
    from newsarchive.units import iter_units
    from newsarchive.work import process

    units = list(iter_units([FIXTURES / "text"]))
    outcomes = [process(unit) for unit in units]
    assert all(o.fingerprint for group in outcomes for o in group if o.article is not None)

    def again(*_args):
        raise AssertionError("made again in the parent")

    expected = run_import(tmp_path / "expected", tmp_path / "expected.jsonl", FIXTURES / "text")
    monkeypatch.setattr(importer, "fingerprint", again)
    monkeypatch.setattr(importer, "base_slug", again)
    content = tmp_path / "content"
    index = ContentIndex.scan(content)
    records = [record for group in outcomes for record in importer.handle(group, index)]
    assert [r.status for r in records] == [r["status"] for r in expected]
    written = sorted(p.relative_to(content) for p in content.rglob("*.md"))
    assert written == sorted(
        p.relative_to(tmp_path / "expected") for p in (tmp_path / "expected").rglob("*.md")
    )
    for path in written:
        assert (content / path).read_bytes() == (tmp_path / "expected" / path).read_bytes()
