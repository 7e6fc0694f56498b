"""The bundled sample archive: what a newcomer sees must read like a real archive."""

from __future__ import annotations

from newsarchive.topics import top_level
from tests.conftest import ROOT, run_import


def test_samples_cover_the_archive_and_reject_the_malformed(tmp_path):
    records = run_import(tmp_path / "content", tmp_path / "r.jsonl", ROOT / "samples")
    stories = [r for r in records if r["status"] == "imported"]
    assert len(stories) >= 24
    # The two malformed files, and the crawl's tag page (a WARC holds index pages too).
    rejected = [r for r in records if r["status"] == "rejected"]
    assert sorted(r["input"].split("/samples/")[1].split("#")[0] for r in rejected) == [
        "malformed/no-date.txt",
        "malformed/not-a-story.txt",
        "warc/harbourtown-crawl.warc.gz",
    ]
    assert all(len(r["reason"]) > 20 for r in rejected)
    kinds = {r["input"].rsplit(".", 1)[-1].split("#")[0] for r in stories}
    assert {"txt", "html", "jsonl", "gz"} <= kinds, kinds
    assert len({c for r in stories for c in r["countries"]}) >= 8
    assert len({top_level(t["slug"]).slug for r in stories for t in r["topics"]}) >= 6
    assert len({r["source"] for r in stories}) >= 3
    assert len({r["date"][:4] for r in stories}) >= 2
    assert sum(1 for r in stories if r["dropped"].get("teasers")) >= 5


def test_committed_content_is_the_import_of_the_samples(tmp_path):
    """content/ is what `make import` makes of samples/: regenerate it with `make golden`."""
    run_import(tmp_path / "content", tmp_path / "r.jsonl", ROOT / "samples")
    made = {
        p.relative_to(tmp_path / "content"): p.read_bytes()
        for p in (tmp_path / "content").rglob("*")
        if p.is_file()
    }
    committed = {
        p.relative_to(ROOT / "content"): p.read_bytes()
        for p in (ROOT / "content").rglob("*")
        if p.is_file() and p.name != ".gitkeep"
    }
    assert sorted(made) == sorted(committed)
    assert [p for p in made if made[p] != committed[p]] == []
