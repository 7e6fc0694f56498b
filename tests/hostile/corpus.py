"""The hostile-input corpus: one function per case, each writing its inputs into a folder.

A case function takes the case's own folder (``<inputs>/<case name>/``) and returns what the
import report must say about each input it wrote: ``{label: Expect}``, the label relative to
the input folder given to the importer (``name/file.txt``, ``name/feed.jsonl#2``). ``Expect``
is ``imported`` (a story, made safe) or ``rejected`` with a substring of the reason.

Everything is generated here, at test time and deterministically (seeded story text, fixed
bytes), so nothing large or dangerous is committed: the 50 MB file is written into the test's
temporary folder. :func:`write_corpus` writes every case (the test and ``scripts/fuzz.py`` use
it).
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.hostile.stories import html_page, paragraphs, text_dump

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("media", ROOT / "scripts" / "make_sample_media.py")
media = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(media)  # type: ignore[union-attr]

# Markup that must never become markup in the built site, whatever field it lands in.
XSS = '</title></script><script>alert(1)</script><img src=x onerror="alert(2)">'
MD = "[click](javascript:alert(3)) ![x](javascript:alert(4)) <javascript:alert(5)> {: onclick=x }"


@dataclass(frozen=True, slots=True)
class Expect:
    status: str  # "imported" or "rejected"
    reason: str = ""  # a substring of the report's reason (rejected inputs)


IMPORTED = Expect("imported")
CASES: dict[str, Callable[[Path], dict[str, Expect]]] = {}


def case(function: Callable[[Path], dict[str, Expect]]) -> Callable[[Path], dict[str, Expect]]:
    CASES[function.__name__.replace("_", "-")] = function
    return function


def _write(folder: Path, name: str, data: bytes | str) -> str:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return f"{folder.name}/{name}"


# --- saved HTML pages ----------------------------------------------------------------------

_ACTIVE_HEAD = (
    '<base href="javascript:alert(6)//">'
    '<meta http-equiv="refresh" content="0; url=javascript:alert(7)">'
    '<script>alert(8)</script><script src="https://evil.example/x.js"></script>'
    '<style>body { width: expression(alert(9)); background: url(javascript:alert(10)) }</style>'
    '<link rel="stylesheet" href="javascript:alert(11)">'
    '<meta property="og:url" content="javascript:alert(12)">'
    '<meta property="og:image" content="data:image/svg+xml,&lt;svg onload=alert(13)&gt;">'
)
_ACTIVE_BODY = (
    '<p onclick="alert(14)" style="x: expression(alert(15))">A paragraph with a handler, '
    'then <a href="javascript:alert(16)">a link</a> and <a href="data:text/html,&lt;script'
    '&gt;alert(17)&lt;/script&gt;">a data link</a>, <a href=" JaVa&#x09;ScRiPt:alert(18)">'
    'an obfuscated one</a> and <img src=x onerror=alert(19)> an image.</p>'
    '<iframe src="https://evil.example/" onload="alert(20)"></iframe>'
    '<svg onload="alert(21)"><script>alert(22)</script><a xlink:href="javascript:alert(23)">'
    'svg</a></svg><math><mtext><script>alert(24)</script></mtext></math>'
    '<object data="javascript:alert(25)"></object><embed src="javascript:alert(26)">'
    '<form action="javascript:alert(27)"><button formaction="javascript:alert(28)">go</button>'
    '</form><template><script>alert(29)</script></template><noscript><p>NOSCRIPT</p></noscript>'
    '<figure><img src="javascript:alert(30)" srcset="javascript:alert(31) 2x"><figcaption>'
    f'Crowds at the quay {XSS} (Photo: Ann Ray)</figcaption></figure>'
)


@case
def html_active_content(folder: Path) -> dict[str, Expect]:
    page = html_page(101, head=_ACTIVE_HEAD, body=_ACTIVE_BODY)
    return {_write(folder, "active.html", page): IMPORTED}


@case
def html_injection_in_metadata(folder: Path) -> dict[str, Expect]:
    ld = json.dumps({
        "@type": "NewsArticle", "headline": f"Ferry timetable {XSS} changes",
        "author": [{"name": f"Ann {XSS}"}, "<svg onload=alert(32)>Bo Lind"],
        "datePublished": "2019-06-01T10:00:00Z", "url": "javascript:alert(33)",
        "publisher": {"name": f"The {XSS} Gazette"}, "articleSection": XSS,
        "description": f"{XSS} {MD}",
    })
    head = (f'<script type="application/ld+json">{ld}</script>'
            f'<meta property="og:site_name" content="{XSS.replace(chr(34), "&quot;")}">')
    page = html_page(102, head=head, title="Ferry timetable &lt;/title&gt;&lt;script&gt;x")
    return {_write(folder, "metadata.html", page): IMPORTED}


@case
def html_bad_declared_charset(folder: Path) -> dict[str, Expect]:
    page = html_page(103).replace('charset="utf-8"', 'charset="base64"')
    return {_write(folder, "base64-charset.html", page): IMPORTED}


@case
def html_deep_json_ld(folder: Path) -> dict[str, Expect]:
    ld = "[" * 50_000 + "]" * 50_000
    author = '{"@type":"NewsArticle","author":' + "[" * 900 + "]" * 900 + "}"
    head = (f'<script type="application/ld+json">{ld}</script>'
            f'<script type="application/ld+json">{author}</script>')
    return {_write(folder, "deep-ld.html", html_page(104, head=head)): IMPORTED}


@case
def html_nested_10000_levels(folder: Path) -> dict[str, Expect]:
    text = " ".join(paragraphs(105, 3))
    page = ("<html><head><meta property=\"article:published_time\" content=\"2019-01-01\">"
            "</head><body><article>" + "<div>" * 10_000 + f"<p>{text}</p>" + "</div>" * 10_000
            + "</article></body></html>")
    return {_write(folder, "nested.html", page): Expect("rejected", "no article body")}


@case
def html_refresh_and_script_only(folder: Path) -> dict[str, Expect]:
    page = ('<html><head><meta http-equiv="refresh" content="0;url=https://evil.example/">'
            '<script>location="javascript:alert(34)"</script></head><body onload="alert(35)">'
            "</body></html>")
    return {_write(folder, "refresh.html", page): Expect("rejected", "no article body")}


# --- text dumps ----------------------------------------------------------------------------


@case
def text_injection(folder: Path) -> dict[str, Expect]:
    dump = text_dump(201, title=f"Harbour {XSS} vote", head=(f"By Ann {XSS} and Bo {MD}",),
                     body=(f"<svg onload=alert(36)> {MD} [1]: javascript:alert(37)",
                           "# heading? <iframe src=//evil.example></iframe> | a | table |"),
                     tail=(f"Quayside {XSS} REUTERS/Ann {XSS}",))
    return {_write(folder, "injection.txt", dump): IMPORTED}


@case
def text_invalid_utf8(folder: Path) -> dict[str, Expect]:
    data = text_dump(202).encode("utf-8").replace(b" and ", b" \xff\xfe\xc3 and ", 3)
    return {_write(folder, "invalid-utf8.txt", data): IMPORTED}


@case
def text_utf16_without_bom(folder: Path) -> dict[str, Expect]:
    data = text_dump(203).encode("utf-16-le")
    return {_write(folder, "utf16.txt", data): Expect("rejected", "NUL")}


@case
def text_nul_bytes(folder: Path) -> dict[str, Expect]:
    data = text_dump(204).encode("utf-8").replace(b". ", b".\x00 ", 2)
    return {_write(folder, "nul.txt", data): Expect("rejected", "NUL")}


@case
def empty_file(folder: Path) -> dict[str, Expect]:
    return {_write(folder, "empty.txt", b""): Expect("rejected", "empty file")}


@case
def file_of_50_mb(folder: Path) -> dict[str, Expect]:
    line = (paragraphs(205, 1)[0] + "\n").encode("utf-8")
    with (folder / "huge.txt").open("wb") as out:
        for _ in range(50 * 2**20 // len(line) + 1):
            out.write(line)
    return {f"{folder.name}/huge.txt": Expect("rejected", "too large")}


@case
def teaser_block_of_10000_lines(folder: Path) -> dict[str, Expect]:
    teasers = tuple(f"Teaser {i} headline\nTeaser {i} summary line." for i in range(5_000))
    return {_write(folder, "teasers.txt", text_dump(206, tail=teasers)): IMPORTED}


@case
def svg_file(folder: Path) -> dict[str, Expect]:
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(38)">'
           "<script>alert(39)</script></svg>")
    return {_write(folder, "drawing.svg", svg): Expect("rejected", "too short")}


# --- dates ---------------------------------------------------------------------------------


@case
def dates_out_of_range(folder: Path) -> dict[str, Expect]:
    labels = {
        _write(folder, "year-0.txt", text_dump(301, date_line="0000-01-01")):
            Expect("rejected", "no date line"),
        # A text dump's date line needs a year from 1800 to 2999: 9999 is no date line at all.
        _write(folder, "year-9999.txt", text_dump(302, date_line="9999-12-31")):
            Expect("rejected", "no date line"),
        _write(folder, "year-2999.txt", text_dump(304, date_line="Sun Dec 31 2999")):
            Expect("rejected", "implausible date 2999-12-31"),
        _write(folder, "year-2200.html", html_page(303, date="2200-01-01T00:00:00Z")):
            Expect("rejected", "implausible date 2200-01-01"),
        _write(folder, "year-1799.json", json.dumps(
            {"title": "Bastille", "text": "\n".join(paragraphs(310)), "date": "1799-07-14"})):
            Expect("rejected", "implausible date 1799-07-14"),
    }
    records = [{"title": "Year zero", "text": "\n".join(paragraphs(305)), "date": "0000-01-01"},
               {"title": "Year 9999", "text": "\n".join(paragraphs(306)),
                "date": "9999-12-31T23:59:59Z"},
               {"title": "Timestamp", "text": "\n".join(paragraphs(307)), "date": 1e300}]
    _write(folder, "dates.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    labels[f"{folder.name}/dates.jsonl#1"] = Expect("rejected", "cannot read the date")
    labels[f"{folder.name}/dates.jsonl#2"] = Expect("rejected", "implausible date")
    labels[f"{folder.name}/dates.jsonl#3"] = Expect("rejected", "not a plausible timestamp")
    return labels


@case
def dates_at_the_window_edges(folder: Path) -> dict[str, Expect]:
    """The oldest and the most distant future dates accepted: Pelican must build them."""
    return {
        _write(folder, "year-1800.txt", text_dump(308, date_line="1800-01-01")): IMPORTED,
        _write(folder, "year-2199.txt", text_dump(309, date_line="Tue Dec 31 2199")): IMPORTED,
    }


# --- JSON ----------------------------------------------------------------------------------


@case
def json_injection(folder: Path) -> dict[str, Expect]:
    record = {"title": f"Tram {XSS} {MD}", "text": "\n\n".join([*paragraphs(401), XSS, MD]),
              "date": "2020-02-02", "authors": [f"Ann {XSS}", "javascript:alert(40)"],
              "source": f"The {XSS} Times", "url": "javascript:alert(41)",
              "image_url": "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoNDIpPg==",
              "description": f"{XSS} {MD}", "category": XSS, "onload": "alert(43)"}
    return {_write(folder, "injection.json", json.dumps(record)): IMPORTED}


@case
def json_html_field(folder: Path) -> dict[str, Expect]:
    record = {"html": html_page(402, head=_ACTIVE_HEAD, body=_ACTIVE_BODY),
              "url": "javascript:alert(44)", "date": "2020-03-03"}
    return {_write(folder, "with-html.json", json.dumps(record)): IMPORTED}


@case
def json_lone_surrogates(folder: Path) -> dict[str, Expect]:
    text = "\n".join(paragraphs(403))
    raw = json.dumps({"title": "Surrogate \ud800 headline", "text": text + " \udfff end.",
                      "date": "2020-04-04", "html": "<p>\ud800</p>"}, ensure_ascii=True)
    return {_write(folder, "surrogates.json", raw): IMPORTED}


@case
def json_wrong_types(folder: Path) -> dict[str, Expect]:
    text = "\n".join(paragraphs(404))
    lines = [{"title": 42, "text": text, "date": "2020-05-05"},
             {"title": "Authors", "text": text, "date": "2020-05-05", "authors": [1, {"a": 2}]},
             {"title": "Date list", "text": text, "date": ["2020", 5]},
             {"title": "Text object", "text": {"p": text}, "date": "2020-05-05"},
             {"title": "Boolean date", "text": text, "date": True},
             ["not", "an", "object"], "a string", None]
    _write(folder, "types.jsonl", "".join(json.dumps(r) + "\n" for r in lines[:5]))
    _write(folder, "array.json", json.dumps(lines[5:]))
    name = folder.name
    return {
        f"{name}/types.jsonl#1": Expect("rejected", "wrong type"),
        f"{name}/types.jsonl#2": Expect("rejected", "authors"),
        f"{name}/types.jsonl#3": Expect("rejected", "wrong type"),
        f"{name}/types.jsonl#4": Expect("rejected", "wrong type"),
        f"{name}/types.jsonl#5": Expect("rejected", "wrong type"),
        f"{name}/array.json#1": Expect("rejected", "JSON list"),
        f"{name}/array.json#2": Expect("rejected", "JSON str"),
        f"{name}/array.json#3": Expect("rejected", "JSON NoneType"),
    }


@case
def json_hostile_syntax(folder: Path) -> dict[str, Expect]:
    return {
        _write(folder, "deep.json", "{\"title\": " + "[" * 100_000 + "]" * 100_000 + "}"):
            Expect("rejected", "nested too deeply"),
        _write(folder, "deep-array.json", "[" * 100_000 + "]" * 100_000):
            Expect("rejected", "nested too deeply"),
        _write(folder, "big-number.json", '{"title": ' + "9" * 5_000 + "}"):
            Expect("rejected", "not valid JSON"),
        _write(folder, "truncated.json", json.dumps({"title": "Cut", "text": "x" * 400})[:-30]):
            Expect("rejected", "not valid JSON"),
    }


# --- compressed and container files --------------------------------------------------------


@case
def truncated_gzip(folder: Path) -> dict[str, Expect]:
    data = gzip.compress(text_dump(501).encode("utf-8"), mtime=0)
    corrupt = bytearray(gzip.compress(text_dump(502).encode("utf-8"), mtime=0))
    corrupt[20:40] = b"\xff" * 20
    return {
        _write(folder, "cut.txt.gz", data[: len(data) // 2]): Expect("rejected", "truncated"),
        _write(folder, "corrupt.txt.gz", bytes(corrupt)): Expect("rejected", "gzip"),
    }


@case
def truncated_warc(folder: Path) -> dict[str, Expect]:
    crawl = media.warc([
        ("https://news.example/2021/01/one", "2021-01-05T10:00:00Z", html_page(503)),
        ("https://news.example/2021/01/two", "2021-01-06T10:00:00Z",
         html_page(504, head=_ACTIVE_HEAD, body=_ACTIVE_BODY)),
        ("https://news.example/2021/01/three", "2021-01-07T10:00:00Z", html_page(505)),
    ], gzip=True)
    cut = crawl[: len(crawl) - 700]
    name = _write(folder, "crawl.warc.gz", cut)
    plain = media.warc([("https://news.example/2021/02/four", "2021-02-01T10:00:00Z",
                         html_page(506))], gzip=False)
    plain_name = _write(folder, "plain.warc", plain[: len(plain) // 2])
    return {f"{name}#1": IMPORTED, f"{name}#2": IMPORTED,
            f"{name}#3": Expect("rejected", "truncated"),
            f"{plain_name}#1": Expect("rejected", "truncated")}


# --- pictures ------------------------------------------------------------------------------


def _jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    media.picture(seed).save(out, "JPEG", quality=85)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def decompression_bomb_png(side: int = 100_000) -> bytes:
    """A PNG that claims ``side`` × ``side`` pixels in a few hundred bytes."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (side // 8 + 1) * 64, 9)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", rows)
            + _png_chunk(b"IEND", b""))


@case
def truncated_jpeg(folder: Path) -> dict[str, Expect]:
    data = _jpeg(601)
    _write(folder, "cut.jpg.txt", "Divers inspect the sea wall in Corran, Norway, March 13, "
           "2018. REUTERS/Ann Ray")
    return {_write(folder, "cut.jpg", data[: len(data) // 2]):
            Expect("rejected", "not a readable image"),
            f"{folder.name}/cut.jpg.txt": Expect("rejected", "caption file with no picture")}


@case
def png_decompression_bomb(folder: Path) -> dict[str, Expect]:
    return {_write(folder, "bomb.png", decompression_bomb_png()):
            Expect("rejected", "too large to decode safely")}


@case
def image_that_is_html(folder: Path) -> dict[str, Expect]:
    stub = '<html><body onload="alert(45)"><script>alert(46)</script><p>hi</p></body></html>'
    return {
        _write(folder, "photo.jpg", stub): Expect("rejected", "no article body"),
        _write(folder, "polyglot.jpg", b"\xff\xd8\xff\xe0" + stub.encode()):
            Expect("rejected", "not a readable image"),
        _write(folder, "gif.png", b"GIF89a" + stub.encode()): Expect("rejected", "GIF"),
    }


@case
def photo_with_hostile_caption(folder: Path) -> dict[str, Expect]:
    sidecar = {"caption": f"Crowds {XSS} gather in Velmont, Norway, March 13, 2018",
               "credit": f"<svg onload=alert(47)> {XSS}", "date": "2018-03-13",
               "city": XSS}
    _write(folder, "crowd.json", json.dumps(sidecar))
    return {_write(folder, "crowd.jpg", _jpeg(602)): IMPORTED,
            f"{folder.name}/crowd.json": IMPORTED}


@case
def photo_with_xml_bomb_in_xmp(folder: Path) -> dict[str, Expect]:
    entities = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)) + "]>"
    xmp = media.xmp_packet({"caption": "Boats in Sandholm, Sweden, March 14, 2018. "
                            "REUTERS/Bo Lind &i;", "date": "2018-03-14"})
    xmp = xmp.replace(b"<x:xmpmeta", entities.encode() + b"<x:xmpmeta", 1)
    out = io.BytesIO()
    media.picture(603).save(out, "JPEG", quality=85, xmp=xmp)
    return {_write(folder, "boats.jpg", out.getvalue()): IMPORTED}


# --- the file system -----------------------------------------------------------------------


@case
def symlinks(folder: Path) -> dict[str, Expect]:
    outside = folder.parent.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text(text_dump(701), encoding="utf-8")
    links = {"to-etc-passwd.txt": "/etc/passwd", "to-outside.txt": str(outside / "secret.txt"),
             "to-outside-folder": str(outside), "dangling.txt": str(folder / "missing"),
             "to-self-folder": ".", "loop.txt": "loop.txt"}
    for name, target in links.items():
        (folder / name).symlink_to(target)
    _write(folder, "inside.txt", text_dump(702))
    (folder / "inside-link.txt").symlink_to("inside.txt")
    name = folder.name
    return {
        f"{name}/to-etc-passwd.txt": Expect("rejected", "outside the input folder"),
        f"{name}/to-outside.txt": Expect("rejected", "outside the input folder"),
        f"{name}/to-outside-folder": Expect("rejected", "outside the input folder"),
        f"{name}/dangling.txt": Expect("rejected", "broken symbolic link"),
        f"{name}/to-self-folder": Expect("rejected", "symbolic link to the folder"),
        f"{name}/loop.txt": Expect("rejected", "broken symbolic link"),
        # A link inside the folder is read (first, by name order); its target is then the same
        # input again.
        f"{name}/inside-link.txt": IMPORTED,
        f"{name}/inside.txt": Expect("unchanged"),
    }


@case
def odd_file_names(folder: Path) -> dict[str, Expect]:
    labels = {
        _write(folder, "new\nline.txt", text_dump(801)): IMPORTED,
        _write(folder, "new\nline-bad.txt", "too short\n"): Expect("rejected", "too short"),
        _write(folder, "tab\tand \"quote\" ..txt", text_dump(802)): IMPORTED,
    }
    (folder / os.fsdecode(b"caf\xe9-latin1.txt")).write_text(text_dump(803), encoding="utf-8")
    labels[f"{folder.name}/caf\\xe9-latin1.txt"] = IMPORTED
    os.mkfifo(folder / "pipe.txt")
    labels[f"{folder.name}/pipe.txt"] = Expect("rejected", "not a regular file")
    return labels


def write_corpus(inputs: Path) -> dict[str, Expect]:
    """Write every case under ``inputs``; return the expected report line of each input."""
    expected: dict[str, Expect] = {}
    for name, build in CASES.items():
        folder = inputs / name
        folder.mkdir(parents=True)
        expected.update(build(folder))
    return expected
