"""Pictures into the content folder: checked, upright, named by their content's hash.

An image is stored as ``images/<sha256[:2]>/<sha256>.<ext>`` under the content folder, so the
same picture imported twice is one file and a name never depends on the input's name. A picture
whose EXIF orientation asks for a rotation is rotated and re-encoded (deterministically: fixed
quality, no timestamps); any other picture is copied byte for byte. Pillow's decompression-bomb
limit stays on: an image over it is refused, never decoded.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from newsarchive.errors import InputRejected

IMAGES_DIR = "images"
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_ORIENTATION = 0x0112


@dataclass(frozen=True, slots=True)
class StoredImage:
    """A picture ready to be written: its path relative to the content folder and its bytes."""

    path: str
    data: bytes
    width: int
    height: int


def open_image(data: bytes) -> Image.Image:
    """The image these bytes hold, checked; ``InputRejected`` when it is none we accept."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise InputRejected(f"a {image.format} image; JPEG, PNG or WebP expected")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputRejected(f"image too large to decode safely ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputRejected(f"not a readable image ({exc})") from exc
    return image


def _upright(image: Image.Image, data: bytes) -> tuple[bytes, Image.Image]:
    """The bytes to store: the original, or a rotated re-encoding when EXIF asks for one."""
    if image.getexif().get(_ORIENTATION, 1) in (0, 1):
        return data, image
    rotated = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    options: dict[str, object] = {"format": image.format}
    if image.format == "JPEG":
        options.update(quality=92, subsampling=0)
        if rotated.mode not in ("RGB", "L", "CMYK"):
            rotated = rotated.convert("RGB")
    if image.info.get("icc_profile"):
        options["icc_profile"] = image.info["icc_profile"]
    rotated.save(out, **options)
    return out.getvalue(), rotated


def prepare_image(data: bytes) -> StoredImage:
    """Check, turn upright and name one picture; nothing is written yet."""
    image = open_image(data)
    stored, upright = _upright(image, data)
    digest = hashlib.sha256(stored).hexdigest()
    path = f"{IMAGES_DIR}/{digest[:2]}/{digest}.{FORMATS[image.format]}"
    return StoredImage(path, stored, upright.width, upright.height)


def write_image(content_dir: Path, image: StoredImage) -> None:
    """Write the picture into the content folder unless the same bytes are already there."""
    from newsarchive.content import atomic_write

    target = content_dir / image.path
    if not target.exists():
        atomic_write(target, image.data, durable=False)
