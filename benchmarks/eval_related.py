"""Precision@5 of related stories on Reuters-21578 (../shared/corpora/reuters21578-dev).

precision@5 = share of a story's five related stories that share at least one TOPICS label
with it, averaged over the stories with ≥1 TOPICS label; also over those whose topics are
neither ``earn`` nor ``acq``. The lists come from :func:`newsarchive.related.related`, the
function the plugin calls; TOPICS labels are never given to it (topics stay empty), and
countries stay empty unless ``--countries`` runs the project's detector.

Two candidate protocols, both printed: ``labelled`` (candidates are the stories with ≥1
TOPICS label, the usual public protocol) and ``all`` (every story is a candidate, as in an
archive; an unlabelled neighbour always counts as a miss). The baseline is plain TF-IDF
cosine (raw counts, no stop words, no title weight, no re-ranking), measured in the same run.

``--fold even`` / ``--fold odd`` keeps only the stories with an even / odd NEWID (a
smaller archive): tune on one half, check on the other, to see that a change generalises.

    python -m benchmarks.eval_related [--countries] [--fold even|odd]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from benchmarks.corpora import CorpusMissing, ReutersStory, load_reuters
from newsarchive.related import Related, RelatedInput, related
from newsarchive.related_vectors import Candidates, normalise_rows, search

EXCLUDED = frozenset({"earn", "acq"})


@dataclass(frozen=True, slots=True)
class Scores:
    overall: float
    other: float  # stories whose topics are neither earn nor acq


def story_date(raw: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(raw.split(".")[0].strip(), "%d-%b-%Y %H:%M:%S")
    except ValueError:
        return None


def to_input(story: ReutersStory, with_countries: bool) -> RelatedInput:
    countries: tuple[str, ...] = ()
    if with_countries:
        from newsarchive.countries import detect_countries

        countries = detect_countries(story.title, story.body, dateline=story.dateline).codes
    return RelatedInput(
        id=story.newid, title=story.title, text=story.body, date=story_date(story.date),
        countries=countries,
    )


def precision_at_5(stories: Sequence[ReutersStory], lists: dict[str, list[str]]) -> Scores:
    topics = {s.newid: set(s.topics) for s in stories}
    overall: list[float] = []
    other: list[float] = []
    for story in stories:
        if not story.topics:
            continue
        hits = [bool(topics[story.newid] & topics[j]) for j in lists.get(story.newid, [])[:5]]
        value = sum(hits) / 5
        overall.append(value)
        if not EXCLUDED & set(story.topics):
            other.append(value)
    return Scores(float(np.mean(overall)), float(np.mean(other)))


def baseline(stories: Sequence[ReutersStory], candidates: set[str] | None) -> dict[str, list[str]]:
    """Plain TF-IDF cosine (scikit-learn's defaults), same chunked search."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = TfidfVectorizer().fit_transform([f"{s.title}\n{s.body}" for s in stories])
    eligible = np.asarray([candidates is None or s.newid in candidates for s in stories])
    found: Candidates = search(normalise_rows(sp.csr_matrix(vectors)), eligible, 5)
    ids = [s.newid for s in stories]
    return {
        ids[i]: [ids[j] for j in row if j >= 0] for i, row in enumerate(found.index.tolist())
    }


def ours(inputs: Sequence[RelatedInput], candidates: set[str] | None) -> dict[str, list[str]]:
    lists: dict[str, list[Related]] = related(inputs, 5, candidates=candidates)
    return {story: [r.id for r in links] for story, links in lists.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--countries", action="store_true",
                        help="feed countries from newsarchive.countries.detect_countries")
    parser.add_argument("--fold", choices=("even", "odd"),
                        help="only the stories whose NEWID is even / odd")
    args = parser.parse_args(argv)
    try:
        stories = list(load_reuters())
    except CorpusMissing as error:
        print(f"skipped: {error}", file=sys.stderr)
        return 0
    if args.fold:
        stories = [s for s in stories if int(s.newid) % 2 == (args.fold == "odd")]
    inputs = [to_input(s, args.countries) for s in stories]
    labelled = {s.newid for s in stories if s.topics}
    print(f"Reuters-21578 dev{f' ({args.fold} NEWIDs)' if args.fold else ''}: "
          f"{len(stories)} stories, {len(labelled)} with ≥1 TOPICS label, "
          f"{sum(1 for s in stories if s.topics and not EXCLUDED & set(s.topics))} "
          "neither earn nor acq")
    for protocol, candidates in (("labelled", labelled), ("all", None)):
        for name, build in (("plain TF-IDF cosine", lambda c: baseline(stories, c)),
                            ("newsarchive.related", lambda c: ours(inputs, c))):
            start = time.perf_counter()
            scores = precision_at_5(stories, build(candidates))
            print(f"candidates={protocol:8s} {name:20s} p@5 {scores.overall:.4f}  "
                  f"non-earn/acq p@5 {scores.other:.4f}  ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
