"""Topic, country and source pages: an index per kind, a paginated page and an Atom feed per term.

Thin wiring over ``newsarchive.taxonomy``: the generator files every article under its
terms once (``generate_context``), then writes the pages (``generate_output``). Terms
with no story get no page. Each article gets ``topic_links``, ``country_links`` and
``source_links`` for its template (``StoryTermLink``: term and URL, no count).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pelican import signals
from pelican.generators import Generator

from newsarchive.taxonomy import (
    Term,
    article_terms,
    group_by_term,
    newest_first_pairs,
    topic_term,
)

log = logging.getLogger(__name__)

KINDS = ("topic", "country", "source")
PLURAL = {"topic": "topics", "country": "countries", "source": "sources"}
DEFAULTS: dict[str, object] = {
    "TAXONOMY_TOPIC_URL": "topics/{slug}/",
    "TAXONOMY_TOPIC_SAVE_AS": "topics/{slug}/index.html",
    "TAXONOMY_TOPICS_URL": "topics/",
    "TAXONOMY_TOPICS_SAVE_AS": "topics/index.html",
    "TAXONOMY_TOPIC_FEED_ATOM": "feeds/topics/{slug}.atom.xml",
    "TAXONOMY_COUNTRY_URL": "countries/{slug}/",
    "TAXONOMY_COUNTRY_SAVE_AS": "countries/{slug}/index.html",
    "TAXONOMY_COUNTRIES_URL": "countries/",
    "TAXONOMY_COUNTRIES_SAVE_AS": "countries/index.html",
    "TAXONOMY_COUNTRY_FEED_ATOM": "feeds/countries/{slug}.atom.xml",
    "TAXONOMY_SOURCE_URL": "sources/{slug}/",
    "TAXONOMY_SOURCE_SAVE_AS": "sources/{slug}/index.html",
    "TAXONOMY_SOURCES_URL": "sources/",
    "TAXONOMY_SOURCES_SAVE_AS": "sources/index.html",
    "TAXONOMY_SOURCE_FEED_ATOM": "feeds/sources/{slug}.atom.xml",
    "TAXONOMY_FEED_MAX_ITEMS": 50,
}


class TaxonomyError(Exception):
    """A TAXONOMY_* setting is wrong."""


@dataclass(frozen=True, slots=True)
class TermLink:
    """A term as the templates see it: the term, where its page lives, how many stories."""

    term: Term
    url: str
    save_as: str
    feed: str
    count: int

    @property
    def name(self) -> str:
        return self.term.name


@dataclass(frozen=True, slots=True)
class StoryTermLink:
    """A term as a story lists it (``article.topic_links``): the term and its page, without
    the term's story count, which changes whenever a story is added to the term and which
    no story page shows (render keys describe a story by what it holds: a count here would
    make every story of a term look changed when one more is filed under it)."""

    term: Term
    url: str

    @property
    def name(self) -> str:
        return self.term.name


def check_settings(settings: dict) -> None:
    for key, default in DEFAULTS.items():
        settings.setdefault(key, default)
        if not isinstance(settings[key], type(default)):
            raise TaxonomyError(f"{key} must be a {type(default).__name__}, not {settings[key]!r}")
    for kind in KINDS:
        for suffix in ("URL", "SAVE_AS", "FEED_ATOM"):
            if "{slug}" not in settings[f"TAXONOMY_{kind.upper()}_{suffix}"]:
                raise TaxonomyError(f"TAXONOMY_{kind.upper()}_{suffix} must contain {{slug}}")
    settings.setdefault("PAGINATED_TEMPLATES", {}).setdefault("term", None)


def _link(settings: dict, term: Term, count: int) -> TermLink:
    prefix = f"TAXONOMY_{term.kind.upper()}_"
    return TermLink(
        term,
        settings[prefix + "URL"].format(slug=term.slug),
        settings[prefix + "SAVE_AS"].format(slug=term.slug),
        settings[prefix + "FEED_ATOM"].format(slug=term.slug),
        count,
    )


class TaxonomyGenerator(Generator):
    """Files articles under their terms and writes the term pages and feeds."""

    def generate_context(self) -> None:
        articles = self.context.get("articles", [])
        # Newest first once, for the three kinds' groups (a sort per term took ~0.15 s of
        # the build's main process at 20,000 stories).
        filed = newest_first_pairs((article, article_terms(article)) for article in articles)
        self.groups: dict[str, dict[Term, list]] = {}
        for kind in KINDS:
            pairs = ((a, terms[kind]) for a, terms in filed)
            self.groups[kind] = group_by_term(pairs, ordered=True)
        links = {
            term: _link(self.settings, term, len(stories))
            for group in self.groups.values()
            for term, stories in group.items()
        }
        story_links = {term: StoryTermLink(term, link.url) for term, link in links.items()}
        for article, terms in filed:
            for kind in KINDS:
                setattr(article, f"{kind}_links", [story_links[t] for t in terms[kind]])
        self.links = links
        self.context["topic_tree"] = self._topic_tree()
        self.context["country_regions"] = self._by_group("country")
        self.context["source_index"] = [links[t] for t in self.groups["source"]]

    def _topic_tree(self) -> list[tuple[Term, TermLink | None, list[TermLink]]]:
        """Top-level topics (linked when they have stories) with their subtopics."""
        tree: dict[str, tuple[Term, TermLink | None, list[TermLink]]] = {}
        for term in self.groups["topic"]:
            top = topic_term(term.parent) if term.parent else term
            assert top is not None
            entry = tree.setdefault(top.slug, (top, None, []))
            if term.parent:
                entry[2].append(self.links[term])
            else:
                tree[top.slug] = (top, self.links[term], entry[2])
        return sorted(tree.values(), key=lambda e: e[0].name.lower())

    def _by_group(self, kind: str) -> list[tuple[str, list[TermLink]]]:
        regions: dict[str, list[TermLink]] = {}
        for term in self.groups[kind]:
            regions.setdefault(term.group or "Other", []).append(self.links[term])
        return sorted(regions.items())

    def generate_output(self, writer) -> None:
        relative = self.settings["RELATIVE_URLS"]
        for kind in KINDS:
            plural = PLURAL[kind]
            save_as = self.settings[f"TAXONOMY_{plural.upper()}_SAVE_AS"]
            writer.write_file(
                save_as,
                self.get_template(plural),
                self.context,
                relative,
                url=self.settings[f"TAXONOMY_{plural.upper()}_URL"],
                kind=kind,
            )
            for term, stories in self.groups[kind].items():
                self._write_term(writer, self.links[term], stories)

    def _write_term(self, writer, link: TermLink, stories: list) -> None:
        writer.write_file(
            link.save_as,
            self.get_template("term"),
            self.context,
            self.settings["RELATIVE_URLS"],
            paginated={"articles": stories, "dates": stories},
            template_name="term",
            url=link.url,
            term=link,
            articles=stories,
            dates=stories,
        )
        if self.settings.get("FEED_DOMAIN") is not None:
            writer.write_feed(
                stories[: self.settings["TAXONOMY_FEED_MAX_ITEMS"]],
                self.context,
                link.feed,
                feed_title=f"{self.settings['SITENAME']}: {link.name}",
            )


def on_initialized(pelican) -> None:
    check_settings(pelican.settings)


def get_generators(_pelican) -> type[Generator]:
    return TaxonomyGenerator


def register() -> None:
    signals.initialized.connect(on_initialized)
    signals.get_generators.connect(get_generators)
