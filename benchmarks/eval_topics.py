"""Evaluate topic assignment on the BBC News development corpus and print the figures.

Usage: python -m benchmarks.eval_topics [--errors N]

Prints, for newsarchive.topics and for a zero-shot baseline measured in the same run
(TF-IDF cosine similarity between a story and each top-level topic's IPTC label and
definition, plus the labels and definitions of its second level in topics.json):
first-topic accuracy, macro-F1 over the five BBC categories, a per-category
confusion summary, and the time per story. Exit status 2 when the corpus is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks.corpora import BBCStory, CorpusMissing, load_bbc
from newsarchive.topics import Topic, assign_topics, top_level, vocabulary

# BBC category → IPTC Media Topic of the story's first topic.
EXPECTED: dict[str, str] = {
    "business": "medtop:04000000",
    "entertainment": "medtop:01000000",
    "politics": "medtop:11000000",
    "sport": "medtop:15000000",
    "tech": "medtop:13000000",
}
NO_TOPIC = "(none)"

Classifier = Callable[[BBCStory], str]  # a story → the QCode of its first top-level topic


@dataclass(frozen=True, slots=True)
class Report:
    name: str
    accuracy: float
    macro_f1: float
    per_category: dict[str, Counter[str]]  # true category → predicted QCode counts
    seconds_per_story: float
    errors: tuple[tuple[str, str, str], ...]  # (category, predicted QCode, title)


def lexicon_classifier(story: BBCStory) -> str:
    topics = assign_topics(story.title, story.text)
    return top_level(topics[0].slug).qcode if topics else NO_TOPIC


def definition_baseline(stories: Sequence[BBCStory], *, only_expected: bool) -> Classifier:
    """Zero-shot: the top-level topic whose IPTC wording is most TF-IDF-similar to the story.

    With ``only_expected`` the choice is among the five evaluated topics, not all 17.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    tops = [
        t
        for t in vocabulary()
        if t.parent is None and (not only_expected or t.qcode in EXPECTED.values())
    ]
    documents = [_topic_wording(t) for t in tops]
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    vectorizer.fit([f"{s.title}\n{s.text}" for s in stories] + documents)
    topic_matrix = vectorizer.transform(documents)

    def classify(story: BBCStory) -> str:
        story_vector = vectorizer.transform([f"{story.title}\n{story.title}\n{story.text}"])
        similarities = linear_kernel(story_vector, topic_matrix)[0]
        return tops[int(similarities.argmax())].qcode

    return classify


def _topic_wording(top: Topic) -> str:
    children = [t for t in vocabulary() if t.parent == top.slug]
    return " ".join([top.label, top.definition] + [f"{c.label} {c.definition}" for c in children])


def f1_scores(pairs: Sequence[tuple[str, str]]) -> dict[str, float]:
    """Per expected QCode F1 of (expected, predicted) pairs; other predictions only miss."""
    scores: dict[str, float] = {}
    for label in sorted(set(EXPECTED.values())):
        hit = sum(1 for want, got in pairs if want == got == label)
        predicted = sum(1 for _, got in pairs if got == label)
        actual = sum(1 for want, _ in pairs if want == label)
        precision = hit / predicted if predicted else 0.0
        recall = hit / actual if actual else 0.0
        total = precision + recall
        scores[label] = 2 * precision * recall / total if total else 0.0
    return scores


def evaluate(name: str, classify: Classifier, stories: Sequence[BBCStory]) -> Report:
    started = time.perf_counter()
    predicted = [classify(story) for story in stories]
    elapsed = time.perf_counter() - started
    pairs = [(EXPECTED[s.category], p) for s, p in zip(stories, predicted, strict=True)]
    per_category: dict[str, Counter[str]] = {c: Counter() for c in sorted(EXPECTED)}
    for story, got in zip(stories, predicted, strict=True):
        per_category[story.category][got] += 1
    f1 = f1_scores(pairs)
    errors = tuple(
        (s.category, got, s.title)
        for s, (want, got) in zip(stories, pairs, strict=True)
        if want != got
    )
    return Report(
        name=name,
        accuracy=sum(1 for want, got in pairs if want == got) / len(pairs),
        macro_f1=sum(f1.values()) / len(f1),
        per_category=per_category,
        seconds_per_story=elapsed / len(stories),
        errors=errors,
    )


def _slug_of(qcode: str) -> str:
    return NO_TOPIC if qcode == NO_TOPIC else top_level_slug(qcode)


def top_level_slug(qcode: str) -> str:
    return next(t.slug for t in vocabulary() if t.qcode == qcode)


def print_report(report: Report, errors: int = 0) -> None:
    print(f"\n== {report.name}")
    print(f"first-topic accuracy  {report.accuracy:.4f}")
    print(f"macro-F1 (5 classes)  {report.macro_f1:.4f}")
    print(f"time per story        {report.seconds_per_story * 1000:.3f} ms")
    for category, counts in report.per_category.items():
        total = sum(counts.values())
        right = counts[EXPECTED[category]]
        wrong = ", ".join(
            f"{_slug_of(q)} {n}" for q, n in counts.most_common() if q != EXPECTED[category]
        )
        share = f"{right:>4}/{total:<4} ({right / total:.3f})"
        print(f"  {category:<13} {share}  wrong: {wrong or '-'}")
    for category, got, title in report.errors[:errors]:
        print(f"    {category:<13} → {_slug_of(got):<14} {title}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", type=int, default=0, help="list this many misclassified titles")
    args = parser.parse_args(argv)
    try:
        stories = list(load_bbc())
    except CorpusMissing as missing:
        print(f"eval_topics: {missing}", file=sys.stderr)
        return 2
    print(f"BBC News dev: {len(stories)} stories, {len(vocabulary())} topics in the vocabulary")
    print_report(
        evaluate("newsarchive.topics (curated lexicon)", lexicon_classifier, stories), args.errors
    )
    for only_expected, among in ((False, "all 17 top-level topics"), (True, "the 5 BBC topics")):
        baseline = definition_baseline(stories, only_expected=only_expected)
        name = f"baseline: zero-shot TF-IDF similarity to IPTC wording, among {among}"
        print_report(evaluate(name, baseline, stories), args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
