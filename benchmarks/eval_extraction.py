"""Body-extraction quality of the HTML reader on the shared article-extraction corpus.

Method of Scrapinghub's article-extraction-benchmark (``evaluate.py``): ``\\w+`` tokens with
case kept, word 4-gram shingles counted as multisets, precision and recall per page, each
averaged over the pages where it is defined, F1 from the two averages. Conventions copied from
that script: a page whose prediction and truth have the same shingles scores 1.0 for both
(so two empty texts count as perfect); an empty prediction adds nothing to the precision
average and 0.0 to recall; an empty truth adds nothing to recall and 0.0 to precision.

The text scored for our reader is ``Article.body``'s paragraphs and headings joined by
newlines (not the title); a page the reader rejects scores as an empty prediction. The
baseline, default ``trafilatura.extract(html)``, is measured in the same run, and so is
trafilatura with ``include_comments=False`` (the one option our reader shares with it).

    .venv/bin/python -m benchmarks.eval_extraction [--show-worst N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from benchmarks.corpora import CorpusMissing, ExtractionPage, load_extraction
from newsarchive.errors import InputRejected
from newsarchive.readers.html import load_trafilatura, read_html

_TOKEN = re.compile(r"\w+")
SHINGLE = 4

Extractor = Callable[[ExtractionPage], str]


@dataclass(frozen=True, slots=True)
class PageScore:
    sha: str
    precision: float | None  # None: not defined for this page (empty prediction)
    recall: float | None  # None: not defined for this page (empty truth)


@dataclass(frozen=True, slots=True)
class Figures:
    name: str
    precision: float
    recall: float
    f1: float
    pages: int


def shingles(text: str, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """Word n-grams of a text as a multiset; a text shorter than n is one short shingle."""
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1))
                   if tokens[i : i + n])


def page_score(sha: str, truth: str, prediction: str) -> PageScore:
    """Precision and recall of one page's shingles, with the benchmark's edge cases."""
    true, pred = shingles(truth), shingles(prediction)
    tp = sum((true & pred).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    if fp == fn == 0:
        return PageScore(sha, 1.0, 1.0)
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return PageScore(sha, precision, recall)


def summarise(name: str, scores: list[PageScore]) -> Figures:
    precision = statistics.mean(s.precision for s in scores if s.precision is not None)
    recall = statistics.mean(s.recall for s in scores if s.recall is not None)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Figures(name, precision, recall, f1, len(scores))


def our_reader(page: ExtractionPage) -> str:
    """Article.body of the HTML reader as text, "" when the page is rejected."""
    try:
        article = read_html(page.html, origin=page.sha, url=page.url)
    except InputRejected:
        return ""
    return "\n".join(block.text for block in article.body)


def trafilatura_alone(page: ExtractionPage) -> str:
    """The baseline: trafilatura's defaults (which keep reader comments)."""
    return load_trafilatura().extract(page.html) or ""


def trafilatura_no_comments(page: ExtractionPage) -> str:
    """trafilatura with the one option our reader also sets, to show what the rest adds."""
    return load_trafilatura().extract(page.html, include_comments=False) or ""


EXTRACTORS: dict[str, Extractor] = {
    "newsarchive": our_reader,
    "trafilatura": trafilatura_alone,
    "trafilatura-nocomments": trafilatura_no_comments,
}


def evaluate(pages: Iterable[ExtractionPage]) -> dict[str, list[PageScore]]:
    """Per-page scores of every extractor on the same pages."""
    scores: dict[str, list[PageScore]] = {name: [] for name in EXTRACTORS}
    for page in pages:
        for name, extract in EXTRACTORS.items():
            scores[name].append(page_score(page.sha, page.article_body, extract(page)))
    return scores


def run() -> list[Figures]:
    """Figures for every extractor on the development corpus (``CorpusMissing`` if absent)."""
    return [summarise(name, pages) for name, pages in evaluate(load_extraction()).items()]


def _worst(scores: list[PageScore], count: int) -> list[str]:
    def f1(s: PageScore) -> float:
        p, r = s.precision or 0.0, s.recall or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    return [f"  {s.sha[:12]} P={s.precision} R={s.recall}"
            for s in sorted(scores, key=f1)[:count]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-worst", type=int, default=0, metavar="N",
                        help="also list the N pages where our reader scores lowest")
    args = parser.parse_args(argv)
    try:
        scores = evaluate(load_extraction())
    except CorpusMissing as missing:
        print(f"skipped: {missing}", file=sys.stderr)
        return 0
    for name, pages in scores.items():
        fig = summarise(name, pages)
        print(f"{fig.name:<22} precision={fig.precision:.3f}  recall={fig.recall:.3f}  "
              f"F1={fig.f1:.3f}  pages={fig.pages}")
    if args.show_worst:
        print("\n".join(_worst(scores["newsarchive"], args.show_worst)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
