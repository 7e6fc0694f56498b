"""What the content folder already holds, keyed every way an import looks a story up.

Built once per run from the files' headers and bodies, then kept up to date as stories are
written. Every lookup is a dictionary access or an LSH bucket probe, so an import costs the
same per story whether the archive holds a hundred stories or a million.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from newsarchive.content import iter_content, parse_generated, parse_photos_field, split_file
from newsarchive.dedup import NearDuplicateIndex, Signature, signature
from newsarchive.work import caption_key

Observer = Callable[[Path, dict[str, str], str], None]  # (path, fields as written, plain text)


def key_id(key: str) -> str:
    """The short hash of a story key that files record in ``Generated``."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _key_from_fields(meta: dict[str, str]) -> str:
    """A file's story key: recorded in ``Generated``, else rebuilt from URL or source + day +
    title (files written before ``Generated`` existed)."""
    recorded = parse_generated(meta.get("Generated", "")).get("key")
    if recorded:
        return recorded
    if meta.get("Original_Url"):
        return key_id(meta["Original_Url"])
    day = meta.get("Date", "")[:10]
    title = " ".join(meta.get("Title", "").split()).lower()
    return key_id("|".join((meta.get("Source", "").lower(), day, title)))


_ESCAPES = re.compile(r"\\(.)")


def plain_body(body: str) -> str:
    """A content file's Markdown body back as the plain text it was written from."""
    text = re.sub(r"(?m)^## ", "", body)
    return html.unescape(_ESCAPES.sub(r"\1", text))


def captions_of(meta: dict[str, str]) -> list[str]:
    """Every photo caption a content file carries (lead and ``Photos``)."""
    captions = [meta.get("Caption", "")]
    captions += [p.get("caption", "") for p in parse_photos_field(meta.get("Photos", ""))]
    return [c for c in captions if c]


@dataclass(slots=True)
class ContentIndex:
    root: Path
    by_key: dict[str, Path] = field(default_factory=dict)
    by_slug: dict[str, Path] = field(default_factory=dict)
    by_fingerprint: dict[str, Path] = field(default_factory=dict)
    by_caption: dict[str, Path] = field(default_factory=dict)
    near: NearDuplicateIndex = field(default_factory=NearDuplicateIndex)

    @classmethod
    def scan(cls, root: Path, observe: Observer | None = None) -> ContentIndex:
        """Index every content file; ``observe`` (if any) sees each one's fields and plain
        text in the same pass (the topic feedback collector)."""
        index = cls(root)
        for path in iter_content(root):
            meta, body = split_file(path.read_text(encoding="utf-8", errors="replace"))
            text = plain_body(body)
            index.add(path, meta, signature(text))
            if observe is not None:
                observe(path, meta, text)
        return index

    def add(self, path: Path, meta: dict[str, str], sig: Signature) -> None:
        """Index one file by its fields (as written: ``Title``, ``Slug``, …) and signature."""
        self.by_slug.setdefault(meta.get("Slug", path.stem), path)
        self.by_key.setdefault(_key_from_fields(meta), path)
        if meta.get("Fingerprint"):
            self.by_fingerprint.setdefault(meta["Fingerprint"], path)
        stories_only = meta.get("Kind") != "photo"  # a photo item never adopts another photo
        for caption in captions_of(meta) if stories_only else ():
            if caption_key(caption):
                self.by_caption.setdefault(caption_key(caption), path)
        if sig:
            self.near.add(path, sig)
