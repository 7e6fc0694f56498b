"""Photos: responsive variants for every archived picture, a photo index and a page per photo.

Every article gets ``lead_photo`` (a :class:`Photo` or None) and ``more_photos`` (the numbered
extra pictures from the ``Photos`` field). A photo whose picture is in the content folder
carries a :class:`~variants.Picture` (variants for ``<picture>``/``srcset``) and a page of its
own under ``PHOTOS_URL`` that links back to every story using it. A photo known only by its
caption (or by a web address: the archive does not hotlink) is shown as a marked caption.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from pelican import signals
from pelican.generators import Generator

from .variants import (
    ImageVariantError,
    Picture,
    content_digest,
    materialise,
    parse_size,
    plan_picture,
    read_size,
)

log = logging.getLogger(__name__)

DEFAULTS: dict[str, object] = {
    "PHOTOS_WIDTHS": (320, 640, 1024, 1600),
    "PHOTOS_QUALITY": 80,
    "PHOTOS_CACHE": "cache/images",
    "PHOTOS_VARIANTS_DIR": "images/v",
    "PHOTOS_URL": "photos/",
    "PHOTOS_SAVE_AS": "photos/index.html",
    "PHOTO_URL": "photos/{id}/",
    "PHOTO_SAVE_AS": "photos/{id}/index.html",
    "PHOTOS_PER_PAGE": 48,
}


class PhotosError(Exception):
    """A PHOTOS_* setting is wrong."""


@dataclass(eq=False)
class Photo:
    """A picture (or only its caption) as the templates see it."""

    caption: str
    credit: str
    image: str = ""  # content path or web address as the content file gives it
    picture: Picture | None = None
    id: str = ""
    url: str = ""
    save_as: str = ""
    stories: list = field(default_factory=list)

    @property
    def alt(self) -> str:
        return self.caption or "Photo"


def check_settings(settings: dict) -> None:
    for key, default in DEFAULTS.items():
        settings.setdefault(key, default)
        expected = tuple if isinstance(default, tuple) else type(default)
        value = settings[key]
        if isinstance(value, list) and expected is tuple:
            value = settings[key] = tuple(value)
        if not isinstance(value, expected):
            raise PhotosError(f"{key} must be a {expected.__name__}, not {value!r}")
    widths = settings["PHOTOS_WIDTHS"]
    if not widths or not all(isinstance(w, int) and 16 <= w <= 8192 for w in widths):
        raise PhotosError(f"PHOTOS_WIDTHS must be widths in pixels (16-8192), not {widths!r}")
    if not 1 <= settings["PHOTOS_QUALITY"] <= 100:
        raise PhotosError("PHOTOS_QUALITY must be between 1 and 100")
    for key in ("PHOTO_URL", "PHOTO_SAVE_AS"):
        if "{id}" not in settings[key]:
            raise PhotosError(f"{key} must contain {{id}}")
    settings.setdefault("PAGINATED_TEMPLATES", {}).setdefault("photos", settings["PHOTOS_PER_PAGE"])


def extra_photos(value: str | None, where: str) -> list[dict]:
    """The ``Photos`` field: one line of JSON, a list of {image, caption, credit, size}."""
    if not value:
        return []
    try:
        items = json.loads(value)
    except ValueError:
        log.warning("%s: Photos is not valid JSON; extra photos skipped", where)
        return []
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict)]


class PhotosGenerator(Generator):
    """Plans pictures and photo pages (context), then encodes and writes them (output)."""

    def generate_context(self) -> None:
        self.pictures: dict[str, Picture] = {}
        self.photo_pages: dict[str, Photo] = {}
        self.content_dir = Path(self.path)
        articles = sorted(self.context.get("articles", []), key=lambda a: (a.date, a.slug))
        for article in reversed(articles):  # newest first: a photo page lists newest stories first
            meta = article.metadata
            where = article.source_path
            lead = None
            if meta.get("image") or meta.get("caption"):
                lead = self._photo(meta, where, article)
            article.lead_photo = lead
            article.more_photos = [
                self._photo(item, where, article)
                for item in extra_photos(meta.get("photos"), where)
            ]
        self.context["photo_index"] = list(self.photo_pages.values())

    def _photo(self, fields: dict, where: str, article) -> Photo:
        photo = Photo(
            caption=str(fields.get("caption") or "").strip(),
            credit=str(fields.get("credit") or "").strip(),
            image=str(fields.get("image") or "").strip(),
        )
        size = parse_size(fields.get("image_size") or fields.get("size"))
        photo.picture = self._picture(photo.image, size, where)
        if photo.picture is None:
            return photo
        page = self.photo_pages.get(photo.picture.digest)
        if page is None:
            photo_id = photo.picture.digest[:16]
            photo.id = photo_id
            photo.url = self.settings["PHOTO_URL"].format(id=photo_id)
            photo.save_as = self.settings["PHOTO_SAVE_AS"].format(id=photo_id)
            page = self.photo_pages[photo.picture.digest] = photo
        else:
            photo.id, photo.url, photo.save_as = page.id, page.url, page.save_as
        page.stories.append(article)
        return photo

    def _picture(self, image: str, size: tuple[int, int] | None, where: str) -> Picture | None:
        if not image or "://" in image or image.startswith(("/", "..")):
            return None  # caption only, or a web address: not archived, not hotlinked
        if image in self.pictures:
            return self.pictures[image]
        path = self.content_dir / image
        if not path.is_file():
            log.warning("%s: image %s is not in the content folder; caption only", where, image)
            return None
        try:
            size = size or read_size(path)
        except ImageVariantError as exc:
            log.warning("%s: %s; caption only", where, exc)
            return None
        picture = plan_picture(
            image,
            size,
            content_digest(path),
            self.settings["PHOTOS_WIDTHS"],
            self.settings["PHOTOS_VARIANTS_DIR"],
        )
        self.pictures[image] = picture
        return picture

    def generate_output(self, writer) -> None:
        self._write_variants()
        relative = self.settings["RELATIVE_URLS"]
        photos = self.context["photo_index"]
        if not photos:
            return
        writer.write_file(
            self.settings["PHOTOS_SAVE_AS"],
            self.get_template("photos"),
            self.context,
            relative,
            paginated={"photos": photos},
            template_name="photos",
            url=self.settings["PHOTOS_URL"],
            photos=photos,
        )
        for photo in photos:
            writer.write_file(
                photo.save_as,
                self.get_template("photo"),
                self.context,
                relative,
                url=photo.url,
                photo=photo,
            )

    def _write_variants(self) -> None:
        cache = Path(self.settings["PHOTOS_CACHE"])
        if not cache.is_absolute():
            cache = Path.cwd() / cache  # like Pelican's CACHE_PATH: from where the build runs
        encoded = 0
        for image in sorted(self.pictures):
            try:
                encoded += materialise(
                    self.pictures[image],
                    self.content_dir,
                    cache,
                    Path(self.output_path),
                    self.settings["PHOTOS_QUALITY"],
                )
            except ImageVariantError as exc:
                log.warning("%s", exc)
        log.info("photos: %d pictures, %d variants encoded", len(self.pictures), encoded)


def on_initialized(pelican) -> None:
    check_settings(pelican.settings)


def get_generators(_pelican) -> type[Generator]:
    return PhotosGenerator


def register() -> None:
    signals.initialized.connect(on_initialized)
    signals.get_generators.connect(get_generators)
