"""Speed of related stories on synthetic archives: wall time, CPU time, peak RSS.

Synthetic stories (deterministic seed): a Zipfian general vocabulary of 40,000 made-up
words plus 300 topical clusters with their own 60-word vocabularies; each story draws
120-480 words, about a quarter from its cluster, and a title of 6-10 words. Around 2% of
stories are near-copies of an earlier one (wire duplicates), and a few have no text.
CPU time includes the word-counting worker processes; the machine's load is printed with
each figure, since other work on the machine slows the wall-clock time.

    python -m benchmarks.bench_related --n 20000
    python -m benchmarks.bench_related --n 100000 [--cache DIR] [--more]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from newsarchive.related import RelatedInput, related

SYLLABLES = ("ka", "lo", "mi", "ter", "san", "dro", "vel", "nor", "pa", "qui", "ste", "ban",
             "or", "ex", "lin", "ma", "ru", "zo", "te", "gal")


def vocabulary(size: int, rng: np.random.Generator) -> np.ndarray:
    parts = rng.integers(0, len(SYLLABLES), size=(size, 4))
    lengths = rng.integers(2, 5, size=size)
    words = {"".join(SYLLABLES[p] for p in row[:n]) for row, n in zip(parts, lengths, strict=True)}
    return np.asarray(sorted(words))


def synthetic_stories(n: int, seed: int = 1987) -> list[RelatedInput]:
    rng = np.random.default_rng(seed)
    words = vocabulary(40_000, rng)
    zipf = 1.0 / np.arange(1, len(words) + 1) ** 1.05
    zipf /= zipf.sum()
    clusters = rng.choice(len(words), size=(300, 60))
    start = dt.date(2000, 1, 1).toordinal()
    stories: list[RelatedInput] = []
    for i in range(n):
        cluster = int(rng.integers(0, 300))
        if stories and rng.random() < 0.02:
            twin = stories[int(rng.integers(0, len(stories)))]
            stories.append(RelatedInput(f"s{i:07d}", twin.title, twin.text + " update",
                                        twin.date, twin.topics, twin.countries, "wire"))
            continue
        length = int(rng.integers(120, 480)) if rng.random() > 0.01 else 0
        topical = rng.choice(clusters[cluster], size=length // 4)
        general = rng.choice(len(words), size=length - len(topical), p=zipf)
        body = words[np.concatenate([topical, general])]
        rng.shuffle(body)
        title = words[rng.choice(clusters[cluster], size=int(rng.integers(6, 11)))]
        stories.append(RelatedInput(
            id=f"s{i:07d}", title=" ".join(title), text=" ".join(body),
            date=dt.date.fromordinal(start + int(rng.integers(0, 3650))),
            topics=(f"t{cluster % 40}",), countries=(("IT", "FR", "US", "DE")[cluster % 4],),
            source="bench",
        ))
    return stories


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory of this process (or of its largest finished child process)."""
    return resource.getrusage(who).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the word-counting workers)."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


def timed(stories: Sequence[RelatedInput], cache: Path | None) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    lists = related(stories, 5, cache_dir=cache)
    links = sum(len(v) for v in lists.values())
    return time.perf_counter() - wall, cpu_seconds() - cpu, links


def load_average() -> str:
    """The machine's 1-minute load (other work slows the wall-clock figures)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="number of synthetic stories")
    parser.add_argument("--cache", type=Path, help="cache folder (default: a temporary one)")
    parser.add_argument("--more", action="store_true",
                        help="also time one story edited, one deleted, and no change")
    args = parser.parse_args(argv)
    stories = synthetic_stories(args.n)
    print(f"{args.n} synthetic stories generated; peak RSS so far {peak_rss_mb():.0f} MB; "
          f"{os.cpu_count()} CPUs, load {load_average()}")
    with tempfile.TemporaryDirectory() as temp:
        cache = args.cache or Path(temp)
        for label, batch in scenarios(stories, args.more):
            wall, cpu, links = timed(batch, cache)
            print(f"{label:22s} n={len(batch)}: wall {wall:.2f} s, CPU {cpu:.2f} s, "
                  f"{len(batch) / wall:,.0f} articles/s, {links} links, "
                  f"peak RSS {peak_rss_mb():.0f} MB (workers "
                  f"{peak_rss_mb(resource.RUSAGE_CHILDREN):.0f} MB), load {load_average()}")
    return 0


def scenarios(
    stories: list[RelatedInput], more: bool
) -> list[tuple[str, list[RelatedInput]]]:
    """Cold build of all stories but the last, then the last one added (warm); with
    ``more``, then one story edited, one deleted, and a rebuild with no change."""
    steps = [("cold cache", stories[:-1]), ("warm cache, +1 story", stories)]
    if more:
        middle = len(stories) // 2
        edited = [*stories[:middle], replace(stories[middle], text=stories[middle].text
                                             + " " + stories[middle + 1].text[:400]),
                  *stories[middle + 1:]]
        deleted = [*edited[:middle // 2], *edited[middle // 2 + 1:]]
        steps += [("warm cache, 1 edited", edited), ("warm cache, 1 deleted", deleted),
                  ("warm cache, no change", deleted)]
    return steps


if __name__ == "__main__":
    sys.exit(main())
