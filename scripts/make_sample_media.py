#!/usr/bin/env python3
"""Generate the bundled sample WARC crawl and wire photos (invented, deterministic).

Usage: python scripts/make_sample_media.py [--samples DIR]

Writes ``samples/warc/harbourtown-crawl.warc.gz`` (two article pages and one index page) and
``samples/photos/`` (a JPEG with an IPTC caption that belongs to a sample text story, a PNG
with an XMP caption that stands alone, and a JPEG turned sideways by its EXIF orientation with
a sidecar caption file). Running it twice gives byte-identical files. The helpers here also
serve the tests, which build their own small pictures and crawls the same way.
"""

from __future__ import annotations

import argparse
import io
import random
import struct
import sys
from pathlib import Path

from PIL import Image, ImageDraw, PngImagePlugin

ROOT = Path(__file__).resolve().parent.parent

IPTC = {"caption": (2, 120), "byline": (2, 80), "credit": (2, 110), "city": (2, 90),
        "country": (2, 101), "date": (2, 55)}


def picture(seed: int, size: tuple[int, int] = (320, 200)) -> Image.Image:
    """An abstract picture drawn from a seed: sky, ground, a few shapes."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(90, 160), rng.randrange(140, 200), 230))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle((0, height * 2 // 3, width, height), fill=(70, rng.randrange(90, 140), 60))
    for _ in range(6):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(8, 40)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    return image


def iptc_block(fields: dict[str, str]) -> bytes:
    """An APP13 segment: Photoshop 3.0 resource 0x0404 holding IPTC IIM datasets (UTF-8)."""
    datasets = b"\x1c\x01\x5a\x00\x03\x1b%G"  # 1:90 coded character set: UTF-8
    for name, value in fields.items():
        record, number = IPTC[name]
        data = value.encode("utf-8")
        datasets += struct.pack(">BBBH", 0x1C, record, number, len(data)) + data
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00"
    resource += struct.pack(">I", len(datasets)) + datasets + (b"\x00" * (len(datasets) % 2))
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def jpeg(image: Image.Image, iptc: dict[str, str] | None = None, orientation: int = 1,
         xmp: bytes = b"") -> bytes:
    """JPEG bytes with an optional IPTC block (after SOI), EXIF orientation and XMP packet."""
    out = io.BytesIO()
    options: dict[str, object] = {"quality": 80}
    if orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif.tobytes()
    if xmp:
        options["xmp"] = xmp
    image.save(out, "JPEG", **options)
    data = out.getvalue()
    return data[:2] + iptc_block(iptc) + data[2:] if iptc else data


def xmp_packet(fields: dict[str, str]) -> bytes:
    """An XMP packet with the caption fields wire services use."""
    def alt(value: str) -> str:
        return f'<rdf:Alt><rdf:li xml:lang="x-default">{value}</rdf:li></rdf:Alt>'

    parts = []
    if "caption" in fields:
        parts.append(f"<dc:description>{alt(fields['caption'])}</dc:description>")
    if "byline" in fields:
        parts.append(f"<dc:creator><rdf:Seq><rdf:li>{fields['byline']}</rdf:li></rdf:Seq>"
                     "</dc:creator>")
    for name, tag in (("credit", "Credit"), ("city", "City"), ("country", "Country"),
                      ("date", "DateCreated")):
        if name in fields:
            parts.append(f"<photoshop:{tag}>{fields[name]}</photoshop:{tag}>")
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/">'
        + "".join(parts) + "</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode("utf-8")


def png_with_xmp(image: Image.Image, fields: dict[str, str]) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp_packet(fields).decode("utf-8"))
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, optimize=True)
    return out.getvalue()


def warc(pages: list[tuple[str, str, str]], gzip: bool = True) -> bytes:
    """A WARC (gzipped per record) of HTML responses: (url, WARC-Date, html) each, with fixed
    record ids so the bytes are the same every time."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzip)
    for number, (url, date, html) in enumerate(pages, start=1):
        body = html.encode("utf-8")
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                           ("Content-Length", str(len(body)))],
                                protocol="HTTP/1.1")
        headers = {"WARC-Date": date,
                   "WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{number:012d}>"}
        record = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                           http_headers=http, warc_headers_dict=headers)
        writer.write_record(record)
    return out.getvalue()


# --- the bundled samples (invented) --------------------------------------------------------

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:site_name" content="The Harbourtown Ledger">
<meta property="article:published_time" content="{date}"></head>
<body><nav><a href="/">Home</a> <a href="/tag/harbour/">Harbour</a></nav>
<article><h1>{title}</h1>{paragraphs}</article>
<footer>© The Harbourtown Ledger</footer></body></html>"""

_ARTICLES = [
    ("https://ledger.example.org/2031/05/12/lighthouse-keepers-cottage-reopens",
     "2031-05-12T09:00:00+01:00", "Lighthouse keeper's cottage reopens as a small museum", [
         "The whitewashed cottage beside the Harbourtown lighthouse opened its doors as a "
         "museum on Monday, forty years after the last keeper handed over the keys.",
         "Volunteers from the town's history society spent two winters restoring the kitchen, "
         "the logbook room and the narrow stair to the lamp gallery.",
         "Visitors can read the keepers' weather notes from 1921 to 1991, which record every "
         "storm that closed the harbour mouth, and see the brass fog bell recast last year.",
         "The society's chair, Ruth Calloway, said entry would stay free on Sundays."]),
    ("https://ledger.example.org/2031/05/13/ferry-fares-frozen-for-students",
     "2031-05-13T17:30:00+01:00", "Island ferry fares frozen for students until 2033", [
         "Students travelling to the college on Brenna Island will pay the same ferry fare for "
         "two more years after the county council agreed to cover a rise in fuel costs.",
         "The operator had asked for an increase of twelve percent, blaming the price of diesel "
         "and the cost of repairing the older of its two boats after a winter grounding.",
         "Councillors voted nine to two for the subsidy, which will cost the county about "
         "ninety thousand crowns a year, and asked the operator to publish its accounts.",
         "Parents' groups on the island welcomed the decision but said evening sailings were "
         "still too few for students who stay late for sports and music."]),
]


def sample_warc() -> bytes:
    pages = []
    for url, date, title, paragraphs in _ARTICLES:
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        pages.append((url, date.replace("+01:00", "Z"), _PAGE.format(
            title=title, date=date, paragraphs=body)))
    index = _PAGE.format(title="Harbour news", date="2031-05-14T08:00:00+01:00", paragraphs=(
        "<ul>" + "".join(f'<li><a href="{u}">{t}</a></li>' for u, _, t, _ in _ARTICLES)
        + "</ul>"))
    pages.append(("https://ledger.example.org/tag/harbour/", "2031-05-14T08:00:00Z", index))
    return warc(pages)


HAMBURG_CAPTION = (
    "A campaign poster in favour of a new tram network hangs on a lamppost in the Barmbek "
    "district of Hamburg, Germany, September 20, 2018. REUTERS/Jonas Weidlich")


def sample_photos() -> dict[str, bytes]:
    seals = {"caption": "Grey seals rest on a sandbank at low tide near Esbjerg, Denmark, "
             "June 3, 2019. REUTERS/Lise Holm", "city": "Esbjerg", "country": "Denmark",
             "date": "2019-06-03"}
    kites = ("Kite surfers ride the wind off the beach at Tarifa, Spain, "
             "July 14, 2019. AFP PHOTO / Marta Olmedo\n")
    return {
        # Joins samples/text/germany-hamburg-tram-referendum.txt: the story carries its caption.
        "hamburg-tram-poster.jpg": jpeg(picture(1), {
            "caption": HAMBURG_CAPTION, "byline": "Jonas Weidlich", "credit": "REUTERS",
            "city": "Hamburg", "country": "Germany", "date": "20180920"}),
        # Stands alone: a photo item with an XMP caption.
        "esbjerg-seals.png": png_with_xmp(picture(2, (240, 160)), seals),
        # Stored sideways (EXIF orientation 6): imported upright; its caption is a sidecar file.
        "tarifa-kites.jpg": jpeg(picture(3, (200, 300)).rotate(90, expand=True), orientation=6),
        "tarifa-kites.jpg.txt": kites.encode("utf-8"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make_sample_media.py", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--samples", type=Path, default=ROOT / "samples",
                        help="samples folder (default: samples/)")
    args = parser.parse_args(argv)
    (args.samples / "warc").mkdir(parents=True, exist_ok=True)
    (args.samples / "photos").mkdir(parents=True, exist_ok=True)
    (args.samples / "warc" / "harbourtown-crawl.warc.gz").write_bytes(sample_warc())
    for name, data in sample_photos().items():
        (args.samples / "photos" / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
