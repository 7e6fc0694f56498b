"""The worker side of an import: one unit in, read + classify + sign, outcomes out.

Pure with respect to the content folder (nothing is written here), so units can be handled in
any process; the parent (:mod:`newsarchive.importer`) looks outcomes up in the content index and
writes files in input order.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from newsarchive.article import Article, Photo
from newsarchive.classify import Labels, classify
from newsarchive.content import fingerprint, markdown_body, plain_body, render
from newsarchive.dedup import Signature, shingle_words, signature
from newsarchive.errors import InputRejected
from newsarchive.formats import MAX_INPUT_BYTES, detect, sniff_image
from newsarchive.images import StoredImage, open_image, prepare_image
from newsarchive.readers.json_records import parse_record, read_record
from newsarchive.readers.photo import image_info, photo_article, sidecar_info, to_photo
from newsarchive.readers.warc import read_page
from newsarchive.text import headline_from_lead, slugify
from newsarchive.topic_feedback import story_words
from newsarchive.units import Unit

log = logging.getLogger(__name__)

MAX_SIDECAR = 4096  # a text or JSON file this small beside a picture that is not a story


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one input item.

    ``article`` set: a story to store (``deferred`` for a photo item, stored after the stories
    so it can join one by its caption). ``attached_to`` set: a picture or caption file that
    joined that item. Neither: rejected for ``reason``.
    """

    label: str
    article: Article | None = None
    labels: Labels | None = None
    reason: str = ""
    attached_to: str = ""
    images: tuple[StoredImage, ...] = ()
    signature: Signature = ()
    deferred: bool = False
    # For the importer's cache, how the story's content file will read back (computed here, in
    # the worker, so the parent does not): the signature of its plain body text, () when it is
    # ``signature`` (the body reads back as the story's text, as it nearly always does), and
    # the body's words as topic feedback counts them (space-separated).
    file_signature: Signature = ()
    body_words: str | None = None
    markdown: str | None = None  # content.markdown_body(article), so the parent need not
    fingerprint: str = ""  # content.fingerprint(article): the parent's duplicate check
    # (slug, the content file's text) for a new story under its base slug, which is what the
    # parent writes unless the slug is taken or an existing file's edits are kept.
    rendered: tuple[str, str] | tuple[()] = ()


def caption_key(caption: str) -> str:
    """Equal for the same caption text however it was spaced, cased or punctuated."""
    words = re.findall(r"\w+", caption.lower())
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:16] if len(words) >= 4 else ""


def read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise InputRejected("no such file")
    size = path.stat().st_size
    if size == 0:
        raise InputRejected("empty file (0 bytes)")
    if size > MAX_INPUT_BYTES:
        raise InputRejected(f"file too large ({size} bytes; the limit is {MAX_INPUT_BYTES})")
    return path.read_bytes()


def read_story(path: Path, data: bytes) -> Article:
    reader, payload = detect(path, data)
    article = reader(payload, origin=str(path))
    return dataclasses.replace(article, scraped_sha256=hashlib.sha256(data).hexdigest())


def read_photo(data: bytes, sidecar: bytes = b"") -> tuple[Photo, StoredImage]:
    """A picture's ``Photo`` (caption parsed) and the image ready to store."""
    info = image_info(open_image(data))
    if sidecar:
        info = sidecar_info(sidecar).merged(info)
    stored = prepare_image(data)
    return to_photo(info, stored.path, stored.width, stored.height), stored


def finished(label: str, article: Article, images: tuple[StoredImage, ...] = (),
             deferred: bool = False) -> Outcome:
    """Classify a story and sign its text: the CPU-heavy part of an import."""
    labelled, labels = classify(article)
    text = labelled.text
    markdown = markdown_body(labelled)
    plain = plain_body(markdown)
    # The body nearly always reads back with the story's words (only spacing and headings
    # differ): then it is signed once.
    words = shingle_words(text)
    plain_words = words if plain == text else shingle_words(plain)
    slug = base_slug(labelled)
    printed = fingerprint(labelled)  # render() asks for it too: computed once (memoised)
    return Outcome(label, labelled, labels, images=images, signature=signature(text, words),
                   deferred=deferred,
                   file_signature=() if plain_words == words else signature(plain, plain_words),
                   body_words=" ".join(story_words("", plain)), markdown=markdown,
                   fingerprint=printed, rendered=(slug, render(labelled, slug, None, markdown)))


def base_slug(article: Article) -> str:
    """A story's slug before it is made unique: its title's, or, for a title with nothing
    transliterable (emoji, symbols), words borrowed from the lead."""
    lead = article.paragraphs[0] if article.paragraphs else ""
    return slugify(article.title) or slugify(headline_from_lead(lead)) or "story"


def _single(unit: Unit) -> Outcome:
    if unit.kind == "record":
        raw = unit.payload
        # A JSON Lines record is the line's bytes; an array's element is already parsed.
        record = parse_record(raw) if isinstance(raw, bytes) else raw
        if not isinstance(record, dict):
            raise InputRejected(f"a JSON {type(record).__name__}, not an object with story fields")
        article = read_record(record, origin=unit.label)
        sha = hashlib.sha256(raw if isinstance(raw, bytes) else repr(raw).encode()).hexdigest()
        return finished(unit.label, dataclasses.replace(article, scraped_sha256=sha))
    if unit.kind == "page":
        article = read_page(unit.payload, origin=unit.label)
        sha = hashlib.sha256(unit.payload.payload).hexdigest()
        return finished(unit.label, dataclasses.replace(article, scraped_sha256=sha))
    if unit.kind == "rejected":
        raise InputRejected(unit.payload)
    data = read_bytes(unit.path)
    if sniff_image(data[:16]):
        photo, stored = read_photo(data)
        item = photo_article(photo, origin=unit.label)
        item = dataclasses.replace(item, scraped_sha256=hashlib.sha256(data).hexdigest())
        return finished(unit.label, item, (stored,), deferred=True)
    return finished(unit.label, read_story(unit.path, data))


def process(unit: Unit) -> list[Outcome]:
    """The outcomes of one unit (several for a bundle), rejections included.

    A bug in a reader must not stop the batch either: any other exception rejects the unit
    with its name in the reason, and is logged with its traceback.
    """
    try:
        return bundle_outcomes(unit) if unit.kind == "bundle" else [_single(unit)]
    except InputRejected as exc:
        return [Outcome(unit.label, reason=exc.reason)]
    except OSError as exc:
        return [Outcome(unit.label, reason=f"cannot read: {exc.strerror or exc}")]
    except Exception as exc:
        log.exception("%s: unexpected error while reading", unit.label)
        detail = " ".join(str(exc).split())[:160]
        return [Outcome(unit.label, reason=f"internal error while reading "
                        f"({type(exc).__name__}: {detail}); please report it")]


def process_batch(units: list[Unit]) -> list[list[Outcome]]:
    return [process(unit) for unit in units]


# --- bundles: a story and its pictures -----------------------------------------------------


def _sidecar_for(image: Path, images: list[Path], sidecars: dict[Path, bytes]) -> bytes:
    """The caption file of a picture: ``NAME.jpg.txt`` first, then ``NAME.txt``/``NAME.json``
    (a caption file named after another picture of the bundle is that picture's)."""
    own = [p for p in sidecars if p.name.startswith(f"{image.name}.")]
    shared = [p for p in sidecars if not any(p.name.startswith(f"{i.name}.") for i in images)]
    chosen = sorted(own) or sorted(shared)
    return sidecars[chosen[0]] if chosen else b""


def merge_photo(photos: tuple[Photo, ...], photo: Photo) -> tuple[Photo, ...]:
    """The story's photos with a picture joined: it fills the caption-only photo with the same
    caption (or the first caption-only photo when the picture has no caption), else is added."""
    slots = [i for i, p in enumerate(photos) if not p.image.startswith("images/")]
    key = caption_key(photo.caption)
    match = next((i for i in slots if key and caption_key(photos[i].caption) == key), None)
    if match is None and not photo.caption and slots:
        match = slots[0]
    if match is None:
        return (*photos, photo)
    old = photos[match]
    joined = dataclasses.replace(
        photo, caption=old.caption or photo.caption, credit=old.credit or photo.credit,
        places=tuple(dict.fromkeys((*old.places, *photo.places))))
    return (*photos[:match], joined, *photos[match + 1:])


def bundle_outcomes(unit: Unit) -> list[Outcome]:
    """A story with the pictures that share its base name; pictures alone become photo items."""
    stories: list[tuple[Path, Article]] = []
    sidecars: dict[Path, bytes] = {}
    rejected: list[Outcome] = []
    images = [p for p in unit.members if sniff_image(_head(p))]
    for path in (p for p in unit.members if p not in images):
        try:
            data = read_bytes(path)
        except InputRejected as exc:
            rejected.append(Outcome(str(path), reason=exc.reason))
            continue
        try:
            stories.append((path, read_story(path, data)))
        except InputRejected as exc:
            if len(data) <= MAX_SIDECAR:  # too short for a story: a caption file
                sidecars[path] = data
            else:
                rejected.append(Outcome(str(path), reason=exc.reason))
    photos: list[tuple[Path, Photo, StoredImage, bytes]] = []
    for path in images:
        try:
            data = read_bytes(path)
            sidecar = _sidecar_for(path, images, sidecars)
            photos.append((path, *read_photo(data, sidecar), data))
        except InputRejected as exc:
            rejected.append(Outcome(str(path), reason=exc.reason))
    return _bundle_result(stories, photos, sidecars) + rejected


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read(16)
    except OSError:
        return b""


def _bundle_result(stories, photos, sidecars) -> list[Outcome]:
    outcomes: list[Outcome] = []
    if stories:
        (path, article), *others = stories
        merged = article.photos
        for _, photo, _, _ in photos:
            merged = merge_photo(merged, photo)
        story = dataclasses.replace(article, photos=merged)
        outcomes.append(finished(str(path), story, tuple(p[2] for p in photos)))
        outcomes += [finished(str(p), a) for p, a in others]
        outcomes += [Outcome(str(p[0]), attached_to=str(path)) for p in photos]
        outcomes += [Outcome(str(p), attached_to=str(path)) for p in sidecars]
        return outcomes
    for path, photo, stored, data in photos:
        try:
            item = photo_article(photo, origin=str(path))
        except InputRejected as exc:
            outcomes.append(Outcome(str(path), reason=exc.reason))
            continue
        item = dataclasses.replace(item, scraped_sha256=hashlib.sha256(data).hexdigest())
        outcomes.append(finished(str(path), item, (stored,), deferred=True))
    first = str(photos[0][0]) if photos else ""
    outcomes += [Outcome(str(p), attached_to=first) if first else
                 Outcome(str(p), reason="caption file with no picture") for p in sidecars]
    return outcomes
