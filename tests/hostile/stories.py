"""Invented story text for generated inputs: seeded, so every run writes the same bytes.

Each seed gives different words in a different order, so two generated stories are never
near-duplicates of each other (the importer would otherwise keep only the first).
"""

from __future__ import annotations

import random

_PLACES = (
    "Harrowgate", "Lindenfeld", "Port Averly", "Corran Bay", "Velmont", "Ostrava Lake",
    "Kestrel Point", "Marlow Fen", "Sandholm", "Brackwater", "Elmbridge", "Tarnholt",
)
_SUBJECTS = (
    "the council", "the harbour board", "a group of farmers", "the regional court",
    "local teachers", "the water authority", "a cycling club", "the fire brigade",
    "shop owners", "the rail operator", "the museum trust", "a fishing cooperative",
    "the university", "nurses at the clinic", "the parish choir", "the library service",
)
_VERBS = (
    "approved", "rejected", "postponed", "announced", "questioned", "welcomed", "reviewed",
    "funded", "opened", "closed", "extended", "criticised", "published", "delayed",
)
_OBJECTS = (
    "a plan for a new footbridge", "the summer timetable", "a bid to restore the old mill",
    "higher parking charges", "a survey of the river banks", "the budget for road repairs",
    "a proposal to plant two thousand trees", "the sale of the bus depot",
    "a scheme to insulate older homes", "plans for a covered market", "the night ferry",
    "a study of winter flooding", "the rebuilding of the sea wall", "a festival of brass bands",
)
_TAILS = (
    "after a long debate on Tuesday", "despite objections from residents",
    "following a public consultation", "in a narrow vote", "with support from every party",
    "ahead of the spring elections", "after months of talks", "to the surprise of observers",
    "at a packed meeting in the town hall", "citing rising costs", "as work began on site",
)


def sentence(rng: random.Random) -> str:
    place = rng.choice(_PLACES)
    return (f"In {place}, {rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} "
            f"{rng.choice(_TAILS)}, and {rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} "
            f"{rng.choice(_OBJECTS)} number {rng.randrange(10**6)}.")


def paragraphs(seed: int, count: int = 4) -> list[str]:
    """``count`` paragraphs of two or three sentences each."""
    rng = random.Random(seed)
    return [" ".join(sentence(rng) for _ in range(rng.randint(2, 3))) for _ in range(count)]


def headline(seed: int) -> str:
    rng = random.Random(seed * 7919)
    return (f"{rng.choice(_PLACES)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} "
            f"story {seed}").capitalize()


def text_dump(seed: int, *, title: str | None = None, date_line: str = "Wed Mar 14 2018",
              agency: str = "Reuters", head: tuple[str, ...] = (), body: tuple[str, ...] = (),
              tail: tuple[str, ...] = ()) -> str:
    """A text dump as scrapers save one: headline, optional extra header lines, body, agency and
    date lines, then whatever ``tail`` holds (teasers)."""
    lines = [headline(seed) if title is None else title, *head, *paragraphs(seed), *body,
             agency, date_line, *tail]
    return "\n".join(lines) + "\n"


def html_page(seed: int, *, head: str = "", body: str = "", title: str | None = None,
              date: str = "2019-05-02T08:00:00Z") -> str:
    """A saved article page with the story in ``<article>``; ``head``/``body`` are spliced in."""
    text = "".join(f"<p>{p}</p>\n" for p in paragraphs(seed, 5))
    title = headline(seed) if title is None else title
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{title}</title>"
        f"<meta property=\"article:published_time\" content=\"{date}\">{head}</head>\n"
        f"<body><article><h1>{title}</h1>\n{text}{body}</article></body></html>\n"
    )
