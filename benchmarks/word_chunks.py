"""How the search index's word chunks fall on a built site, under the cut rule in use and
the rules it replaced.

A search term loads one word chunk per shard and finds the words it begins only in that
chunk, so a word beginning whose words lie in two chunks of a shard is found only in part.
For each rule this re-cuts every shard's words (read from the built index; nothing is
written) and prints the number of chunks and, per length, how many word beginnings are
split across chunks (summed over shards).

    .venv/bin/python -m benchmarks.word_chunks output
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins"))

from pagefind_index import deterministic  # noqa: E402

Rule = Callable[[int, int, int], bool]  # (chunk bytes, target bytes, common prefix) → cut?
LENGTHS = (2, 3, 4, 5)


def one_tier(prefix: int, force: int) -> Rule:
    """The eleventh pass's rule (prefix 3, force 4): a cut between words sharing at most
    ``prefix`` characters, or anywhere past ``force`` times the target."""
    return lambda size, target, common: common <= prefix or size >= force * target


RULES: dict[str, Rule] = {
    "in use (deterministic._may_cut)": deterministic._may_cut,
    "≤ 2 shared, anywhere past 4×": one_tier(2, 4),
    "≤ 3 shared, anywhere past 4× (eleventh pass)": one_tier(3, 4),
}


def shard_words(site: Path) -> list[list[tuple[str, int]]]:
    """Each shard's words in order, with their encoded sizes."""
    bundle = site / "pagefind"
    manifest = json.loads((bundle / "shards.json").read_text())
    shards = []
    for shard in manifest["shards"]:
        folder = bundle / shard["path"]
        entry = json.loads((folder / "pagefind-entry.json").read_text())
        words = []
        for info in entry["languages"].values():
            meta = deterministic.read_data_file(folder / f"pagefind.{info['hash']}.pf_meta")
            for _first, _last, name in meta[2]:
                path = folder / "index" / f"{name}.pf_index"
                words.extend((w, len(data)) for w, data in deterministic._chunk_words(path))
        shards.append(words)
    return shards


def cut(words: list[tuple[str, int]], rule: Rule) -> list[list[str]]:
    """The chunks ``rule`` gives (the index's own cutting, ``cut_word_list``), as words."""
    ends = deterministic.cut_word_list(words, rule)
    return [[w for w, _ in words[start:end]] for start, end in itertools.pairwise([0, *ends])]


def split_beginnings(chunks: list[list[str]], length: int) -> tuple[int, int]:
    """(beginnings of ``length`` characters in more than one chunk, all beginnings)."""
    where: dict[str, set[int]] = defaultdict(set)
    for number, chunk in enumerate(chunks):
        for word in chunk:
            if len(word) >= length:
                where[word[:length]].add(number)
    return sum(len(found) > 1 for found in where.values()), len(where)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built site (its pagefind/ folder)")
    args = parser.parse_args(argv)
    shards = shard_words(args.site)
    print(f"{args.site}: {len(shards)} shards, {sum(map(len, shards)):,} words")
    for name, rule in RULES.items():
        total = 0
        split = dict.fromkeys(LENGTHS, (0, 0))
        for words in shards:
            chunks = cut(words, rule)
            total += len(chunks)
            for length in LENGTHS:
                found, every = split_beginnings(chunks, length)
                split[length] = (split[length][0] + found, split[length][1] + every)
        figures = ", ".join(f"{n} chars {a:,} of {b:,}" for n, (a, b) in split.items())
        print(f"  {name}: {total:,} chunks; beginnings split across chunks: {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
