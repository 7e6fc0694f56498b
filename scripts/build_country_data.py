"""Build ``newsarchive/data/countries.json`` from mledoze/countries (ODbL 1.0).

Usage: ``python scripts/build_country_data.py [SOURCE] [--out FILE]``

SOURCE defaults to ``../shared/data/countries.mledoze.json``. The product reads only the
file written here, so a fresh clone needs neither the source nor this script. Everything
below the ``# Curated`` line is written by hand for this project (general knowledge, not
derived from any corpus): aliases, historical names, major cities, subdivisions.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "countries.mledoze.json"
DEFAULT_OUT = ROOT / "newsarchive" / "data" / "countries.json"

# Curated ------------------------------------------------------------------------------

# altSpellings that are ordinary words or too short to be safe in running text.
UNSAFE_ALT = {"Island", "Mann", "Prathet", "Thai", "Togolese", "Timor", "the Abode of Peace",
              "Nation of Brunei"}
# Capitals that are also common person or place names elsewhere (kept out of matching).
UNSAFE_CAPITAL = {"Hamilton", "Victoria", "City of Victoria", "Stanley", "Douglas", "Plymouth",
                  "Kingston", "Georgetown", "George Town", "The Valley", "Diego Garcia",
                  "Jamestown", "West Island", "Saint-Pierre", "Saint-Denis", "Nassau",
                  "Saint John's", "St. George's", "Male", "Malé", "The Bottom", "Oranjestad",
                  "Washington D.C.", "Sucre", "Juba", "Praia", "Kingstown", "Avarua"}

ALIASES: dict[str, list[str]] = {
    "US": ["U.S.", "U.S.A.", "US", "USA", "United States", "America", "White House",
           "Pentagon", "Wall Street", "Federal Reserve", "Capitol Hill"],
    "GB": ["U.K.", "UK", "Britain", "Great Britain", "England", "Scotland", "Wales",
           "Northern Ireland", "Downing Street", "Whitehall"],
    "AE": ["U.A.E.", "UAE", "Emirates"],
    "TR": ["Turkey"],
    "KR": ["Korea", "South Korea"],
    "CN": ["Mainland China"],
    "RU": ["Kremlin"],
    "DE": ["Bundesbank"],
    "SA": ["Saudi", "Saudi Arabia"],
    "CZ": ["Czech Republic"],
    "MK": ["Macedonia"],
    "NL": ["Holland", "The Hague"],
    "CV": ["Cabo Verde"],
    "FR": ["Elysee", "Élysée"],
    "VA": ["Holy See"],
}
HISTORICAL: dict[str, list[str]] = {
    "RU": ["Soviet Union", "USSR", "U.S.S.R.", "Soviet", "Soviets", "Leningrad"],
    "DE": ["West Germany", "East Germany", "West German", "East German", "West Germans",
           "East Germans", "FRG", "GDR", "Bonn"],
    "MM": ["Burma", "Burmese", "Rangoon"],
    "CD": ["Zaire", "Zairean", "Zairian", "Belgian Congo"],
    "CN": ["Peking", "Red China", "Communist China"],
    "IN": ["Bombay", "Calcutta", "Madras"],
    "CZ": ["Czechoslovakia", "Czechoslovak", "Czechoslovakian"],
    "RS": ["Yugoslavia", "Yugoslav", "Yugoslavian", "Yugoslavs"],
    "LK": ["Ceylon"],
    "IR": ["Persia"],
    "TH": ["Siam"],
    "ZW": ["Rhodesia", "Southern Rhodesia", "Rhodesian"],
    "ZM": ["Northern Rhodesia"],
    "KH": ["Kampuchea", "Kampuchean"],
    "VN": ["Saigon"],
    "BJ": ["Dahomey"],
    "BF": ["Upper Volta"],
    "WS": ["Western Samoa"],
    "YE": ["North Yemen", "South Yemen", "Yemen Arab Republic",
           "People's Democratic Republic of Yemen", "Aden"],
    "CW": ["Netherlands Antilles"],
    "BD": ["East Pakistan", "Dacca"],
    "TW": ["Formosa", "Nationalist China"],
    "TZ": ["Tanganyika", "Zanzibar"],
    "MY": ["Malaya"],
    "BW": ["Bechuanaland"],
    "MW": ["Nyasaland"],
    "LS": ["Basutoland"],
    "SR": ["Dutch Guiana"],
    "GY": ["British Guiana"],
    "BZ": ["British Honduras"],
    "KZ": ["Alma-Ata"],
}
EXTRA_DEMONYMS: dict[str, list[str]] = {
    "GB": ["Briton", "Britons", "Scottish", "Welsh"],
    "KR": ["Korean", "Koreans"],
    "PH": ["Philippine"],
    "EC": ["Ecuadorian"],
    "SV": ["Salvadorean"],
    "AR": ["Argentinian", "Argentinians"],
    "KZ": ["Kazakh"],
    "UZ": ["Uzbek"],
    "TJ": ["Tajik"],
    "KG": ["Kyrgyz"],
    "AZ": ["Azeri"],
    "IS": ["Icelandic"],
    "SI": ["Slovenian"],
    "TH": ["Thai"],
    "SA": ["Saudis"],
    "CO": ["Colombians"],
}
# A few major cities per country, written by hand (capitals come from the source).
CITIES: dict[str, list[str]] = {
    "CA": ["Toronto", "Montreal", "Vancouver", "Calgary", "Edmonton", "Winnipeg",
           "Quebec City", "Halifax", "Regina", "Saskatoon", "Hamilton, Ontario"],
    "GB": ["Manchester", "Birmingham", "Liverpool", "Glasgow", "Edinburgh", "Leeds",
           "Bristol", "Belfast", "Cardiff", "Aberdeen", "Oxford", "Cambridge"],
    "DE": ["Frankfurt", "Munich", "Hamburg", "Cologne", "Duesseldorf", "Düsseldorf",
           "Stuttgart", "Leipzig", "Dresden", "Hanover", "Wiesbaden"],
    "FR": ["Marseille", "Lyon", "Toulouse", "Bordeaux", "Lille", "Strasbourg"],
    "IT": ["Milan", "Naples", "Turin", "Florence", "Venice", "Genoa", "Bologna", "Palermo"],
    "ES": ["Barcelona", "Valencia", "Seville", "Bilbao"],
    "JP": ["Osaka", "Yokohama", "Kyoto", "Nagoya", "Kobe", "Hiroshima", "Sapporo"],
    "CN": ["Shanghai", "Guangzhou", "Shenzhen", "Tianjin", "Wuhan", "Chongqing", "Nanjing"],
    "IN": ["Mumbai", "Delhi", "Kolkata", "Chennai", "Bangalore", "Bengaluru", "Hyderabad"],
    "BR": ["Sao Paulo", "São Paulo", "Rio de Janeiro", "Belo Horizonte", "Porto Alegre"],
    "AU": ["Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide"],
    "NZ": ["Auckland", "Christchurch"],
    "RU": ["St. Petersburg", "Saint Petersburg", "Novosibirsk", "Vladivostok"],
    "CH": ["Zurich", "Zürich", "Geneva", "Basel", "Lausanne"],
    "NL": ["Rotterdam", "Utrecht", "Eindhoven"],
    "BE": ["Antwerp", "Ghent", "Liege"],
    "ZA": ["Johannesburg", "Durban", "Soweto"],
    "TR": ["Istanbul", "Izmir"],
    "EG": ["Alexandria", "Suez"],
    "SA": ["Jeddah", "Jiddah", "Dhahran", "Mecca"],
    "IL": ["Tel Aviv", "Haifa"],
    "PK": ["Karachi", "Lahore"],
    "NG": ["Lagos"],
    "KR": ["Busan", "Pusan", "Inchon", "Incheon"],
    "VN": ["Ho Chi Minh City"],
    "TH": ["Chiang Mai"],
    "ID": ["Surabaya"],
    "PH": ["Cebu"],
    "MX": ["Guadalajara", "Monterrey"],
    "AR": ["Cordoba", "Rosario"],
    "CO": ["Medellin", "Cali"],
    "VE": ["Maracaibo"],
    "EC": ["Guayaquil"],
    "CL": ["Valparaiso"],
    "PL": ["Krakow", "Gdansk"],
    "SE": ["Gothenburg", "Malmo"],
    "NO": ["Bergen", "Stavanger"],
    "DK": ["Aarhus"],
    "AT": ["Salzburg", "Linz"],
    "MA": ["Casablanca"],
    "KE": ["Mombasa"],
    "IQ": ["Basra"],
    "IR": ["Isfahan", "Kharg Island"],
    "AE": ["Dubai"],
}
CITIES["US"] = [  # the archive's largest source of datelines
    "New York", "New York City", "Los Angeles", "Chicago", "Houston", "Philadelphia", "Phoenix",
    "San Antonio", "San Diego", "Dallas", "San Jose", "Austin", "Jacksonville",
    "San Francisco", "Fort Worth", "Indianapolis", "Charlotte", "Seattle", "Denver", "Boston",
    "Detroit", "Nashville", "Memphis", "Portland", "Oklahoma City", "Las Vegas", "Louisville",
    "Baltimore", "Milwaukee", "Albuquerque", "Tucson", "Sacramento", "Kansas City",
    "Atlanta", "Miami", "Omaha", "Raleigh", "Minneapolis", "Cleveland", "Tulsa",
    "New Orleans", "Pittsburgh", "Cincinnati", "St. Louis", "Saint Louis", "Tampa",
    "Orlando", "Salt Lake City", "Honolulu", "Anchorage", "Buffalo", "Hartford", "Stamford",
    "Newark", "Des Moines", "St. Paul", "Silicon Valley", "Manhattan", "Brooklyn",
    "Palo Alto", "Oakland", "Long Beach", "Fort Lauderdale", "Wilmington", "Little Rock",
    "Dayton", "Akron", "Toledo", "Boise", "Chattanooga", "Pasadena",
    "Washington",
]
SUBDIVISIONS: dict[str, list[str]] = {
    "US": ["Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado",
           "Connecticut", "Delaware", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois",
           "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland",
           "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana",
           "Nebraska", "Nevada", "New Hampshire", "New Jersey", "New Mexico", "New York State",
           "North Carolina", "North Dakota", "Ohio", "Oklahoma", "Oregon", "Pennsylvania",
           "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah",
           "Vermont", "Virginia", "Washington State", "West Virginia", "Wisconsin", "Wyoming",
           "District of Columbia", "New England"],
    "CA": ["Ontario", "Quebec", "British Columbia", "Alberta", "Manitoba", "Saskatchewan",
           "Nova Scotia", "New Brunswick", "Newfoundland", "Prince Edward Island"],
    "AU": ["New South Wales", "Queensland", "Western Australia", "South Australia",
           "Tasmania", "Northern Territory"],
    "DE": ["Bavaria", "Hesse", "Saxony", "North Rhine-Westphalia", "Lower Saxony"],
    "CN": ["Guangdong", "Sichuan", "Hainan", "Tibet", "Xinjiang"],
}
# Dateline-only abbreviations (AP style and postal), never matched in running text.
ABBREVIATIONS: dict[str, list[str]] = {
    "US": ["Ala", "Ariz", "Ark", "Calif", "Cal", "Colo", "Conn", "Del", "Fla", "Ga", "Ill",
           "Ind", "Kan", "Kans", "Ky", "La", "Md", "Mass", "Mich", "Minn", "Miss", "Mo",
           "Mont", "Neb", "Nev", "NH", "NJ", "NM", "NY", "NC", "ND", "Okla", "Ore", "Pa",
           "Penn", "RI", "SC", "SD", "Tenn", "Tex", "Vt", "Va", "Wash", "WVa", "Wis", "Wyo",
           "DC", "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "IA", "ID",
           "IL", "IN", "KS", "KY", "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NE", "NV",
           "OH", "OK", "OR", "PA", "TN", "TX", "UT", "VA", "VT", "WA", "WI", "WV", "WY"],
    "CA": ["Ont", "Que", "BC", "Alta", "Man", "Sask", "NS", "NB", "Nfld", "PEI"],
}
# Demonyms shared by several countries: the usual reading first.
PREFERRED = {"dominican": "DO", "congolese": "CD", "georgia": "GE", "guinean": "GN",
             "virgin islander": "VI", "channel islander": "JE"}


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced key."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def is_latin(text: str) -> bool:
    return all(ch.isascii() or unicodedata.name(ch, "").startswith("LATIN") for ch in text)


def safe_alt(form: str) -> bool:
    return len(form) >= 4 and is_latin(form) and form not in UNSAFE_ALT and "," not in form


def demonyms(entry: dict) -> list[str]:
    eng = entry.get("demonyms", {}).get("eng", {})
    forms: list[str] = []
    for value in (eng.get("m", ""), eng.get("f", "")):
        for part in value.replace(" or ", ",").split(","):
            part = part.strip()
            if part and part not in forms:
                forms.append(part)
    plurals = [f + "s" for f in forms if f.endswith(("an", "i", "er", "ot"))]
    return forms + plurals


def country_record(entry: dict) -> dict:
    code = entry["cca2"]
    name = entry["name"]["common"]
    alts = [a for a in entry.get("altSpellings", []) if safe_alt(a)]
    return {
        "code": code,
        "name": name,
        "official_name": entry["name"]["official"],
        "aliases": sorted(set(alts + ALIASES.get(code, [])) - {name}),
        "demonyms": demonyms(entry) + EXTRA_DEMONYMS.get(code, []),
        "capital": [c for c in entry.get("capital", []) if c not in UNSAFE_CAPITAL],
        "region": entry.get("region", ""),
        "subregion": entry.get("subregion", ""),
        "flag": entry.get("flag", ""),
        "independent": bool(entry.get("independent")),
        "cities": CITIES.get(code, []),
        "historical": HISTORICAL.get(code, []),
        "subdivisions": SUBDIVISIONS.get(code, []),
        "abbreviations": ABBREVIATIONS.get(code, []),
    }


def drop_territory_demonyms(records: list[dict]) -> None:
    """A demonym shared with an independent country belongs to that country only."""
    owners: dict[str, set[str]] = {}
    for rec in records:
        if rec["independent"]:
            for form in rec["demonyms"]:
                owners.setdefault(fold(form), set()).add(rec["code"])
    for rec in records:
        if not rec["independent"]:
            rec["demonyms"] = [f for f in rec["demonyms"] if fold(f) not in owners]


def build(source: Path) -> dict:
    entries = json.loads(source.read_text(encoding="utf-8"))
    records = sorted((country_record(e) for e in entries), key=lambda r: r["code"])
    drop_territory_demonyms(records)
    return {
        "source": "mledoze/countries (dist/countries.json), ODbL 1.0; curated additions",
        "license": "ODbL-1.0",
        "preferred": PREFERRED,
        "countries": records,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"{args.source}: not found", file=sys.stderr)
        return 2
    data = build(args.source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=None, separators=(",", ":"))
    args.out.write_text(text.replace('},{"code"', '},\n{"code"') + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(data['countries'])} countries)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
