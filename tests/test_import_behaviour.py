"""Import behaviour across formats: idempotent, updates in place, duplicates and
near-duplicates, editor overrides kept, parallel equals serial, hostile input made safe."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from newsarchive.content import read_header
from tests.conftest import FIXTURES, ROOT, run_import

STORY = FIXTURES / "text" / "harbour-bridge-vote.txt"


def snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_sample_format_reimports_unchanged(tmp_path: Path) -> None:
    content = tmp_path / "c"
    first = run_import(content, tmp_path / "r1.jsonl", ROOT / "samples")
    kinds = {Path(r["input"].split("#")[0]).parent.name for r in first if r["status"] != "rejected"}
    assert kinds >= {"text", "html", "json", "warc", "photos"}
    files = snapshot(content)
    second = run_import(content, tmp_path / "r2.jsonl", ROOT / "samples")
    assert {r["status"] for r in second} <= {"unchanged", "rejected", "duplicate"}
    assert [r["output"] for r in first] == [r["output"] for r in second]
    assert snapshot(content) == files


def test_changed_json_record_is_updated(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    record = json.loads((FIXTURES / "json" / "feed.jsonl").read_text().splitlines()[0])
    feed.write_text(json.dumps(record) + "\n")
    (first,) = run_import(tmp_path / "c", tmp_path / "r.jsonl", feed)
    record["maintext"] = record["maintext"].replace("forty million", "forty-two million")
    feed.write_text(json.dumps(record) + "\n")
    (second,) = run_import(tmp_path / "c", tmp_path / "r.jsonl", feed)
    assert (first["status"], second["status"]) == ("imported", "updated")
    assert first["output"] == second["output"]


def test_near_duplicate_from_another_site_is_a_duplicate(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    text = STORY.read_text()
    (inbox / "a.txt").write_text(text)
    # Another site: its own headline, one sentence trimmed, a word changed, a new last line.
    edited = (text.replace("Harbour bridge plan wins council vote after six-hour debate",
                           "Gothenburg approves second harbour bridge")
              .replace(" with two members absent,", "")
              .replace("spawning grounds", "spawning areas")
              .replace("publish the full survey.", "publish the full survey. More to follow."))
    (inbox / "b.txt").write_text(edited)
    first, second = run_import(tmp_path / "c", tmp_path / "r.jsonl", inbox)
    assert first["status"] == "imported"
    assert second["status"] == "duplicate" and second["output"] == first["output"]


def test_editor_changes_survive_reimport(tmp_path: Path) -> None:
    (record,) = run_import(tmp_path / "c", tmp_path / "r.jsonl", STORY)
    path = Path(record["output"])
    text = path.read_text(encoding="utf-8")
    meta = read_header(path)
    edited = (text.replace(f"Title: {meta['title']}", "Title: Second harbour bridge approved")
              .replace(f"Topics: {meta['topics']}", "Topics: transport")
              .replace("Fingerprint:", "Locked: summary\nFingerprint:"))
    path.write_text(edited, encoding="utf-8")
    changed = tmp_path / "changed.txt"
    changed.write_text(STORY.read_text().replace("41 to 38", "42 to 37"))
    (again,) = run_import(tmp_path / "c", tmp_path / "r2.jsonl", changed)
    assert again["status"] == "updated" and again["output"] == record["output"]
    after = read_header(path)
    assert after["title"] == "Second harbour bridge approved"  # edited: kept
    assert after["topics"] == "transport"
    assert after["countries"] == meta["countries"]  # not edited: regenerated
    assert after["locked"] == "summary"
    assert "42 to 37" in path.read_text(encoding="utf-8")
    (third,) = run_import(tmp_path / "c", tmp_path / "r3.jsonl", changed)
    assert third["status"] == "unchanged"


def test_parallel_import_equals_serial(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    base = STORY.read_text()
    for i in range(80):  # enough units for worker processes to start
        story = base.replace("41 to 38", f"{i} to 38").replace("Wed Mar 14 2018", f"{i % 28 + 1} "
                                                                "March 2018")
        (inbox / f"s{i:03}.txt").write_text(story.replace("Harbour bridge", f"Bridge {i}"))
    outputs = []
    for jobs in ("1", "2"):
        content, report = tmp_path / f"c{jobs}", tmp_path / f"r{jobs}.jsonl"
        subprocess.run([sys.executable, str(ROOT / "scripts/import_articles.py"), "--jobs", jobs,
                        "--content", str(content), "--report", str(report), str(inbox)],
                       check=True, capture_output=True)
        lines = report.read_text().replace(str(content), "C").splitlines()
        outputs.append((lines, {p.relative_to(content): b for p, b in snapshot(content).items()}))
    assert outputs[0] == outputs[1]
    assert len(outputs[0][0]) == 80


def test_hostile_html_page_gives_safe_content(tmp_path: Path) -> None:
    (record,) = run_import(tmp_path / "c", tmp_path / "r.jsonl", FIXTURES / "html" / "hostile.html")
    text = Path(record["output"]).read_text(encoding="utf-8").lower()
    for needle in ("<script", "onerror=", "onload=", "onclick=", "<iframe", "<form",
                   "javascript:", "data:"):
        assert needle not in text, needle


def test_path_like_and_emoji_titles_stay_inside_content(tmp_path: Path) -> None:
    places = ["north quay", "ferry slip", "fish market"]
    feed = tmp_path / "f.jsonl"
    records = []
    for i, title in enumerate(["../../etc/passwd", "🎉🎉", "/abs"]):
        text = "\n".join(f"Paragraph {k}: the harbour master said the {places[i]} pontoon "
                         f"number {i * 100 + k} opens in month {k + i} of year {2031 + i}."
                         for k in range(6))
        records.append(json.dumps({"title": title, "text": text, "date": f"2031-03-0{i + 1}"}))
    feed.write_text("\n".join(records))
    report = run_import(tmp_path / "c", tmp_path / "r.jsonl", feed)
    root = (tmp_path / "c").resolve()
    for record in report:
        assert record["status"] == "imported"
        out = Path(os.path.realpath(record["output"]))
        assert os.path.commonpath([root, out]) == str(root)
        assert out.name.endswith(".md") and ".." not in out.name
    shutil.rmtree(tmp_path / "c")
