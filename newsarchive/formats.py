"""Input format detection by content (magic bytes and structure), not only by file name."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

from newsarchive.article import Article
from newsarchive.errors import InputRejected
from newsarchive.readers.html import looks_like_html, read_html
from newsarchive.readers.json_records import read_json
from newsarchive.readers.textdump import read_textdump

Reader = Callable[..., Article]

MAX_INPUT_BYTES = 64 * 1024 * 1024
_BINARY_MAGIC = {
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive",
}


def sniff_image(head: bytes) -> str:
    """"jpeg", "png" or "webp" when the bytes start a picture the importer takes, else ""."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return ""


def _sniff_binary(head: bytes) -> str:
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            return what
    return ""


def looks_like_json_object(data: bytes) -> bool:
    return data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"{"


def gunzip(data: bytes, limit: int = MAX_INPUT_BYTES) -> bytes:
    """Decompress gzip data, refusing truncated streams and anything over ``limit``."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise InputRejected(f"corrupt gzip data ({exc})") from exc
    if len(out) > limit:
        raise InputRejected(f"decompresses to more than {limit // 2**20} MiB")
    if not inflater.eof:
        raise InputRejected("truncated gzip file (the compressed stream ends early)")
    return out


def detect(path: Path, data: bytes) -> tuple[Reader, bytes]:
    """The story reader for these bytes and the bytes it should read (gunzipped when needed).

    Pictures are not stories: callers check :func:`sniff_image` first.
    """
    if data[:2] == b"\x1f\x8b":
        return detect(path.with_suffix(""), gunzip(data))
    what = _sniff_binary(data[:16]) or (f"a {sniff_image(data[:16]).upper()} image"
                                        if sniff_image(data[:16]) else "")
    if what:
        raise InputRejected(f"{what}, not a supported story format")
    if looks_like_html(data):
        return read_html, data
    if looks_like_json_object(data):
        return read_json, data
    return read_textdump, data


__all__ = ["MAX_INPUT_BYTES", "Reader", "detect", "gunzip", "sniff_image"]
