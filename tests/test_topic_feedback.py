"""Editors' topic corrections fed back into topic assignment (newsarchive.topic_feedback).

Every story here is invented: a fictional tidal-power sector that the curated lexicon files
under business, and an archive of unrelated everyday stories around it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newsarchive.content import field_hash, read_header
from newsarchive.importer import scan_content
from newsarchive.topic_feedback import (
    FEEDBACK_FILE,
    MAX_WEIGHT,
    MIN_STORIES,
    Correction,
    learn,
    load_feedback,
    story_words,
)
from newsarchive.topics import assign_topics, curated_weights, term_overlay
from tests.conftest import ROOT, run_import

TIDAL = [
    (
        "Kelpmouth tidal lagoon company raises new funds",
        "The company behind the Kelpmouth tidal lagoon said investors had put another 40m into "
        "the scheme. Its turbines sit on the seabed of the estuary and turn with every tide, "
        "and the lagoon will generate electricity for 90,000 homes. The tidal stream array "
        "will be extended next spring once the seabed survey of the estuary is finished and "
        "the turbine blades have been tested against strong currents.",
    ),
    (
        "Tidal turbine maker doubles output at Skerrow estuary",
        "A second row of tidal turbines has been lowered onto the seabed at the Skerrow "
        "estuary, doubling the output of the tidal stream array. The company said the turbines "
        "turn with the ebb and flood of each tide and the lagoon wall protects the estuary "
        "mudflats. The turbine blades were made at a yard on the estuary shore, and investors "
        "welcomed the news.",
    ),
    (
        "Tidal lagoon at Brannock Sound wins go-ahead",
        "Plans for a tidal lagoon across Brannock Sound have been approved. The company will "
        "place turbines on the seabed of the sound, where the tide rises eleven metres, and "
        "says the tidal stream array will supply electricity to the region. The turbine blades "
        "will be tested in the estuary, and its mudflats surveyed before the lagoon wall is "
        "built.",
    ),
]

_CLOSING = (
    " A spokesperson said more would be said later in the week.",
    " Local people were asked to send their questions by letter.",
    " The full statement is due to be published on Friday.",
    " Residents can read the details at the town library.",
)
_OTHER = [
    ("Retailer's profits jump as shares rise",
     "The retailer reported a rise in annual profits on higher sales. Its shares rose as "
     "investors welcomed the results, and the chief executive said the company would open "
     "forty new stores."),
    ("Bank cuts lending rate for small firms",
     "The bank said it would cut the rate it charges small businesses, after its profits "
     "recovered. Analysts said other lenders would follow, and shares in the bank rose."),
    ("Bakery chain plans stock market listing",
     "The bakery chain said it would list its shares on the stock market next year. The "
     "company's revenue grew by a fifth and the chairman said investors had shown interest."),
    ("Brewer buys rival in cash deal",
     "The brewer agreed to buy its smaller rival for cash, creating the region's largest "
     "drinks company. Shareholders of both firms will vote on the takeover next month."),
    ("Striker's late goal sends United into cup final",
     "A stoppage-time header from the striker gave the home side a 2-1 win in the "
     "semi-final. The manager praised his players after the match."),
    ("Wing scores twice as Rovers win derby",
     "The winger scored two tries as Rovers beat their neighbours in the derby. The coach "
     "said the forwards had won the match in the scrum."),
    ("Champion retains title at indoor meeting",
     "The sprinter retained her title at the indoor championships, winning the final in a "
     "season's best time. Her coach said she would now rest before the outdoor season."),
    ("Minister faces MPs over spending plans",
     "The prime minister's cabinet colleague defended the government's plans in the Commons. "
     "Opposition MPs said voters would punish the party at the election."),
    ("Council election turnout falls",
     "Fewer voters took part in the council election, and the party that leads the council "
     "lost seats. Candidates blamed the weather for the low turnout."),
    ("Party picks new leader after contest",
     "Members of the opposition party chose a new leader after a six-week contest. The "
     "winner promised to unite the party before the general election."),
    ("Actress wins best film award",
     "The actress collected the award for best actress at the ceremony, where the "
     "director's film also took best picture."),
    ("Orchestra opens new concert season",
     "The orchestra opened its season with a new symphony by a young composer. Critics "
     "praised the conductor and the soloist at the concert."),
    ("Novelist's debut tops the book charts",
     "The novelist's first book went to the top of the charts in its first week. Her "
     "publisher said the novel would be translated into twelve languages."),
    ("New games console goes online",
     "The handheld games console lets gamers play online over a wireless network. The "
     "device runs software downloaded from the internet."),
    ("Phone maker patches security flaw",
     "The phone maker released a software update to fix a security flaw that let hackers "
     "read messages. Users were urged to install the patch on their smartphones."),
    ("Hospital waiting times rise",
     "Patients waited longer for surgery at the hospital this winter, doctors said, and "
     "nurses warned that wards were full."),
    ("Clinic offers flu vaccine to older patients",
     "The clinic began offering the flu vaccine to patients over sixty-five. The health "
     "board said doctors and nurses would also visit care homes."),
    ("Pupils' exam results improve",
     "Pupils at the town's secondary schools did better in their exams, and teachers said a "
     "new reading scheme had helped."),
    ("University raises tuition fees",
     "The university will raise tuition fees for overseas students next autumn. Student "
     "leaders said the rise would deter applicants from poorer countries."),
    ("Factory fire destroys warehouse",
     "Firefighters fought a blaze at a warehouse overnight. Nobody was hurt, but the fire "
     "destroyed stock and the building's roof."),
    ("Police arrest two after jewellery robbery",
     "Police arrested two men after a robbery at a jewellery shop. Detectives said a car "
     "seen near the shop had been found."),
    ("Jury clears driver of dangerous driving",
     "A jury at the crown court cleared a bus driver of dangerous driving. The judge thanked "
     "the witnesses who had testified during the week-long trial."),
    ("Oil price climbs as output falls",
     "The price of crude oil rose after producers cut output. Traders said the barrel price "
     "would stay high while the refinery outage lasted."),
    ("River cleanup volunteers remove plastic waste",
     "Volunteers collected plastic waste from the riverbank, and environmental groups said "
     "pollution was harming wildlife and fish habitat."),
    ("Cathedral choir marks its anniversary",
     "The cathedral choir marked eight hundred years of daily worship with a special service. "
     "The bishop thanked the choristers and the congregation."),
    ("Storm warning issued for the coast",
     "Forecasters issued a storm warning for the coast, with gales and heavy rain expected "
     "overnight. Temperatures will fall sharply at the weekend."),
]
OTHER = [
    (title, body + _CLOSING[i % 4] + _CLOSING[(i + 1) % 4])
    for i, (title, body) in enumerate(_OTHER)
]


def write_feed(path: Path, stories: list[tuple[str, str]], first_day: int = 0) -> Path:
    with path.open("w", encoding="utf-8") as feed:
        for n, (title, body) in enumerate(stories, first_day):
            record = {
                "title": title,
                "maintext": body,
                "date_publish": f"2031-03-{n % 28 + 1:02d} 09:00:00",
                "source_domain": "coast.example",
                "url": f"https://coast.example/news/{n}",
            }
            feed.write(json.dumps(record) + "\n")
    return path


def edit_topics(path: Path, value: str) -> None:
    """What an editor does in a text editor: rewrite the Topics line."""
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^Topics: .*$", f"Topics: {value}", text), encoding="utf-8")


def slugs(record: dict) -> list[str]:
    return [t["slug"] for t in record["topics"]]


@pytest.fixture
def archive(tmp_path: Path) -> dict:
    """Two tidal stories and the unrelated archive, imported before any correction."""
    content = tmp_path / "content"
    batch = write_feed(tmp_path / "batch.jsonl", TIDAL[:2] + OTHER)
    records = run_import(content, tmp_path / "r1.jsonl", batch)
    assert all(r["status"] == "imported" for r in records)
    return {"content": content, "batch": batch, "records": records, "tmp": tmp_path}


def test_the_lexicon_alone_files_the_tidal_sector_under_business() -> None:
    for title, body in TIDAL:
        assert assign_topics(title, body)[0].slug in ("business", "companies", "energy")


def test_two_corrections_teach_the_topic_to_a_new_story(archive: dict) -> None:
    content, tmp = archive["content"], archive["tmp"]
    before = {r["output"]: slugs(r) for r in archive["records"]}
    for record in archive["records"][:2]:
        edit_topics(Path(record["output"]), "environment")
    third = write_feed(tmp / "third.jsonl", TIDAL[2:], first_day=40)
    records = run_import(content, tmp / "r2.jsonl", third, archive["batch"])
    new, corrected, unrelated = records[0], records[1:3], records[3:]
    assert new["status"] == "imported" and slugs(new)[0] == "environment"
    assert read_header(Path(new["output"]))["topics"].startswith("environment")
    for record in corrected:  # the editors' values are kept
        assert read_header(Path(record["output"]))["topics"] == "environment"
    assert {r["status"] for r in unrelated} == {"unchanged"}
    assert all(slugs(r) == before[r["output"]] for r in unrelated)
    feedback = load_feedback(content / FEEDBACK_FILE)
    assert sorted(feedback.corrections) == sorted(
        Path(r["output"]).relative_to(content).as_posix() for r in corrected
    )
    learned = feedback.terms["environment"]
    assert {"tidal", "turbine", "lagoon"} <= set(learned)
    assert all(0 < w <= MAX_WEIGHT < 3 for w in learned.values())  # below the named tiers


def test_a_single_correction_changes_nothing_else(archive: dict) -> None:
    content, tmp = archive["content"], archive["tmp"]
    edit_topics(Path(archive["records"][0]["output"]), "environment")
    third = write_feed(tmp / "third.jsonl", TIDAL[2:], first_day=40)
    records = run_import(content, tmp / "r2.jsonl", archive["batch"], third)
    assert {r["status"] for r in records[:-1]} == {"unchanged"}
    assert slugs(records[-1])[0] != "environment"
    feedback = load_feedback(content / FEEDBACK_FILE)
    assert len(feedback.corrections) == 1 < MIN_STORIES and feedback.terms == {}


def test_locked_topics_count_as_a_correction(archive: dict) -> None:
    content = archive["content"]
    for record in archive["records"][:2]:
        path = Path(record["output"])
        edit_topics(path, "environment")
        # The hash as if the importer had written "environment": only Locked tells.
        text = re.sub(r"topics=[0-9a-f]+", f"topics={field_hash('environment')}",
                      path.read_text(encoding="utf-8"))
        path.write_text(text.replace("Fingerprint:", "Locked: topics\nFingerprint:"))
    scan_content(content)
    assert "tidal" in load_feedback(content / FEEDBACK_FILE).terms["environment"]


def test_feedback_file_is_deterministic_and_rebuilt_byte_for_byte(archive: dict) -> None:
    content, tmp = archive["content"], archive["tmp"]
    for record in archive["records"][:2]:
        edit_topics(Path(record["output"]), "environment")
    run_import(content, tmp / "r2.jsonl", archive["batch"])
    written = (content / FEEDBACK_FILE).read_bytes()
    document = json.loads(written)
    assert written.decode() == json.dumps(document, indent=1, sort_keys=True,
                                          ensure_ascii=False) + "\n"
    copy = tmp / "copy"
    shutil.copytree(content, copy)
    scan_content(copy)
    assert (copy / FEEDBACK_FILE).read_bytes() == written
    (copy / FEEDBACK_FILE).unlink()  # rebuilt from the content files alone
    scan_content(copy)
    assert (copy / FEEDBACK_FILE).read_bytes() == written
    again = run_import(content, tmp / "r3.jsonl", archive["batch"])
    assert {r["status"] for r in again} == {"unchanged"}
    assert (content / FEEDBACK_FILE).read_bytes() == written


def test_undoing_the_corrections_removes_the_file(archive: dict) -> None:
    content, tmp = archive["content"], archive["tmp"]
    paths = [Path(r["output"]) for r in archive["records"][:2]]
    original = [read_header(p)["topics"] for p in paths]
    for path in paths:
        edit_topics(path, "environment")
    scan_content(content)
    assert (content / FEEDBACK_FILE).exists()
    for path, value in zip(paths, original, strict=True):
        edit_topics(path, value)
    run_import(content, tmp / "r2.jsonl", archive["batch"])
    assert not (content / FEEDBACK_FILE).exists()


def test_no_feedback_file_without_corrections(archive: dict) -> None:
    assert not (archive["content"] / FEEDBACK_FILE).exists()


# ── learning, in process ─────────────────────────────────────────────────────


def corrections(stories: list[tuple[str, str]], edited: tuple[str, ...]) -> list[Correction]:
    return [
        Correction(f"s{i}.md", edited, tuple(t.slug for t in assign_topics(title, body)),
                   story_words(title, body))
        for i, (title, body) in enumerate(stories)
    ]


def background() -> tuple[dict[str, int], int]:
    frequency: dict[str, int] = {}
    for title, body in TIDAL[:2] + OTHER:
        for word in story_words(title, body):
            frequency[word] = frequency.get(word, 0) + 1
    return frequency, len(TIDAL[:2] + OTHER)


def test_learned_words_need_support_and_stay_below_the_curated_tiers() -> None:
    frequency, stories = background()
    feedback = learn(corrections(TIDAL[:2], ("environment",)), frequency, stories)
    learned = feedback.terms["environment"]
    both = story_words(*TIDAL[0]) & story_words(*TIDAL[1])
    assert set(learned) <= both  # a word from only one corrected story is never learned
    assert "mudflat" not in learned and "the" not in learned and "with" not in learned
    assert max(learned.values()) <= MAX_WEIGHT
    for word, weight in feedback.terms.get("business", {}).items():
        assert weight < 0 and -weight <= curated_weights(word)["business"]
    assert learn(corrections(TIDAL[:1], ("environment",)), frequency, stories).terms == {}


def test_confirming_the_lexicon_teaches_nothing() -> None:
    frequency, stories = background()
    title, body = OTHER[0]
    generated = tuple(t.slug for t in assign_topics(title, body))
    same = [Correction(f"s{i}.md", generated, generated, story_words(title, body))
            for i in range(3)]
    assert learn(same, frequency, stories).terms == {}


def test_an_empty_overlay_is_the_curated_lexicon() -> None:
    overlay = term_overlay({})
    for title, body in TIDAL + OTHER:
        assert assign_topics(title, body, overlay=overlay) == assign_topics(title, body)


def test_worker_processes_apply_the_same_feedback(archive: dict) -> None:
    content, tmp = archive["content"], archive["tmp"]
    for record in archive["records"][:2]:
        edit_topics(Path(record["output"]), "environment")
    many = write_feed(tmp / "many.jsonl", TIDAL[2:] + OTHER * 3, first_day=40)  # ≥ 64 units
    results = []
    for jobs in ("1", "2"):
        copy = tmp / f"c{jobs}"
        shutil.copytree(content, copy)
        command = [sys.executable, str(ROOT / "scripts/import_articles.py"), "--jobs", jobs,
                   "--content", str(copy), "--report", str(tmp / f"{jobs}.jsonl"), str(many)]
        subprocess.run(command, check=True, capture_output=True)
        report = (tmp / f"{jobs}.jsonl").read_text().replace(str(copy), "C")
        files = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
        results.append((report, files))
    assert results[0] == results[1]
    assert json.loads(results[0][0].splitlines()[0])["topics"][0]["slug"] == "environment"
