"""IPTC Media Topics: the project's topic vocabulary and topic assignment for a story.

The vocabulary (``data/topics.json``, derived from IPTC Media Topics, CC BY 4.0, by
``scripts/build_topic_data.py``) holds the 17 top-level topics and a second level
chosen for readers. Assignment is a linear lexicon scorer: the curated terms of
:mod:`newsarchive.topic_lexicon` are matched as 1–3 word n-grams in one pass over
the text, the headline counts several times, repeated terms saturate, and the
source's own section (``section``, or a URL path segment) is a near-decisive signal.
An archive may add a :class:`TermOverlay` of weights learned from its editors' corrections
(:mod:`newsarchive.topic_feedback`); without one, assignment is the curated lexicon alone.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from urllib.parse import urlsplit

from newsarchive.topic_lexicon import LEXICON, SECTION_ALIASES, tiers

log = logging.getLogger(__name__)

TITLE_WEIGHT = 3.0  # a headline word counts as this many body words
MIN_EVIDENCE = 2.0  # below this total weight a story gets no topic
CHILD_SHARE = 0.35  # a second-level topic leads when it holds this share of its parent's score
RUNNER_UP_SHARE = 0.6  # another top-level topic is listed when this close to the best
POLICY_SHARE = 0.7  # politics leads a policy-area story when this close to the best score
# Areas of public policy: a story about one of them told through ministers, parties
# and parliament is filed under politics first (IPTC: politics > government policy).
POLICY_AREAS = frozenset({"crime", "education", "health", "society", "labour", "environment"})
SECTION_BONUS = 3.0  # added on top of the best text score for a topic named by the section
MAX_NGRAM = 3
MAX_TOPICS = 3

# Words whose final "s" is not a plural, or whose singular means something else.
_UNFOLDED = frozenset(
    {"aids", "arms", "commons", "games", "lords", "news", "sales", "series", "species"}
)
_WORD = re.compile(r"[a-z0-9]+")
_SECTION_SPLIT = re.compile(r"\s*[>/›»|:,;]\s*")
_TRAILING_ID = re.compile(r"(?:[-_.]?\d{4,})+$|\.[a-z]{2,5}$")


@dataclass(frozen=True, slots=True)
class Topic:
    """One entry of the vocabulary: an IPTC Media Topic with the project's slug and label."""

    slug: str
    label: str
    qcode: str
    parent: str | None  # parent slug for second-level topics
    definition: str


@dataclass(frozen=True, slots=True)
class TopicScore:
    """A topic assigned to a story; ``score`` is its share of the story's topical evidence."""

    slug: str
    qcode: str
    score: float


@dataclass(frozen=True, slots=True)
class _Index:
    topics: tuple[Topic, ...]
    by_slug: Mapping[str, int]
    by_qcode: Mapping[str, int]
    parent_of: tuple[int, ...]  # index of the top-level topic (itself for a top-level one)
    terms: Mapping[str, tuple[tuple[int, float], ...]]


@dataclass(frozen=True, slots=True)
class TermOverlay:
    """The curated term table with an archive's learned weights merged in (picklable, so
    worker processes can be handed it): built by :func:`term_overlay`."""

    terms: dict[str, tuple[tuple[int, float], ...]]


# ── vocabulary ───────────────────────────────────────────────────────────────


def _read_vocabulary() -> tuple[Topic, ...]:
    text = resources.files("newsarchive").joinpath("data/topics.json").read_text("utf-8")
    return tuple(
        Topic(t["slug"], t["label"], t["qcode"], t["parent"], t["definition"])
        for t in json.loads(text)["topics"]
    )


@lru_cache(maxsize=1 << 17)  # called for every word of every story: the vocabulary repeats
def _fold(word: str) -> str:
    """Fold a lower-case word's plural: the same crude rule on lexicon and text."""
    if word in _UNFOLDED:
        return word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Lower-case, plural-folded word tokens; hyphens and apostrophes split words."""
    return [_fold(word) for word in _WORD.findall(text.lower()) if word != "s"]


def _lexicon_terms(
    lexicon: Mapping[str, str], by_slug: Mapping[str, int], parent_of: tuple[int, ...]
) -> dict[str, tuple[tuple[int, float], ...]]:
    """Term → ((topic index, weight), …); a child's term also counts for its parent."""
    weights: dict[str, dict[int, float]] = {}
    for slug, entry in lexicon.items():
        index = by_slug[slug]
        for weight, phrases in tiers(entry).items():
            for phrase in phrases:
                slot = weights.setdefault(" ".join(tokens(phrase)), {})
                for target in {index, parent_of[index]}:
                    slot[target] = max(slot.get(target, 0.0), weight)
    return {term: tuple(sorted(slot.items())) for term, slot in sorted(weights.items())}


@cache
def _index() -> _Index:
    topics = _read_vocabulary()
    by_slug = {t.slug: i for i, t in enumerate(topics)}
    by_qcode = {t.qcode: i for i, t in enumerate(topics)}
    parent_of = tuple(by_slug[t.parent] if t.parent else i for i, t in enumerate(topics))
    unknown = sorted(set(LEXICON) - set(by_slug)) + sorted(
        set(SECTION_ALIASES.values()) - set(by_slug)
    )
    if unknown:
        raise KeyError(f"lexicon names topics missing from topics.json: {unknown}")
    terms = _lexicon_terms(LEXICON, by_slug, parent_of)
    log.debug("topic vocabulary: %d topics, %d lexicon terms", len(topics), len(terms))
    return _Index(topics, by_slug, by_qcode, parent_of, terms)


def curated_weights(word: str) -> dict[str, float]:
    """Topic slug → weight of a word or phrase in the curated lexicon (parents included)."""
    index = _index()
    slots = index.terms.get(" ".join(tokens(word)), ())
    return {index.topics[i].slug: weight for i, weight in slots}


def term_overlay(extra: Mapping[str, Mapping[str, float]]) -> TermOverlay:
    """The curated terms with ``extra`` (topic slug → single word → weight) merged in.

    A positive weight works like a curated term (the larger weight wins, and a second-level
    topic's term also counts for its parent); a negative one lowers the topic's curated
    weight for that word, never below zero. Unknown slugs raise ``KeyError``.
    """
    index = _index()
    weights = {term: dict(slots) for term, slots in index.terms.items()}
    for slug, words in sorted(extra.items()):
        target = index.by_slug[slug]
        for word, weight in sorted(words.items()):
            slot = weights.setdefault(" ".join(tokens(word)), {})
            if weight >= 0:
                for i in {target, index.parent_of[target]}:
                    slot[i] = max(slot.get(i, 0.0), weight)
            elif target in slot:
                slot[target] = max(0.0, slot[target] + weight)
    return TermOverlay({t: tuple(sorted(s.items())) for t, s in sorted(weights.items()) if t})


def vocabulary() -> tuple[Topic, ...]:
    """Every topic, each top-level topic followed by its second level, in IPTC order."""
    return _index().topics


def topic(slug: str) -> Topic:
    """The topic with this slug; ``KeyError`` if there is none."""
    index = _index()
    return index.topics[index.by_slug[slug]]


def topic_by_qcode(qcode: str) -> Topic:
    """The topic with this IPTC QCode (``medtop:…``); ``KeyError`` if it is not in ours."""
    index = _index()
    return index.topics[index.by_qcode[qcode]]


def top_level(slug: str) -> Topic:
    """The top-level topic of ``slug`` (the topic itself when it is top-level)."""
    index = _index()
    return index.topics[index.parent_of[index.by_slug[slug]]]


# ── evidence ─────────────────────────────────────────────────────────────────


def term_counts(words: list[str], terms: Mapping[str, object]) -> Counter[str]:
    """How often each lexicon term occurs as an n-gram of ``words`` (n ≤ 3)."""
    # Every n-gram in text order, as a plain loop over all of them would count them (the
    # Counter's order decides the order scores are summed in), but a longer n-gram is only
    # built when the shorter one starts some lexicon term: most words start none.
    prefixes = _prefixes(terms)
    found: Counter[str] = Counter()
    count = len(words)
    for start, word in enumerate(words):
        if word in terms:
            found[word] += 1
        if word not in prefixes or start + 1 >= count:
            continue
        gram = f"{word} {words[start + 1]}"
        if gram in terms:
            found[gram] += 1
        if MAX_NGRAM < 3 or gram not in prefixes or start + 2 >= count:
            continue
        gram = f"{gram} {words[start + 2]}"
        if gram in terms:
            found[gram] += 1
    return found


_PREFIX_CACHE: dict[int, tuple[Mapping[str, object], frozenset[str]]] = {}


def _prefixes(terms: Mapping[str, object]) -> frozenset[str]:
    """The proper word prefixes of the multi-word terms ("interest", "interest rate" for
    "interest rate cut"), computed once per term table."""
    cached = _PREFIX_CACHE.get(id(terms))
    if cached is not None and cached[0] is terms:
        return cached[1]
    found = set()
    for term in terms:
        parts = term.split(" ")
        found.update(" ".join(parts[:size]) for size in range(1, min(len(parts), MAX_NGRAM)))
    if len(_PREFIX_CACHE) > 8:  # a run uses one or two tables
        _PREFIX_CACHE.clear()
    prefixes = frozenset(found)
    _PREFIX_CACHE[id(terms)] = (terms, prefixes)
    return prefixes


def _text_scores(
    title: str, body: str, index: _Index, terms: Mapping[str, tuple[tuple[int, float], ...]]
) -> list[float]:
    counts = Counter[str]()
    for term, count in term_counts(tokens(title), terms).items():
        counts[term] += TITLE_WEIGHT * count
    counts.update(term_counts(tokens(body), terms))
    scores = [0.0] * len(index.topics)
    for term, count in counts.items():
        saturation = 1.0 + math.log(count)
        for topic_index, weight in terms[term]:
            scores[topic_index] += weight * saturation
    return scores


def _section_key(part: str) -> str:
    return "-".join(_WORD.findall(part.lower().replace("&", " and ")))


def section_topics(section: str = "", url: str = "") -> tuple[str, ...]:
    """Slugs named outright by a section/breadcrumb string or the URL's path segments."""
    parts = [_section_key(p) for p in _SECTION_SPLIT.split(section) if p.strip()]
    path = urlsplit(url).path if url else ""
    for segment in path.lower().split("/"):
        parts.append(_TRAILING_ID.sub("", segment).strip("-_"))
    found = (SECTION_ALIASES.get(part) for part in parts if part)
    return tuple(dict.fromkeys(slug for slug in found if slug))


def _add_section_bonus(scores: list[float], slugs: Iterable[str], index: _Index) -> None:
    tops = [i for i, parent in enumerate(index.parent_of) if parent == i]
    bonus = max(scores[i] for i in tops) + SECTION_BONUS
    for slug in slugs:
        topic_index = index.by_slug[slug]
        scores[topic_index] += bonus
        if index.parent_of[topic_index] != topic_index:
            scores[index.parent_of[topic_index]] += bonus


# ── assignment ───────────────────────────────────────────────────────────────


def _politics_frame(tops: list[int], scores: list[float], index: _Index) -> list[int]:
    """Move politics first when a policy-area story is mostly told through politics."""
    politics = index.by_slug["politics"]
    best = tops[0]
    if index.topics[best].slug in POLICY_AREAS and scores[politics] >= POLICY_SHARE * scores[best]:
        return [politics, best] + [i for i in tops if i not in (politics, best)]
    return tops


def _ranked(scores: list[float], index: _Index) -> tuple[int, ...]:
    """Chosen topic indexes, best first: [best child,] best top-level, [runner-up]."""
    tops = sorted(
        (i for i, parent in enumerate(index.parent_of) if parent == i),
        key=lambda i: (-scores[i], i),
    )
    if scores[tops[0]] < MIN_EVIDENCE:
        return ()
    tops = _politics_frame(tops, scores, index)
    best = tops[0]
    children = [i for i, parent in enumerate(index.parent_of) if parent == best and i != best]
    chosen = [best]
    if children:
        child = min(children, key=lambda i: (-scores[i], i))
        if scores[child] >= CHILD_SHARE * scores[best]:
            chosen.insert(0, child)
    runner_up = tops[1]
    if scores[runner_up] >= RUNNER_UP_SHARE * scores[best] and len(chosen) < MAX_TOPICS:
        chosen.append(runner_up)
    return tuple(chosen)


def assign_topics(
    title: str,
    body: str,
    *,
    section: str = "",
    url: str = "",
    overlay: TermOverlay | None = None,
) -> tuple[TopicScore, ...]:
    """One to three topics for a story, best first; ``()`` when it has no topical evidence.

    When the first topic is a second-level one, its top-level parent follows it;
    ``top_level(result[0].slug)`` is the story's main top-level topic. ``overlay`` replaces
    the curated term table by one with an archive's learned weights merged in.
    """
    index = _index()
    scores = _text_scores(title, body, index, overlay.terms if overlay else index.terms)
    named = section_topics(section, url)
    if named:
        _add_section_bonus(scores, named, index)
    total = sum(scores[i] for i, parent in enumerate(index.parent_of) if parent == i)
    return tuple(
        TopicScore(index.topics[i].slug, index.topics[i].qcode, round(scores[i] / total, 4))
        for i in _ranked(scores, index)
    )
