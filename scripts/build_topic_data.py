"""Derive newsarchive/data/topics.json from the IPTC Media Topics vocabulary.

Usage: python scripts/build_topic_data.py [IPTC_JSON] [--out FILE]

IPTC_JSON defaults to ../shared/data/iptc-mediatopic-en-GB.json (CC BY 4.0, © IPTC).
The project's own choices (which concepts, their short labels and slugs) live in
``SELECTION`` below; IPTC supplies each concept's QCode, official label and
definition, and the broader chain that names its top-level parent. The output is
sorted and byte-stable, so re-running the script on the same release changes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "iptc-mediatopic-en-GB.json"
DEFAULT_OUT = ROOT / "newsarchive" / "data" / "topics.json"
LANG = "en-GB"


@dataclass(frozen=True, slots=True)
class Choice:
    slug: str
    label: str
    qcode: str


# (top-level choice, its second-level choices): the second level is any deeper
# IPTC concept a reader would look for, filed under its top-level ancestor.
SELECTION: tuple[tuple[Choice, tuple[Choice, ...]], ...] = (
    (
        Choice("arts", "Arts, culture & entertainment", "medtop:01000000"),
        (
            Choice("film", "Film", "medtop:20000005"),
            Choice("music", "Music", "medtop:20000018"),
            Choice("television", "Television", "medtop:20000051"),
            Choice("books", "Books & literature", "medtop:20000013"),
            Choice("theatre", "Theatre", "medtop:20000029"),
            Choice("media", "News media", "medtop:20000045"),
        ),
    ),
    (
        Choice("crime", "Crime, law & justice", "medtop:02000000"),
        (
            Choice("courts", "Courts", "medtop:20000107"),
            Choice("police", "Police", "medtop:20000133"),
        ),
    ),
    (
        Choice("disaster", "Disasters & accidents", "medtop:03000000"),
        (
            Choice("natural-disasters", "Natural disasters", "medtop:20000148"),
            Choice("accidents", "Accidents", "medtop:20000139"),
        ),
    ),
    (
        Choice("business", "Economy, business & finance", "medtop:04000000"),
        (
            Choice("economy", "Economy", "medtop:20000344"),
            Choice("markets", "Markets", "medtop:20000385"),
            Choice("companies", "Companies", "medtop:20000349"),
            Choice("trade", "Trade", "medtop:20000373"),
            Choice("energy", "Energy", "medtop:20000256"),
        ),
    ),
    (
        Choice("education", "Education", "medtop:05000000"),
        (Choice("schools", "Schools", "medtop:20000400"),),
    ),
    (
        Choice("environment", "Environment", "medtop:06000000"),
        (
            Choice("climate-change", "Climate change", "medtop:20000418"),
            Choice("conservation", "Conservation", "medtop:20000420"),
        ),
    ),
    (
        Choice("health", "Health", "medtop:07000000"),
        (Choice("diseases", "Diseases", "medtop:20000446"),),
    ),
    (
        Choice("human-interest", "Human interest", "medtop:08000000"),
        (Choice("celebrity", "Celebrity", "medtop:20000505"),),
    ),
    (
        Choice("labour", "Labour & work", "medtop:09000000"),
        (
            Choice("employment", "Jobs", "medtop:20000509"),
            Choice("unions", "Unions", "medtop:20000536"),
        ),
    ),
    (
        Choice("lifestyle", "Lifestyle & leisure", "medtop:10000000"),
        (Choice("travel", "Travel", "medtop:20000563"),),
    ),
    (
        Choice("politics", "Politics", "medtop:11000000"),
        (
            Choice("elections", "Elections", "medtop:20000574"),
            Choice("government", "Government", "medtop:20000593"),
            Choice("parliament", "Parliament", "medtop:20000615"),
            Choice("parties", "Political parties", "medtop:20001384"),
            Choice("diplomacy", "Diplomacy", "medtop:20000639"),
            Choice("tax", "Tax policy", "medtop:20000620"),
        ),
    ),
    (Choice("religion", "Religion", "medtop:12000000"), ()),
    (
        Choice("science-tech", "Science & technology", "medtop:13000000"),
        (
            Choice("computing", "Computing & internet", "medtop:20000763"),
            Choice("space", "Space", "medtop:20000739"),
            Choice("research", "Research", "medtop:20000735"),
        ),
    ),
    (
        Choice("society", "Society", "medtop:14000000"),
        (
            Choice("immigration", "Immigration", "medtop:20000771"),
            Choice("welfare", "Welfare", "medtop:20000817"),
        ),
    ),
    (
        Choice("sport", "Sport", "medtop:15000000"),
        (
            Choice("football", "Football", "medtop:20001065"),
            Choice("rugby-union", "Rugby union", "medtop:20001036"),
            Choice("cricket", "Cricket", "medtop:20000888"),
            Choice("tennis", "Tennis", "medtop:20001085"),
            Choice("athletics", "Athletics", "medtop:20000827"),
            Choice("golf", "Golf", "medtop:20000940"),
            Choice("motor-racing", "Motor racing", "medtop:20000991"),
            Choice("olympics", "Olympic Games", "medtop:20001177"),
        ),
    ),
    (
        Choice("conflict", "Conflict & war", "medtop:16000000"),
        (
            Choice("war", "War", "medtop:20000056"),
            Choice("terrorism", "Terrorism", "medtop:20000053"),
            Choice("peace-process", "Peace process", "medtop:20000073"),
            Choice("protests", "Protests & unrest", "medtop:20000065"),
        ),
    ),
    (Choice("weather", "Weather", "medtop:17000000"), ()),
)


class SelectionError(RuntimeError):
    """A chosen QCode is missing, retired, or not under the declared parent."""


def concepts_by_qcode(scheme: dict) -> dict[str, dict]:
    return {concept["qcode"]: concept for concept in scheme["conceptSet"]}


def top_ancestor(qcode: str, concepts: dict[str, dict]) -> str:
    """The top-level QCode above ``qcode`` (itself when it has no broader concept)."""
    seen: set[str] = set()
    while broader := concepts[qcode].get("broader"):
        if qcode in seen:
            raise SelectionError(f"{qcode}: cycle in broader chain")
        seen.add(qcode)
        qcode = "medtop:" + sorted(broader)[0].rsplit("/", 1)[-1]
    return qcode


def record(choice: Choice, parent: Choice | None, concepts: dict[str, dict]) -> dict:
    concept = concepts.get(choice.qcode)
    if concept is None:
        raise SelectionError(f"{choice.qcode} ({choice.slug}) is not in the IPTC file")
    if concept.get("retired"):
        raise SelectionError(f"{choice.qcode} ({choice.slug}) is retired")
    if parent is not None and top_ancestor(choice.qcode, concepts) != parent.qcode:
        raise SelectionError(f"{choice.qcode} ({choice.slug}) is not under {parent.qcode}")
    return {
        "slug": choice.slug,
        "label": choice.label,
        "qcode": choice.qcode,
        "parent": parent.slug if parent else None,
        "iptc_label": concept["prefLabel"][LANG],
        "definition": concept.get("definition", {}).get(LANG, ""),
    }


def build(scheme: dict) -> dict:
    concepts = concepts_by_qcode(scheme)
    topics: list[dict] = []
    for top, children in SELECTION:
        topics.append(record(top, None, concepts))
        topics.extend(record(child, top, concepts) for child in children)
    slugs = [t["slug"] for t in topics]
    if len(set(slugs)) != len(slugs):
        raise SelectionError("duplicate slugs in SELECTION")
    return {
        "source": "IPTC Media Topics NewsCodes, " + scheme["uri"],
        "released": scheme.get("dateReleased", ""),
        "licence": "CC BY 4.0 (" + scheme.get("licenceLink", "") + "), © IPTC",
        "topics": topics,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        scheme = json.loads(args.source.read_text(encoding="utf-8"))
        data = build(scheme)
    except (OSError, KeyError, json.JSONDecodeError, SelectionError) as error:
        print(f"build_topic_data: {args.source}: {error}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {len(data['topics'])} topics to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
