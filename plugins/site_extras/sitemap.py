"""``sitemap.xml`` (split into files of at most 50,000 URLs under an index) and ``robots.txt``.

The URL list comes from the finished output folder, so every page any plugin wrote is in it,
except a page whose head asks search engines not to index it (``<meta name="robots"
content="noindex">``: the 404 page, a hidden story); an article's ``lastmod`` is read back
from its ``article:modified_time`` tag. Reading every page back cost ~6 s at 20,000 stories
on each build, so the tags found (and the pages left out) are kept in a small cache
(``sitemap-lastmod.json`` in ``CACHE_PATH``) keyed by each file's size and modification time:
a rebuild reads only the pages that were written again. With the ``render_pool`` writer even
those are not read back: the tag is taken from each page's bytes while they are in memory
(``page_fact``, through render_pool's ``page_facts`` signal) and handed over with the file's
stamp (``LastModifiedCache.learn``); reading back 34,000 pages after a clean 20k build cost
~1.4 s.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
MODIFIED = re.compile(rb'<meta property="article:modified_time" content="(\d{4}-\d{2}-\d{2})')
# A page that asks search engines not to index it (a hidden story) is left out; the 404
# page is left out by its name too, whatever its template says (SKIPPED_FILES).
NOINDEX = re.compile(rb'<meta name="robots" content="[^"]*\bnoindex\b')
SKIPPED_DIRS = ("pagefind/", "theme/", "images/", "feeds/")
SKIPPED_FILES = ("404.html",)


def _html_files(folder: str, prefix: str) -> Iterator[tuple[str, os.DirEntry]]:
    with os.scandir(folder) as entries:
        for entry in entries:
            relative = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if (relative + "/").startswith(SKIPPED_DIRS):
                    continue
                yield from _html_files(entry.path, relative + "/")
            elif in_sitemap(relative):
                yield relative, entry


def page_files(output: Path) -> list[str]:
    """Every HTML page in the output that belongs in a sitemap, as sorted relative paths."""
    return sorted(relative for relative, _entry in _html_files(str(output), ""))


def page_url(relative: str) -> str:
    return relative[: -len("index.html")] if relative.endswith("index.html") else relative


HEAD_BYTES = 8192  # the tag is in <head>: only the start of a page is searched


def modified_in(data: bytes) -> str | None:
    """The page's ``lastmod`` ("" when it has none); None when it is not to be listed."""
    if NOINDEX.search(data, 0, HEAD_BYTES):
        return None
    match = MODIFIED.search(data, 0, HEAD_BYTES)
    return match[1].decode() if match else ""


def last_modified(path: Path) -> str | None:
    with path.open("rb") as handle:
        return modified_in(handle.read(HEAD_BYTES))


def in_sitemap(relative: str) -> bool:
    """Would ``page_files`` list this output-relative path?"""
    return (
        relative.endswith(".html")
        and relative not in SKIPPED_FILES
        and not relative.startswith(SKIPPED_DIRS)
    )


def page_fact(relative: str, data: bytes, stat: os.stat_result) -> list | None:
    """A written page's cache entry, from its bytes: ``[size, mtime_ns, lastmod]``."""
    if not in_sitemap(relative):
        return None
    return [stat.st_size, stat.st_mtime_ns, modified_in(data)]


class LastModifiedCache:
    """``last_modified`` of each page, remembered by (size, mtime_ns) between builds."""

    VERSION = 1

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.old: dict[str, list] = {}
        self.new: dict[str, list] = {}
        if path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("version") == self.VERSION:
                    self.old = data["pages"]
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self.old = {}  # missing or damaged: every page is read once
        # What the file holds (``old`` also takes this build's learnt entries): the file is
        # rewritten only when the pages' entries differ from it.
        self.saved = dict(self.old)

    def learn(self, entries: dict[str, list]) -> None:
        """Entries for pages written in this build (``page_fact``): still checked against
        each file's stamp, so a page changed since is read again."""
        self.old.update(entries)

    def lookup(self, relative: str, path: str, stat: os.stat_result) -> str | None:
        stamp = [stat.st_size, stat.st_mtime_ns]
        known = self.old.get(relative)
        if isinstance(known, list) and len(known) == 3 and known[:2] == stamp:
            modified = known[2]
        else:
            modified = last_modified(Path(path))
        self.new[relative] = [*stamp, modified]
        return modified

    def save(self) -> None:
        # Compared with the file, not with ``old``: after a clean build every entry was
        # learnt, ``new`` equals ``old``, and the file must still be written, or the next
        # build reads every page back (34,000 at 20k stories, ~1 s).
        if self.path is None or self.new == self.saved:
            return
        text = json.dumps({"version": self.VERSION, "pages": self.new}, separators=(",", ":"))
        _atomic_write_text(self.path, text)


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def url_entries(
    output: Path,
    base: str,
    cache: LastModifiedCache | None = None,
    listing: dict[str, os.stat_result] | None = None,
) -> Iterator[str]:
    """``listing``: every HTML file of the finished output (relative POSIX path → its
    ``os.stat``), when the search index has just listed them; else the folder is walked."""
    cache = cache or LastModifiedCache(None)
    if listing is None:
        pages = [(rel, entry.path, entry.stat()) for rel, entry in _html_files(str(output), "")]
    else:
        root = str(output)
        pages = [(rel, f"{root}/{rel}", st) for rel, st in listing.items() if in_sitemap(rel)]
    for relative, path, status in sorted(pages, key=lambda item: item[0]):
        loc = f"<loc>{escape(base + '/' + page_url(relative))}</loc>"
        modified = cache.lookup(relative, path, status)
        if modified is None:  # noindex
            continue
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


def write_sitemaps(
    output: Path,
    base: str,
    limit: int,
    cache_path: Path | None = None,
    learnt: dict[str, list] | None = None,
    listing: dict[str, os.stat_result] | None = None,
) -> int:
    """Write the sitemap(s) and robots.txt into ``output``; return the number of URLs.
    ``cache_path``: where the pages' ``lastmod`` values are kept between builds; ``learnt``:
    entries for pages written in this build (``page_fact``), so they are not read back;
    ``listing``: the output's HTML files, already listed (``url_entries``)."""
    entries: list[str] = []
    if base:
        cache = LastModifiedCache(cache_path)
        cache.learn(learnt or {})
        entries = list(url_entries(output, base, cache, listing))
        for name, text in sitemap_files(entries, base, limit).items():
            _atomic_write_text(output / name, text)
        cache.save()
    _atomic_write_text(output / "robots.txt", robots_txt(base))
    return len(entries)
