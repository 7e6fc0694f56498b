"""Responsive image variants: planned from a picture's size, encoded once per content hash.

A picture under ``content/images/`` gets a JPEG and a WebP variant at each configured width
below its own (plus its own width, capped at the largest configured one). Variants are named
by the picture's content hash and the width, and encoded into a cache folder whose name
records everything that changes the bytes (quality, Pillow version): an unchanged picture is
never re-encoded, and a build only copies cached files into the output. Encoding is
deterministic (fixed quality, no metadata, no timestamps), so two builds write the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import PIL
from PIL import Image

HEX_NAME = re.compile(r"^[0-9a-f]{64}$")
FORMATS = {"JPEG": "jpg", "WEBP": "webp"}


class ImageVariantError(Exception):
    """A picture could not be read or encoded."""


@dataclass(frozen=True, slots=True)
class Variant:
    path: str  # relative to the output folder, POSIX
    width: int
    height: int
    format: str  # "JPEG" or "WEBP"


@dataclass(frozen=True, slots=True)
class Picture:
    """One archived picture and its variants, as templates use it."""

    source: str  # relative to the content folder (and, copied by STATIC_PATHS, the output)
    digest: str
    width: int
    height: int
    variants: tuple[Variant, ...]

    def of(self, fmt: str) -> tuple[Variant, ...]:
        return tuple(v for v in self.variants if v.format == fmt)

    @property
    def webp(self) -> tuple[Variant, ...]:
        return self.of("WEBP")

    @property
    def jpeg(self) -> tuple[Variant, ...]:
        return self.of("JPEG")

    @property
    def fallback(self) -> Variant:
        """The JPEG for browsers without srcset: the largest at most 1024 pixels wide."""
        jpegs = self.jpeg
        fitting = [v for v in jpegs if v.width <= 1024]
        return fitting[-1] if fitting else jpegs[0]

    @property
    def thumb(self) -> Variant:
        return self.jpeg[0]


def parse_size(value: str | None) -> tuple[int, int] | None:
    """``"1200x800"`` → ``(1200, 800)``; None for anything else."""
    match = re.fullmatch(r"\s*(\d{1,6})\s*[x×]\s*(\d{1,6})\s*", value or "")
    if not match:
        return None
    width, height = int(match[1]), int(match[2])
    return (width, height) if width and height else None


def content_digest(path: Path) -> str:
    """The picture's SHA-256: its name when the importer named it so, else hashed."""
    if HEX_NAME.match(path.stem):
        return path.stem
    return hashlib.sha256(path.read_bytes()).hexdigest()


def variant_widths(width: int, widths: tuple[int, ...]) -> tuple[int, ...]:
    smaller = [w for w in sorted(widths) if w < width]
    return (*smaller, min(width, max(widths)))


def plan_picture(
    source: str, size: tuple[int, int], digest: str, widths: tuple[int, ...], folder: str
) -> Picture:
    width, height = size
    variants = []
    for fmt, ext in FORMATS.items():
        for w in variant_widths(width, widths):
            h = max(1, round(height * w / width))
            name = f"{folder}/{digest[:2]}/{digest[:20]}-{w}w.{ext}"
            variants.append(Variant(name, w, h, fmt))
    return Picture(source, digest, width, height, tuple(variants))


def read_size(path: Path) -> tuple[int, int]:
    """Width and height from the file's header (Pillow opens lazily: nothing is decoded)."""
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageVariantError(f"{path}: not a readable image ({exc})") from exc


def encoder_key(quality: int) -> str:
    """Names the cache subfolder: a new Pillow or a new quality means new bytes."""
    return f"q{quality}-pillow{PIL.__version__}"


def encode(source: Path, variant: Variant, quality: int) -> bytes:
    try:
        with Image.open(source) as image:
            image.draft("RGB", (variant.width, variant.height))  # JPEG: decode at a smaller scale
            picture = image.convert("RGBA" if _has_alpha(image) else "RGB")
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageVariantError(f"{source}: not a readable image ({exc})") from exc
    picture = picture.resize((variant.width, variant.height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if variant.format == "JPEG":
        if picture.mode == "RGBA":
            flat = Image.new("RGB", picture.size, (255, 255, 255))
            flat.paste(picture, mask=picture.getchannel("A"))
            picture = flat
        picture.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    else:
        picture.save(out, "WEBP", quality=quality, method=4)
    return out.getvalue()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def materialise(picture: Picture, content: Path, cache: Path, output: Path, quality: int) -> int:
    """Put every variant of ``picture`` into ``output``; return how many had to be encoded."""
    encoded = 0
    folder = cache / encoder_key(quality)
    for variant in picture.variants:
        cached = folder / variant.path
        if not cached.exists():
            data = encode(content / picture.source, variant, quality)
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_name(cached.name + ".part")
            partial.write_bytes(data)
            partial.replace(cached)
            encoded += 1
        target = output / variant.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, target)
    return encoded
