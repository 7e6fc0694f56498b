"""Topic vocabulary (IPTC Media Topics) and topic assignment."""

from __future__ import annotations

import json
import time
from importlib import resources

import pytest

from newsarchive.topic_lexicon import LEXICON, SECTION_ALIASES
from newsarchive.topics import (
    Topic,
    TopicScore,
    assign_topics,
    section_topics,
    tokens,
    top_level,
    topic,
    topic_by_qcode,
    vocabulary,
)

TOP_LEVEL_QCODES = [f"medtop:{n:02d}000000" for n in range(1, 18)]


def first_top(title: str, body: str, **kwargs: str) -> str:
    result = assign_topics(title, body, **kwargs)
    assert result, "expected at least one topic"
    return top_level(result[0].slug).slug


# ── vocabulary ───────────────────────────────────────────────────────────────


def test_vocabulary_has_the_17_iptc_top_level_topics_in_order() -> None:
    tops = [t for t in vocabulary() if t.parent is None]
    assert [t.qcode for t in tops] == TOP_LEVEL_QCODES
    assert all(t.definition and t.label for t in tops)


def test_named_slugs_and_second_level_parents() -> None:
    assert topic("politics").qcode == "medtop:11000000"
    assert topic("business").label == "Economy, business & finance"
    assert topic("science-tech").qcode == "medtop:13000000"
    assert topic("diplomacy") == Topic(
        "diplomacy", "Diplomacy", "medtop:20000639", "politics", topic("diplomacy").definition
    )
    assert top_level("football").slug == "sport"
    assert top_level("sport").slug == "sport"
    assert topic_by_qcode("medtop:20000574").slug == "elections"


def test_every_second_level_parent_is_top_level_and_slugs_are_unique() -> None:
    slugs = [t.slug for t in vocabulary()]
    assert len(slugs) == len(set(slugs))
    for entry in vocabulary():
        if entry.parent is not None:
            assert topic(entry.parent).parent is None
            assert entry.qcode.startswith("medtop:20")


def test_unknown_slug_or_qcode_raises_key_error() -> None:
    with pytest.raises(KeyError):
        topic("astrology")
    with pytest.raises(KeyError):
        topic_by_qcode("medtop:99999999")
    with pytest.raises(KeyError):
        top_level("astrology")


def test_shipped_file_carries_the_iptc_credit() -> None:
    data = json.loads(resources.files("newsarchive").joinpath("data/topics.json").read_text())
    assert "IPTC" in data["source"] and "CC BY 4.0" in data["licence"]
    licences = resources.files("newsarchive").joinpath("data/LICENSES.md").read_text()
    assert "topics.json: IPTC Media Topics, CC BY 4.0" in licences


def test_lexicon_and_aliases_name_only_vocabulary_topics() -> None:
    slugs = {t.slug for t in vocabulary()}
    assert set(LEXICON) <= slugs
    assert set(SECTION_ALIASES.values()) <= slugs


# ── tokens ───────────────────────────────────────────────────────────────────


def test_tokens_fold_plurals_and_split_hyphens() -> None:
    assert tokens("Semi-finals: the Striker's goals") == ["semi", "final", "the", "striker", "goal"]
    assert tokens("Commons matches parties AIDS") == ["commons", "match", "party", "aids"]


# ── assignment from text ─────────────────────────────────────────────────────

STORIES = {
    "sport": (
        "Striker's late goal sends United into cup final",
        "A stoppage-time header from the striker gave the home side a 2-1 win in the "
        "semi-final. The manager praised his players after the match, and the club's "
        "fans celebrated the victory long after the final whistle.",
    ),
    "business": (
        "Retailer's profits jump as shares rise",
        "The retailer reported a 12% rise in annual pre-tax profits to £1.2bn on higher "
        "sales. Its shares rose 4% in London as investors welcomed the results, and the "
        "chief executive said the company would open 40 new stores.",
    ),
    "politics": (
        "Minister faces MPs over spending plans",
        "The prime minister's cabinet colleague defended the government's plans in the "
        "Commons. Opposition MPs and the shadow chancellor said voters would punish the "
        "party at the general election.",
    ),
    "arts": (
        "Actress wins best film award",
        "The actress collected the award for best actress at the ceremony, where the "
        "director's film also took best picture. The movie has been a box office hit "
        "since its premiere at the festival.",
    ),
    "science-tech": (
        "New games console goes online",
        "The handheld games console lets gamers play online over a wireless network. "
        "The device runs software downloaded from the internet, and the technology firm "
        "said users could also browse the web and listen to digital music.",
    ),
}


@pytest.mark.parametrize("expected", sorted(STORIES))
def test_first_topic_of_written_stories(expected: str) -> None:
    title, body = STORIES[expected]
    assert first_top(title, body) == expected


def test_result_shape_specific_topic_then_its_parent() -> None:
    title, body = STORIES["sport"]
    result = assign_topics(title, body)
    assert 1 <= len(result) <= 3
    assert all(isinstance(r, TopicScore) for r in result)
    assert result[0].slug == "football" and result[1].slug == "sport"
    assert result[0].qcode == topic("football").qcode
    assert all(0.0 < r.score <= 1.0 for r in result)


def test_headline_outweighs_a_passing_mention() -> None:
    body = "The minister was at the ground. The match ended in a draw."
    assert first_top("Earthquake flattens villages, rescuers search rubble", body) == "disaster"


def test_policy_area_told_through_politics_is_politics_first() -> None:
    title = "Schools to get discipline powers"
    classroom = (
        "Head teachers will get new powers to exclude disruptive pupils from primary and "
        "secondary schools. Teachers said classroom behaviour had worsened and pupils were "
        "losing lessons."
    )
    politics = (
        " The education secretary told MPs the government would act, and the shadow "
        "education secretary said the Conservatives would go further."
    )
    assert [r.slug for r in assign_topics(title, classroom)][:2] == ["schools", "education"]
    assert [r.slug for r in assign_topics(title, classroom + politics)] == [
        "politics",
        "education",
    ]


def test_no_topical_evidence_gives_no_topic() -> None:
    assert assign_topics("", "") == ()
    assert assign_topics("Hello", "It was a nice day and then it was over.") == ()


def test_deterministic() -> None:
    title, body = STORIES["business"]
    assert assign_topics(title, body) == assign_topics(title, body)


# ── the source's own section ─────────────────────────────────────────────────


def test_section_names_from_breadcrumbs_and_url_paths() -> None:
    assert section_topics("Home › Sport › Tennis") == ("sport", "tennis")
    assert section_topics("Arts & Culture") == ("arts",)
    assert section_topics(url="https://example.org/news/business-12345678") == ("business",)
    assert section_topics(url="https://example.org/2021/05/04/politics/pm-resigns.html") == (
        "politics",
    )
    assert section_topics(url="https://example.org/2021/05/sport-stars-at-gala") == ()
    assert section_topics("World") == ()


def test_section_decides_an_ambiguous_story() -> None:
    title = "Club owner's takeover bid for United"
    body = "The club's shares rose after the bid. Fans protested at the stadium before the match."
    assert first_top(title, body, section="Business") == "business"
    assert first_top(title, body, url="https://example.org/sport/football/123456") == "sport"


def test_linear_time_and_fast() -> None:
    title, body = STORIES["business"]
    long_body = " ".join([body] * 40)  # about 2,000 words
    started = time.perf_counter()
    for _ in range(50):
        assign_topics(title, long_body)
    per_story = (time.perf_counter() - started) / 50
    assert per_story < 0.05


# ── evaluation on the shared development corpus ──────────────────────────────


def test_bbc_dev_first_topic_accuracy() -> None:
    corpora = pytest.importorskip("benchmarks.corpora")
    evaluation = pytest.importorskip("benchmarks.eval_topics")
    try:
        stories = list(corpora.load_bbc())
    except corpora.CorpusMissing as missing:
        pytest.skip(str(missing))
    report = evaluation.evaluate("lexicon", evaluation.lexicon_classifier, stories)
    assert report.accuracy >= 0.90
    assert report.macro_f1 >= 0.90
