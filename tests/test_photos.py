"""Wire photos: IPTC / XMP / sidecar captions, stored upright under a content hash, attached to
their story (by base name or caption) or imported as photo items."""

from __future__ import annotations

import importlib.util
import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from newsarchive.content import read_header
from newsarchive.errors import InputRejected
from newsarchive.images import prepare_image
from newsarchive.readers.photo import read_image_info, to_photo
from tests.conftest import FIXTURES, ROOT, run_import

_spec = importlib.util.spec_from_file_location("media", ROOT / "scripts" / "make_sample_media.py")
media = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(media)

HARBOUR_CAPTION = ("Commuters cross the old harbour bridge in Gothenburg, Sweden, March 13, 2018. "
                   "REUTERS/Anna Berg")


def test_iptc_caption_fields_utf8() -> None:
    data = media.jpeg(media.picture(5), {"caption": "Fiskare i Göteborg lossar sill.",
                                          "byline": "Åsa Lind", "credit": "REUTERS",
                                          "city": "Göteborg", "country": "Sweden",
                                          "date": "20180313"})
    info = read_image_info(data)
    assert (info.caption, info.byline, info.credit) == (
        "Fiskare i Göteborg lossar sill.", "Åsa Lind", "REUTERS")
    photo = to_photo(info)
    assert photo.credit == "REUTERS/Åsa Lind"
    assert photo.date == "2018-03-13"
    assert photo.places == ("Göteborg", "Sweden")


def test_xmp_caption_and_credit_in_caption() -> None:
    packet = media.xmp_packet({"caption": HARBOUR_CAPTION, "date": "2018-03-13T10:00:00"})
    out = io.BytesIO()
    media.picture(6).save(out, "WEBP", xmp=packet)
    photo = to_photo(read_image_info(out.getvalue()))
    assert photo.caption.endswith("March 13, 2018.")
    assert photo.credit == "REUTERS/Anna Berg"
    assert photo.places == ("Gothenburg", "Sweden")  # read from the caption's phrase
    assert photo.date == "2018-03-13T10:00"


def test_exif_rotation_is_applied_and_names_are_content_hashes() -> None:
    upright = prepare_image(media.jpeg(media.picture(7, (120, 80)), orientation=6))
    assert (upright.width, upright.height) == (80, 120)
    plain = media.jpeg(media.picture(7, (120, 80)))
    copied = prepare_image(plain)
    assert copied.data == plain  # no rotation needed: bytes copied as they are
    assert copied.path.startswith("images/") and copied.path.endswith(".jpg")
    assert prepare_image(media.jpeg(media.picture(7, (120, 80)), orientation=6)) == upright


def test_decompression_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(InputRejected, match="too large"):
        prepare_image(media.jpeg(media.picture(8, (100, 100))))


def test_photo_with_same_base_name_joins_its_story(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(FIXTURES / "text" / "harbour-bridge-vote.txt", inbox / "vote.txt")
    (inbox / "vote.jpg").write_bytes(media.jpeg(media.picture(9)))  # no caption of its own
    report = run_import(tmp_path / "c", tmp_path / "r.jsonl", inbox)
    assert [(Path(r["input"]).name, r["status"]) for r in report] == [
        ("vote.txt", "imported"), ("vote.jpg", "imported")]
    meta = read_header(Path(report[0]["output"]))
    assert meta["image"].startswith("images/") and meta["image_size"] == "320x200"
    assert meta["caption"].startswith("Commuters cross the old harbour bridge")  # the story's
    assert (tmp_path / "c" / meta["image"]).read_bytes() == (inbox / "vote.jpg").read_bytes()


def test_photo_joins_the_story_carrying_its_caption_in_any_order(tmp_path: Path) -> None:
    photos, stories = tmp_path / "a-photos", tmp_path / "b-stories"  # photos walked first
    photos.mkdir()
    stories.mkdir()
    (photos / "bridge.jpg").write_bytes(media.jpeg(media.picture(10), {"caption": HARBOUR_CAPTION}))
    shutil.copy(FIXTURES / "text" / "harbour-bridge-vote.txt", stories / "vote.txt")
    first = run_import(tmp_path / "c", tmp_path / "r1.jsonl", photos, stories)
    assert [r["status"] for r in first] == ["imported", "updated"]
    assert first[0]["output"] == first[1]["output"]
    assert read_header(Path(first[0]["output"]))["image"].startswith("images/")
    files = {p: p.read_bytes() for p in (tmp_path / "c").rglob("*") if p.is_file()}
    again = run_import(tmp_path / "c", tmp_path / "r2.jsonl", photos, stories)
    assert [r["status"] for r in again] == ["unchanged", "unchanged"]
    # The story alone again: the photo attached earlier is kept.
    alone = run_import(tmp_path / "c", tmp_path / "r3.jsonl", stories)
    assert [r["status"] for r in alone] == ["unchanged"]
    assert {p: p.read_bytes() for p in (tmp_path / "c").rglob("*") if p.is_file()} == files


def test_standalone_photo_becomes_a_photo_item_with_sidecar_caption(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "kites.jpg").write_bytes(media.jpeg(media.picture(11)))
    (inbox / "kites.jpg.txt").write_text(
        "Kite surfers ride the wind off the beach at Tarifa, Spain, July 14, 2019. "
        "AFP PHOTO / Marta Olmedo\n")
    report = run_import(tmp_path / "c", tmp_path / "r.jsonl", inbox)
    assert [r["status"] for r in report] == ["imported", "imported"]
    meta = read_header(Path(report[0]["output"]))
    assert meta["kind"] == "photo"
    assert meta["title"] == "Kite surfers ride the wind off the beach at Tarifa"
    assert meta["credit"] == "AFP PHOTO / Marta Olmedo" and meta["source"] == "AFP"
    assert meta["date"] == "2019-07-14" and meta["countries"] == "ES"


def test_photo_without_caption_or_date_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bare.png"
    media.picture(12).save(path)
    (record,) = run_import(tmp_path / "c", tmp_path / "r.jsonl", path)
    assert record["status"] == "rejected" and "no caption" in record["reason"]
