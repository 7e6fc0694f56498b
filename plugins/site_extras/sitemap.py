"""``sitemap.xml`` (split into files of at most 50,000 URLs under an index) and ``robots.txt``.

The URL list comes from the finished output folder, so every page any plugin wrote is in it;
an article's ``lastmod`` is read back from its ``article:modified_time`` tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
MODIFIED = re.compile(rb'<meta property="article:modified_time" content="(\d{4}-\d{2}-\d{2})')
SKIPPED_DIRS = ("pagefind/", "theme/", "images/", "feeds/")
SKIPPED_FILES = ("404.html",)


def page_files(output: Path) -> list[str]:
    """Every HTML page in the output that belongs in a sitemap, as sorted relative paths."""
    pages = []
    for path in output.rglob("*.html"):
        relative = path.relative_to(output).as_posix()
        if relative.startswith(SKIPPED_DIRS) or relative in SKIPPED_FILES:
            continue
        pages.append(relative)
    return sorted(pages)


def page_url(relative: str) -> str:
    return relative[: -len("index.html")] if relative.endswith("index.html") else relative


def last_modified(path: Path) -> str:
    with path.open("rb") as handle:
        match = MODIFIED.search(handle.read(8192))
    return match[1].decode() if match else ""


def url_entries(output: Path, base: str) -> Iterator[str]:
    for relative in page_files(output):
        loc = f"<loc>{escape(base + '/' + page_url(relative))}</loc>"
        modified = last_modified(output / relative)
        yield f"<url>{loc}<lastmod>{modified}</lastmod></url>" if modified else f"<url>{loc}</url>"


def _document(root: str, entries: list[str]) -> str:
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{SITEMAP_NS}">'
    return "\n".join([head, *entries, f"</{root}>", ""])


def sitemap_files(entries: list[str], base: str, limit: int) -> dict[str, str]:
    """File name → text: one ``sitemap.xml``, or numbered parts and an index when too many."""
    if len(entries) <= limit:
        return {"sitemap.xml": _document("urlset", entries)}
    files = {}
    for number, start in enumerate(range(0, len(entries), limit), start=1):
        files[f"sitemap-{number}.xml"] = _document("urlset", entries[start : start + limit])
    index = [f"<sitemap><loc>{escape(base + '/' + name)}</loc></sitemap>" for name in files]
    files["sitemap.xml"] = _document("sitemapindex", index)
    return files


def robots_txt(base: str) -> str:
    prefix = urlsplit(base).path.rstrip("/")
    lines = ["User-agent: *", f"Disallow: {prefix}/pagefind/", ""]
    if base:
        lines.append(f"Sitemap: {base}/sitemap.xml")
    return "\n".join(lines) + "\n"


def write_sitemaps(output: Path, base: str, limit: int) -> int:
    """Write the sitemap(s) and robots.txt into ``output``; return the number of URLs."""
    entries = list(url_entries(output, base)) if base else []
    if base:
        for name, text in sitemap_files(entries, base, limit).items():
            (output / name).write_text(text, encoding="utf-8")
    (output / "robots.txt").write_text(robots_txt(base), encoding="utf-8")
    return len(entries)
