"""Render keys describe a story's constructor-set fields by its source file's stamp
(plugins/render_pool/born.py): what that stamp covers, and what it must not hide."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "plugins"))

from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG
from pelican.utils import SafeDatetime
from render_pool import born
from render_pool.fingerprint import Fingerprinter


@pytest.fixture(autouse=True)
def _fresh_born():
    born.reset()
    yield
    born.reset()


def make_story(path: Path, title: str = "Floods in the valley") -> Article:
    path.write_text(f"Title: {title}\n\nWater rose overnight.\n", encoding="utf-8")
    settings = dict(DEFAULT_CONFIG)
    story = Article(
        "<p>Water rose overnight.</p>",
        metadata={"title": title, "date": SafeDatetime(2024, 3, 1)},
        settings=settings,
        source_path=str(path),
    )
    born.record(story)
    return story


def fingerprint(story, **kwargs) -> bytes:
    fp = Fingerprinter({id(story.settings): "<settings>"}, {}, (), born=born.BORN, **kwargs)
    return fp._content(story, fp.SHALLOW)


def test_constructor_fields_are_described_by_the_file_stamp(tmp_path, monkeypatch):
    story = make_story(tmp_path / "a.md")
    key = fingerprint(story)
    walked = []
    original = Fingerprinter._field_record
    monkeypatch.setattr(
        Fingerprinter,
        "_field_record",
        lambda self, field, value, mode: walked.append(field) or original(self, field, value, mode),
    )
    assert fingerprint(story) == key
    assert walked == [], "no constructor-set field is walked one by one"


def test_the_file_stamp_follows_the_file(tmp_path):
    path = tmp_path / "a.md"
    story = make_story(path)
    key = fingerprint(story)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    born.reset()
    born.record(story)  # the next build makes the story again from the changed file
    assert fingerprint(story) != key


def test_a_field_set_or_replaced_later_is_walked(tmp_path):
    story = make_story(tmp_path / "a.md")
    key = fingerprint(story)
    story.title = "Floods in the valley"  # an equal value, but a new object: walked
    same_text = fingerprint(story)
    story.title = "Dams hold in the valley"
    assert fingerprint(story) != same_text
    story2 = make_story(tmp_path / "b.md")
    base = fingerprint(story2)
    story2.lead_caption = "Sandbags on the quay"  # a plugin's new field
    assert fingerprint(story2) != base
    assert key != base


def test_a_derived_field_is_covered_by_the_stamp_only_when_declared(tmp_path):
    story = make_story(tmp_path / "a.md")
    story.date_iso = story.date.isoformat()
    declared = fingerprint(story, derived={"date_iso"})
    walked = fingerprint(story)
    story.date_iso = "2024-03-01T00:00:00"
    assert fingerprint(story) != walked, "undeclared: its value is in the key"
    assert fingerprint(story, derived={"date_iso"}) == declared


def test_a_story_not_recorded_when_made_is_walked_field_by_field(tmp_path):
    story = make_story(tmp_path / "a.md")
    born.reset()  # e.g. a content made by a plugin before render_pool was set up
    key = fingerprint(story)
    story.title = "Dams hold in the valley"
    assert fingerprint(story) != key
