"""Links that work from disk: rewrite a built site's HTML and CSS for ``file://`` browsing.

Opened from a file manager, ``topic/x/`` shows a directory listing and ``/theme/site.css``
points at the root of the drive. :func:`rewrite_html` edits only the start tags that need it
(the rest of each document is kept byte for byte):

* every internal link or resource names a file: ``…/`` and extension-less folders become
  ``…/index.html``, query strings and fragments kept; root-relative URLs, and absolute ones
  under the hosted ``SITEURL`` (as on a 404 page), become relative;
* ``<link rel=canonical>`` and ``og:url``, where the theme has them, name the hosted page
  (``SITEURL`` + the page's URL);
* an external resource (``<img src="https://…">``, a stylesheet, a script) is dropped, since
  the offline edition must make no requests; external *links* (``<a href>``) stay;
* ``<script type=module src>`` (refused by browsers on ``file://``) becomes ``<script defer
  src>``; the report names the script so the build can turn it into a classic script;
* optional extra markup (the offline search runtime) goes before ``</head>``.

:func:`scan_text` is the independent check used by the build and the tests: no root-relative
or external URL that a browser would request, in HTML, CSS or JS.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit, urlunsplit

# Attributes holding one URL; the first set navigates, the second loads a resource.
NAVIGATION = {("a", "href"), ("area", "href"), ("form", "action")}
RESOURCE = {
    ("link", "href"), ("img", "src"), ("script", "src"), ("iframe", "src"), ("source", "src"),
    ("video", "src"), ("video", "poster"), ("audio", "src"), ("track", "src"), ("embed", "src"),
    ("object", "data"), ("input", "src"), ("image", "href"), ("use", "href"),
}  # fmt: skip
SRCSET = {("img", "srcset"), ("source", "srcset")}
CANONICAL_RELS = {"canonical"}
CANONICAL_PROPERTIES = {"og:url"}
# A link whose rel says it is metadata about the page rather than a request the browser makes.
METADATA_RELS = {"canonical", "alternate", "author", "license", "me", "external", "nofollow"}

_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]*)\1\s*\)|@import\s+(['\"])([^'\"]+)\3")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass
class PageReport:
    """What rewriting one page changed or could not resolve (site-relative paths)."""

    broken: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)  # module scripts made classic + deferred


@dataclass(frozen=True)
class SitePage:
    """One file of the site: its path from the site root, and how to ask about other files."""

    path: str  # POSIX, e.g. "2017/04/11/slug/index.html"
    exists: Callable[[str], bool]  # a site-relative file path exists
    is_dir: Callable[[str], bool]  # a site-relative folder exists
    hosted: str = ""  # the hosted SITEURL: absolute URLs under it are links into this site

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path)

    def public_url(self) -> str:
        """The page's URL on the hosted site, relative to SITEURL (``2017/04/11/slug/``)."""
        if self.path == "index.html":
            return ""
        if self.path.endswith("/index.html"):
            return self.path[: -len("index.html")]
        return self.path


def local_url(url: str, page: SitePage, report: PageReport) -> str:
    """An internal URL as a relative link to a file; anything else unchanged."""
    if page.hosted and (url == page.hosted or url.startswith(page.hosted + "/")):
        url = url[len(page.hosted) :] or "/"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith("//") or not parts.path:
        return url
    target = _site_path(parts.path, page.folder)
    if target is None:
        report.broken.append(f"{page.path}: {url} (leaves the site)")
        return url
    if target == "" or parts.path.endswith("/") or page.is_dir(target):
        target = posixpath.join(target, "index.html") if target else "index.html"
    if not page.exists(target):
        report.broken.append(f"{page.path}: {url}")
    relative = posixpath.relpath(target, page.folder or ".")
    return urlunsplit(("", "", relative, parts.query, parts.fragment))


def _site_path(path: str, folder: str) -> str | None:
    """``path`` (relative to ``folder``, or root-relative) as a normalised site path."""
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(folder, path)
    normal = posixpath.normpath(joined) if joined else "."
    if normal == ".":
        return ""
    if normal == ".." or normal.startswith("../"):
        return None
    return normal


def is_external(url: str) -> bool:
    return bool(_SCHEME.match(url) and not url.lower().startswith("data:")) or url.startswith("//")


class _TagRewriter(HTMLParser):
    """Collects (start, end, new text) edits of start tags, and where ``</head>`` begins."""

    def __init__(self, source: str, page: SitePage, hosted: str, report: PageReport) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.page = page
        self.hosted = hosted
        self.report = report
        self.edits: list[tuple[int, int, str]] = []
        self.head_end: int | None = None
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._rewrite(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._rewrite(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head" and self.head_end is None:
            self.head_end = self._offset()

    def _rewrite(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        new_attrs = self._new_attrs(tag, attrs)
        if new_attrs != attrs:
            start = self._offset()
            closing = "/>" if raw.rstrip().endswith("/>") else ">"
            self.edits.append((start, start + len(raw), render_tag(tag, new_attrs, closing)))

    def _new_attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> list:
        named = {name: value or "" for name, value in attrs}
        rels = set(named.get("rel", "").lower().split())
        canonical = (tag == "link" and rels & CANONICAL_RELS) or (
            tag == "meta" and named.get("property", "").lower() in CANONICAL_PROPERTIES
        )
        if canonical:
            hosted = f"{self.hosted}/{self.page.public_url()}"
            key = "href" if tag == "link" else "content"
            return [(n, hosted if n == key else v) for n, v in attrs]
        result: list[tuple[str, str | None]] = []
        if tag == "script" and named.get("type", "").lower() == "module" and named.get("src"):
            attrs = self._classic(attrs, named["src"])
        for name, value in attrs:
            if value is None:
                result.append((name, value))
            elif (tag, name) in NAVIGATION:
                result.append((name, local_url(value, self.page, self.report)))
            elif (tag, name) in RESOURCE:
                metadata = tag == "link" and rels and rels <= METADATA_RELS
                value = local_url(value, self.page, self.report)
                if is_external(value) and not metadata:
                    self.report.dropped.append(f"{self.page.path}: <{tag} {name}={value}>")
                    continue
                result.append((name, value))
            elif (tag, name) in SRCSET:
                result.append((name, self._srcset(value)))
            else:
                result.append((name, value))
        return result

    def _classic(self, attrs: list[tuple[str, str | None]], src: str) -> list:
        """``<script type=module src>`` → ``<script defer src>`` (modules do not load from disk)."""
        target = None if is_external(src) else _site_path(urlsplit(src).path, self.page.folder)
        if not target:
            return attrs
        self.report.modules.append(target)
        kept = [(n, v) for n, v in attrs if n not in ("type", "defer", "async")]
        return [*kept, ("defer", None)]

    def _srcset(self, value: str) -> str:
        candidates = []
        for candidate in value.split(","):
            url, _, size = candidate.strip().partition(" ")
            if is_external(url):
                self.report.dropped.append(f"{self.page.path}: srcset {url}")
                continue
            candidates.append(
                " ".join(filter(None, (local_url(url, self.page, self.report), size)))
            )
        return ", ".join(candidates)


def render_tag(tag: str, attrs: list[tuple[str, str | None]], closing: str = ">") -> str:
    parts = [tag]
    for name, value in attrs:
        parts.append(name if value is None else f'{name}="{html.escape(value, quote=True)}"')
    return "<" + " ".join(parts) + closing


def rewrite_html(
    source: str, page: SitePage, hosted: str, head_extra: str = ""
) -> tuple[str, PageReport]:
    """The page with file links, hosted canonical URLs and ``head_extra`` before ``</head>``."""
    report = PageReport()
    parser = _TagRewriter(source, page, hosted.rstrip("/"), report)
    parser.feed(source)
    parser.close()
    edits = list(parser.edits)
    if head_extra:
        if parser.head_end is None:
            raise ValueError(f"{page.path}: no </head> to put the offline scripts before")
        edits.append((parser.head_end, parser.head_end, head_extra))
    text = source
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text, report


def rewrite_css(source: str, page: SitePage) -> tuple[str, PageReport]:
    """``url()`` and ``@import`` targets as relative file paths; external ones reported."""
    report = PageReport()

    def replace(match: re.Match[str]) -> str:
        url = match.group(2) if match.group(2) is not None else match.group(4)
        if not url or url.startswith(("data:", "#")):
            return match.group(0)
        if is_external(url):
            report.dropped.append(f"{page.path}: {url}")
            return match.group(0)
        return match.group(0).replace(url, local_url(url, page, report), 1)

    return _CSS_URL.sub(replace, source), report


# --- The scan: URLs a browser would request from the offline edition ------------------------

# Absolute URLs in Pagefind's scripts and styles that are never requested: XML namespaces,
# a parsing base for relative URLs, and translators' credits.
ALLOWED_IN_SCRIPTS = re.compile(
    r"^https?://(www\.w3\.org/|example\.com\b)|^https://github\.com/[\w-]+>$|^https://[\w.-]+>$"
)
_JS_ROOT_PATH = re.compile(r"[\"'`](/[\w.-]+/[\w./-]*|/[\w-]+\.(?:html|js|css|json|png|jpe?g|svg))")
_ABSOLUTE = re.compile(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'`<)]*>?")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def scan_text(path: str, text: str, hosted: str) -> list[str]:
    """Problems in one HTML, CSS or JS file: root-relative or external URLs that load."""
    suffix = posixpath.splitext(path)[1].lower()
    if suffix in (".html", ".htm"):
        return _scan_html(path, text, hosted)
    if suffix == ".css":
        return _scan_css(path, _COMMENT.sub("", text))
    if suffix in (".js", ".mjs"):
        return _scan_js(path, _COMMENT.sub("", text))
    return []


def _scan_html(path: str, text: str, hosted: str) -> list[str]:
    found: list[str] = []

    class Scanner(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            named = {name: value or "" for name, value in attrs}
            rels = set(named.get("rel", "").lower().split())
            for name, value in named.items():
                where = f"{path}: <{tag} {name}={value!r}>"
                if value.startswith("/") and not value.startswith("//"):
                    found.append(f"root-relative URL {where}")
                elif (tag, name) in RESOURCE | SRCSET and is_external(value):
                    if not (tag == "link" and rels and rels <= METADATA_RELS):
                        found.append(f"external resource {where}")
                elif rels & CANONICAL_RELS and name == "href" and not value.startswith(hosted):
                    found.append(f"canonical not on {hosted} {where}")
                elif (tag, name) in NAVIGATION and not is_external(value):
                    target = urlsplit(value).path
                    if target and not posixpath.splitext(target)[1]:
                        found.append(f"link to a folder, not a file {where}")
                elif name == "style":
                    found.extend(_scan_css(where, value))

    Scanner().feed(text)
    for style in re.findall(r"<style[^>]*>(.*?)</style>", text, re.DOTALL | re.IGNORECASE):
        found.extend(_scan_css(path, style))
    return found


def _scan_css(path: str, text: str) -> list[str]:
    found = []
    for match in _CSS_URL.finditer(text):
        url = match.group(2) if match.group(2) is not None else match.group(4)
        if url.startswith("/") or is_external(url):
            found.append(f"{path}: CSS url {url}")
    return found


def _scan_js(path: str, text: str) -> list[str]:
    found = [f"{path}: root-relative path {m.group(1)}" for m in _JS_ROOT_PATH.finditer(text)]
    for match in _ABSOLUTE.finditer(text):
        url = match.group(0)
        if not ALLOWED_IN_SCRIPTS.match(url):
            found.append(f"{path}: external URL {url}")
    return found
