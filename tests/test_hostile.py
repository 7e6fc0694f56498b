"""Hostile input (tests/hostile/corpus.py) imported in one batch with good stories, then built
with the real Pelican: the import finishes, every input gets a report line naming it (and a
reason when it is refused), the good stories are imported, and the built site holds no script,
event handler, active URL, frame or redirect from the input, checked by parsing every page and
every feed entry (not by grepping).

The policies these cases pin down are tested one by one at the end: symbolic links and
non-regular files under an input folder, the date window, the size limit for one story, file
names that are not UTF-8, stale temporary files of a killed run, and a reader bug.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree
from lxml import html as lxml_html
from PIL import Image

from newsarchive import work
from newsarchive.content import atomic_write, is_temporary, remove_temporaries, render
from newsarchive.dates import MAX_YEAR, MIN_YEAR, plausible_date
from newsarchive.errors import InputRejected
from newsarchive.importer import printable_path
from newsarchive.readers import MAX_STORY_BYTES, check_story_size
from newsarchive.readers.html import read_html
from newsarchive.readers.json_records import parse_record, read_record
from newsarchive.readers.photo import image_info
from newsarchive.readers.warc import iter_records
from newsarchive.units import Unit, iter_units, unsafe_entry
from tests.browser_support import settings_file
from tests.conftest import FIXTURES, build_site, run_import
from tests.hostile.corpus import CASES, XSS, Expect, media, write_corpus
from tests.hostile.stories import html_page, paragraphs
from tests.test_links import DEV_URL, broken_feed_links, broken_links, broken_sitemap_entries

GOOD = (FIXTURES / "text" / "harbour-bridge-vote.txt", FIXTURES / "text" /
        "ecuador-rate-cp1252.txt", FIXTURES / "html" / "jsonld.html")
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "srcset", "poster", "data",
                            "xlink:href", "background", "cite", "ping", "manifest", "lowsrc"})
FORBIDDEN_ELEMENTS = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet",
                                "base", "svg", "math", "style", "template", "portal"})
THEME_SCRIPTS = ("theme/js/", "pagefind/")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("hostile")
    inputs = base / "inputs"
    expected = write_corpus(inputs)
    good = inputs / "good"
    good.mkdir()
    for path in GOOD:
        shutil.copy(path, good / path.name)
    expected.update({f"good/{path.name}": Expect("imported") for path in GOOD})
    records = run_import(base / "content", base / "report.jsonl", inputs)
    build_site(base / "content", base / "output",
               settings_file(base, "pelicanconf", base / "cache", CACHE_PATH=str(base / "cache")))
    return {"inputs": inputs, "expected": expected, "records": records,
            "site": base / "output", "content": base / "content"}


def by_label(hostile: dict) -> dict[str, dict]:
    prefix = f"{hostile['inputs']}/"
    return {record["input"].removeprefix(prefix): record for record in hostile["records"]}


# --- the report ----------------------------------------------------------------------------


def test_every_hostile_input_is_reported_with_its_reason(hostile: dict) -> None:
    records = by_label(hostile)
    assert len(records) == len(hostile["records"]), "one report line per input"
    wrong = {}
    for label, expect in hostile["expected"].items():
        record = records.get(label)
        if record is None or record["status"] != expect.status or \
                expect.reason not in record["reason"]:
            wrong[label] = (expect, record and (record["status"], record["reason"]))
    assert wrong == {}
    unexpected = sorted(set(records) - set(hostile["expected"]))
    assert unexpected == []


def test_rejections_name_the_input_and_a_reason(hostile: dict) -> None:
    rejected = [r for r in hostile["records"] if r["status"] == "rejected"]
    assert len(rejected) >= 40
    for record in rejected:
        assert record["reason"].strip(), record
        assert record["input"].startswith(str(hostile["inputs"])), record
        assert "internal error" not in record["reason"], record


def test_report_stays_json_lines_with_odd_file_names(hostile: dict) -> None:
    report = (hostile["inputs"].parent / "report.jsonl").read_text(encoding="utf-8")
    lines = report.split("\n")[:-1]
    assert len(lines) == len(hostile["records"])  # a newline in a name never splits a line
    names = {json.loads(line)["input"].rsplit("/", 1)[-1] for line in lines}
    assert {"new\nline.txt", "caf\\xe9-latin1.txt", 'tab\tand "quote" ..txt'} <= names


def test_good_inputs_in_the_same_batch_are_imported(hostile: dict) -> None:
    records = by_label(hostile)
    for path in GOOD:
        record = records[f"good/{path.name}"]
        assert record["status"] == "imported", record
        assert (hostile["content"].parent / record["output"]).exists() or \
            Path(record["output"]).exists()


def test_the_corpus_covers_the_issue_list() -> None:
    assert len(CASES) >= 30
    for name in ("html-active-content", "text-injection", "json-injection", "text-invalid-utf8",
                 "text-utf16-without-bom", "text-nul-bytes", "empty-file", "file-of-50-mb",
                 "teaser-block-of-10000-lines", "html-nested-10000-levels", "truncated-gzip",
                 "truncated-warc", "json-wrong-types", "dates-out-of-range", "truncated-jpeg",
                 "png-decompression-bomb", "image-that-is-html", "symlinks", "odd-file-names"):
        assert name in CASES


def test_teasers_are_dropped_and_counted(hostile: dict) -> None:
    record = by_label(hostile)["teaser-block-of-10000-lines/teasers.txt"]
    assert record["dropped"] == {"teasers": 5_000}


# --- the built site ------------------------------------------------------------------------


def active_markup(doc, where: str) -> list[str]:
    """Everything in a parsed page that could run script or navigate on its own."""
    found = []
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue  # comments, processing instructions
        tag = element.tag.lower()
        if tag in FORBIDDEN_ELEMENTS:
            found.append(f"{where}: <{tag}>")
        if tag == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            found.append(f"{where}: meta refresh")
        if tag == "script":
            found += script_problems(element, where)
        for name, value in element.attrib.items():
            name = name.lower()
            if name.startswith("on") or name == "style":
                found.append(f"{where}: <{tag} {name}=…>")
            if name in URL_ATTRIBUTES and active_url(value):
                found.append(f"{where}: <{tag} {name}={value[:40]!r}>")
    return found


def active_url(value: str) -> bool:
    """A URL that runs script or carries its own document (checked as a browser reads it:
    whitespace and control characters inside the scheme are ignored)."""
    for candidate in value.split(","):  # srcset lists
        squeezed = "".join(c for c in candidate if c > " ").lower()
        if squeezed.startswith(("javascript:", "vbscript:", "data:")):
            return True
    return False


def script_problems(element, where: str) -> list[str]:
    """The theme's own scripts are files under theme/ or pagefind/; the only inline script is
    JSON-LD, which must parse as JSON."""
    src = element.get("src")
    if src is not None:
        parts = urlsplit(src)
        local = not parts.scheme and not parts.netloc
        if local and any(marker in parts.path for marker in THEME_SCRIPTS):
            return []
        return [f"{where}: <script src={src!r}>"]
    if (element.get("type") or "").lower() == "application/ld+json":
        try:
            json.loads(element.text or "")
        except ValueError:
            return [f"{where}: JSON-LD that does not parse"]
        return []
    return [f"{where}: inline <script>"]


def test_built_site_has_no_active_markup_from_the_input(hostile: dict) -> None:
    site = hostile["site"]
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 30
    problems = []
    for page in pages:
        problems += active_markup(lxml_html.fromstring(page.read_bytes()),
                                  str(page.relative_to(site)))
    assert problems == []


def test_feed_entries_have_no_active_markup(hostile: dict) -> None:
    site = hostile["site"]
    atom = "{http://www.w3.org/2005/Atom}"
    feeds = sorted(site.rglob("*.atom.xml"))
    assert feeds
    problems, entries = [], 0
    for feed in feeds:
        root = etree.fromstring(feed.read_bytes())
        for entry in root.iter(f"{atom}entry"):
            entries += 1
            for part in (*entry.iter(f"{atom}content"), *entry.iter(f"{atom}summary")):
                if part.text and part.text.strip():
                    doc = lxml_html.fragment_fromstring(part.text, create_parent="div")
                    problems += active_markup(doc, f"{feed.name} entry {entries}")
            for link in entry.iter(f"{atom}link"):
                if active_url(link.get("href", "")):
                    problems.append(f"{feed.name}: link {link.get('href')}")
    assert entries > 10
    assert problems == []


def test_injected_markup_is_shown_as_text(hostile: dict) -> None:
    """The hostile title reaches the page as the text it was, in the page title, the heading
    and the JSON-LD headline: escaped, not dropped and not interpreted."""
    site = hostile["site"]
    for page in site.rglob("*/index.html"):
        doc = lxml_html.fromstring(page.read_bytes())
        heading = doc.xpath("string(//h1)")
        if heading.startswith("Harbour </title>"):
            break
    else:
        pytest.fail("no page for the text dump whose headline carries markup")
    assert heading == f"Harbour {XSS} vote"
    assert doc.xpath("string(//title)").startswith(f"Harbour {XSS} vote")
    (ld,) = doc.xpath('//script[@type="application/ld+json"]')
    assert json.loads(ld.text)["headline"] == heading


def test_hostile_site_has_no_broken_links(hostile: dict) -> None:
    site = hostile["site"]
    assert broken_links(site, DEV_URL) == []
    assert broken_feed_links(site, DEV_URL) == []
    assert broken_sitemap_entries(site, DEV_URL) == []


def test_the_checker_finds_active_markup() -> None:
    page = lxml_html.fromstring(
        '<html><head><base href="/"><meta http-equiv="Refresh" content="0;url=/x">'
        '<script>alert(1)</script><script src="https://cdn.example/x.js"></script>'
        '<script src="../theme/js/search.js"></script>'
        '<script type="application/ld+json">{"a": </script></head>'
        '<body><p OnClick="x" style="color: red">t</p><a href=" java\tscript:x">j</a>'
        '<img src="x.jpg" srcset="a.jpg 1x, data:image/png;base64,AA 2x"><iframe></iframe>'
        "<svg></svg></body></html>")
    assert active_markup(page, "p") == [
        "p: <base>", "p: meta refresh", "p: inline <script>",
        "p: <script src='https://cdn.example/x.js'>", "p: JSON-LD that does not parse",
        "p: <p onclick=…>", "p: <p style=…>", "p: <a href=' java\\tscript:x'>",
        "p: <img srcset='a.jpg 1x, data:image/png;base64,AA 2x'>", "p: <iframe>", "p: <svg>",
    ]


def test_window_edge_dates_are_built(hostile: dict) -> None:
    site = hostile["site"]
    assert list(site.glob("1800/01/01/*/index.html"))
    assert list(site.glob("2199/12/31/*/index.html"))


# --- the policies, one by one --------------------------------------------------------------


def test_symlinks_leading_outside_the_input_folder_are_not_followed(tmp_path: Path) -> None:
    inputs, outside = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    outside.mkdir()
    (outside / "x.txt").write_text("secret", encoding="utf-8")
    (inputs / "story.txt").write_text("story", encoding="utf-8")
    (inputs / "a.txt").symlink_to(outside / "x.txt")
    (inputs / "b.txt").symlink_to("story.txt")
    (inputs / "c").symlink_to(outside)
    (inputs / "d.txt").symlink_to(tmp_path / "missing")
    top = inputs.resolve()
    assert "outside the input folder" in unsafe_entry(inputs / "a.txt", top)
    assert unsafe_entry(inputs / "b.txt", top) == ""
    assert "outside the input folder" in unsafe_entry(inputs / "c", top)
    assert "broken symbolic link" in unsafe_entry(inputs / "d.txt", top)
    units = {Path(u.label).name: u for u in iter_units([inputs])}
    assert {n: u.kind for n, u in units.items()} == {
        "a.txt": "rejected", "c": "rejected", "d.txt": "rejected", "b.txt": "file",
        "story.txt": "file"}
    # A file named on the command line is the user's choice: read, link or not.
    assert [u.kind for u in iter_units([inputs / "a.txt"])] == ["file"]


def test_a_named_pipe_in_an_input_folder_is_reported_not_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (unit,) = iter_units([tmp_path])
    assert (unit.kind, unit.payload) == ("rejected",
                                         "not a regular file (a device, socket or named pipe)")


@pytest.mark.parametrize("year", [1, MIN_YEAR - 1, MAX_YEAR + 1, 9999])
def test_dates_outside_the_window_are_rejected(year: int) -> None:
    with pytest.raises(InputRejected, match=f"implausible date {year:04d}-"):
        plausible_date(dt.datetime(year, 6, 1))


@pytest.mark.parametrize("year", [MIN_YEAR, 2024, MAX_YEAR])
def test_dates_inside_the_window_are_kept(year: int) -> None:
    assert plausible_date(dt.datetime(year, 6, 1)).year == year


def test_one_story_has_a_size_limit() -> None:
    check_story_size(b"x" * MAX_STORY_BYTES, "page")
    with pytest.raises(InputRejected, match="page too large for one story"):
        check_story_size(b"x" * (MAX_STORY_BYTES + 1), "page")


def test_file_names_that_are_not_utf8_are_printable() -> None:
    name = os.fsdecode(b"/in/caf\xe9\n.txt")
    assert printable_path(name) == "/in/caf\\xe9\n.txt"
    assert printable_path("/in/café.txt") == "/in/café.txt"


def test_temporary_files_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    atomic_write(tmp_path / "a" / "story.md", "text")
    stale = tmp_path / "a" / ".story.md.ab_c1234.tmp"
    stale.write_text("half a sto", encoding="utf-8")
    (tmp_path / "a" / ".keep.tmp").write_text("not ours", encoding="utf-8")
    assert is_temporary(stale.name) and not is_temporary(".keep.tmp")
    assert remove_temporaries(tmp_path) == 1
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [".keep.tmp", "story.md"]


def test_a_reader_bug_rejects_the_input_and_the_batch_goes_on(tmp_path: Path,
                                                                monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(work, "read_story", broken)
    path = tmp_path / "story.txt"
    path.write_text("some text", encoding="utf-8")
    (outcome,) = work.process(Unit(str(path), "file", path))
    assert outcome.article is None
    assert outcome.reason.startswith("internal error while reading (KeyError: 'surprise')")


# --- regressions: inputs that once raised something other than InputRejected ---------------


def test_html_with_control_characters_is_rejected_not_crashed() -> None:
    with pytest.raises(InputRejected):  # lxml refused the \x01 when a <script> was dropped
        read_html(b"<html><h1><script></script>\x01")


def test_html_declaring_a_bytes_codec_is_read() -> None:
    page = html_page(900).replace('charset="utf-8"', 'charset="base64"').encode()
    assert read_html(page).title  # "base64" is no text encoding: the page is read as UTF-8


def test_warc_response_without_target_uri_is_reported() -> None:
    body = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body>x</body></html>")
    record = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Date: 2020-01-01T00:00:00Z\r\n"
              b"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\n"
              b"Content-Type: application/http; msgtype=response\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body + b"\r\n\r\n")
    pages = list(iter_records(io.BytesIO(record)))
    assert [(p.number, "corrupt WARC" in p.reason) for p in pages] == [(0, True)]


def test_iptc_dataset_without_a_value_is_empty() -> None:
    data = media.jpeg(media.picture(1), {"caption": "", "credit": "TEST/Ann"})
    info = image_info(Image.open(io.BytesIO(data)))  # Pillow gives None for the caption
    assert (info.caption, info.credit) == ("", "TEST/Ann")


def test_json_nested_too_deeply_is_rejected() -> None:
    with pytest.raises(InputRejected, match="nested too deeply"):
        parse_record(b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    with pytest.raises(InputRejected, match="not valid JSON"):
        parse_record(b'{"a": ' + b"9" * 5_000 + b"}")


def test_lone_surrogates_in_json_never_reach_a_file() -> None:
    text = "\n".join(paragraphs(901))
    article = read_record({"title": "A \ud800 title", "text": text + " \udfff",
                           "date": "2020-01-01", "authors": ["Ann \udc80 Ray"]})
    render(article, "x").encode("utf-8")
    assert article.title == "A title"
