"""Editors' topic corrections fed back into topic assignment, one archive at a time.

An editor corrects a story's topics by rewriting its ``Topics:`` line (the ``Generated``
hash no longer matches) or by adding ``Locked: topics``. While the importer scans the
content folder at the start of a run (:meth:`ContentIndex.scan`), a
:class:`FeedbackCollector` sees every file once: it counts in how many stories each word
occurs and keeps the corrected ones. :func:`learn` then compares each corrected story's
topics with what the curated lexicon gives it, and for every topic editors *added* (or moved
first) in at least ``MIN_STORIES`` stories, the words of those stories' titles and bodies that
are distinctive — in ``MIN_SUPPORT`` or more of them, and ``MIN_LOG_LIFT`` more frequent there
than in the archive (log ratio of smoothed document frequencies) — become extra lexicon words
for it, weighted by that ratio and by their support and capped at ``MAX_WEIGHT``, below the
lexicon's "names the topic" tiers. The same words lose part of their curated weight for a
topic editors *removed* from such stories. Nothing is learned from a single correction.

The result is written to ``content/.topic-feedback.json`` (sorted keys, atomic, rewritten only
when it changes, removed when there is no correction) so it is versioned and reviewed with the
content, and it is applied as a :class:`~newsarchive.topics.TermOverlay` when the run
classifies stories. It is derived from the content alone: the same content gives the same file
and the same topics; to change it, change the corrections, not the file. A corrected story
stays corrected when the learned words make the importer generate the editor's topics exactly
(:func:`keep_topics_edited` keeps its old ``Generated`` hash), so the file never forgets it.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from newsarchive.content import (
    atomic_write,
    editor_values,
    field_hash,
    parse_generated,
    split_file,
)
from newsarchive.topics import TermOverlay, assign_topics, curated_weights, term_overlay, tokens
from newsarchive.topics import topic as topic_named

log = logging.getLogger(__name__)

FEEDBACK_FILE = ".topic-feedback.json"
_WORD = re.compile(r"[a-z0-9]+")  # as newsarchive.topics splits words
FORMAT = 1
MIN_STORIES = 2  # a topic learns nothing from fewer corrected stories
MIN_SUPPORT = 2  # a word must occur in at least this many of them
MIN_LOG_LIFT = 1.5  # ... and be e**1.5 ≈ 4.5 times more frequent there than in the archive
FULL_LIFT = 2.0  # a word this distinctive (e**2 ≈ 7.4 times) or more gets the full weight
MAX_WEIGHT = 2.0  # the curated lexicon's own tiers go up to 4; 3 and 4 name a topic alone
MAX_TERMS = 30  # learned words per topic, most distinctive first
PENALTY_SHARE = 0.5  # of a word's learned weight, taken off a topic editors removed
MIN_LETTERS = 3
# Function words (plural-folded like text): never topical, however often a few stories use them.
STOPWORDS = frozenset(
    tokens(
        """about above after again against all also among and any are around because been before
    being below between both but can could did does doing down during each few for from further
    had has have having her here hers him his how into its itself just may might more most much
    must new not now off once only other our ours out over own said same say says she should
    since some such than that the their theirs them then there these they this those through
    too under until upon very was way were what when where which while who whom whose why will
    with within without would year yet you your"""
    )
)
ABOUT = (
    "Learned by the importer from editors' topic corrections in this content folder "
    "(newsarchive.topic_feedback). Regenerated on every import: to change it, change the "
    "Topics of the stories listed under corrections."
)


@dataclass(frozen=True, slots=True)
class Correction:
    """A story whose topics an editor set by hand, with what the lexicon gives it."""

    path: str  # relative to the content folder, with "/" separators
    edited: tuple[str, ...]  # the editor's topic slugs (known ones), in order
    generated: tuple[str, ...]  # the curated lexicon's topics for the same text
    words: frozenset[str]

    def gained(self) -> tuple[str, ...]:
        """Topics the editor added, or moved to first place."""
        added = [slug for slug in self.edited if slug not in self.generated]
        if self.edited and self.generated[:1] != self.edited[:1] and self.edited[0] not in added:
            added.insert(0, self.edited[0])
        return tuple(added)

    def lost(self) -> tuple[str, ...]:
        """Topics the lexicon gives that the editor removed."""
        return tuple(slug for slug in self.generated if slug not in self.edited)


@dataclass(frozen=True, slots=True)
class Feedback:
    """What an archive's corrections teach: ``terms`` is topic slug → word → weight
    (negative: taken off that topic's curated weight); ``corrections`` is for reviewers."""

    corrections: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    terms: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_json(self) -> str:
        document = {
            "about": ABOUT,
            "format": FORMAT,
            "corrections": self.corrections,
            "terms": self.terms,
        }
        return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"

    def overlay(self) -> TermOverlay | None:
        """The curated lexicon with the learned words merged in; ``None`` when none were."""
        return term_overlay(self.terms) if self.terms else None


def story_words(title: str, text: str) -> frozenset[str]:
    """The distinct plain words (plural-folded, letters only) of a story's title and text."""
    distinct = set(_WORD.findall(f"{title}\n{text}".lower()))
    return frozenset(word for word in map(_plain_word, distinct) if word)


@lru_cache(maxsize=1 << 16)
def _plain_word(word: str) -> str:
    """``word`` folded as topic assignment folds it, or "" when it cannot be a topic word."""
    if len(word) < MIN_LETTERS or not word.isalpha():
        return ""
    folded = tokens(word)[0]
    return folded if len(folded) >= MIN_LETTERS and folded not in STOPWORDS else ""


def _slugs(value: str) -> tuple[str, ...]:
    found = []
    for part in value.split(","):
        try:
            found.append(topic_named(part.strip()).slug)
        except KeyError:
            continue
    return tuple(dict.fromkeys(found))


class FeedbackCollector:
    """Sees every content file once during the index scan (``observe``): archive word
    frequencies, and the stories whose topics an editor corrected."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.stories = 0
        self.document_frequency: Counter[str] = Counter()
        self.corrections: list[Correction] = []

    def observe(self, path: Path, meta: Mapping[str, str], text: str) -> None:
        """One content file: ``meta`` as written (``Topics``, …), ``text`` its plain body."""
        title = meta.get("Title", "")
        words = story_words(title, text)
        self.stories += 1
        self.document_frequency.update(words)
        if "Topics" not in editor_values({k.lower(): v for k, v in meta.items()}):
            return
        generated = assign_topics(
            title, text, section=meta.get("Section", ""), url=meta.get("Original_Url", "")
        )
        correction = Correction(
            path.relative_to(self.root).as_posix(),
            _slugs(meta.get("Topics", "")),
            tuple(t.slug for t in generated),
            words,
        )
        if correction.gained() or correction.lost():
            self.corrections.append(correction)

    def feedback(self) -> Feedback:
        return learn(self.corrections, self.document_frequency, self.stories)


def distinctive_words(
    group: list[Correction], document_frequency: Mapping[str, int], stories: int
) -> dict[str, float]:
    """Word → log lift for the words of ``group`` that pass the support and lift tests."""
    support = Counter(word for correction in group for word in correction.words)
    found = {}
    for word, count in support.items():
        if count < MIN_SUPPORT:
            continue
        inside = (count + 0.5) / (len(group) + 1)
        overall = (document_frequency.get(word, count) + 0.5) / (stories + 1)
        lift = math.log(inside / overall)
        if lift >= MIN_LOG_LIFT:
            found[word] = lift
    return found


def _weight(lift: float, support: int) -> float:
    """``MAX_WEIGHT`` scaled down for a word less distinctive than ``FULL_LIFT`` and for
    little support: 2 stories give two thirds of it, 5 stories five sixths."""
    return round(MAX_WEIGHT * min(1.0, lift / FULL_LIFT) * support / (support + 1), 2)


def _learned_for(
    slug: str, group: list[Correction], document_frequency: Mapping[str, int], stories: int
) -> dict[str, float]:
    """Extra words for a topic editors added to the stories of ``group``."""
    lifts = distinctive_words(group, document_frequency, stories)
    weights = {}
    for word, lift in sorted(lifts.items(), key=lambda item: (-item[1], item[0])):
        support = sum(word in correction.words for correction in group)
        weight = _weight(lift, support)
        if weight > curated_weights(word).get(slug, 0.0):
            weights[word] = weight
        if len(weights) == MAX_TERMS:
            break
    return weights


def _penalties_for(
    slug: str, group: list[Correction], document_frequency: Mapping[str, int], stories: int
) -> dict[str, float]:
    """Weight taken off a topic editors removed, for the distinctive words that carry it."""
    lifts = distinctive_words(group, document_frequency, stories)
    penalties = {}
    for word, lift in sorted(lifts.items()):
        curated = curated_weights(word).get(slug, 0.0)
        if curated > 0:
            support = sum(word in correction.words for correction in group)
            penalties[word] = -round(min(curated, PENALTY_SHARE * _weight(lift, support)), 2)
    return {word: value for word, value in penalties.items() if value < 0}


def learn(
    corrections: list[Correction], document_frequency: Mapping[str, int], stories: int
) -> Feedback:
    """The feedback an archive's corrections give (see the module docstring); deterministic."""
    gained: dict[str, list[Correction]] = {}
    lost: dict[str, list[Correction]] = {}
    for correction in corrections:
        for slug in correction.gained():
            gained.setdefault(slug, []).append(correction)
        for slug in correction.lost():
            lost.setdefault(slug, []).append(correction)
    terms: dict[str, dict[str, float]] = {}
    for slug, group in sorted(gained.items()):
        if len(group) >= MIN_STORIES:
            terms[slug] = _learned_for(slug, group, document_frequency, stories)
    for slug, group in sorted(lost.items()):
        if len(group) >= MIN_STORIES:
            penalties = _penalties_for(slug, group, document_frequency, stories)
            terms[slug] = {**penalties, **terms.get(slug, {})}
    listed = {
        c.path: {"edited": list(c.edited), "generated": list(c.generated)} for c in corrections
    }
    return Feedback(listed, {slug: words for slug, words in terms.items() if words})


def keep_topics_edited(text: str, previous: Mapping[str, str]) -> str:
    """A re-rendered file whose kept, hand-edited ``Topics`` keep their "edited" mark.

    Once learned words make the importer generate exactly the editor's topics, the new
    ``Generated`` hash would match them and the correction would silently become generated
    (and be forgotten by the next learning pass): in that case the previous hash is kept.
    ``previous`` holds the file's fields before the re-import, as written.
    """
    fields = split_file(text)[0]
    old = parse_generated(previous.get("Generated", "")).get("topics", "")
    new = parse_generated(fields.get("Generated", "")).get("topics", "")
    if not old or old == new or new != field_hash(fields.get("Topics", "")):
        return text
    return text.replace(
        f"\nGenerated: {fields['Generated']}",
        "\nGenerated: " + fields["Generated"].replace(f"topics={new}", f"topics={old}"),
        1,
    )


def write_feedback(content_dir: Path, feedback: Feedback) -> bool:
    """Store ``feedback`` in the content folder (removed when there is no correction);
    ``True`` when the file changed."""
    path = content_dir / FEEDBACK_FILE
    if not feedback.corrections:
        if path.exists():
            path.unlink()
            return True
        return False
    text = feedback.to_json()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    atomic_write(path, text)
    log.info(
        "%s: %d corrections, words learned for %s",
        path,
        len(feedback.corrections),
        ", ".join(sorted(feedback.terms)) or "no topic yet",
    )
    return True


def load_feedback(path: Path) -> Feedback:
    """A feedback file read back (to apply it outside an import run)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return Feedback(document.get("corrections", {}), document.get("terms", {}))
