"""Evaluate country detection on Reuters-21578 (dev half) against its PLACES labels.

Usage: ``python -m benchmarks.eval_countries [--limit N] [--errors N]``

Prints micro precision/recall/F1 and macro-F1 over the 20 most frequent places for
``newsarchive.countries.detect_countries`` and, measured in the same run, for two
baselines: a simple gazetteer (country names) plus dateline, and counting every mention.
The Reuters-name -> ISO table lives here only; the product never sees corpus labels.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from benchmarks.corpora import CorpusMissing, ReutersStory, load_reuters
from newsarchive.countries import dateline_country, detect_countries, find_hits, resolve

# Reuters PLACES names whose ISO code is not found by reading the name as a country name.
REUTERS_TO_ISO: dict[str, str] = {
    "usa": "US", "uk": "GB", "ussr": "RU", "west-germany": "DE", "east-germany": "DE",
    "uae": "AE", "burma": "MM", "zaire": "CD", "congo": "CG", "kampuchea": "KH",
    "czechoslovakia": "CZ", "yugoslavia": "RS", "hong-kong": "HK", "macao": "MO",
    "south-korea": "KR", "north-korea": "KP", "ivory-coast": "CI", "cape-verde": "CV",
    "vatican": "VA", "swaziland": "SZ", "western-samoa": "WS", "yemen-arab-republic": "YE",
    "yemen-demo-republic": "YE", "netherlands-antilles": "CW", "trinidad-tobago": "TT",
    "antigua": "AG", "british-virgin-islands": "VG", "us-virgin-islands": "VI",
    "saudi-arabia": "SA", "south-africa": "ZA", "new-zealand": "NZ", "sri-lanka": "LK",
    "turkey": "TR", "laos": "LA", "syria": "SY", "iran": "IR", "vietnam": "VN",
    "bahamas": "BS", "gambia": "GM", "netherlands": "NL", "philippines": "PH",
    "afghanistan": "AF", "albania": "AL", "algeria": "DZ", "american-samoa": "AS",
    "andorra": "AD", "angola": "AO", "anguilla": "AI", "argentina": "AR", "aruba": "AW",
    "australia": "AU", "austria": "AT", "bahrain": "BH", "bangladesh": "BD", "barbados": "BB",
    "belgium": "BE", "belize": "BZ", "benin": "BJ", "bermuda": "BM", "bhutan": "BT",
    "bolivia": "BO", "botswana": "BW", "brazil": "BR", "brunei": "BN", "bulgaria": "BG",
    "burkina-faso": "BF", "burundi": "BI", "cameroon": "CM", "canada": "CA",
    "cayman-islands": "KY", "central-african-republic": "CF", "chad": "TD", "chile": "CL",
    "china": "CN", "colombia": "CO", "costa-rica": "CR", "cuba": "CU", "cyprus": "CY",
    "denmark": "DK", "djibouti": "DJ", "dominica": "DM", "dominican-republic": "DO",
    "ecuador": "EC", "egypt": "EG", "el-salvador": "SV", "equatorial-guinea": "GQ",
    "ethiopia": "ET", "fiji": "FJ", "finland": "FI", "france": "FR", "french-guiana": "GF",
    "gabon": "GA", "ghana": "GH", "gibraltar": "GI", "greece": "GR", "grenada": "GD",
    "guadeloupe": "GP", "guam": "GU", "guatemala": "GT", "guinea": "GN",
    "guinea-bissau": "GW", "guyana": "GY", "haiti": "HT", "honduras": "HN", "hungary": "HU",
    "iceland": "IS", "india": "IN", "indonesia": "ID", "iraq": "IQ", "ireland": "IE",
    "israel": "IL", "italy": "IT", "jamaica": "JM", "japan": "JP", "jordan": "JO",
    "kenya": "KE", "kuwait": "KW", "lebanon": "LB", "lesotho": "LS", "liberia": "LR",
    "libya": "LY", "liechtenstein": "LI", "luxembourg": "LU", "madagascar": "MG",
    "malawi": "MW", "malaysia": "MY", "mali": "ML", "malta": "MT", "martinique": "MQ",
    "mauritania": "MR", "mauritius": "MU", "mexico": "MX", "monaco": "MC", "morocco": "MA",
    "mozambique": "MZ", "namibia": "NA", "nepal": "NP", "new-caledonia": "NC",
    "nicaragua": "NI", "niger": "NE", "nigeria": "NG", "norway": "NO", "oman": "OM",
    "pakistan": "PK", "panama": "PA", "papua-new-guinea": "PG", "paraguay": "PY",
    "peru": "PE", "poland": "PL", "portugal": "PT", "qatar": "QA", "romania": "RO",
    "rwanda": "RW", "senegal": "SN", "seychelles": "SC", "sierra-leone": "SL",
    "singapore": "SG", "somalia": "SO", "spain": "ES", "sudan": "SD", "suriname": "SR",
    "sweden": "SE", "switzerland": "CH", "taiwan": "TW", "tanzania": "TZ", "thailand": "TH",
    "togo": "TG", "tonga": "TO", "tunisia": "TN", "uganda": "UG", "uruguay": "UY",
    "vanuatu": "VU", "venezuela": "VE", "zambia": "ZM", "zimbabwe": "ZW",
}
NAME_KINDS = frozenset({"name", "official", "alias", "historical"})
TOP_N = 20


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float
    f1: float
    macro_f1: float


def gold_codes(story: ReutersStory) -> frozenset[str]:
    unknown = [p for p in story.places if p not in REUTERS_TO_ISO]
    if unknown:
        raise KeyError(f"story {story.newid}: no ISO code for {unknown}")
    return frozenset(REUTERS_TO_ISO[p] for p in story.places)


def predict_detector(story: ReutersStory) -> frozenset[str]:
    return frozenset(detect_countries(story.title, story.body, dateline=story.dateline).codes)


def _mentions(story: ReutersStory, kinds: frozenset[str] | None) -> set[str]:
    text = f"{story.title}\n{story.body}"
    found = {code for code, hit in resolve(text, find_hits(text))
             if kinds is None or hit.kind in kinds}
    dateline = dateline_country(story.dateline, text)
    return found | {dateline} if dateline else found


def predict_gazetteer_dateline(story: ReutersStory) -> frozenset[str]:
    """Baseline: the dateline's country plus every country *name* in the story."""
    return frozenset(_mentions(story, NAME_KINDS))


def predict_every_mention(story: ReutersStory) -> frozenset[str]:
    """Baseline: every place mention of any kind, no salience."""
    return frozenset(_mentions(story, None))


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(pairs: Iterable[tuple[frozenset[str], frozenset[str]]], top: list[str]) -> Scores:
    tp, fp, fn = Counter[str](), Counter[str](), Counter[str]()
    for gold, pred in pairs:
        tp.update(gold & pred)
        fp.update(pred - gold)
        fn.update(gold - pred)
    p, r, f = f1(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    macro = sum(f1(tp[c], fp[c], fn[c])[2] for c in top) / len(top)
    return Scores(p, r, f, macro)


def labelled(limit: int | None = None) -> list[ReutersStory]:
    stories = [s for s in load_reuters() if s.places]
    return stories[:limit] if limit else stories


Predictor = Callable[[ReutersStory], frozenset[str]]
SYSTEMS: dict[str, Predictor] = {
    "detect_countries": predict_detector,
    "baseline gazetteer+dateline": predict_gazetteer_dateline,
    "baseline every mention": predict_every_mention,
}


def evaluate(stories: list[ReutersStory], predict: Predictor) -> Scores:
    golds = [gold_codes(s) for s in stories]
    top = [c for c, _ in Counter(c for g in golds for c in g).most_common(TOP_N)]
    return score(((g, predict(s)) for g, s in zip(golds, stories, strict=True)), top)


def print_errors(stories: list[ReutersStory], n: int) -> None:
    """Show n wrongly tagged stories (for local tuning; never copy them into the project)."""
    shown = 0
    for story in stories:
        gold, pred = gold_codes(story), predict_detector(story)
        if gold != pred and shown < n:
            shown += 1
            result = detect_countries(story.title, story.body, dateline=story.dateline)
            print(f"--- {story.newid} gold={sorted(gold)} pred={sorted(pred)} | {story.title}")
            print("    ", [(m.code, m.score, m.signals) for m in result.mentions][:6])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N labelled stories")
    parser.add_argument("--errors", type=int, default=0, help="print N misses for tuning")
    args = parser.parse_args(argv)
    try:
        stories = labelled(args.limit)
    except CorpusMissing as exc:
        print(f"skipped: {exc}", file=sys.stderr)
        return 0
    print(f"Reuters-21578 dev, {len(stories)} stories with PLACES; macro-F1 over top {TOP_N}")
    print(f"{'system':30} {'P':>6} {'R':>6} {'F1':>6} {'macroF1':>8}")
    for name, predict in SYSTEMS.items():
        s = evaluate(stories, predict)
        print(f"{name:30} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.macro_f1:8.3f}")
    print_errors(stories, args.errors)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
