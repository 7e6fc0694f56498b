"""News agencies and photo credits as they appear in scraped text."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Lower-case spelling → the name the archive shows. Agencies named by a bare line
# at the end of a dump, in datelines "(Reuters) -", and in photo credits.
AGENCIES: dict[str, str] = {
    "reuters": "Reuters",
    "thomson reuters": "Reuters",
    "afp": "AFP",
    "agence france-presse": "AFP",
    "agence france presse": "AFP",
    "ap": "AP",
    "associated press": "AP",
    "the associated press": "AP",
    "bernama": "Bernama",
    "xinhua": "Xinhua",
    "dpa": "dpa",
    "ansa": "ANSA",
    "efe": "EFE",
    "epa": "EPA",
    "kyodo": "Kyodo",
    "kyodo news": "Kyodo",
    "yonhap": "Yonhap",
    "pa": "PA Media",
    "pa media": "PA Media",
    "press association": "PA Media",
    "tass": "TASS",
    "upi": "UPI",
    "anadolu": "Anadolu",
    "anadolu agency": "Anadolu",
    "pti": "PTI",
    "aap": "AAP",
    "ians": "IANS",
    "ani": "ANI",
    "bloomberg": "Bloomberg",
    "antara": "Antara",
    "wafa": "WAFA",
    "mena": "MENA",
    "apa": "APA",
    "sapa": "SAPA",
    "nan": "NAN",
    "ips": "IPS",
}

_WRAPPERS = " \t()[]-–—:|•·"


def agency_name(line: str) -> str:
    """The agency a standalone line names ("Reuters", "(AFP)", "- AP -"), or ""."""
    key = line.strip(_WRAPPERS).lower()
    key = re.sub(r"\s+", " ", key)
    return AGENCIES.get(key, "")


_AGENCY_ALT = "|".join(
    sorted((re.escape(k) for k in AGENCIES if len(k) > 1), key=len, reverse=True)
)
# "REUTERS/Max Rossi", "AFP PHOTO / Tiziana Fabi", "(AP Photo/Evan Vucci)",
# "Bernama photo", "Photo: Jane Doe/Getty Images", "EPA-EFE/JOHN SMITH".
_CREDIT = re.compile(
    rf"""(?:^|(?<=[\s(.]))\(?(?P<credit>
        (?:(?:{_AGENCY_ALT})(?:[ -](?:{_AGENCY_ALT}))?|(?-i:[A-Z][A-Za-z]+\ Images|[A-Z]{{3,}}))
        (?:\ (?:PHOTO|Photo|photo|Pictures|Images|Pool))?
        \s?/\s?[^/()]{{2,60}}(?:/[^/()]{{2,40}})?
      | (?:(?:{_AGENCY_ALT})\ (?:photo|PHOTO|Photo|pic))
      | (?:Photos?|Picture|Pic|Credit|Image)\s?:\s?[^:()]{{2,80}}
    )\)?\s*\.?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Caption:
    text: str
    credit: str


def split_credit(line: str) -> Caption | None:
    """Split a photo caption from the credit that ends it, or None when no credit ends the line."""
    match = _CREDIT.search(line.strip())
    if not match:
        return None
    caption = line[: match.start()].strip().rstrip("(").strip()
    credit = match.group("credit").strip().rstrip(".")
    if not _plausible(caption, credit):
        return None
    return Caption(caption, credit)


def _plausible(caption: str, credit: str) -> bool:
    """A credit names an agency or photo service, or follows a finished sentence and names
    at most a few words ("HIV/AIDS programmes in the region" is prose, not a credit)."""
    who = re.split(r"[/:]", credit, maxsplit=1)[-1]
    if len(who.split()) > 5:
        return False
    if credit_agency(credit) or re.search(r"\b(?:images|photos?|pictures)\b", credit, re.I):
        return True
    return not caption or bool(re.search(r"[.!?)\"”’]$", caption))


def credit_agency(credit: str) -> str:
    """The agency a credit names ("REUTERS/Max Rossi" → "Reuters"), or ""."""
    head = re.split(r"[/:]", credit, maxsplit=1)[0]
    head = re.sub(r"\b(photo|pictures?|images|pool|pic)\b", "", head, flags=re.IGNORECASE)
    return agency_name(head)
