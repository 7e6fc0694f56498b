"""Helpers for the reader-page, link and browser tests.

- :func:`reader_site`: the bundled sample archive (``content/``) plus a few generated photos,
  built once per session with the real Pelican CLI (dev settings: relative URLs) and, for the
  published form, with ``publishconf.py`` (absolute URLs).
- :func:`serve`: a stdlib ``http.server`` on 127.0.0.1 and a free port, in a thread.
- :func:`launch_chromium`: Debian's ``/usr/bin/chromium`` under Playwright, fresh profile;
  tests skip with a clear message when it (or Playwright) is absent.
- Screenshots go to ``output-artifacts/screenshots/`` (``NEWSARCHIVE_ARTIFACTS`` to change).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from benchmarks.first_search import serve  # noqa: F401  (re-exported for the tests)
from tests.conftest import ROOT, build_site

CHROMIUM = Path(os.environ.get("NEWSARCHIVE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("NEWSARCHIVE_ARTIFACTS", ROOT / "output-artifacts"))
SCREENSHOTS = ARTIFACTS / "screenshots"
PUBLISHED_URL = "https://archive.example.org/news"

# Stories that get a generated photo in the test site: (slug prefix, size, format, caption?).
PHOTOGRAPHED = (
    ("ghana-lawmakers-approve", (2000, 1333), "JPEG"),
    ("hamburg-voters-back-return", (1600, 1067), "JPEG"),
    ("camera-traps-record-rising", (900, 600), "JPEG"),
    ("in-kenya-s-parched-north", (1200, 800), "PNG"),
    ("severe-coral-bleaching", (1024, 683), "JPEG"),
)
EXTRA_PHOTO_STORY = "hamburg-voters-back-return"


def make_photo(size: tuple[int, int], fmt: str, seed: int) -> bytes:
    """A deterministic picture: a gradient with a few shapes (no randomness, no metadata)."""
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    colours = ((200, 60, 40), (30, 120, 200), (40, 160, 90), (230, 180, 30))
    for i in range(4):
        x = (seed * 97 + i * width // 4) % width
        draw.ellipse((x, height // 4, x + width // 5, height // 4 + height // 3), fill=colours[i])
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


def add_photo(content: Path, story: Path, data: bytes, ext: str, size: tuple[int, int]) -> str:
    digest = hashlib.sha256(data).hexdigest()
    relative = f"images/{digest[:2]}/{digest}.{ext}"
    target = content / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    lines = story.read_text(encoding="utf-8").split("\n")
    header_end = lines.index("")
    header = [line for line in lines[:header_end] if not line.startswith(("Image:", "Image_Size:"))]
    header += [f"Image: {relative}", f"Image_Size: {size[0]}x{size[1]}"]
    if not any(line.startswith("Caption:") for line in header):
        header.append(f"Caption: A generated test picture for {story.stem[:40]}")
        header.append("Credit: TEST/Photographer")
    story.write_text("\n".join(header + lines[header_end:]), encoding="utf-8")
    return relative


def photographed_content(target: Path) -> Path:
    """A copy of the sample archive with photos added to the stories in PHOTOGRAPHED."""
    content = target / "content"
    shutil.copytree(ROOT / "content", content, ignore=shutil.ignore_patterns("images"))
    stories = sorted(content.rglob("*.md"))
    for seed, (prefix, size, fmt) in enumerate(PHOTOGRAPHED):
        story = next(s for s in stories if s.stem.startswith(prefix))
        ext = "jpg" if fmt == "JPEG" else "png"
        add_photo(content, story, make_photo(size, fmt, seed), ext, size)
        if prefix == EXTRA_PHOTO_STORY:
            extra = make_photo((800, 1000), "JPEG", 99)
            digest = hashlib.sha256(extra).hexdigest()
            relative = f"images/{digest[:2]}/{digest}.jpg"
            (content / relative).parent.mkdir(parents=True, exist_ok=True)
            (content / relative).write_bytes(extra)
            photos = [
                {
                    "image": relative,
                    "caption": "A second picture: the old tram depot.",
                    "credit": "TEST/Second",
                    "size": "800x1000",
                },
                {
                    "image": "",
                    "caption": "A third picture, known only by its caption.",
                    "credit": "",
                    "size": "",
                },
            ]
            text = story.read_text(encoding="utf-8").replace(
                "\n\n", f"\nPhotos: {json.dumps(photos)}\n\n", 1
            )
            story.write_text(text, encoding="utf-8")
    return content


def settings_file(target: Path, base: str, cache: Path, **extra: object) -> Path:
    """A settings file importing ``base`` (pelicanconf/publishconf) with test overrides."""
    lines = [
        "import sys",
        f"sys.path.insert(0, {str(ROOT)!r})",
        f"from {base} import *  # noqa",
        f"THEME = {str(ROOT / 'theme')!r}",
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]",
        f"PHOTOS_CACHE = {str(cache)!r}",
    ]
    lines += [f"{key} = {value!r}" for key, value in extra.items()]
    path = target / f"{base}_test.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


_BUILT: dict[str, Path] = {}


def reader_site(tmp_path_factory) -> Path:
    """Build the photographed sample archive once a session: ``dev/`` (relative URLs) and
    ``published/`` (absolute URLs under PUBLISHED_URL)."""
    if "site" in _BUILT:
        return _BUILT["site"]
    base = tmp_path_factory.mktemp("reader")
    content = photographed_content(base)
    cache = base / "cache"
    build_site(content, base / "dev", settings_file(base, "pelicanconf", cache))
    published = settings_file(
        base,
        "publishconf",
        cache,
        SITEURL=PUBLISHED_URL,
        FEED_DOMAIN=PUBLISHED_URL,
        DELETE_OUTPUT_DIRECTORY=False,
    )
    build_site(content, base / "published", published)
    _BUILT["site"] = base
    return base


# --- Serving and the browser ---------------------------------------------------------------


# serve(folder): a stdlib HTTP server on a free port, shared with the benchmarks.


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")


@contextlib.contextmanager
def launch_chromium() -> Iterator[object]:
    """Debian's Chromium under Playwright; Playwright gives it a fresh temporary profile."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield browser
        finally:
            browser.close()


class PageProblems:
    """Console errors, CSP violations, page errors and failed requests seen by a page."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("requestfailed", lambda req: self.errors.append(f"requestfailed: {req.url}"))
        page.on("response", self._response)
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.error("
            "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
        )

    def _console(self, message) -> None:
        if message.type in ("error", "assert") or "Content Security Policy" in message.text:
            self.errors.append(f"console {message.type}: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.url}")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
