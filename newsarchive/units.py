"""Inputs into units of work: one per story-sized item, streamed, in a stable order.

A file is one unit, except containers, which are split here as they are read (never loaded
whole when they can be streamed): a JSON array or a JSON Lines file gives one unit per record,
a WARC crawl one per response record. Pictures are grouped with the files that share their base
name in the same folder (``vote.txt`` + ``vote.jpg`` + ``vote.jpg.txt``) into one *bundle*
unit, so the worker that reads the story also attaches its photos. Each unit's ``label`` is
what the report calls the input: the file's path, with ``#N`` for the N-th record of a
container (the line number in a JSON Lines file).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsarchive.formats import MAX_INPUT_BYTES, sniff_image
from newsarchive.readers.warc import iter_records, looks_like_warc

# A folder's own documentation is not scraped material (a file named explicitly still is).
_FOLDER_DOCS = re.compile(r"^(readme|license|licence|changelog|notice)(\.[a-z]+)?$", re.I)
_KNOWN_SUFFIXES = frozenset({
    ".gz", ".txt", ".text", ".json", ".jsonl", ".ndjson", ".html", ".htm", ".xhtml", ".jpg",
    ".jpeg", ".png", ".webp", ".warc", ".xmp", ".md",
})
MAX_JSON_LINE = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Unit:
    """One item of work. ``kind``: ``file`` (read and detect), ``record`` (a JSON record),
    ``page`` (a WARC response), ``bundle`` (``members``: a story and its pictures) or
    ``rejected`` (``payload`` is the reason, found while splitting a container)."""

    label: str
    kind: str
    path: Path
    payload: Any = None
    members: tuple[Path, ...] = ()


def base_name(name: str) -> str:
    """A file name without its known suffixes: ``vote.jpg.txt`` → ``vote``."""
    while True:
        stem, dot, suffix = name.rpartition(".")
        if not dot or not stem or f".{suffix.lower()}" not in _KNOWN_SUFFIXES:
            return name
        name = stem


def _head(path: Path, size: int = 4096) -> bytes:
    """The first bytes of a file, decompressed when it is gzipped ("" when unreadable)."""
    try:
        with path.open("rb") as raw:
            head = raw.read(size)
            if head[:2] != b"\x1f\x8b":
                return head
            head += raw.read(16 * size)
        # The first gzip member only, and as much of it as is there: a cut-off file still shows
        # what it is, and its reader reports the cut.
        return zlib.decompressobj(wbits=31).decompress(head, size)
    except (OSError, zlib.error):
        return b""


def _opened(path: Path):
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else path.open("rb")


def _warc_units(path: Path) -> Iterator[Unit]:
    last = 0
    with path.open("rb") as stream:
        for page in iter_records(stream):
            if page.number == 0:
                yield Unit(f"{path}#{last + 1}", "rejected", path, page.reason)
                return
            last = page.number
            label = f"{path}#{page.number}"
            yield Unit(label, "rejected" if page.reason else "page", path,
                       page.reason or page)


def _json_lines_units(path: Path) -> Iterator[Unit]:
    try:
        with _opened(path) as stream:
            for number, line in enumerate(stream, start=1):
                if line.strip():
                    yield Unit(f"{path}#{number}", "record", path, line[:MAX_JSON_LINE])
    except (OSError, EOFError, zlib.error) as exc:
        yield Unit(f"{path}", "rejected", path, f"cannot read to the end: {exc}")


def _json_array_units(path: Path) -> Iterator[Unit]:
    if path.stat().st_size > MAX_INPUT_BYTES:
        yield Unit(str(path), "rejected", path, "JSON array larger than 64 MiB: use JSON Lines")
        return
    try:
        with _opened(path) as stream:
            records = json.loads(stream.read(MAX_INPUT_BYTES + 1))
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        yield Unit(str(path), "rejected", path, f"not valid JSON ({exc})")
        return
    except RecursionError:
        yield Unit(str(path), "rejected", path, "JSON nested too deeply to hold story records")
        return
    for number, record in enumerate(records, start=1):
        yield Unit(f"{path}#{number}", "record", path, record)


def _is_json_lines(head: bytes) -> bool:
    first, newline, _ = head.partition(b"\n")
    if not newline:
        return False
    try:
        return isinstance(json.loads(first), dict)
    except (ValueError, RecursionError):
        return False


def file_units(path: Path) -> Iterator[Unit]:
    """The units one file gives: its records when it is a container, else the file itself."""
    head = _head(path) if path.is_file() else b""
    text_head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if looks_like_warc(head):
        yield from _warc_units(path)
    elif text_head.startswith(b"["):
        yield from _json_array_units(path)
    elif text_head.startswith(b"{") and _is_json_lines(text_head):
        yield from _json_lines_units(path)
    else:
        yield Unit(str(path), "file", path)


def _folder_units(folder: Path, names: list[str]) -> Iterator[Unit]:
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(base_name(name), []).append(name)
    for group in groups.values():
        paths = [folder / name for name in group]
        if len(paths) > 1 and any(sniff_image(_head(p, 16)) for p in paths):
            yield Unit(str(paths[0]), "bundle", folder, members=tuple(paths))
            continue
        for path in paths:
            yield from file_units(path)


def unsafe_entry(path: Path, top: Path) -> str:
    """Why a file or folder found while walking the input folder ``top`` (a real path) is not
    read, or "": a symbolic link that leads outside ``top`` (or nowhere), a link to a folder
    (never followed, so nothing is read twice or in a loop), or something that is not a regular
    file (a named pipe would block the run). Files named on the command line are always read."""
    if path.is_symlink():
        target = Path(os.path.realpath(path))  # never raises, even on a loop of links
        if not target.exists():
            return f"broken symbolic link (to {str(path.readlink())!r})"
        if not target.is_relative_to(top):
            return f"symbolic link to {str(target)!r}, outside the input folder: not followed"
        if target.is_dir():
            return f"symbolic link to the folder {str(target)!r}: not followed"
    elif not path.is_file() and not path.is_dir():
        return "not a regular file (a device, socket or named pipe)"
    return ""


def _walk(folder: Path) -> Iterator[Unit]:
    top = Path(os.path.realpath(folder))
    for root, dirs, files in os.walk(folder):
        unsafe = set()
        for name in sorted(dirs) + sorted(files):
            path = Path(root, name)
            reason = "" if name.startswith(".") else unsafe_entry(path, top)
            if reason:
                unsafe.add(name)
                yield Unit(str(path), "rejected", path, reason)
        dirs[:] = sorted(d for d in dirs
                         if not d.startswith(".") and not Path(root, d).is_symlink())
        names = sorted(n for n in files if not n.startswith(".") and not _FOLDER_DOCS.match(n)
                       and n not in unsafe)
        yield from _folder_units(Path(root), names)


def iter_units(paths: Iterable[Path]) -> Iterator[Unit]:
    """Units of files named and of files under folders named: recursively, sorted, skipping
    hidden files and each folder's own README/LICENSE files, and reporting (not reading) what a
    folder holds that is not safe to read (:func:`unsafe_entry`)."""
    for path in paths:
        if path.is_dir():
            yield from _walk(path)
        else:
            yield from file_units(path)
