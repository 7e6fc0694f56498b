"""Wire photos: caption, credit, date and place from IPTC IIM, XMP or a sidecar caption file.

Sources, first found wins for each field:

* IPTC IIM (JPEG, in the Photoshop APP13 block): 2:120 caption, 2:80 byline, 2:110 credit,
  2:90 city, 2:101 country, 2:55 date created; text is UTF-8 when 1:90 says so (ESC % G),
  else UTF-8 when it decodes, else Windows-1252;
* XMP (JPEG, PNG, WebP): ``dc:description``, ``dc:creator``, ``photoshop:Credit``,
  ``photoshop:City``, ``photoshop:Country``, ``photoshop:DateCreated``;
* a sidecar beside the picture (``NAME.jpg.txt``, ``NAME.txt``, ``NAME.json``), the caption
  as text, or JSON with ``caption``/``description``, ``credit``, ``byline``, ``city``,
  ``country``, ``date``;
* the caption text itself: a trailing credit (``REUTERS/Max Rossi``, ``AFP PHOTO / …``,
  ``(AP Photo/…)``) and an "in City, Country, March 13, 2018" phrase.

A photo either joins a story (see :mod:`newsarchive.work`) or becomes a photo item of its own:
:func:`photo_article`, a short story whose body is the caption, marked ``kind="photo"``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree
from PIL import Image, IptcImagePlugin

from newsarchive.agencies import credit_agency, split_credit
from newsarchive.article import Article, Block, BlockKind, Photo
from newsarchive.dates import iso_date, plausible_date
from newsarchive.errors import InputRejected
from newsarchive.readers.html_meta import clean_text, parse_date
from newsarchive.text import headline_from_lead, summary_of

MAX_SIDECAR = 64 * 1024
_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}
_XMP_FIELDS = {
    "caption": "dc:description", "byline": "dc:creator", "credit": "photoshop:Credit",
    "city": "photoshop:City", "country": "photoshop:Country", "date": "photoshop:DateCreated",
}
_IPTC_FIELDS = {
    "caption": (2, 120), "byline": (2, 80), "credit": (2, 110), "city": (2, 90),
    "country": (2, 101), "date": (2, 55),
}
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_CAPTION_PLACE_DATE = re.compile(
    rf"\b(?:in|at|near|off|outside) (?P<city>[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){{0,3}}),"
    rf"(?: (?P<country>[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){{0,3}}),)?"
    rf" (?P<date>{_MONTH} \d{{1,2}},? \d{{4}}|\d{{1,2}} {_MONTH} \d{{4}})"
)


@dataclass(frozen=True, slots=True)
class PhotoInfo:
    """What a picture's metadata says about it, every field plain text."""

    caption: str = ""
    byline: str = ""
    credit: str = ""
    city: str = ""
    country: str = ""
    date: str = ""

    def merged(self, other: PhotoInfo) -> PhotoInfo:
        """Fields of ``self``, with ``other``'s filling the empty ones."""
        return PhotoInfo(*(mine or theirs for mine, theirs in zip(
            (self.caption, self.byline, self.credit, self.city, self.country, self.date),
            (other.caption, other.byline, other.credit, other.city, other.country, other.date),
            strict=True)))


def _first_bytes(value: object) -> bytes:
    """An IPTC dataset's (first) value; Pillow gives bytes, a list of them, or None (empty)."""
    raw = (value or [b""])[0] if isinstance(value, list) else value
    return raw if isinstance(raw, bytes) else b""


def _iptc_text(value: object, utf8: bool) -> str:
    raw = _first_bytes(value)
    if utf8:
        return clean_text(raw.decode("utf-8", errors="replace"))
    try:
        return clean_text(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return clean_text(raw.decode("cp1252", errors="replace"))


def iptc_info(image: Image.Image) -> PhotoInfo:
    """Caption fields from the IPTC IIM block, when the picture has one."""
    try:
        found = IptcImagePlugin.getiptcinfo(image) or {}  # type: ignore[arg-type]
    except (SyntaxError, ValueError, OSError, IndexError):
        return PhotoInfo()
    utf8 = b"\x1b%G" in _first_bytes(found.get((1, 90)))
    values = {name: _iptc_text(found[key], utf8) if key in found else ""
              for name, key in _IPTC_FIELDS.items()}
    return PhotoInfo(**values)


def _xmp_value(root: Any, name: str) -> str:
    prefix, local = name.split(":")
    attribute = f"{{{_NS[prefix]}}}{local}"
    for description in root.iter(f"{{{_NS['rdf']}}}Description"):
        if description.get(attribute):
            return clean_text(description.get(attribute))
    for element in root.iter(attribute):
        items = [clean_text(li.text or "") for li in element.iter(f"{{{_NS['rdf']}}}li")]
        text = "; ".join(i for i in items if i) if items else clean_text(element.text or "")
        if text:
            return text
    return ""


def xmp_info(image: Image.Image) -> PhotoInfo:
    """Caption fields from the XMP packet (JPEG, PNG or WebP), when the picture has one."""
    packet = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b""
    if isinstance(packet, str):
        packet = packet.encode("utf-8")
    start = packet.find(b"<x:xmpmeta")
    if start < 0:
        start = packet.find(b"<rdf:RDF")
    if start < 0:
        return PhotoInfo()
    end = max(packet.rfind(b"</x:xmpmeta>") + 12, packet.rfind(b"</rdf:RDF>") + 10)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    try:
        root = etree.fromstring(packet[start:end], parser)
    except etree.XMLSyntaxError:
        return PhotoInfo()
    if root is None:
        return PhotoInfo()
    return PhotoInfo(**{name: _xmp_value(root, tag) for name, tag in _XMP_FIELDS.items()})


def sidecar_info(data: bytes) -> PhotoInfo:
    """Caption fields from a sidecar file: JSON with named fields, or the caption as text."""
    if len(data) > MAX_SIDECAR:
        raise InputRejected("caption file larger than 64 KiB")
    text = data.decode("utf-8-sig", errors="replace").strip()
    if text.startswith("{"):
        try:
            record = json.loads(text)
        except (ValueError, RecursionError) as exc:  # bad syntax, huge numbers, deep nesting
            raise InputRejected(f"caption file is not valid JSON ({exc})") from exc
        if not isinstance(record, dict):
            raise InputRejected("caption JSON must be an object")
        field = {k: clean_text(record.get(k)) for k in (
            "caption", "description", "byline", "creator", "credit", "city", "country", "date")}
        return PhotoInfo(field["caption"] or field["description"],
                         field["byline"] or field["creator"], field["credit"], field["city"],
                         field["country"], field["date"])
    return PhotoInfo(caption=clean_text(" ".join(text.split())))


def image_info(image: Image.Image) -> PhotoInfo:
    return iptc_info(image).merged(xmp_info(image))


def _iptc_date(value: str) -> str:
    """IPTC's YYYYMMDD, or any date text, as an ISO date; "" when unreadable."""
    if re.fullmatch(r"\d{8}", value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    found = parse_date(value)
    return iso_date(found) if found else ""


def to_photo(info: PhotoInfo, image: str = "", width: int = 0, height: int = 0) -> Photo:
    """A ``Photo`` from caption fields: credit cut from the caption, date and place read."""
    caption, credit = info.caption, ""
    split = split_credit(caption) if caption else None
    if split:
        caption, credit = split.text, split.credit
    if not credit:
        credit = "/".join(part for part in (info.credit, info.byline) if part)
    phrase = _CAPTION_PLACE_DATE.search(caption)
    city = info.city or (phrase.group("city") if phrase else "")
    country = info.country or (phrase.group("country") or "" if phrase else "")
    date = _iptc_date(info.date) or (_iptc_date(phrase.group("date")) if phrase else "")
    places = tuple(dict.fromkeys(p for p in (city, country) if p))
    return Photo(caption=caption, credit=credit, image=image, width=width, height=height,
                 date=date, places=places)


def photo_article(photo: Photo, *, origin: str = "") -> Article:
    """A picture with no story: a short photo item whose body is its caption."""
    if not photo.caption:
        raise InputRejected(f"{origin or 'photo'}: no caption in IPTC, XMP or a sidecar file, "
                            "and no story to attach it to")
    if not photo.date:
        raise InputRejected(f"{origin or 'photo'}: no date in IPTC (2:55), XMP "
                            "(photoshop:DateCreated), the sidecar or the caption")
    phrase = _CAPTION_PLACE_DATE.search(photo.caption)
    title = photo.caption[: phrase.end("city")] if phrase else photo.caption
    return Article(
        title=headline_from_lead(title, limit=90),
        title_derived=True,
        date=plausible_date(dt.datetime.fromisoformat(photo.date)),
        body=(Block(BlockKind.PARAGRAPH, photo.caption),),
        source=credit_agency(photo.credit) or photo.credit.split("/")[0].strip(),
        dateline=", ".join(photo.places),
        summary=summary_of(photo.caption),
        photos=(photo,),
        kind="photo",
    )


def read_image_info(data: bytes) -> PhotoInfo:
    """Caption fields of an image file's bytes (for tests and tools)."""
    return image_info(Image.open(io.BytesIO(data)))
