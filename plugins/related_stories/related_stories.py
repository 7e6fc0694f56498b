"""Related stories on every article page (``article.related_stories``).

Thin wiring over :func:`newsarchive.related.related`: settings are checked once when
Pelican starts, then every article becomes a ``RelatedInput`` (id = its URL) and gets
``related_stories = [(other_article, score, reasons), ...]`` for
``theme/templates/partials/related.html``.

Settings: ``RELATED_STORIES_MAX`` (default 5), ``RELATED_STORIES_MIN_SCORE`` (default 0.1)
and ``RELATED_STORIES_CACHE`` (default ``<CACHE_PATH>/related``): the word counts of each
story, keyed by its content, and every story's search vector, candidate list and ranking
(:mod:`newsarchive.related_cache`), so that a rebuild after adding, editing or deleting a
few stories recomputes only the lists those changes can reach. The lists are the same, to
the bit, as a build without the cache; deleting the folder only costs time.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import lxml.etree
import lxml.html
from pelican import signals

from newsarchive.related import RelatedInput, related
from newsarchive.taxonomy import country_term, split_list, topic_term

log = logging.getLogger(__name__)

# MIN_SCORE: on a small archive the fifth-best story can share nothing but a common word;
# below this combined score a link is not shown (measured scores: same-topic follow-ups
# 0.2–0.9, single shared common word 0.05–0.09).
DEFAULTS: dict[str, object] = {
    "RELATED_STORIES_MAX": 5,
    "RELATED_STORIES_CACHE": None,
    "RELATED_STORIES_MIN_SCORE": 0.1,
}


class RelatedStoriesError(Exception):
    """A RELATED_STORIES_* setting is wrong."""


def check_settings(settings: dict) -> None:
    for key, default in DEFAULTS.items():
        settings.setdefault(key, default)
    limit = settings["RELATED_STORIES_MAX"]
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise RelatedStoriesError(f"RELATED_STORIES_MAX must be an integer ≥ 0, not {limit!r}")
    floor = settings["RELATED_STORIES_MIN_SCORE"]
    if isinstance(floor, bool) or not isinstance(floor, int | float) or floor < 0:
        raise RelatedStoriesError(f"RELATED_STORIES_MIN_SCORE must be a number ≥ 0, not {floor!r}")
    cache = settings["RELATED_STORIES_CACHE"]
    if cache is None:
        settings["RELATED_STORIES_CACHE"] = str(Path(settings["CACHE_PATH"]) / "related")
    elif not isinstance(cache, str | Path) or not str(cache):
        raise RelatedStoriesError(f"RELATED_STORIES_CACHE must be a folder path, not {cache!r}")


def on_initialized(pelican) -> None:
    check_settings(pelican.settings)


def plain_text(html: str) -> str:
    """The text of an HTML fragment (markup dropped, nothing interpreted)."""
    if not html or not html.strip():
        return ""
    try:
        return lxml.html.fragment_fromstring(html, create_parent="div").text_content()
    except (lxml.etree.ParserError, ValueError):
        return ""


@functools.lru_cache(maxsize=65536)
def reason_text(code: str) -> str:
    """A reason code from the ranker as readers see it: ``country:IT`` → ``Italy``,
    ``topic:trade`` → ``Trade``, ``term:wheat`` → ``“wheat”``."""
    kind, _, value = code.partition(":")
    term = {"topic": topic_term, "country": country_term}.get(kind, lambda _v: None)(value)
    if term is not None:
        return term.name
    return f"“{value}”" if kind == "term" else value or code


def readable_reasons(codes: tuple[str, ...]) -> list[str]:
    """Reasons in reading order, without a key term that only repeats a shared country/topic."""
    cut = 0
    while cut < len(codes) and not codes[cut].startswith("term:"):
        cut += 1
    rest = codes[cut:]
    if not all(code.startswith("term:") for code in rest):
        return list(_reasons(codes)[0])  # labels after key terms: the general way
    # The ranker gives shared topics/countries first, then key terms: the shared part
    # repeats across many links ("Italy, Trade") and is worked out once.
    named, labels = _shared_part(codes[:cut])
    return [*named, *(name for name in map(reason_text, rest) if _kept(name, labels))]


def _reasons(codes: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
    """The reasons kept, in order, and the shared topic/country labels among them."""
    named = [reason_text(code) for code in codes]
    pairs = zip(codes, named, strict=True)
    labels = frozenset(name.lower() for code, name in pairs if not code.startswith("term:"))
    return tuple(name for name in named if _kept(name, labels)), labels


_shared_part = functools.lru_cache(maxsize=65536)(_reasons)


def _kept(name: str, labels: frozenset[str]) -> bool:
    """A key term (“word”) that only repeats a shared label is dropped."""
    return name.strip("“”").lower() not in labels or not name.startswith("“")


def related_input(article) -> RelatedInput:
    meta = article.metadata
    return RelatedInput(
        id=article.url,
        title=str(article.title),
        text=plain_text(article._content or ""),
        date=getattr(article, "date", None),
        topics=split_list(meta.get("topics")),
        countries=split_list(meta.get("countries")),
        source=str(meta.get("source") or ""),
    )


def attach_related(generator) -> None:
    settings = generator.settings
    if "RELATED_STORIES_CACHE" not in settings or settings["RELATED_STORIES_CACHE"] is None:
        check_settings(settings)
    articles = {article.url: article for article in generator.articles}
    lists = related(
        [related_input(a) for a in articles.values()],
        settings["RELATED_STORIES_MAX"],
        cache_dir=Path(settings["RELATED_STORIES_CACHE"]),
    )
    for url, article in articles.items():
        article.related_stories = [
            (articles[link.id], link.score, readable_reasons(link.reasons))
            for link in lists.get(url, [])
            if link.score >= settings["RELATED_STORIES_MIN_SCORE"]
        ]
    log.info("related stories: linked %d articles", len(articles))


def register() -> None:
    signals.initialized.connect(on_initialized)
    signals.article_generator_finalized.connect(attach_related)
