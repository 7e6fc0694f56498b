"""Which countries a story is about, as ISO 3166-1 alpha-2 codes, most salient first.

One pass of one trie regex over ``title + "\\n" + body`` finds every place name (names,
official names, aliases, demonyms, capitals, major cities, historical names, states and
provinces); a few generic rules drop the traps (people called Jordan or Chad, the
Thanksgiving turkey, Georgia the US state, agency and firm names); the dateline and the
caption places add strong evidence; a salience score keeps what the story is about, not
every passing mention. Cost is linear in the length of the text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from newsarchive.gazetteer import Country, Place, abbreviations, countries_by_code, fold, lookup
from newsarchive.gazetteer import place_regex as _place_regex

logger = logging.getLogger(__name__)

__all__ = ["Country", "CountryMention", "CountryResult", "all_countries", "country",
           "detect_countries"]


@dataclass(frozen=True, slots=True)
class CountryMention:
    code: str  # ISO alpha-2
    score: float  # salience
    count: int
    first_offset: int  # character offset of the first mention in title + "\n" + body
    signals: tuple[str, ...]  # e.g. ("dateline", "headline", "body")


@dataclass(frozen=True, slots=True)
class CountryResult:
    codes: tuple[str, ...]  # kept codes, most salient first
    mentions: tuple[CountryMention, ...]  # every mention with its score


@dataclass(frozen=True, slots=True)
class Hit:
    """One place name found in the text."""

    codes: tuple[str, ...]  # candidates, usual reading first
    kind: str
    start: int
    end: int
    role: str = ""  # "currency" ("U.S. dlrs"), "firm" ("Swiss Bank Corp"), or "" for a place


def country(code: str) -> Country:
    """The country with this ISO alpha-2 code (any case); KeyError when unknown."""
    return countries_by_code()[code.upper()]


def all_countries() -> tuple[Country, ...]:
    return tuple(countries_by_code()[code] for code in sorted(countries_by_code()))


# --- traps -----------------------------------------------------------------------------


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Place names that are also first names or surnames ("Michael Jordan", "Chad Smith").
PERSON_NAMES = frozenset({"jordan", "chad", "georgia", "israel", "india", "paris", "sydney",
                          "austin", "florence", "charlotte", "jackson", "houston", "dallas",
                          "orlando", "phoenix", "adelaide", "kenya", "lima", "regina"})
HONORIFICS = frozenset({"mr", "mrs", "ms", "dr", "sir", "lady", "lord", "sen", "rep", "gov",
                        "coach", "actor", "actress", "singer", "player", "star", "guard"})
# Capitalised words that may stand before a place name without making it a surname.
FUNCTION_WORDS = _wordset(
    "a an and as at but by for from in into of on or the to via with without after before "
    "between near says said says while when where which than that this these those both "
    "neighbouring neighboring northern southern eastern western central visiting")
# Capitalised words that may follow a place name without making it a first name.
PLACE_FOLLOWERS = _wordset(
    "river valley basin sea gulf lake government ministry embassy airport airlines airways "
    "bank stock exchange times post daily central national state army navy air police "
    "president prime king queen foreign finance oil trade and or of the on in is was has "
    "had will would said says to for")
BIRD_WORDS = _wordset("thanksgiving christmas roast roasted wild smoked stuffed dinner "
                      "sandwich sandwiches breast breasts leg legs feathers poultry meat "
                      "farm farms farmer farmers hunting hunter hunters carving gravy "
                      "stuffing bird birds drumstick drumsticks gobble leftover leftovers "
                      "baster fryer frozen whole")
US_GEORGIA_CUES = re.compile(
    r"\b(?:Atlanta|Savannah|Augusta|Macon|Ga\.|governor|Gov\.|county|state of Georgia|"
    r"Georgia state|Georgia Tech|University of Georgia|Georgia Power|"
    r"Georgia-Pacific|Peach State|Bulldogs|legislature|Senator|Sen\.)", re.IGNORECASE)
GE_GEORGIA_CUES = re.compile(
    r"\b(?:Tbilisi|Georgians?\b|Caucasus|Caucasian|Abkhaz\w*|Ossetia\w*|Batumi|Kutaisi|"
    r"Saakashvili|Shevardnadze|Ivanishvili|Black Sea|former Soviet)")

CURRENCY_WORDS = _wordset("dollar dollars dlr dlrs cent cents franc francs mark marks yen "
                          "pound pounds stg lira lire peso pesos crown crowns guilder guilders "
                          "rand schilling schillings krona kronor krone kroner rupee rupees "
                          "currency")
FIRM_SUFFIXES = _wordset("corp corporation co inc ltd limited plc ag sa nv bv gmbh spa bhd pty "
                         "llc lp kk oy ab as asa group holdings airlines airways")
_WORD = re.compile(r"[\w.'&]+")


def _words_before(text: str, start: int, n: int) -> list[str]:
    return _WORD.findall(text[max(0, start - 40):start])[-n:]


def _words_after(text: str, end: int, n: int) -> list[str]:
    return _WORD.findall(text[end:end + 40])[:n]


def _is_person(text: str, hit: Hit) -> bool:
    """A first name or surname rather than a place ("Michael Jordan", "Chad Smith")."""
    if fold(text[hit.start:hit.end]) not in PERSON_NAMES or text[hit.start:hit.end].isupper():
        return False
    gap_before = text[max(0, hit.start - 1):hit.start]
    before = _words_before(text, hit.start, 1)
    if before and gap_before == " ":
        word = before[0].rstrip(".").lower()
        if word in HONORIFICS:
            return True
        if before[0][:1].isupper() and word not in FUNCTION_WORDS and lookup(before[0]) is None:
            return True
    after = _words_after(text, hit.end, 1)
    gap_after = text[hit.end:hit.end + 1]
    return bool(after and gap_after == " " and after[0][:1].isupper()
                and after[0].lower().strip(".") not in PLACE_FOLLOWERS
                and lookup(after[0]) is None)


def _is_bird(text: str, hit: Hit) -> bool:
    if fold(text[hit.start:hit.end]) != "turkey":
        return False
    near = _words_before(text, hit.start, 2) + _words_after(text, hit.end, 2)
    return any(w.lower().strip(".'") in BIRD_WORDS for w in near)


def _georgia(text: str, hit: Hit) -> str:
    """GE (the country) or US (the state) for an ambiguous "Georgia"."""
    window = text[max(0, hit.start - 80):hit.end + 80]
    us = len(US_GEORGIA_CUES.findall(window))
    if re.search(r"[A-Z][a-z]+, $", text[max(0, hit.start - 30):hit.start]):
        us += 1  # "Atlanta, Georgia" / "Savannah, Georgia"
    ge = len(GE_GEORGIA_CUES.findall(text))
    return "GE" if ge > us or us == 0 else "US"


def _role(text: str, hit: Hit) -> str:
    """Whether a place name only qualifies a currency or a firm's name."""
    segment = re.split(r"[,;:()\n\"]", text[hit.end:hit.end + 60])[0]
    after = _WORD.findall(segment)[:6]
    if after and after[0].lower().strip(".") in CURRENCY_WORDS:
        return "currency"
    before = _words_before(text, hit.start, 2)
    if len(before) == 2 and before[1] == "of" and (
            before[0].lower().strip(".>") in FIRM_SUFFIXES or before[0].endswith(">")):
        return "firm"  # "Toyota Motor Co of Japan", "<Hoechst AG> of West Germany"
    for raw in after:
        word = raw.lower().strip(".")
        if word in FIRM_SUFFIXES:
            return "firm"  # "Swiss Bank Corp", "Credit Suisse First Boston Ltd"
        if not (raw[:1].isupper() or word in {"of", "and", "&"}) or raw.isupper():
            break
    return ""


def _accept(text: str, hit: Hit) -> bool:
    surface = text[hit.start:hit.end]
    if not hit.codes or not surface[:1].isupper():
        return False  # a non-place phrase, or "turkey", "china", "japan" in lower case
    return not (_is_person(text, hit) or _is_bird(text, hit))


def find_hits(text: str) -> list[Hit]:
    """Every accepted place mention in ``text``, ambiguous ones still with candidates."""
    hits = []
    for match in _place_regex().finditer(text):
        place = lookup(match.group())
        if place is None:
            continue
        hit = Hit(place.codes, place.kind, match.start(), match.end())
        if _accept(text, hit):
            hits.append(Hit(hit.codes, hit.kind, hit.start, hit.end, _role(text, hit)))
    return hits


def resolve(text: str, hits: list[Hit]) -> list[tuple[str, Hit]]:
    """One code per hit: Georgia by its cues, other shared names by the story's evidence."""
    sure = {h.codes[0] for h in hits if len(h.codes) == 1}
    resolved = []
    for hit in hits:
        if set(hit.codes) == {"GE", "US"}:
            code = _georgia(text, hit)
        else:
            code = next((c for c in hit.codes if c in sure), hit.codes[0])
        resolved.append((code, hit))
    return resolved


# --- dateline --------------------------------------------------------------------------

_AGENCY = re.compile(r"\([^()]*\)")
_DATE_PART = re.compile(
    r"\d|^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)"
    r"[a-z]*\.?(?:\s|$)", re.IGNORECASE)
_LEADING_DATELINE = re.compile(
    r"\A\s*(?P<dateline>[A-Z][A-Z.'’ \-]{1,40}(?:,[^,\n()\-–—]{2,30}){0,2})\s*"
    r"(?:\([^()\n]{2,30}\))?\s*[-–—]+\s")


def leading_dateline(body: str) -> str:
    """The dateline a story body opens with ("LUCCA, Italy (Reuters) - ..."), or ""."""
    match = _LEADING_DATELINE.match(body)
    return match.group("dateline").strip() if match else ""


def _place_code(part: str, context: str) -> str:
    place: Place | None = lookup(part)
    if place is None or not place.codes or place.kind == "demonym":
        return ""
    if set(place.codes) == {"GE", "US"}:
        return _georgia(context, Hit(place.codes, place.kind, 0, 0))
    return place.codes[0]


def dateline_country(dateline: str, context: str = "") -> str:
    """The country of a dateline: its region part if known, else its city; "" if unknown."""
    cleaned = _AGENCY.sub(" ", dateline).strip(" -–—\t\n")
    parts = [p.strip() for p in cleaned.split(",") if p.strip()]
    parts = [p for p in parts if not _DATE_PART.search(p)]
    if not parts:
        return ""
    city = _place_code(parts[0], context)
    for region in reversed(parts[1:]):
        key = fold(region).replace(".", "").replace(" ", "")
        place = lookup(region)
        if place is not None and city in place.codes:
            return city  # "ATLANTA, Georgia": the city settles an ambiguous region
        code = abbreviations().get(key) or _place_code(region, context)
        if code:
            return code
    return city


# --- salience --------------------------------------------------------------------------

SIGNAL_WEIGHTS = {"dateline": 3.0, "places": 3.0, "headline": 2.0, "lead": 1.0, "body": 0.0}
W_COUNT = 0.45  # per (weighted) mention, up to COUNT_CAP mentions
COUNT_CAP = 5.0
# How much one mention of each kind or role counts, relative to a country's name.
KIND_FACTORS = {"demonym": 0.7, "city": 0.7, "capital": 0.7, "currency": 0.15, "firm": 0.25}
THRESHOLD = 1.5
RELATIVE = 0.2  # also keep only countries scoring at least this share of the top one
FALLBACK = 1.0  # a story with nothing above THRESHOLD keeps its top country from here up
LEAD_CHARS = 300


def _lead_end(body_start: int, text: str) -> int:
    stop = re.search(r"[.!?][\"”']?\s+(?=[A-Z\"“])", text[body_start:body_start + LEAD_CHARS])
    return body_start + (stop.end() if stop else LEAD_CHARS)


@dataclass(slots=True)
class _Tally:
    """Evidence for one country: mentions and the strongest factor seen per signal."""

    count: int = 0
    weight: float = 0.0
    first: int = -1
    signals: dict[str, float] | None = None

    def add(self, signal: str, offset: int, factor: float = 1.0) -> None:
        self.signals = self.signals or {}
        self.signals[signal] = max(factor, self.signals.get(signal, 0.0))
        if offset >= 0:
            self.count += 1
            self.weight += factor
            self.first = offset if self.first < 0 else min(self.first, offset)


def _score(tally: _Tally) -> float:
    signals = tally.signals or {}
    positional = sum(SIGNAL_WEIGHTS[s] * factor for s, factor in signals.items())
    return positional + W_COUNT * min(tally.weight, COUNT_CAP)


def _tally_text(title: str, body: str, tallies: dict[str, _Tally]) -> str:
    text = f"{title}\n{body}"
    body_start = len(title) + 1
    lead_end = _lead_end(body_start, text)
    for code, hit in resolve(text, find_hits(text)):
        if hit.start < body_start:
            signal = "headline"
        elif hit.start < lead_end:
            signal = "lead"
        else:
            signal = "body"
        factor = KIND_FACTORS.get(hit.role, KIND_FACTORS.get(hit.kind, 1.0))
        tallies.setdefault(code, _Tally()).add(signal, hit.start, factor)
    return text


def _tally_places(places: Sequence[str], context: str, tallies: dict[str, _Tally]) -> None:
    known = countries_by_code()
    for place in places:
        code = place.upper() if place.upper() in known else _place_code(place, context)
        if code:
            tallies.setdefault(code, _Tally()).add("places", -1)


def detect_countries(title: str, body: str, *, dateline: str = "",
                     places: Sequence[str] = ()) -> CountryResult:
    """The countries a story is about (kept codes) and every country it mentions."""
    tallies: dict[str, _Tally] = {}
    text = _tally_text(title, body, tallies)
    code = dateline_country(dateline or leading_dateline(body), text)
    if code:
        tallies.setdefault(code, _Tally()).add("dateline", -1)
    _tally_places(places, text, tallies)
    order = ("dateline", "places", "headline", "lead", "body")
    mentions = sorted(
        (CountryMention(code, round(_score(t), 4), t.count, t.first,
                        tuple(s for s in order if s in (t.signals or {})))
         for code, t in tallies.items()),
        key=lambda m: (-m.score, m.first_offset if m.first_offset >= 0 else 1 << 30, m.code))
    top = mentions[0].score if mentions else 0.0
    kept = tuple(m.code for m in mentions if m.score >= max(THRESHOLD, RELATIVE * top))
    if not kept and top >= FALLBACK:
        kept = (mentions[0].code,)
    return CountryResult(kept, tuple(mentions))
