"""The text-dump reader on the project's own fixtures."""

from __future__ import annotations

import datetime as dt

import pytest

from newsarchive.article import BlockKind
from newsarchive.errors import InputRejected
from newsarchive.readers.textdump import LineKind, classify, is_subheading, read_textdump, unwrap
from tests.conftest import FIXTURES


def read(name: str):
    return read_textdump((FIXTURES / "text" / name).read_bytes(), origin=name)


def test_headline_byline_dateline_and_end_block():
    story = read("harbour-bridge-vote.txt")
    assert story.title == "Harbour bridge plan wins council vote after six-hour debate"
    assert not story.title_derived
    assert story.authors == ("Mara Lindqvist",)
    assert story.dateline == "GOTHENBURG, Sweden"
    assert story.source == "Reuters"
    assert story.date == dt.datetime(2018, 3, 14)
    assert story.photos[0].credit == "REUTERS/Anna Berg"
    assert story.photos[0].caption.startswith("Commuters cross the old harbour bridge")


def test_subheading_becomes_heading_in_place():
    story = read("harbour-bridge-vote.txt")
    kinds = [b.kind for b in story.body]
    assert kinds.count(BlockKind.HEADING) == 1
    heading = story.body[kinds.index(BlockKind.HEADING)]
    assert heading.text == "We heard every side"
    assert kinds.index(BlockKind.HEADING) == 3  # after three paragraphs, as written


def test_teasers_are_dropped_and_counted():
    story = read("harbour-bridge-vote.txt")
    assert story.dropped == {"teasers": 3}
    assert "cardamom" not in story.text and "Ferry timetable" not in story.text


def test_cp1252_crlf_without_headline_derives_one():
    story = read("ecuador-rate-cp1252.txt")
    assert "Ecuador’s central bank" in story.text  # 0x92 decoded as a right single quote
    assert "\r" not in story.text
    assert story.title_derived
    assert story.title == "Ecuador’s central bank kept its benchmark rate unchanged on Thursday"
    assert story.source == "AFP"
    assert story.date == dt.datetime(2017, 7, 6)


def test_missing_date_is_rejected_with_reason():
    with pytest.raises(InputRejected, match="no date line"):
        read("no-date.txt")


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"Home\nWorld\nSport\nReuters\n2019-01-01\n", "no story text|too short"),
        (b"a\x00b\x00c\x00", "NUL"),
    ],
)
def test_rejections(data, reason):
    with pytest.raises(InputRejected, match=reason):
        read_textdump(data)


@pytest.mark.parametrize(
    "line, kind",
    [
        ("Reuters", LineKind.AGENCY),
        ("(AFP)", LineKind.AGENCY),
        ("Tue Apr 11 2017", LineKind.DATE),
        ("11 April 2017", LineKind.DATE),
        ("A crowd gathers in the square on Monday. AFP PHOTO / Jean Dupont", LineKind.CAPTION),
        ("The bank raised rates in April 2017 for the first time.", LineKind.TEXT),
    ],
)
def test_line_classes(line, kind):
    assert classify(line) is kind


def test_subheading_rule():
    assert is_subheading('"CRIMES AGAINST THE STATE"')
    assert is_subheading("Markets react")
    assert not is_subheading("The minister resigned.")
    assert not is_subheading('"We will win," he said.')


def test_unwrap_joins_hard_wrapped_lines():
    lines = ["The council met late on", "the first Monday of May.", "Next paragraph."]
    assert unwrap(lines) == ["The council met late on the first Monday of May.", "Next paragraph."]
    # A short line without a full stop followed by a capitalised line is a crosshead, kept apart.
    assert unwrap(["Markets react", "Shares fell."]) == ["Markets react", "Shares fell."]


LEAD = ("{dateline} Officials opened the new harbour footbridge on Monday after two years of "
        "work, linking the old town with the ferry terminal for the first time since the war.")
BODY = [
    "The bridge carries pedestrians and cyclists across the inner basin and lifts for masts.",
    "Shopkeepers on both sides said they hoped the crossing would bring more visitors in winter.",
]


def dump(*, dateline: str = "LUCCA, Italy (Reuters) -", end: list[str] | None = None,
         teasers: int = 4) -> str:
    end = end if end is not None else ["Reuters", "Tue Apr 11 2017"]
    lines = [LEAD.format(dateline=dateline), *BODY, *end]
    lines += [f"Teaser headline {i}" if i % 2 == 0 else f"Teaser summary {i}." for i in
              range(teasers)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "dateline, place",
    [("LUCCA, Italy (Reuters) -", "LUCCA, Italy"), ("SALVADOR, Feb 26 -", "SALVADOR"),
     ("WASHINGTON (AP) —", "WASHINGTON")],
)
def test_datelines_in_the_lead(dateline: str, place: str) -> None:
    story = read_textdump(dump(dateline=dateline).encode())
    assert story.dateline == place
    assert story.title.startswith("Officials opened the new harbour footbridge")


def test_end_block_in_any_order_with_several_captions() -> None:
    captions = ["The footbridge lifts for a sailing boat in Lucca, Italy, April 10, 2017. "
                "REUTERS/Max Rossi",
                "Cyclists cross the new footbridge on its first morning. AFP PHOTO / Ana Ruiz"]
    story = read_textdump(dump(end=["Tue Apr 11 2017", *captions, "Reuters"]).encode())
    assert story.date == dt.datetime(2017, 4, 11) and story.source == "Reuters"
    assert [p.credit for p in story.photos] == ["REUTERS/Max Rossi", "AFP PHOTO / Ana Ruiz"]
    assert story.dropped == {"teasers": 2}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "cp1252", "latin-1"])
def test_encodings_and_line_endings(encoding: str) -> None:
    text = dump(dateline="MÁLAGA, Spain (Reuters) -").replace("\n", "\r\n")
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    story = read_textdump(data)
    assert story.dateline == "MÁLAGA, Spain"
    assert "\r" not in story.text and story.source == "Reuters"


def test_long_teaser_block_stays_linear() -> None:
    import time

    def timed(n: int) -> float:
        data = dump(teasers=n).encode()
        start = time.perf_counter()
        story = read_textdump(data)
        assert story.dropped == {"teasers": n // 2}
        return time.perf_counter() - start

    small, large = timed(5_000), timed(10_000)
    assert large < 4 * small + 0.05  # twice the lines: about twice the time, never the square


def test_lower_case_agency_after_date_line_is_not_joined():
    story = (b"BERLIN, Germany (dpa) - The city opened a new bridge over the river on Monday "
             b"after three years of work, officials said, and traffic began to flow at noon.\n"
             b"Drivers said the crossing cut their journey by twenty minutes each way.\n"
             b"Tue Apr 11 2017\ndpa\n")
    article = read_textdump(story)
    assert article.source == "dpa" and article.date.year == 2017
