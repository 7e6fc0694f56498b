"""Country facts and place names, loaded once from the shipped ``data/countries.json``.

The data file is derived from mledoze/countries (ODbL 1.0) by
``scripts/build_country_data.py``; see ``data/LICENSES.md``. This module only reads it:
it builds the :class:`Country` records, a table from every surface form (name, alias,
demonym, capital, city, historical name, subdivision) to its country codes, and one
trie-shaped regular expression that finds all of them in a single pass over a text.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from newsarchive.text import slugify

logger = logging.getLogger(__name__)

# Kinds of surface form, strongest evidence first.
KINDS = ("name", "official", "alias", "historical", "subdivision", "capital", "city", "demonym")

# Phrases that contain a place name but do not name a place: news agencies, firms, seas,
# regions and idioms. Matched like places (longest match wins) and then ignored.
NON_PLACES = (
    "Agence France-Presse", "Agence France Presse", "France-Presse", "France Presse",
    "Press Trust of India", "Saudi Press Agency", "Iraqi News Agency", "Kuwait News Agency",
    "Qatar News Agency", "Emirates News Agency", "Korean Central News Agency",
    "Middle East News Agency", "Islamic Republic News Agency", "Morgan Stanley",
    "Latin America", "Latin American", "Latin Americans", "South America", "South American",
    "Central America", "Central American", "North America", "North American", "Americas",
    "Persian Gulf", "Arabian Gulf", "Indian Ocean", "West Indies", "West Indian",
    "American Indian", "American Indians", "Native American", "Native Americans",
    "Gulf of Mexico", "Gulf of Guinea", "South China Sea", "East China Sea", "Sea of Japan",
    "English Channel", "Irish Sea", "Dutch auction", "French fries", "French toast",
    "Swiss cheese", "Turkish delight", "Danish pastry", "Brazil nut", "Brazil nuts",
    "Canada goose", "German measles", "Spanish flu", "Russian roulette", "Irish coffee",
    "English muffin", "Chinese wall", "Mexican wave", "Guinea pig", "Guinea pigs",
    "Guinea fowl", "Stanley Cup", "New Guinea", "Jordan almonds",
)


@dataclass(frozen=True, slots=True)
class Country:
    """One ISO 3166-1 country or territory."""

    code: str
    name: str
    official_name: str
    region: str
    subregion: str
    flag: str
    slug: str


@dataclass(frozen=True, slots=True)
class Place:
    """What a surface form can mean: candidate codes (usual reading first) and its kind."""

    codes: tuple[str, ...]
    kind: str


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced key for a surface form."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


@cache
def _data() -> dict:
    raw = resources.files("newsarchive").joinpath("data/countries.json").read_text("utf-8")
    return json.loads(raw)


@cache
def countries_by_code() -> dict[str, Country]:
    return {
        rec["code"]: Country(
            code=rec["code"], name=rec["name"], official_name=rec["official_name"],
            region=rec["region"], subregion=rec["subregion"], flag=rec["flag"],
            slug=slugify(rec["name"]),
        )
        for rec in _data()["countries"]
    }


def _record_forms(rec: dict) -> list[tuple[str, str]]:
    """(form, kind) pairs of one country record, hyphen/space variants included."""
    pairs = [(rec["name"], "name"), (rec["official_name"], "official")]
    fields = ("aliases", "historical", "subdivisions", "capital", "cities", "demonyms")
    for field, kind in zip(fields, KINDS[2:], strict=True):
        pairs.extend((form, kind) for form in rec[field])
    variants = [(f.replace("-", " "), k) for f, k in pairs if "-" in f]
    return pairs + variants


@cache
def places() -> dict[str, Place]:
    """Folded surface form -> Place. A form shared by countries keeps every candidate."""
    best: dict[str, dict[str, int]] = {}
    for rec in _data()["countries"]:
        for form, kind in _record_forms(rec):
            codes = best.setdefault(fold(form), {})
            rank = KINDS.index(kind)
            codes[rec["code"]] = min(rank, codes.get(rec["code"], rank))
    preferred: dict[str, str] = _data()["preferred"]
    table: dict[str, Place] = {}
    for key, codes in best.items():
        top = min(codes.values())
        ordered = sorted(codes, key=lambda c: (c != preferred.get(key), codes[c], c))
        table[key] = Place(tuple(ordered), KINDS[top])
    for phrase in NON_PLACES:
        table[fold(phrase)] = Place((), "non-place")
    return table


@cache
def abbreviations() -> dict[str, str]:
    """Dateline region abbreviations without dots ("nj", "calif", "ont") -> code."""
    table: dict[str, str] = {}
    for rec in _data()["countries"]:
        for form in rec["abbreviations"]:
            table.setdefault(fold(form).replace(".", "").replace(" ", ""), rec["code"])
    return table


def _trie_pattern(node: dict[str, dict]) -> str:
    ends = "" in node
    branches = []
    for token in sorted(k for k in node if k):
        atom = r"[\s\-]+" if token == " " else re.escape(token)
        branches.append(atom + _trie_pattern(node[token]))
    if not branches:
        return ""
    if len(branches) == 1 and not ends:
        return branches[0]
    return "(?:" + "|".join(branches) + ")" + ("?" if ends else "")


@cache
def place_regex() -> re.Pattern[str]:
    """One case-insensitive trie regex over every surface form, whole words only."""
    root: dict[str, dict] = {}
    forms: set[str] = set()
    for rec in _data()["countries"]:
        for form, _kind in _record_forms(rec):
            forms |= {form.casefold(), fold(form)}
    forms |= {fold(p) for p in NON_PLACES}
    for form in forms:
        node = root
        for ch in " ".join(form.split()):
            node = node.setdefault(ch, {})
        node[""] = {}
    logger.debug("place regex over %d surface forms", len(forms))
    return re.compile(r"(?<!\w)(?:" + _trie_pattern(root) + r")(?![\w])", re.IGNORECASE)


@lru_cache(maxsize=1 << 14)  # the same place names recur in story after story
def lookup(surface: str) -> Place | None:
    """The Place a matched surface form names, or None."""
    key = fold(surface.replace("-", " "))
    table = places()
    return table.get(fold(surface)) or table.get(key)
